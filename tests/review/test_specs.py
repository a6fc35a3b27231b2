"""Every served OpenAPI document on its own, each check parametrised over the documents of the APIs
`apitwin.discovery.discover()` finds (an API's `extra_specs` too): valid OpenAPI 3.1, no Jinja2 markers, every example
valid against its schema (found and checked by apitwin.review, the same code as `apitwin lint`), component examples
used, examples on success responses and request bodies, links that name real operations and parameters, and a
document schemathesis loads. What one API alone promises is in tests/<api>/test_spec.py."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from apitwin.discovery import discover
from apitwin.plugin import ApiPlugin
from apitwin.review import examples as review_examples
from apitwin.review.openapi import Spec
from tests import openapi_helpers

PLUGINS: dict[str, ApiPlugin] = discover()
# one name per served document: the API's name for its main document, `<api>/<file name>` for each further one
FILES: dict[str, Path] = {(name if index == 0 else f"{name}/{path.name}"): path
                          for name, plugin in PLUGINS.items() for index, path in enumerate(plugin.spec_files)}
NAMES = list(FILES)
assert {"partners", "molgenis", "molgenis/molgenis_v2.yaml"} <= set(NAMES), NAMES   # never an empty parametrisation

# What each document promises beyond the default (at least one example, and one link where it has two operations).
MIN_EXAMPLES = {"partners": 40, "molgenis": 80, "molgenis/molgenis_v2.yaml": 40}
MIN_LINKS = {"partners": 15, "molgenis": 15, "molgenis/molgenis_v2.yaml": 5}
# Media types of success responses that must carry examples (default: every one). Partners' PDF download has none.
EXAMPLED_MEDIA = {"partners": {"application/json"}}


class Document:
    """One served document as parsed YAML (for structure) and as apitwin.review sees it (for examples)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = self.path.read_text(encoding="utf-8")
        self.spec: dict[str, Any] = yaml.safe_load(self.text)
        self.review = Spec.open(str(self.path))

    def deref(self, node: Any) -> Any:
        return openapi_helpers.deref(self.spec, node)

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for path, method, op, _ in openapi_helpers.operations(self.spec):
            yield path, method, op


DOCUMENTS = {name: Document(path) for name, path in FILES.items()}
EXAMPLES = [(name, example) for name in NAMES for example in review_examples.collect(DOCUMENTS[name].review)]


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_valid_openapi_31(name: str) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    spec = DOCUMENTS[name].spec
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


@pytest.mark.parametrize("name", NAMES)
def test_no_jinja_markers(name: str) -> None:
    """Connexion renders spec files with Jinja2 before parsing them: these sequences would be template syntax."""
    for marker in ("{{", "{%", "{#"):
        assert marker not in DOCUMENTS[name].text, f"Jinja2 marker {marker!r} in the spec"


@pytest.mark.parametrize("name", NAMES)
def test_enough_examples(name: str) -> None:
    count = sum(1 for api, _ in EXAMPLES if api == name)
    assert count >= MIN_EXAMPLES.get(name, 1), count


@pytest.mark.parametrize("name, example", EXAMPLES, ids=[f"{name}: {e.label}" for name, e in EXAMPLES])
def test_example_matches_schema(name: str, example: review_examples.Example) -> None:
    errors = review_examples.errors(DOCUMENTS[name].review, example)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", NAMES)
def test_every_component_example_is_used(name: str) -> None:
    doc = DOCUMENTS[name]
    unused = [example for example in doc.spec["components"].get("examples", {})
              if f"#/components/examples/{example}'" not in doc.text]
    assert not unused, unused


@pytest.mark.parametrize("name", NAMES)
def test_every_success_response_and_request_body_has_examples(name: str) -> None:
    doc = DOCUMENTS[name]
    media_needing_examples = EXAMPLED_MEDIA.get(name)
    missing = []
    for path, method, op in doc.operations():
        body = doc.deref(op.get("requestBody", {}))
        for media_type, media in body.get("content", {}).items():
            if not media.get("examples"):
                missing.append(f"{method.upper()} {path} request {media_type}")
        for status, response in op["responses"].items():
            response = doc.deref(response)
            if status.startswith("2"):
                for media_type, media in response.get("content", {}).items():
                    needed = media_needing_examples is None or media_type in media_needing_examples
                    if needed and not media.get("examples"):
                        missing.append(f"{method.upper()} {path} {status} {media_type}")
    for component, response in doc.spec["components"].get("responses", {}).items():
        for media_type, media in response.get("content", {}).items():
            if not media.get("examples"):
                missing.append(f"components/responses/{component} {media_type}")
    assert not missing, missing


@pytest.mark.parametrize("name", NAMES)
def test_links_exist(name: str) -> None:
    doc = DOCUMENTS[name]
    links = [link for _, _, op in doc.operations() for response in op["responses"].values()
             for link in doc.deref(response).get("links", {}).values()]
    # a link leads from one operation to another: a document of one operation has nothing to link to
    assert len(links) >= MIN_LINKS.get(name, 1 if len(list(doc.operations())) > 1 else 0)


def _links() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(document, label, source path, link) for every link of every response."""
    return [(name, f"{name}: {op['operationId']} {status} {link_name}", path, link)
            for name, doc in DOCUMENTS.items() for path, _, op in doc.operations()
            for status, response in op["responses"].items()
            for link_name, link in doc.deref(response).get("links", {}).items()]


LINKS = _links()


@pytest.mark.parametrize("name, label, source_path, link", LINKS, ids=[entry[1] for entry in LINKS])
def test_link_targets_exist(name: str, label: str, source_path: str, link: dict[str, Any]) -> None:
    """A link names an operation of its document, says what it is for, and fills only parameters (and body fields)
    the target has, from the response body or the source's own path parameters."""
    doc = DOCUMENTS[name]
    targets = {op["operationId"]: (op, item) for _, _, op, item in openapi_helpers.operations(doc.spec)}
    assert link.get("operationId") in targets, link.get("operationId")
    assert link.get("description"), label
    target, item = targets[link["operationId"]]
    names = {doc.deref(p)["name"] for p in item.get("parameters", []) + target.get("parameters", [])}
    source_parameters = set(re.findall(r"\{([^}]+)\}", source_path))
    for parameter, expression in link.get("parameters", {}).items():
        assert parameter in names, f"{link['operationId']} has no parameter {parameter}"
        if expression.startswith("$request.path."):
            assert expression.removeprefix("$request.path.") in source_parameters, expression
        else:
            assert expression.startswith("$response.body#/"), expression
    if "requestBody" in link:
        body = doc.deref(doc.deref(target["requestBody"])["content"]["application/json"]["schema"])
        for key in link["requestBody"]:
            assert key in body["properties"], f"{link['operationId']} body has no field {key}"


@pytest.mark.parametrize("name", NAMES)
def test_schemathesis_loads_every_operation_and_link(name: str) -> None:
    import schemathesis
    from schemathesis.core.result import Ok

    doc = DOCUMENTS[name]
    schema = schemathesis.openapi.from_path(str(doc.path))
    results = list(schema.get_all_operations())
    errors = [r.err() for r in results if not isinstance(r, Ok)]
    assert not errors, errors
    assert len(results) == len(list(doc.operations()))
    schema.as_state_machine()  # raises on a link it cannot follow


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_compiles_every_resolved_schema(name: str) -> None:
    """The engine validates request bodies and responses with jsonschema-rs on `$ref`-resolved copies."""
    import json

    import jsonschema_rs
    from apitwin.specs import operation_index

    index = operation_index(DOCUMENTS[name].spec)
    json.dumps(index)  # raises on circular structures
    compiled = 0
    for operation in index.values():
        media_types = list((operation.get("requestBody") or {}).get("content", {}).values())
        for response in operation["responses"].values():
            media_types += list((response.get("content") or {}).values())
        for media in media_types:
            jsonschema_rs.validator_for(media["schema"], validate_formats=True)
            compiled += 1
    assert compiled >= len(list(DOCUMENTS[name].operations())), compiled


@pytest.mark.parametrize("name", NAMES)
def test_connexion_loads_the_3_0_view(name: str) -> None:
    """Connexion 3.3 routes on an in-memory 3.0 view; the handlers need not be importable here (resolver_error)."""
    import connexion
    from apitwin.specs import connexion_view

    view = connexion_view(yaml.safe_load(DOCUMENTS[name].text))
    assert view["openapi"] == "3.0.3"
    app = connexion.AsyncApp(__name__)
    app.add_api(view, resolver_error=501)
