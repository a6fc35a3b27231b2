"""A list whose envelope sits inside one wrapping object (Shlink: `{"shortUrls": {"data": [...], "pagination":
{"currentPage", "pagesCount", "itemsPerPage", "totalItems"}}}`) lists the store's rows there, pages by
`itemsPerPage`, and counts its pages as pages (not as a total)."""
from __future__ import annotations

from pathlib import Path

import yaml
from starlette.testclient import TestClient

from apitwin.app import create_app
from apitwin.inferred.plugin import build
from apitwin.settings import Settings

NOTE = {"type": "object", "required": ["id", "title"],
        "properties": {"id": {"type": "integer", "readOnly": True}, "title": {"type": "string"}}}
DOC = {
    "openapi": "3.1.0", "info": {"title": "Wrapped", "version": "1"}, "servers": [{"url": "/api"}],
    "components": {"schemas": {"Note": NOTE}},
    "paths": {
        "/notes": {
            "get": {"operationId": "listNotes",
                    "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer"}},
                                   {"name": "itemsPerPage", "in": "query", "schema": {"type": "number"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["notes"], "properties": {"notes": {
                            "type": "object", "required": ["data", "pagination"], "properties": {
                                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                                "pagination": {"type": "object", "required": ["pagesCount", "totalItems"],
                                               "properties": {"pagesCount": {"type": "integer"},
                                                              "totalItems": {"type": "integer"}}}}}}}}}}}},
            "post": {"operationId": "createNote",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/Note"}}}},
                     "responses": {"201": {"description": "created", "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/Note"}}}}}}},
        "/notes/{noteId}": {
            "get": {"operationId": "getNote",
                    "parameters": [{"name": "noteId", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Note"}}}}, "404": {"description": "none"}}}},
    },
}


def test_created_rows_are_listed_inside_the_wrapper_and_paged(tmp_path: Path):
    doc = tmp_path / "wrapped.yaml"
    doc.write_text(yaml.safe_dump(DOC, sort_keys=False))
    client = TestClient(create_app([build(doc)], settings=Settings(seed=0)))
    created = [client.post("/api/notes", json={"title": f"n{i}"}).json()["id"] for i in range(7)]
    whole = client.get("/api/notes", params={"itemsPerPage": 100}).json()["notes"]
    assert [row["id"] for row in whole["data"]] == created
    second = client.get("/api/notes", params={"itemsPerPage": 5, "page": 2}).json()["notes"]
    assert [row["id"] for row in second["data"]] == created[5:]
    assert second["pagination"] == {"pagesCount": 2, "totalItems": 7}
