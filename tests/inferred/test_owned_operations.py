"""An operation that fits no resource but sits under an item (`GET /drives/{drive-id}/root`) answers 404 when that
item does not exist or was deleted: Libre Graph's root of a deleted drive still answered 200 (schemathesis'
use_after_free)."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.inferred.conftest import serve

DRIVE = {"type": "object", "required": ["name"], "properties": {
    "id": {"type": "string", "readOnly": True}, "name": {"type": "string"}}}
ERROR = {"description": "error", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "object", "properties": {"message": {"type": "string"}}}}}}}}
ITEM = {"$ref": "#/components/schemas/drive"}
ID = [{"name": "drive-id", "in": "path", "required": True, "schema": {"type": "string"}}]
DOC = {
    "openapi": "3.0.1", "info": {"title": "Drives", "version": "1"}, "components": {"schemas": {"drive": DRIVE}},
    "paths": {
        "/drives": {"post": {"operationId": "createDrive", "requestBody": {"required": True, "content": {
            "application/json": {"schema": ITEM}}},
            "responses": {"201": {"description": "made", "content": {"application/json": {"schema": ITEM}}},
                          "default": ERROR}}},
        "/drives/{drive-id}": {"parameters": ID, "get": {"operationId": "getDrive", "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": ITEM}}}, "default": ERROR}},
            "delete": {"operationId": "deleteDrive", "responses": {"204": {"description": "gone"},
                                                                   "default": ERROR}}},
        "/drives/{drive-id}/root": {"parameters": ID, "get": {"operationId": "getRoot", "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"name": {"type": "string"}}}}}}, "default": ERROR}}},
    },
}


def test_an_operation_under_a_missing_item_is_404(tmp_path: Path):
    path = tmp_path / "drives.yaml"
    path.write_text(yaml.safe_dump(DOC))
    client = serve(path)
    made = client.post("/drives", json={"name": "home"})
    assert made.status_code == 201, made.text
    drive = made.json()["id"]
    assert client.get(f"/drives/{drive}/root").status_code == 200
    assert client.delete(f"/drives/{drive}").status_code == 204
    gone = client.get(f"/drives/{drive}/root")
    assert gone.status_code == 404 and gone.json()["error"]["message"], gone.text
    assert client.get("/drives/nope/root").status_code == 404
