"""Connexion validates parameters and form bodies on apitwin's 3.0 view of a 3.1 document (apitwin.specs
`connexion_view`); JSON bodies are checked on the 3.1 document itself. Each 3.1-only construct the view rewrites is
served here in a query parameter, a form field and a JSON property, and every value is sent through each: what the
3.1 schema accepts must be a 2xx, what it refuses a 400."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.inferred.conftest import serve

SMALL = {"type": "integer", "maximum": 10}
# name → (schema, valid values, invalid values); `object` cases are whole bodies (form and JSON only)
SCALARS: dict[str, tuple[dict[str, Any], list[Any], list[Any]]] = {
    "type-and-null": ({"type": ["integer", "null"], "minimum": 1}, [5, None], [0, "x"]),
    "types-and-null": ({"type": ["boolean", "integer", "null"]}, [3, True, None], [1.5, "x"]),
    "types-and-anyof": ({"type": ["integer", "boolean", "null"], "anyOf": [{"minimum": 10}, {"maximum": -10}]},
                        [12, -12, True, None], [0, "x", 1.5]),
    "type-and-null-and-anyof": ({"type": ["integer", "null"], "anyOf": [{"minimum": 10}, {"maximum": -10}]},
                                [12, None], [0, "x"]),
    "oneof-ref-or-null": ({"oneOf": [{"$ref": "#/components/schemas/Small"}, {"type": "null"}]}, [3, None],
                          [11, "x"]),
    "anyof-types": ({"anyOf": [{"type": "integer", "minimum": 5}, {"type": "boolean"}]}, [7, False], [3, "x"]),
    "const": ({"const": "on"}, ["on"], ["off"]),
    "enum-with-null": ({"type": ["string", "null"], "enum": ["a", "b", None]}, ["a", None], ["c"]),
    "exclusive-bounds": ({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10}, [5, 9.5], [0, 10, 11]),
    "ref-with-siblings": ({"$ref": "#/components/schemas/Small", "minimum": 5}, [7], [3, 11]),
    "examples-and-content-type": ({"type": "integer", "examples": [1], "contentMediaType": "text/plain"}, [1],
                                  ["x"]),
}
OBJECTS: dict[str, tuple[dict[str, Any], list[Any], list[Any]]] = {
    "dependent-required": ({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                            "dependentRequired": {"a": ["b"]}}, [{"a": "x", "b": "y"}, {"b": "y"}], [{"a": "x"}]),
    "if-then-else": ({"type": "object", "properties": {"kind": {"type": "string"}, "n": {"type": "integer"}},
                      "if": {"properties": {"kind": {"const": "big"}}, "required": ["kind"]},
                      "then": {"properties": {"n": {"minimum": 100}}},
                      "else": {"properties": {"n": {"maximum": 10}}}},
                     [{"kind": "big", "n": 200}, {"kind": "small", "n": 5}],
                     [{"kind": "big", "n": 5}, {"kind": "small", "n": 50}]),
    "boolean-schemas": ({"type": "object", "properties": {"a": {"type": "string"}, "gone": False, "any": True}},
                        [{"a": "x"}, {"any": "y"}], [{"gone": "y"}]),
    "unevaluated-properties": ({"type": "object", "properties": {"a": {"type": "string"}},
                                "unevaluatedProperties": False}, [{"a": "x"}], [{"a": "x", "z": "y"}]),
    "prefix-items": ({"type": "object", "properties": {"pair": {
                          "type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]}}},
                     [{"pair": [1, "a"]}, {"pair": [1, "a", True]}], [{"pair": ["a", 1]}]),
    "property-names": ({"type": "object", "propertyNames": {"pattern": "^[a-z]+$"},
                        "additionalProperties": {"type": "string"}}, [{"ab": "x"}], [{"Ab": "x"}]),
    "contains-in-a-field": ({"type": "object", "properties": {"tags": {
                                 "type": "array", "items": {"type": "string"}, "contains": {"const": "must"}}}},
                            [{"tags": ["x", "must"]}], [{"tags": ["x", "y"]}]),
}
# name → (array schema, valid, invalid): a query parameter sent exploded (`v=1&v=a`), a form field repeated, JSON
LISTS: dict[str, tuple[dict[str, Any], list[Any], list[Any]]] = {
    "prefix-items-list": ({"type": "array", "minItems": 2,
                           "prefixItems": [{"type": "integer"}, {"type": "string", "enum": ["a", "b"]}]},
                          [[1, "a"], [2, "b", "x"]], [["a", 1], [1, "c"]]),
    "contains": ({"type": "array", "items": {"type": "string"}, "contains": {"const": "must"}},
                 [["must"], ["x", "must"]], [["x"], ["x", "y"]]),
    "max-contains": ({"type": "array", "items": {"type": "integer"}, "contains": {"minimum": 5}, "maxContains": 1},
                     [[1, 6]], [[6, 7], [1, 2]]),
}
ANSWERS = {"200": {"description": "ok"}, "400": {"description": "refused"}}


def _document(name: str) -> dict[str, Any]:
    """One small document per construct (a 3.0 view refusing one construct refuses the whole document): a query
    parameter, a form body and a JSON body for a scalar case, the form and JSON bodies for an object one."""
    paths: dict[str, Any] = {}
    if name in OBJECTS:
        body = OBJECTS[name][0]
    else:
        schema = (SCALARS.get(name) or LISTS[name])[0]
        body = {"type": "object", "properties": {"v": schema}}
        paths["/q"] = {"get": {"operationId": "query", "responses": ANSWERS, "parameters": [
            {"name": "v", "in": "query", "schema": schema}]}}
    for kind, media in (("f", "application/x-www-form-urlencoded"), ("j", "application/json")):
        paths[f"/{kind}"] = {"post": {"operationId": f"post_{kind}", "responses": ANSWERS, "requestBody": {
            "required": True, "content": {media: {"schema": body}}}}}
    return {"openapi": "3.1.0", "info": {"title": name, "version": "1"}, "paths": paths,
            "components": {"schemas": {"Small": SMALL}}}


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """name → the served mock of its document, started on first use."""
    made: dict[str, Any] = {}

    def client(name: str) -> Any:
        if name not in made:
            path = Path(tmp_path_factory.mktemp("view")) / f"{name}.yaml"
            path.write_text(yaml.safe_dump(_document(name), sort_keys=False), encoding="utf-8")
            made[name] = serve(path)
        return made[name]
    return client


def _text(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def _cases() -> list[Any]:
    out = []
    for name, (_, valid, invalid) in SCALARS.items():
        for ok, values in ((True, valid), (False, invalid)):
            for value in values:
                for channel in ("query", "form", "json"):
                    if value is None and channel == "form":
                        continue   # a form cannot say null
                    out.append(pytest.param(channel, name, {"v": value}, ok, id=f"{channel}-{name}-{value!r}"))
    for name, (_, valid, invalid) in OBJECTS.items():
        for ok, values in ((True, valid), (False, invalid)):
            for value in values:
                for channel in ("form", "json"):
                    out.append(pytest.param(channel, name, value, ok, id=f"{channel}-{name}-{value!r}"))
    for name, (_, valid, invalid) in LISTS.items():
        for ok, values in ((True, valid), (False, invalid)):
            for value in values:
                for channel in ("query", "form", "json"):
                    out.append(pytest.param(channel, name, {"v": value}, ok, id=f"{channel}-{name}-{value!r}"))
    return out


def _wire(value: Any) -> Any:
    """A value as a query string or form carries it: text, a list as repeated keys."""
    return [_text(item) for item in value] if isinstance(value, list) else _text(value)


@pytest.mark.parametrize(("channel", "name", "value", "valid"), _cases())
def test_the_view_accepts_what_the_31_schema_accepts_and_refuses_the_rest(clients: Any, channel: str, name: str,
                                                                          value: dict[str, Any], valid: bool) -> None:
    client = clients(name)
    if channel == "query":
        answer = client.get("/q", params={k: _wire(v) for k, v in value.items()})
    elif channel == "form":
        answer = client.post("/f", data={k: _wire(v) for k, v in value.items()})
    else:
        answer = client.post("/j", json=value)
    if valid:
        assert answer.status_code < 300, answer.text
    else:
        assert answer.status_code == 400, answer.text
