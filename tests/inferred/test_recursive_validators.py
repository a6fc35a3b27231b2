"""A recursive schema (a folder whose `children` are folders, Libre Graph's driveItem) reaches the validators as a
cyclic structure once its `$ref`s are resolved; the request and response validators must still compile (they
answered 500 "Recursion limit reached" for every such operation) and still validate at any depth."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.inferred.conftest import serve

NODE = {"type": "object", "required": ["name"], "properties": {
    "id": {"type": "integer", "readOnly": True}, "name": {"type": "string"},
    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}
ERROR = {"description": "bad", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}}}}}}
DOC = {
    "openapi": "3.0.3", "info": {"title": "Tree", "version": "1"},
    "components": {"schemas": {"Node": NODE}},
    "paths": {
        "/nodes": {
            "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}}},
            "post": {"requestBody": {"required": True, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Node"}}}},
                "responses": {"201": {"description": "made", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Node"}}}}, "400": ERROR}}},
        "/nodes/{id}": {"get": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Node"}}}}, "404": ERROR}}},
    },
}


def test_recursive_bodies_are_validated_at_any_depth(tmp_path: Path):
    path = tmp_path / "tree.yaml"
    path.write_text(yaml.safe_dump(DOC))
    client = serve(path)
    tree = {"name": "root", "children": [{"name": "a", "children": [{"name": "b", "children": []}]}]}
    created = client.post("/nodes", json=tree)
    assert created.status_code == 201, created.text
    assert created.json()["children"][0]["children"][0]["name"] == "b"
    assert client.get(f"/nodes/{created.json()['id']}").status_code == 200
    assert client.get("/nodes").status_code == 200
    deep_bad = {"name": "root", "children": [{"name": "a", "children": [{"children": []}]}]}   # no name, depth 3
    assert client.post("/nodes", json=deep_bad).status_code == 400
