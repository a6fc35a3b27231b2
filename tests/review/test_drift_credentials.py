"""`apitwin check-drift DOC` on a plain document: its smoke GETs carry the credential `apitwin contract` sends
(apitwin.inferred.auth.credential_of) for every kind of security scheme — an API key in a header, in the query or
in a cookie, http basic and bearer, oauth2 — so they reach the operations instead of answering 401; and they call
the document where the mock serves it, even when its servers[0] is a URL template (`{scheme}://{host}`); and item
ids come from a list whose page sits in one wrapping object (`{"things": {"data": [...]}}`, as Shlink's), also for a
parameter in the middle of a path from a list of plain values (`/tags/{tag}/visits` from `/tags`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from apitwin.review import drift

ITEM = {"type": "object", "required": ["id", "name"],
        "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}}}
ERROR = {"description": "problem", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}}}}}}
SCHEMES = {
    "query key": {"type": "apiKey", "in": "query", "name": "apiKey"},
    "cookie key": {"type": "apiKey", "in": "cookie", "name": "session"},
    "header key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "basic": {"type": "http", "scheme": "basic"},
    "bearer": {"type": "http", "scheme": "bearer"},
    "oauth2": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://id.example/token",
                                                                   "scopes": {}}}},
}


def _document(tmp_path: Path, scheme: dict[str, Any], servers: list[dict[str, Any]] | None = None) -> Path:
    doc = {
        "openapi": "3.1.0", "info": {"title": "Keyed things", "version": "1"},
        "servers": servers or [{"url": "/api"}],
        "components": {"securitySchemes": {"Key": scheme}, "schemas": {"Thing": ITEM}},
        "security": [{"Key": []}],
        "paths": {
            "/things": {"get": {"operationId": "listThings", "responses": {
                "200": {"description": "the things", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                    "example": [{"id": 1, "name": "one"}]}}},
                "401": ERROR}}},
            "/things/{thingId}": {"get": {
                "operationId": "getThing",
                "parameters": [{"name": "thingId", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "a thing", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Thing"}}}}, "401": ERROR, "404": ERROR}}},
        },
    }
    path = tmp_path / "things.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _smoke(path: Path) -> str:
    findings = drift.run([str(path)])[1]
    runs = [f.message for f in findings if f.rule == "drift-smoke-run"]
    assert len(runs) == 1, [(f.rule, f.message) for f in findings]
    return runs[0]


@pytest.mark.parametrize("kind", sorted(SCHEMES))
def test_smoke_calls_carry_the_documents_credential(tmp_path: Path, kind: str) -> None:
    assert _smoke(_document(tmp_path, SCHEMES[kind])).endswith("2 GET calls of 2 operations: 2x 200")


def test_smoke_calls_reach_a_document_whose_server_is_a_url_template(tmp_path: Path) -> None:
    """Shlink's servers[0] is `{scheme}://{host}` with variables; the mock serves it at its root."""
    servers = [{"url": "{scheme}://{host}", "variables": {"scheme": {"default": "https", "enum": ["https", "http"]},
                                                         "host": {"default": ""}}}]
    path = _document(tmp_path, SCHEMES["query key"], servers)
    assert _smoke(path).endswith("2 GET calls of 2 operations: 2x 200")


def test_smoke_ids_come_from_a_wrapped_list(tmp_path: Path) -> None:
    path = _document(tmp_path, SCHEMES["header key"])
    doc = yaml.safe_load(path.read_text())
    doc["paths"]["/things"]["get"]["responses"]["200"]["content"]["application/json"] = {
        "schema": {"type": "object", "required": ["things"], "properties": {"things": {
            "type": "object", "required": ["data"], "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                "pagination": {"type": "object", "properties": {"totalItems": {"type": "integer"}}}}}}},
        "example": {"things": {"data": [{"id": 1, "name": "one"}], "pagination": {"totalItems": 1}}}}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert _smoke(path).endswith("2 GET calls of 2 operations: 2x 200")


def test_smoke_values_for_a_parameter_in_the_middle_of_a_path(tmp_path: Path) -> None:
    path = _document(tmp_path, SCHEMES["header key"])
    doc = yaml.safe_load(path.read_text())
    ok = {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {
        "type": "string"}}, "example": ["games", "tech"]}}}
    doc["paths"]["/tags"] = {"get": {"operationId": "listTags", "responses": {"200": ok, "401": ERROR}}}
    doc["paths"]["/tags/{tag}/visits"] = {"get": {
        "operationId": "tagVisits",
        "parameters": [{"name": "tag", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": ok, "401": ERROR, "404": ERROR}}}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert _smoke(path).endswith("4 GET calls of 4 operations: 4x 200")
