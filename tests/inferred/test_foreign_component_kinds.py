"""A file a document `$ref`s may keep anything under its `components` (Pi-hole's API keeps its path items under
`components/paths` and error bodies under `components/errors`): what such a ref names is inlined, and only the
Components Object's own kinds are hoisted into the bundle's components, which must stay valid OpenAPI (Connexion
refused the 3.0 view with "'errors', 'paths' do not match any of the regexes: '^x-'")."""
from __future__ import annotations

from pathlib import Path

import yaml

from apitwin.inferred.document import open_document
from tests.inferred.conftest import serve

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}
ITEMS = {
    "components": {
        "paths": {"items": {"get": {"responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Item"}}}},
            "401": {"$ref": "#/components/errors/unauthorized"}}}}},
        "errors": {"unauthorized": {"description": "no session", "content": {"application/json": {
            "schema": ERROR}}}},
        "schemas": {"Item": {"type": "object", "properties": {"name": {"type": "string"}},
                             "example": {"name": "one"}}},
    },
}
ROOT = {"openapi": "3.0.2", "info": {"title": "Split", "version": "1"},
        "paths": {"/items": {"$ref": "items.yaml#/components/paths/items"}}}


def _write(tmp_path: Path) -> Path:
    (tmp_path / "items.yaml").write_text(yaml.safe_dump(ITEMS))
    root = tmp_path / "main.yaml"
    root.write_text(yaml.safe_dump(ROOT))
    return root


def test_only_component_kinds_are_hoisted(tmp_path: Path):
    data = open_document(_write(tmp_path)).data
    assert set(data["components"]) == {"schemas"}
    operation = data["paths"]["/items"]["get"]
    assert operation["responses"]["401"]["description"] == "no session"     # inlined
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"}


def test_a_document_with_foreign_component_kinds_is_served(tmp_path: Path):
    client = serve(_write(tmp_path))
    answer = client.get("/items")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"name": "one"}
