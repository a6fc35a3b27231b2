"""An item path parameter may constrain the id more than the item schema's id field does (Coolify: the field is
`uuid: {type: string}`, `/applications/{uuid}` says `format: uuid`): ids the mock assigns satisfy both, so a created
item can be read back through its own id instead of being refused as an invalid parameter."""
from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from tests.inferred.conftest import serve

APP = {"type": "object", "properties": {"uuid": {"type": "string"}, "name": {"type": "string"}}}
ERROR = {"description": "bad", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}}}}}}
DOC = {
    "openapi": "3.0.3", "info": {"title": "Apps", "version": "1"},
    "paths": {
        "/apps": {
            "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "array", "items": APP}}}}}},
            "post": {"requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"name": {"type": "string"}}}}}},
                "responses": {"201": {"description": "made", "content": {"application/json": {"schema": APP}}},
                              "400": ERROR}}},
        "/apps/{uuid}": {"get": {
            "parameters": [{"name": "uuid", "in": "path", "required": True,
                            "schema": {"type": "string", "format": "uuid"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": APP}}},
                          "400": ERROR, "404": ERROR}}},
    },
}


def test_a_created_item_is_readable_through_a_uuid_path_parameter(tmp_path: Path):
    path = tmp_path / "apps.yaml"
    path.write_text(yaml.safe_dump(DOC))
    client = serve(path)
    created = client.post("/apps", json={"name": "one"})
    assert created.status_code == 201, created.text
    key = created.json()["uuid"]
    assert str(uuid.UUID(key)) == key
    read = client.get(f"/apps/{key}")
    assert read.status_code == 200 and read.json()["name"] == "one", read.text
    assert client.get("/apps/not-a-uuid").status_code == 400
