"""specs/molgenis_v2.yaml on its own: `apitwin lint` finds nothing (not even info), the route table of
RestControllerV2 the mock serves, the server's batch limits in the schemas, and its deltas listed in
docs/molgenis-deltas.md. Examples, links and validity are checked with every other document in
tests/review/test_specs.py."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from apitwin.review.lint import lint

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "specs" / "molgenis_v2.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
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
