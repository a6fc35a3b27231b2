"""A success the operation documents with a JSON body always carries one: DELETE of an item that does not exist,
where the operation documents no 404 (Frigate's DELETE /cameras/{camera_name}: 200 application/json, schema {}),
answered 200 with no body and no Content-Type, which the response guard turned into a 500."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.inferred.conftest import serve

OK = {"description": "ok", "content": {"application/json": {"schema": {}}}}
DOC = {
    "openapi": "3.1.0", "info": {"title": "Cameras", "version": "1"},
    "paths": {
        "/cameras": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "array", "items": {"$ref": "#/components/schemas/Camera"}}}}}}}},
        "/cameras/{camera_name}": {
            "get": {"parameters": [{"name": "camera_name", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Camera"}}}}}},
            "delete": {"parameters": [{"name": "camera_name", "in": "path", "required": True,
                                       "schema": {"type": "string"}}],
                       "responses": {"200": OK}}}},
    "components": {"schemas": {"Camera": {"type": "object", "properties": {"camera_name": {"type": "string"}}}}},
}


def test_delete_of_a_missing_item_answers_a_json_body(tmp_path: Path):
    path = tmp_path / "cameras.yaml"
    path.write_text(yaml.safe_dump(DOC))
    answer = serve(path).delete("/cameras/nowhere")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    answer.json()
