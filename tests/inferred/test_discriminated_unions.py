"""A `oneOf` with a `discriminator` accepts a value several alternatives accept: OpenAPI picks the alternative by the
discriminator, JSON Schema's oneOf would refuse it. Ory Kratos' POST /self-service/verification takes
updateVerificationFlowBody, oneOf [link method, code method] by `method`, and both accept
`{"email": "a@b.c", "method": "link"}`: every such request was a 400 (st run: schema-valid request rejected)."""
from __future__ import annotations

from pathlib import Path

import yaml

from apitwin.inferred.document import open_document
from tests.inferred.conftest import serve

METHOD = {"type": "string", "enum": ["link", "code"]}
DOC = {
    "openapi": "3.0.3", "info": {"title": "Flows", "version": "1"},
    "components": {"schemas": {
        "Body": {"oneOf": [{"$ref": "#/components/schemas/Link"}, {"$ref": "#/components/schemas/Code"}],
                 "discriminator": {"propertyName": "method", "mapping": {
                     "link": "#/components/schemas/Link", "code": "#/components/schemas/Code"}}},
        "Link": {"type": "object", "required": ["email", "method"],
                 "properties": {"email": {"type": "string"}, "method": METHOD}},
        "Code": {"type": "object", "required": ["method"],
                 "properties": {"email": {"type": "string"}, "code": {"type": "string"}, "method": METHOD}},
        "Plain": {"oneOf": [{"type": "string"}, {"type": "string", "minLength": 1}]},
    }},
    "paths": {"/verification": {"post": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Body"}}}},
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                      "400": {"description": "bad", "content": {"application/json": {"schema": {
                          "type": "object", "properties": {"message": {"type": "string"}}}}}}}}}},
}


def _path(tmp_path: Path) -> Path:
    path = tmp_path / "flows.yaml"
    path.write_text(yaml.safe_dump(DOC))
    return path


def test_a_value_several_alternatives_accept_is_valid(tmp_path: Path):
    client = serve(_path(tmp_path))
    assert client.post("/verification", json={"email": "a@b.c", "method": "link"}).status_code == 200
    assert client.post("/verification", json={"code": "1", "method": "code"}).status_code == 200
    assert client.post("/verification", json={"method": "other"}).status_code == 400


def test_only_discriminated_unions_change(tmp_path: Path):
    schemas = open_document(_path(tmp_path)).data["components"]["schemas"]
    assert "oneOf" not in schemas["Body"] and len(schemas["Body"]["anyOf"]) == 2
    assert schemas["Body"]["discriminator"]["propertyName"] == "method"
    assert "oneOf" in schemas["Plain"]                       # no discriminator: JSON Schema's oneOf stands
