"""apitwin.specs `connexion_view`: the 3.0 view keeps what a 3.1 schema accepts, and Connexion loads it.
What the served mock then accepts per construct: tests/inferred/test_view_semantics.py."""
from __future__ import annotations

from typing import Any

from connexion.spec import Specification

from apitwin.specs import READINGS, connexion_view


def _view(schemas: dict[str, Any], parameter: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": "op", "responses": {"200": {"description": "ok"}}}
    if parameter is not None:
        operation["parameters"] = [{"name": "v", "in": "query", "schema": parameter}]
    view = connexion_view({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
                           "paths": {"/a": {"get": operation}}, "components": {"schemas": schemas}})
    Specification.from_dict(view)    # Connexion's own check of a 3.0 document: raises on what it refuses
    return view


def test_several_types_keep_null_and_an_anyof_of_their_own():
    view = _view({"A": {"type": ["string", "integer", "null"], "anyOf": [{"minLength": 2}, {"minimum": 3}]}})
    schema = view["components"]["schemas"]["A"]
    assert "type" not in schema and schema["nullable"] is True
    assert schema["anyOf"] == [{"minLength": 2}, {"minimum": 3}]
    assert schema["allOf"] == [{"anyOf": [{"type": "string"}, {"type": "integer"}, {"enum": [None]}]}]


def test_conditionals_and_dependencies_become_allof_conditions():
    view = _view({"A": {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]},
                        "dependentRequired": {"c": ["d"]}, "prefixItems": [{"type": "string"}]}})
    schema = view["components"]["schemas"]["A"]
    assert schema["allOf"] == [{"anyOf": [{"not": {"required": ["a"]}}, {"required": ["b"]}]},
                               {"anyOf": [{"not": {"required": ["c"]}}, {"required": ["c", "d"]}]}]
    assert not {"if", "then", "dependentRequired", "prefixItems"} & set(schema)


def test_a_ref_with_siblings_is_conjoined_and_property_names_are_not_keywords():
    view = _view({"S": {"type": "integer"},
                  "A": {"type": "object", "properties": {"const": {"type": "string"}, "$id": {"type": "string"},
                                                         "default": {"type": ["string", "null"]},
                                                         "n": {"$ref": "#/components/schemas/S", "minimum": 2}}}})
    properties = view["components"]["schemas"]["A"]["properties"]
    assert set(properties) == {"const", "$id", "default", "n"}
    assert properties["default"] == {"type": "string", "nullable": True}
    assert properties["n"] == {"minimum": 2, "allOf": [{"$ref": "#/components/schemas/S"}]}


def test_parameter_schemas_get_the_type_their_constructs_allow():
    assert _view({}, {"const": "on"})["paths"]["/a"]["get"]["parameters"][0]["schema"] == {
        "enum": ["on"], "type": "string"}
    several = _view({}, {"type": ["integer", "boolean"]})["paths"]["/a"]["get"]["parameters"][0]["schema"]
    assert several["type"] == "string" and several[READINGS] == ["boolean", "integer"]
    objects = _view({}, {"anyOf": [{"type": "object"}, {"type": "integer"}]})
    mixed = objects["paths"]["/a"]["get"]["parameters"][0]["schema"]   # Connexion's parser needs a type (was a 500)
    assert mixed["type"] == "string" and mixed[READINGS] == ["integer", "object"]


def test_a_referenced_parameter_schema_gets_only_an_exact_type():
    view = _view({"On": {"const": "on"}, "Several": {"type": ["integer", "boolean"]}},
                 {"$ref": "#/components/schemas/On"})
    assert view["components"]["schemas"]["On"] == {"enum": ["on"], "type": "string"}
    shared = _view({"Several": {"type": ["integer", "boolean"]}}, {"$ref": "#/components/schemas/Several"})
    assert "type" not in shared["components"]["schemas"]["Several"], "a shared schema gets no wire-only type"
    assert shared["paths"]["/a"]["get"]["parameters"][0]["schema"] == {   # the parameter wraps it instead
        "allOf": [{"$ref": "#/components/schemas/Several"}], "type": "string", READINGS: ["boolean", "integer"]}


def test_boolean_schemas_become_object_schemas():
    view = _view({"A": {"type": "object", "properties": {"gone": False, "any": True},
                        "allOf": [True], "items": False}})
    schema = view["components"]["schemas"]["A"]
    assert schema["properties"] == {"gone": {"not": {}}, "any": {}}
    assert schema["allOf"] == [{}] and schema["items"] == {"not": {}}
