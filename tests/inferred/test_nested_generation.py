"""Answers generated for deeply nested, composed and recursive schemas validate (Libre Graph's GET /me, /me/drive
and PATCH /me answered 500: the generator cut its schema by keyword depth and put an empty schema, hence a string,
where a date-time with a pattern or an identity object belonged). The cut now falls where a `$ref` cycle closes, and
below a few object levels only required properties are generated."""
from __future__ import annotations

import random
from pathlib import Path

import yaml

from apitwin.inferred.schemas import Schemas
from apitwin.inferred.values import generate, inline
from tests.inferred.conftest import serve

STAMP = {"type": "string", "format": "date-time", "readOnly": True,
         "pattern": r"^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
                    r"([.][0-9]{1,12})?([Zz]|[+-][0-9][0-9]:[0-9][0-9])$"}
IDENTITY = {"type": "object", "required": ["displayName"], "properties": {
    "displayName": {"type": "string"}, "id": {"type": "string"}}}
IDENTITY_SET = {"type": "object", "properties": {name: {"$ref": "#/components/schemas/identity"}
                                                 for name in ("application", "device", "user", "group")}}
ITEM = {"type": "object", "readOnly": True, "properties": {
    "id": {"type": "string", "readOnly": True}, "name": {"type": "string"},
    "createdBy": {"$ref": "#/components/schemas/identitySet"}, "createdDateTime": STAMP,
    "lastModifiedBy": {"$ref": "#/components/schemas/identitySet"},
    "children": {"type": "array", "items": {"$ref": "#/components/schemas/driveItem"}},
    "parent": {"$ref": "#/components/schemas/driveItem"}}}
DRIVE_UPDATE = {"type": "object", "properties": {
    "id": {"type": "string", "readOnly": True}, "name": {"type": "string"}, "createdDateTime": STAMP,
    "lastModifiedBy": {"$ref": "#/components/schemas/identitySet"},
    "root": {"$ref": "#/components/schemas/driveItem"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/driveItem"}}}}
USER_UPDATE = {"type": "object", "properties": {
    "id": {"type": "string", "readOnly": True}, "displayName": {"type": "string"},
    "drive": {"$ref": "#/components/schemas/drive"},
    "drives": {"type": "array", "items": {"$ref": "#/components/schemas/drive"}},
    "manager": {"$ref": "#/components/schemas/user"}}}
SCHEMAS = {
    "identity": IDENTITY, "identitySet": IDENTITY_SET, "driveItem": ITEM, "driveUpdate": DRIVE_UPDATE,
    "drive": {"required": ["name"], "allOf": [{"$ref": "#/components/schemas/driveUpdate"}]},
    "userUpdate": USER_UPDATE,
    "user": {"required": ["displayName"], "allOf": [{"$ref": "#/components/schemas/userUpdate"}]},
}


def _ok(ref: str) -> dict:
    return {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
        "$ref": f"#/components/schemas/{ref}"}}}}}}


DOC = {"openapi": "3.0.1", "info": {"title": "Me", "version": "1"}, "components": {"schemas": SCHEMAS},
       "paths": {"/me": {"get": {"operationId": "getMe", **_ok("user")}},
                 "/me/drive": {"get": {"operationId": "getHome", **_ok("drive")}}}}


def test_generated_values_validate_at_any_depth():
    schemas = Schemas({"components": {"schemas": SCHEMAS}})
    for name in ("user", "drive", "driveItem"):
        schema = {"$ref": f"#/components/schemas/{name}"}
        for seed in range(30):
            value = generate(schemas, schema, random.Random(seed))
            assert schemas.valid(schema, value), (name, seed, schemas.first_error_path(schema, value))


def test_the_cut_falls_where_a_ref_cycle_closes():
    flat = inline(Schemas({"components": {"schemas": SCHEMAS}}), {"$ref": "#/components/schemas/driveItem"})
    assert "parent" not in flat["properties"]                      # optional and cyclic: left out
    assert flat["properties"]["children"]["maxItems"] == 0        # an array of it: stays empty
    assert flat["properties"]["createdDateTime"]["format"] == "date-time"


def test_the_answers_pass_the_mock_own_response_guard(tmp_path: Path):
    path = tmp_path / "me.yaml"
    path.write_text(yaml.safe_dump(DOC))
    client = serve(path)
    for url in ("/me", "/me/drive"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)


def test_write_only_properties_leave_answers_at_any_depth():
    """Libre Graph's GET /groups answered a group's members' passwordProfile.password (writeOnly) once the
    value nested deeper than the old cut."""
    from apitwin.inferred.values import without_write_only

    profile = {"type": "object", "properties": {"password": {"type": "string", "writeOnly": True},
                                                "forceChange": {"type": "boolean"}}}
    user = {"allOf": [{"type": "object", "properties": {
        "passwordProfile": {"$ref": "#/components/schemas/profile"},
        "memberOf": {"type": "array", "items": {"$ref": "#/components/schemas/group"}}}}]}
    group = {"type": "object", "properties": {"members": {"type": "array",
                                                          "items": {"$ref": "#/components/schemas/user"}}}}
    schemas = Schemas({"components": {"schemas": {"profile": profile, "user": user, "group": group}}})
    secret = {"password": "s", "forceChange": True}
    value = {"memberOf": [{"members": [{"passwordProfile": secret, "memberOf": [{"members": [
        {"passwordProfile": secret}]}]}]}]}
    shown = without_write_only(schemas, {"$ref": "#/components/schemas/group"}, {"members": [value]})
    assert "'password'" not in str(shown) and str(shown).count("forceChange") == 2
