"""specs/molgenis_v2.yaml on its own: valid OpenAPI 3.1 for `apitwin lint` (0 findings), every example valid against
its schema, the route table of RestControllerV2 the mock serves, links naming real operations and parameters, the
server's batch limits in the schemas, and its deltas listed in docs/molgenis-deltas.md."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from apitwin.review import examples as review_examples
from apitwin.review.lint import lint
from apitwin.review.openapi import Spec

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "specs" / "molgenis_v2.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
REVIEW = Spec.open(str(SPEC_PATH))
EXAMPLES = review_examples.collect(REVIEW)
METHODS = ("get", "put", "post", "delete")

ROUTES = [
    ("get", "/{entityTypeId}", "listEntitiesV2"),
    ("post", "/{entityTypeId}", "createEntitiesV2"),
    ("put", "/{entityTypeId}", "updateEntitiesV2"),
    ("delete", "/{entityTypeId}", "deleteEntitiesV2"),
    ("get", "/{entityTypeId}/{id}", "getEntityV2"),
    ("post", "/{entityTypeId}/{id}", "postEntityV2"),
    ("put", "/{entityTypeId}/{id}", "updateAttributeValueV2"),
    ("delete", "/{entityTypeId}/{id}", "deleteEntityV2"),
    ("get", "/{entityTypeId}/meta/{attributeName}", "getAttributeMetaV2"),
    ("post", "/{entityTypeId}/meta/{attributeName}", "postAttributeMetaV2"),
]


def test_lint_finds_nothing() -> None:
    findings = lint(str(SPEC_PATH))
    assert findings == [], [f"{f.rule}: {f.message}" for f in findings]


def test_route_table() -> None:
    found = [(method, path, operation["operationId"]) for path, item in SPEC["paths"].items()
             for method, operation in item.items() if method in METHODS]
    assert sorted(found) == sorted(ROUTES)
    assert SPEC["openapi"] == "3.1.0" and SPEC["servers"][0]["url"] == "/api/v2"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.label for e in EXAMPLES])
def test_example_matches_schema(example: review_examples.Example) -> None:
    errors = review_examples.errors(REVIEW, example)
    assert not errors, "\n".join(errors)


def test_every_success_response_with_a_body_has_examples() -> None:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                for media in (response.get("content") or {}).values() if status.startswith("2") else ():
                    assert media.get("examples"), f"{method.upper()} {path} {status}"


def test_links_name_real_operations_and_parameters() -> None:
    operations = {operation["operationId"]: (path, item, operation) for path, item in SPEC["paths"].items()
                  for method, operation in item.items() if method in METHODS}
    links = 0
    for _, _, operation in operations.values():
        for response in operation["responses"].values():
            for link in (response.get("links") or {}).values():
                links += 1
                path, item, target = operations[link["operationId"]]
                names = {p.get("name") or p["$ref"].rsplit("/", 1)[-1]
                         for p in [*item.get("parameters", []), *target.get("parameters", [])]}
                assert set(link["parameters"]) <= names, link
    assert links >= 5


def test_batch_limits_are_the_servers() -> None:
    schemas = SPEC["components"]["schemas"]
    for name, key in (("EntityCollectionBatchRequestV2", "entities"), ("EntityCollectionDeleteRequestV2", "entityIds")):
        prop = schemas[name]["properties"][key]
        assert (prop["minItems"], prop["maxItems"]) == (1, 1000), name
        assert re.fullmatch(r"Number of entit(ies|y identifiers) cannot be more than 1000\.",
                            prop["x-apitwin-message"]["maxItems"])


def test_deltas_are_in_the_docs() -> None:
    text = (ROOT / "docs" / "molgenis-deltas.md").read_text(encoding="utf-8")
    section = text[text.index("## REST API v2"):]
    for delta in SPEC["x-molgenis-deltas"]:
        assert f"| {delta['topic']} | {delta['server']} | {delta['mock']} |" in section, delta["topic"]
