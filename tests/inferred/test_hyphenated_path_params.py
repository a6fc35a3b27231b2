"""OData-style path parameters (`/schools/{school-id}`, Libre Graph) reach the router as `school_id`; items are
still found by their id (they answered 404 "… None does not exist" for every read, update and delete)."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.inferred.conftest import serve

SCHOOL = {"type": "object", "properties": {"id": {"type": "string", "readOnly": True},
                                           "displayName": {"type": "string"}}}
ERROR = {"description": "error", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}}}}}}
ID = [{"name": "school-id", "in": "path", "required": True, "schema": {"type": "string"}}]
DOC = {
    "openapi": "3.0.3", "info": {"title": "Schools", "version": "1"},
    "paths": {
        "/schools": {"post": {
            "requestBody": {"content": {"application/json": {"schema": SCHOOL}}},
            "responses": {"201": {"description": "made", "content": {"application/json": {"schema": SCHOOL}}},
                          "400": ERROR}}},
        "/schools/{school-id}": {
            "get": {"parameters": ID, "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": SCHOOL}}}, "404": ERROR}},
            "delete": {"parameters": ID, "responses": {"204": {"description": "gone"}, "404": ERROR}}},
    },
}


def test_items_under_a_hyphenated_path_parameter_are_found(tmp_path: Path):
    path = tmp_path / "schools.yaml"
    path.write_text(yaml.safe_dump(DOC))
    client = serve(path)
    created = client.post("/schools", json={"displayName": "Realschule"})
    assert created.status_code == 201, created.text
    key = created.json()["id"]
    read = client.get(f"/schools/{key}")
    assert read.status_code == 200 and read.json()["displayName"] == "Realschule", read.text
    assert client.delete(f"/schools/{key}").status_code == 204
    assert client.get(f"/schools/{key}").status_code == 404
