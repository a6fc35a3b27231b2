"""A documented error schema that no body can validate (Unkey's 400: an allOf of an object closed by
`additionalProperties: false` and one requiring a property it forbids; Pi-hole's 400: a oneOf of two identical
schemas, so every body matches both): the mock warns once with the schema's pointer and answers the nearest other
documented client-error status whose schema it can fill (the `_NEAREST` order, then any other documented client
error but 429, then `default` through a status it covers); with none, the status as before."""
from __future__ import annotations

import logging
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.inferred.conftest import serve

BASE = {"type": "object", "additionalProperties": False, "required": ["title"],
        "properties": {"title": {"type": "string"}, "detail": {"type": "string"}}}
CLOSED_BUT_REQUIRING = {"allOf": [{"$ref": "#/components/schemas/Base"},
                                  {"type": "object", "required": ["errors"],
                                   "properties": {"errors": {"type": "array", "items": {"type": "string"}}}}]}
ONE_OF_TWINS = {"oneOf": [{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/Base"}]}
BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}}


def _json(schema: dict, description: str = "error") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _post(responses: dict) -> dict:
    return {"post": {"requestBody": BODY, "responses": {"200": _json({"type": "object"}, "ok"), **responses}}}


DOC = {
    "openapi": "3.0.3", "info": {"title": "Contradictions", "version": "1"},
    "components": {"schemas": {"Base": BASE}},
    "paths": {
        "/closed": _post({"400": _json(CLOSED_BUT_REQUIRING), "404": _json({"$ref": "#/components/schemas/Base"})}),
        "/twins": _post({"400": _json(ONE_OF_TWINS), "401": _json({"$ref": "#/components/schemas/Base"}),
                         "429": _json({"$ref": "#/components/schemas/Base"})}),
        "/fallback": _post({"400": _json(CLOSED_BUT_REQUIRING), "default": _json({"$ref": "#/components/schemas/Base"})}),
        "/nothing-else": _post({"400": _json(CLOSED_BUT_REQUIRING)}),
        "/fine": _post({"400": _json({"$ref": "#/components/schemas/Base"})}),
    },
}


@pytest.fixture()
def client(tmp_path: Path):
    path = tmp_path / "contradictions.yaml"
    path.write_text(yaml.safe_dump(DOC, sort_keys=False))
    return serve(path)


def _valid(answer, schema: dict) -> bool:
    resolver = {"components": DOC["components"], **schema}
    return jsonschema.Draft4Validator(resolver).is_valid(answer.json())


def test_an_unsatisfiable_error_schema_gives_way_to_the_nearest_satisfiable_status(client, caplog):
    with caplog.at_level(logging.WARNING, logger="apitwin"):
        closed = client.post("/closed", json={"name": 7})
        again = client.post("/closed", json={})
    assert closed.status_code == 404 and again.status_code == 404
    assert _valid(closed, {"$ref": "#/components/schemas/Base"}) and "name" in closed.json()["title"] + \
        closed.json().get("detail", "")
    warned = [r.getMessage() for r in caplog.records if "no body can validate" in r.getMessage()]
    assert warned == ["/paths/~1closed/post/responses/400/content/application~1json/schema: no body can validate "
                      "against this schema; the nearest other documented client-error status answers instead"]

    twins = client.post("/twins", json={})
    assert twins.status_code == 401 and _valid(twins, {"$ref": "#/components/schemas/Base"})   # 429 is no refusal

    fallback = client.post("/fallback", json={})
    assert fallback.status_code == 422 and _valid(fallback, {"$ref": "#/components/schemas/Base"})


def test_without_another_status_or_with_a_satisfiable_schema_the_status_stays(client):
    assert client.post("/nothing-else", json={}).status_code == 400
    fine = client.post("/fine", json={})
    assert fine.status_code == 400 and _valid(fine, {"$ref": "#/components/schemas/Base"})
    assert client.post("/closed", json={"name": "ok"}).status_code == 200
