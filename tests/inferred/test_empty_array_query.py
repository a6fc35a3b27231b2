"""`?expand=` for a form-style, non-exploded array parameter is the empty list (RFC 6570 expands an empty list to
`expand=`), which an enum of choices accepts; Libre Graph's `$expand` was refused as "" not being a choice."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.inferred.conftest import serve

DOC = {
    "openapi": "3.0.3", "info": {"title": "Users", "version": "1"},
    "paths": {"/me": {"get": {
        "parameters": [{"name": "$expand", "in": "query", "style": "form", "explode": False, "schema": {
            "type": "array", "uniqueItems": True, "items": {"type": "string", "enum": ["memberOf", "drive"]}}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"id": {"type": "string"}}}}}},
            "400": {"description": "bad", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"message": {"type": "string"}}}}}}}}}},
}


def test_an_empty_non_exploded_array_is_the_empty_list(tmp_path: Path):
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump(DOC))
    client = serve(path)
    assert client.get("/me", params={"$expand": ""}).status_code == 200
    assert client.get("/me", params={"$expand": "memberOf,drive"}).status_code == 200
    assert client.get("/me", params={"$expand": "nope"}).status_code == 400


def test_an_empty_required_non_exploded_array_names_nothing_and_is_refused(tmp_path: Path):
    """Spotify's `/search?type=` (required, items an enum): schemathesis sends `type=` only for [""] (an empty list
    is not sent at all), so answering it 200 was "schema-violating request accepted"."""
    doc = yaml.safe_load(yaml.safe_dump(DOC))
    doc["paths"]["/me"]["get"]["parameters"][0]["required"] = True
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump(doc))
    client = serve(path)
    assert client.get("/me", params={"$expand": ""}).status_code == 400
    assert client.get("/me", params={"$expand": "drive"}).status_code == 200
