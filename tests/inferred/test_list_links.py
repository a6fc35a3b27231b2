"""A list envelope's `next` link whose schema is a URI is the next page's URL (the request's, paging parameter moved
on), not a bare cursor token: Train Travel's `{data: [...], links: {next: uri}}`."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.inferred.conftest import serve

NOTE = {"type": "object", "required": ["text"], "properties": {
    "id": {"type": "string", "format": "uuid", "readOnly": True}, "text": {"type": "string"}}}


def _doc(paging: list[dict]) -> dict:
    listed = {"type": "object", "properties": {
        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
        "links": {"type": "object", "properties": {"next": {"type": "string", "format": "uri"}}}}}
    one = {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}
    return {"openapi": "3.1.0", "info": {"title": "Links", "version": "1"}, "paths": {
        "/notes": {
            "get": {"operationId": "listNotes", "parameters": paging, "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": listed}}},
                "400": {"description": "bad"}}},
            "post": {"operationId": "createNote", "requestBody": {"required": True, "content": one},
                     "responses": {"201": {"description": "ok", "content": one}, "400": {"description": "bad"}}}},
        "/notes/{noteId}": {"get": {"operationId": "getNote", "parameters": [
            {"name": "noteId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": one}, "404": {"description": "missing"}}}}},
        "components": {"schemas": {"Note": NOTE}}}


@pytest.mark.parametrize(("paging", "moved"), [
    ([{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
      {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}], {"page": ["2"]}),
    ([{"name": "offset", "in": "query", "schema": {"type": "integer"}},
      {"name": "limit", "in": "query", "schema": {"type": "integer"}}], {"offset": ["2"]}),
])
def test_next_link_is_the_next_page_url(tmp_path: Path, paging: list[dict], moved: dict):
    path = tmp_path / "links.yaml"
    path.write_text(yaml.safe_dump(_doc(paging), sort_keys=False))
    client = serve(path)
    for n in range(3):
        assert client.post("/notes", json={"text": f"n{n}"}).status_code == 201
    first = client.get("/notes", params={"limit": 2})
    assert first.status_code == 200, first.text
    link = first.json()["links"]["next"]
    assert urlsplit(link).scheme == "http" and parse_qs(urlsplit(link).query) == {"limit": ["2"], **moved}
    last = client.get(link)
    assert last.status_code == 200 and len(last.json()["data"]) == 1 and "next" not in last.json()["links"]
