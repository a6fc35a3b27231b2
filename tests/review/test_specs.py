"""Every served OpenAPI document on its own, each check parametrised over the APIs `apitwin.discovery.discover()` finds:
valid OpenAPI 3.1, no Jinja2 markers, every example valid against its schema (found and checked by apitwin.review,
the same code as `apitwin lint`), component examples used, examples on success responses and request bodies, links,
and a document schemathesis loads. What one API alone promises is in tests/<api>/test_spec.py."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
import yaml

from apitwin.discovery import discover
from apitwin.plugin import ApiPlugin
from apitwin.review import examples as review_examples
from apitwin.review.openapi import Spec
from tests import openapi_helpers

PLUGINS: dict[str, ApiPlugin] = discover()
NAMES = list(PLUGINS)
assert {"partners", "molgenis"} <= set(NAMES), NAMES   # never an empty parametrisation

# What each API's document promises beyond the default (at least one example and one link).
MIN_EXAMPLES = {"partners": 40, "molgenis": 80}
MIN_LINKS = {"partners": 15, "molgenis": 15}
# Media types of success responses that must carry examples (default: every one). Partners' PDF download has none.
EXAMPLED_MEDIA = {"partners": {"application/json"}}


class Document:
    """One API's spec as parsed YAML (for structure) and as apitwin.review sees it (for examples)."""

    def __init__(self, plugin: ApiPlugin) -> None:
        self.path = plugin.spec_file
        self.text = self.path.read_text(encoding="utf-8")
        self.spec: dict[str, Any] = yaml.safe_load(self.text)
        self.review = Spec.open(str(self.path))

    def deref(self, node: Any) -> Any:
        return openapi_helpers.deref(self.spec, node)

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for path, method, op, _ in openapi_helpers.operations(self.spec):
            yield path, method, op


DOCUMENTS = {name: Document(plugin) for name, plugin in PLUGINS.items()}
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
    assert len(links) >= MIN_LINKS.get(name, 1)


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
