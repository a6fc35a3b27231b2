"""The MOLGENIS REST API v1 OpenAPI document on its own: the route table and status codes of the real server, examples
in the server's field order and words, the conventions every operation follows, links that point at real operations,
and a document the engine (Connexion's 3.0 view, jsonschema-rs) can load. What every served document promises (valid
OpenAPI 3.1, examples valid against their schemas, links, schemathesis loads it) is checked for all APIs in
tests/review/test_specs.py."""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from jsonschema.protocols import Validator

from apitwin.review.openapi import Spec
from tests import openapi_helpers

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "specs" / "molgenis_v1.yaml"
DELTAS_DOC = ROOT / "docs" / "molgenis-deltas.md"
ERROR_BY_STATUS = {"400": "BadRequest", "401": "Unauthorized", "404": "NotFound", "415": "UnsupportedMediaType",
                   "500": "ServerError"}
ERROR_COMPONENTS = tuple(ERROR_BY_STATUS.values())

# The interface agreed with the engine and handler authors: (method, path) → operationId, in document order.
ROUTES = [
    ("post", "/login", "login"),
    ("post", "/logout", "logout"),
    ("get", "/csv/{entityTypeId}", "exportCsv"),
    ("get", "/{entityTypeId}/meta", "getEntityType"),
    ("post", "/{entityTypeId}/meta", "postEntityType"),
    ("delete", "/{entityTypeId}/meta", "deleteEntityType"),
    ("get", "/{entityTypeId}/meta/{attributeName}", "getAttributeMeta"),
    ("post", "/{entityTypeId}/meta/{attributeName}", "postAttributeMeta"),
    ("get", "/{entityTypeId}/exist", "entityTypeExists"),
    ("get", "/{entityTypeId}/{id}/{attributeName}", "getAttributeValue"),
    ("put", "/{entityTypeId}/{id}/{attributeName}", "updateAttributeValue"),
    ("post", "/{entityTypeId}/{id}/{attributeName}", "postAttributeValue"),
    ("get", "/{entityTypeId}/{id}", "getEntity"),
    ("put", "/{entityTypeId}/{id}", "updateEntity"),
    ("post", "/{entityTypeId}/{id}", "postEntity"),
    ("delete", "/{entityTypeId}/{id}", "deleteEntity"),
    ("get", "/{entityTypeId}", "listEntities"),
    ("post", "/{entityTypeId}", "postEntities"),
    ("delete", "/{entityTypeId}", "deleteAllEntities"),
]

# Success statuses as the server answers them (docs/molgenis-server.md, "Routes"); None = no body.
SUCCESS = {
    "login": {"200": "LoginResponse"},
    "logout": {"200": None},
    "exportCsv": {"200": "text/csv"},
    "getEntityType": {"200": "EntityTypeResponse"},
    "postEntityType": {"200": "EntityTypeResponse", "204": None},
    "deleteEntityType": {"204": None},
    "getAttributeMeta": {"200": "AttributeResponse"},
    "postAttributeMeta": {"200": "AttributeResponse"},
    "entityTypeExists": {"200": "boolean"},
    "getAttributeValue": {"200": "AttributeValue"},
    "updateAttributeValue": {"200": None},
    "postAttributeValue": {"200": "AttributeValue"},
    "getEntity": {"200": "EntityMap"},
    "updateEntity": {"200": None},
    "postEntity": {"200": "EntityMap", "204": None},
    "deleteEntity": {"204": None},
    "listEntities": {"200": "EntityCollection"},
    "postEntities": {"200": "EntityCollection", "201": None, "204": None},
    "deleteAllEntities": {"204": None},
}

# `_method` tunnels: operationId → (enum, required)
TUNNELS = {
    "postEntityType": (["GET", "DELETE"], True),
    "postAttributeMeta": (["GET"], True),
    "postAttributeValue": (["GET", "PUT"], True),
    "postEntity": (["GET", "PUT", "DELETE"], False),   # or a form field (R client)
    "postEntities": (["GET", "DELETE"], False),
}

KNOWN_ENTITY_TYPES = [
    "V1_API_TypeTestRefAPIV1", "V1_API_Items", "V1_API_TypeTestAPIV1", "V1_API_LocationAPIV1", "V1_API_PersonAPIV1",
    "base_APITest1", "base_APITest2", "base_ApiTestFile", "sys_sec_User", "sys_md_EntityType", "sys_md_Package",
    "sys_FileMeta", "sys_FreemarkerTemplate", "sys_scr_ScriptType", "sys_App", "sys_set_auth", "biobank_Sample",
    "biobank_Donor", "biobank_Disease",
]


def load_spec() -> dict[str, Any]:
    with open(SPEC_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


SPEC = load_spec()
REVIEW = Spec.open(str(SPEC_PATH))
SCHEMAS = SPEC["components"]["schemas"]


# ---------------------------------------------------------------------------------------------------- helpers

def deref(node: Any) -> Any:
    """Follow local `$ref`s (`#/...`) until a non-reference node."""
    return openapi_helpers.deref(SPEC, node)


def validator_at(parts: tuple[str, ...]) -> Validator:
    """The validator `apitwin lint` uses for the schema at `parts` (2020-12 + OpenAPI dialect, formats checked,
    `$ref`s resolved against the whole document)."""
    return REVIEW.validator(REVIEW.at(*parts))


def schema_validator(name: str) -> Validator:
    return validator_at(("components", "schemas", name))


def walk(node: Any, parts: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield parts, node
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("examples", "example", "default", "enum", "const") and parts and parts[-1] != "properties":
                continue  # example payloads and schema data are data, not spec structure
            if parts == ("components",) and key == "examples":
                continue  # validated where they are used (against that place's schema)
            if key == "x-molgenis-deltas" or key.startswith("x-apitwin"):
                continue
            yield from walk(value, parts + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, parts + (str(index),))


def is_schema_location(parts: tuple[str, ...]) -> bool:
    """Is the node at `parts` a schema (components/schemas/*, any `schema`, or a subschema of one)?"""
    return (len(parts) >= 3 and parts[:2] == ("components", "schemas")) or "schema" in parts


OPERATIONS = list(openapi_helpers.operations(SPEC))
BY_ID = {op["operationId"]: (path, method, op, item) for path, method, op, item in OPERATIONS}


def op_id(value: Any) -> str:
    return f"{value[1].upper()} {value[0]}"


def parameters_of(op: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    return [deref(p) for p in item.get("parameters", []) + op.get("parameters", [])]


def params_by_name(operation_id: str) -> dict[str, dict[str, Any]]:
    _, _, op, item = BY_ID[operation_id]
    return {p["name"]: p for p in parameters_of(op, item)}


def example_value(name: str) -> Any:
    return copy.deepcopy(SPEC["components"]["examples"][name]["value"])


def secured(op: dict[str, Any]) -> bool:
    return op.get("security", SPEC.get("security")) not in (None, [])


# ---------------------------------------------------------------------------------------------------- (1) validity

def test_servers_are_relative() -> None:
    assert [s["url"] for s in SPEC["servers"]] == ["/api/v1"]
    assert SPEC["servers"][0].get("description")


def test_info_describes_the_essentials() -> None:
    text = SPEC["info"]["description"]
    for needle in ("POST /login", "x-molgenis-token", "molgenis-token", "anonymous", "DS04", "never 403",
                   "Nulls are never serialised", "relative paths", "lenient", "_method", "Guide vs server",
                   "x-molgenis-deltas", "^[0-9a-f]{32}$", "2 hours"):
        assert needle in text, needle


def test_no_nullable_schemas() -> None:
    """Nulls are never serialised by the server: absent fields are optional, never `null`-typed."""
    offenders = []
    for parts, node in walk(SPEC):
        if isinstance(node, dict) and is_schema_location(parts):
            kind = node.get("type")
            if node.get("nullable") or kind == "null" or (isinstance(kind, list) and "null" in kind):
                offenders.append("/".join(parts))
    assert not offenders, offenders


def test_schema_references_have_no_cycles() -> None:
    """The engine resolves `$ref`s into plain dicts (Connexion's resolve_refs) and compiles them with jsonschema-rs,
    which fails on recursive schemas; QueryRule is bounded by QueryRuleLeaf for that reason."""
    graph: dict[str, set[str]] = {}
    for name, schema in SCHEMAS.items():
        refs = set()
        for _, node in walk(schema):
            if isinstance(node, dict) and isinstance(node.get("$ref"), str):
                refs.add(node["$ref"].rsplit("/", 1)[1])
        graph[name] = refs

    def visit(name: str, stack: tuple[str, ...]) -> None:
        assert name not in stack, " → ".join(stack + (name,))
        for target in graph.get(name, ()):
            visit(target, stack + (name,))

    for name in graph:
        visit(name, ())


# ---------------------------------------------------------------------------------------------------- (2) examples

def _keys_in_schema_order(value: dict[str, Any], schema_name: str) -> None:
    declared = list(SCHEMAS[schema_name]["properties"])
    present = [key for key in value if key in declared]
    assert present == sorted(present, key=declared.index), f"{schema_name}: {list(value)}"


@pytest.mark.parametrize("name", [n for n, e in SPEC["components"]["examples"].items()
                                  if isinstance(e["value"], dict) and "href" in e["value"]])
def test_example_keys_follow_the_server_field_order(name: str) -> None:
    """Gson writes fields in declaration order; the examples show the same order."""
    value = example_value(name)
    if "hrefCollection" in value:
        _keys_in_schema_order(value, "EntityTypeResponse")
        for attribute in value.get("attributes", {}).values():
            _keys_in_schema_order(attribute, "AttributeResponse")
    elif "fieldType" in value:
        _keys_in_schema_order(value, "AttributeResponse")
    elif "items" in value:
        _keys_in_schema_order(value, "EntityCollection")
        if "meta" in value:
            _keys_in_schema_order(value["meta"], "EntityTypeResponse")
    assert list(value)[0] == "href"


def test_error_examples_carry_the_exact_server_messages() -> None:
    def messages(component: str) -> set[tuple[str, str | None]]:
        found = set()
        for example in SPEC["components"]["responses"][component]["content"]["application/json"]["examples"].values():
            for error in example["value"]["errors"]:
                found.add((error["message"], error.get("code")))
        return found

    not_found = messages("NotFound")
    assert ("Unknown entity type 'base_APITest3'.", "D01") in not_found
    assert ("Unknown entity with 'value label' 'ref6' of type 'TypeTestRefAPIV1'.", "D02") in not_found
    assert ("Unknown entity with 'Id' 'test.csv' of type 'Freemarker template'.", "D02") in not_found
    assert any(code == "D04" and message.startswith("Unknown attribute '") for message, code in not_found)
    assert ("Invalid token", None) in not_found
    unauthorized = messages("Unauthorized")
    assert ("No 'Read metadata' permission on entity type 'Entity type' with id 'sys_md_EntityType'.", "DS04") \
        in unauthorized
    assert ("No 'Delete data' permission on entity type 'Script type' with id 'sys_scr_ScriptType'.", "DS04") \
        in unauthorized
    assert ("Login using /api/v1/login is disabled, two factor authentication is enabled", None) in unauthorized
    assert ("Bad credentials", None) in unauthorized
    bad_request = messages("BadRequest")
    assert ("must not be blank", None) in bad_request
    assert ("Missing molgenis token. Token should either be present in the x-molgenis-token request header or the "
            "molgenis-token parameter.", None) in bad_request
    assert ("No more than 10000 rows can be requested", None) in bad_request


def test_fixture_oracles() -> None:
    """The examples reproduce the upstream oracles (py-client and IT tests; docs/molgenis-server.md)."""
    assert example_value("AttributeUsername") == {
        "href": "/api/v1/sys_sec_User/meta/username", "fieldType": "STRING", "name": "username", "label": "Username",
        "attributes": [], "enumOptions": [], "maxLength": 255, "auto": False, "nillable": False, "readOnly": True,
        "labelAttribute": True, "unique": True, "visible": True, "lookupAttribute": True, "isAggregatable": False,
        "validationExpression": "regex('^\\\\S.+\\\\S$', {username})"}
    collection = example_value("CollectionItems")
    assert (collection["start"], collection["num"], collection["total"]) == (0, 100, 5)
    assert [item for item in collection["items"]] == [
        {"href": f"/api/v1/V1_API_Items/ref{n}", "value": f"ref{n}", "label": f"label{n}"} for n in range(1, 6)]
    assert collection["meta"]["lookupAttributes"] == ["value", "label"]
    csv = BY_ID["exportCsv"][2]["responses"]["200"]["content"]["text/csv"]
    assert csv["examples"]["items"]["value"] == '"value","label"\n' + "".join(
        f'"ref{n}","label{n}"\n' for n in range(1, 6))


# ---------------------------------------------------------------------------------------------------- negative controls

def test_negative_control_examples_are_really_checked() -> None:
    """Every example test would pass blindly if validation or $ref resolution silently did nothing."""
    collection = example_value("CollectionItems")
    validator = schema_validator("EntityCollection")
    assert validator.is_valid(collection)
    broken = copy.deepcopy(collection)
    del broken["items"][0]["href"]                 # checked through $ref EntityMap
    assert not validator.is_valid(broken)
    broken = copy.deepcopy(collection)
    broken["meta"]["permissions"].append("WRITE")  # checked through $ref EntityTypeResponse → Permission
    assert not validator.is_valid(broken)
    broken = copy.deepcopy(collection)
    broken["prevHref"] = None                      # nulls are never serialised
    assert not validator.is_valid(broken)
    broken = copy.deepcopy(collection)
    broken["items"][0]["href"] = "http://molgenis.example/api/v1/V1_API_Items/ref1"  # hrefs are relative paths
    assert not validator.is_valid(broken)
    del collection["total"]
    assert not validator.is_valid(collection)


def test_negative_control_token_error_and_query_rule() -> None:
    login = schema_validator("LoginResponse")
    assert login.is_valid({"token": "0123456789abcdef0123456789abcdef", "username": "admin"})
    assert not login.is_valid({"token": "4296ef4fd9324360aa5c-bf8a849003da", "username": "admin"})  # the guide's
    assert not login.is_valid({"token": "0123456789ABCDEF0123456789ABCDEF", "username": "admin"})
    assert not login.is_valid({"token": "0123456789abcdef0123456789abcdef", "username": "admin", "firstname": None})

    error = schema_validator("Error")
    assert error.is_valid({"errors": [{"message": "x", "code": "D01"}]})
    assert not error.is_valid({"errors": [{"code": "D01"}]})
    assert not error.is_valid({"errors": []})
    assert not error.is_valid({"message": "x"})

    request = schema_validator("CollectionRequest")
    assert request.is_valid({"q": [{"operator": "NESTED", "nestedRules": [{"operator": "EQUALS", "field": "a"}]}]})
    assert not request.is_valid({"q": [{"operator": "NESTED", "nestedRules": [{"operator": "equals"}]}]})
    assert not request.is_valid({"q": [{"field": "a", "value": 1}]})       # operator is required
    assert not request.is_valid({"num": 10001})
    assert not request.is_valid({"sort": {"orders": [{"property": "a", "direction": "UP"}]}})


def test_negative_control_attribute_and_type_meta() -> None:
    attribute = schema_validator("AttributeResponse")
    value = example_value("AttributeXref")
    assert attribute.is_valid(value)
    value["fieldType"] = "REFERENCE"
    assert not attribute.is_valid(value)
    value = example_value("AttributeXref")
    del value["refEntity"]["hrefCollection"]
    assert not attribute.is_valid(value)

    meta = schema_validator("EntityTypeResponse")
    value = example_value("EntityTypeFilteredName")
    assert meta.is_valid(value)
    for key in ("href", "hrefCollection", "languageCode", "permissions", "writable"):
        reduced = {k: v for k, v in value.items() if k != key}
        assert not meta.is_valid(reduced), key
    value = example_value("EntityTypeExpanded")
    value["attributes"]["value"]["maxLength"] = "255"   # checked through attributes → AttributeResponse
    assert not meta.is_valid(value)


# ---------------------------------------------------------------------------------------------------- (3) operations

def test_route_table_and_order() -> None:
    assert [(m, p, o["operationId"]) for p, m, o, _ in OPERATIONS] == ROUTES
    assert list(SPEC["paths"]) == list(dict.fromkeys(p for _, p, _ in ROUTES))


def test_operation_ids_unique() -> None:
    ids = [op["operationId"] for _, _, op, _ in OPERATIONS]
    assert len(ids) == len(set(ids)) == len(ROUTES) == 19


@pytest.mark.parametrize("entry", OPERATIONS, ids=op_id)
def test_operation_conventions(entry: tuple[str, str, dict[str, Any], dict[str, Any]]) -> None:
    path, method, op, item = entry
    operation_id = op.get("operationId", "")
    assert re.fullmatch(r"[a-z][A-Za-z0-9]*", operation_id), operation_id      # an API name (plugin-bound)
    assert op.get("summary"), "summary missing"
    assert op.get("description"), "description missing"
    assert op.get("tags"), "tags missing"
    assert set(op["tags"]) <= {t["name"] for t in SPEC["tags"]}

    responses = op["responses"]
    has_body = "requestBody" in op
    has_path_params = "{" in path

    assert "500" in responses
    assert "400" in responses  # every operation: undeclared query parameters at least
    if operation_id == "logout":
        assert "401" not in responses and "404" in responses     # Invalid token is 404, never 401
    elif operation_id == "entityTypeExists":
        assert "401" not in responses and "404" not in responses  # no permission check; unknown → false
    else:
        assert ("401" in responses) is True
        assert ("404" in responses) == has_path_params
    assert ("415" in responses) == has_body
    for status in ("403", "405", "409"):
        assert status not in responses, f"{status} must not be documented per operation"

    for status, ref in responses.items():
        if status[0] in "45":
            assert ref == {"$ref": f"#/components/responses/{ERROR_BY_STATUS[status]}"}, status

    expected = SUCCESS[operation_id]
    assert {s for s in responses if s.startswith("2")} == set(expected)
    for status, shape in expected.items():
        response = deref(responses[status])
        content = response.get("content", {})
        if shape is None:
            assert not content, f"{status} has no body"
        elif shape == "text/csv":
            assert list(content) == ["text/csv"] and content["text/csv"]["schema"] == {"type": "string"}
        elif shape == "boolean":
            assert list(content) == ["application/json"] and content["application/json"]["schema"] == {
                "type": "boolean"}
        else:
            assert list(content) == ["application/json"], status
            assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{shape}"}

    for param in parameters_of(op, item):
        if param["in"] == "path":
            assert param["required"] is True
            assert param["name"] in ("entityTypeId", "id", "attributeName")
        assert param["name"] != "q" or operation_id == "exportCsv"

    if has_body:
        content = deref(op["requestBody"])["content"]
        assert list(content)[0] == "application/json", "Connexion assumes the first type when none is sent"
        for media in content.values():
            schema = deref(media["schema"])
            assert schema.get("additionalProperties", True) is not False


def test_path_parameters() -> None:
    parameters = SPEC["components"]["parameters"]
    entity = parameters["entityTypeId"]
    assert entity["in"] == "path" and entity["required"] is True
    assert {k: v for k, v in entity["schema"].items() if k != "examples"} == {
        "type": "string", "minLength": 1, "pattern": "^[^/\\x00-\\x1F\\x7F]+$",
        "description": "No `/` and no control characters (a path holding one answers 400, as Spring's firewall refuses "
                       "it)."}
    assert "enum" not in entity["schema"]
    assert entity["schema"]["examples"] and set(entity["schema"]["examples"]) <= set(KNOWN_ENTITY_TYPES)
    assert entity["x-apitwin-hints"]["known"] == KNOWN_ENTITY_TYPES
    assert parameters["id"]["schema"]["type"] == "string" and parameters["id"]["schema"]["minLength"] == 1
    assert parameters["attributeName"]["schema"]["type"] == "string"
    assert parameters["attributeName"]["schema"]["minLength"] == 1
    for path, _, op, item in OPERATIONS:
        names = re.findall(r"\{([^}]+)\}", path)
        refs = [p["$ref"].rsplit("/", 1)[1] for p in item.get("parameters", []) + op.get("parameters", [])
                if "$ref" in p and deref(p)["in"] == "path"]
        assert refs == names, path


def test_attributes_and_expand_are_comma_separated_arrays() -> None:
    for name in ("attributes", "expand"):
        param = SPEC["components"]["parameters"][name]
        assert (param["in"], param["style"], param["explode"]) == ("query", "form", False)
        assert param["schema"]["type"] == "array" and param["schema"]["items"] == {"type": "string"}
    assert "ignored" in SPEC["components"]["parameters"]["callback"]["description"]
    for operation_id in ("getEntityType", "getAttributeMeta",
                         "getAttributeValue", "getEntity",
                         "listEntities"):
        assert {"attributes", "expand", "callback"} <= set(params_by_name(operation_id)), operation_id


def test_paging_parameters() -> None:
    listing = params_by_name("listEntities")
    start, num = listing["start"]["schema"], listing["num"]["schema"]
    assert {k: start[k] for k in ("type", "minimum", "maximum", "default")} == {
        "type": "integer", "minimum": 0, "maximum": 2 ** 31 - 1, "default": 0}           # a Java int
    assert {k: num[k] for k in ("type", "minimum", "maximum", "default")} == {
        "type": "integer", "minimum": 0, "maximum": 10000, "default": 100}
    # the binding's field errors: Spring's texts and field error codes
    assert num["x-apitwin-message"]["maximum"] == {
        "message": "Field 'num' of 'entityCollectionRequest' No more than 10000 rows can be requested", "code": "Max"}
    assert {num["x-apitwin-message"][k]["code"] for k in ("minimum", "type")} == {"Min", "typeMismatch"}
    assert {start["x-apitwin-message"][k]["code"] for k in ("minimum", "maximum", "type")} == {"Min", "typeMismatch"}
    assert {"start", "num"} <= set(params_by_name("getAttributeValue"))
    csv = params_by_name("exportCsv")
    assert set(csv) == {"entityTypeId", "q", "start", "num", "sortColumn", "sortOrder", "attributes"}
    assert csv["q"]["schema"]["type"] == "string"
    assert csv["num"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 10000}
    assert csv["sortOrder"]["schema"]["enum"] == ["ASC", "DESC", ""]   # the R client sends it empty
    assert csv["attributes"]["schema"]["type"] == "string"


def test_numbered_query_rules_pattern() -> None:
    op = BY_ID["listEntities"][2]
    pattern = re.compile(op["x-apitwin-query-pattern"])
    for name in ("q[0].field", "q[0].operator", "q[12].value", "q"):   # plain q: refused by the handler (RSQL)
        assert pattern.match(name), name
    for name in ("q[0]", "q[0].nestedRules", "q[a].field", "x[0].field", "q[0].field.x", "qq"):
        assert not pattern.match(name), name
    assert "q[0].field" in op["description"]


@pytest.mark.parametrize("operation_id", sorted(TUNNELS))
def test_method_tunnels(operation_id: str) -> None:
    enum, required = TUNNELS[operation_id]
    param = params_by_name(operation_id)["_method"]
    assert param["in"] == "query"
    assert param["schema"] == {"type": "string", "enum": enum}
    assert bool(param.get("required")) is required
    # a tunnel whose methods differ on the body keeps it optional (no schema can tie the body to `_method`); the
    # attribute-meta tunnel has GET only, whose body the server requires
    single_get = enum == ["GET"]
    assert deref(BY_ID[operation_id][2]["requestBody"]).get("required") is single_get


def test_request_bodies() -> None:
    def content(operation_id: str) -> dict[str, Any]:
        return deref(BY_ID[operation_id][2]["requestBody"])["content"]

    login = deref(BY_ID["login"][2]["requestBody"])
    assert login["required"] is True and list(login["content"]) == ["application/json"]
    assert SCHEMAS["LoginRequest"]["required"] == ["username", "password"]
    for operation_id in ("postEntity", "postEntities"):
        assert list(content(operation_id)) == ["application/json", "application/x-www-form-urlencoded",
                                               "multipart/form-data"]
        # type object at the top: Connexion then joins repeated form fields with commas, as the server does
        assert content(operation_id)["application/json"]["schema"]["type"] == "object"
    for operation_id in ("updateAttributeValue", "postAttributeValue"):
        media = content(operation_id)
        assert list(media) == ["application/json"]
        schema = media["application/json"]["schema"]
        assert set(schema) <= {"description", "default"} and schema.get("default", "missing") is None
    assert content("updateEntity")["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EntityValues"}
    assert SCHEMAS["FormValues"]["additionalProperties"] == {"type": "string"}
    assert SCHEMAS["EntityValues"]["additionalProperties"] is True
    # Connexion's multipart parser hands undeclared file parts to validation as a list placeholder: the file
    # branch must not constrain the type
    file_branch = SCHEMAS["MultipartValues"]["additionalProperties"]["anyOf"][1]
    assert "type" not in file_branch and file_branch["contentMediaType"] == "application/octet-stream"


def test_create_answers_201_with_location() -> None:
    created = BY_ID["postEntities"][2]["responses"]["201"]
    header = deref(created["headers"]["Location"])
    assert header["required"] is True
    assert deref(header["schema"]) == SCHEMAS["Href"]
    assert "content" not in created


def test_schemas() -> None:
    collection = SCHEMAS["EntityCollection"]
    assert list(collection["properties"]) == ["href", "meta", "start", "num", "total", "prevHref", "nextHref", "items"]
    assert collection["required"] == ["href", "start", "num", "total", "items"]
    assert SCHEMAS["EntityMap"]["required"] == ["href"] and SCHEMAS["EntityMap"]["additionalProperties"] is True
    meta = SCHEMAS["EntityTypeResponse"]
    assert list(meta["properties"]) == ["href", "hrefCollection", "name", "label", "description", "attributes",
                                        "labelAttribute", "idAttribute", "lookupAttributes", "isAbstract",
                                        "languageCode", "permissions", "writable"]
    assert meta["required"] == ["href", "hrefCollection", "languageCode", "permissions", "writable"]
    assert SCHEMAS["Permission"]["enum"] == ["READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA", "READ_DATA", "ADD_DATA",
                                             "UPDATE_DATA", "DELETE_DATA", "UPDATE_METADATA", "DELETE_METADATA"]
    attribute = SCHEMAS["AttributeResponse"]
    assert list(attribute["properties"]) == [
        "href", "fieldType", "name", "label", "description", "attributes", "enumOptions", "maxLength", "refEntity",
        "mappedBy", "auto", "nillable", "readOnly", "defaultValue", "labelAttribute", "unique", "visible",
        "lookupAttribute", "isAggregatable", "range", "expression", "nullableExpression", "visibleExpression",
        "validationExpression"]
    assert len(attribute["properties"]["fieldType"]["enum"]) == 20
    assert len(SCHEMAS["QueryOperator"]["enum"]) == 18
    assert list(SCHEMAS["CollectionRequest"]["properties"]) == ["start", "num", "q", "sort", "attributes", "expand"]
    assert SCHEMAS["QueryRule"]["required"] == ["operator"]
    assert SCHEMAS["QueryRule"]["properties"]["nestedRules"]["items"] == {"$ref": "#/components/schemas/QueryRuleLeaf"}
    assert SCHEMAS["LoginResponse"]["properties"]["token"]["pattern"] == "^[0-9a-f]{32}$"
    assert list(SCHEMAS["LoginResponse"]["properties"]) == ["token", "username", "firstname", "lastname"]


def test_error_components() -> None:
    responses = SPEC["components"]["responses"]
    for name in ERROR_COMPONENTS:
        content = responses[name]["content"]
        assert list(content) == ["application/json"], name
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    error = SCHEMAS["Error"]
    assert error["required"] == ["errors"]
    assert error["properties"]["errors"]["items"]["required"] == ["message"]
    problem = SCHEMAS["Problem"]
    assert problem["required"] == ["type", "title", "status"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance"}


def test_security_schemes() -> None:
    schemes = SPEC["components"]["securitySchemes"]
    assert (schemes["molgenisToken"]["type"], schemes["molgenisToken"]["in"], schemes["molgenisToken"]["name"]) == (
        "apiKey", "header", "x-molgenis-token")
    assert (schemes["molgenisTokenParam"]["type"], schemes["molgenisTokenParam"]["in"],
            schemes["molgenisTokenParam"]["name"]) == ("apiKey", "query", "molgenis-token")
    assert (schemes["molgenisBasic"]["type"], schemes["molgenisBasic"]["scheme"]) == ("http", "basic")
    assert not [key for scheme in schemes.values() for key in scheme if key.endswith("InfoFunc")]  # plugin-bound
    assert SPEC["security"] == [{"molgenisToken": []}, {"molgenisTokenParam": []}, {"molgenisBasic": []}, {}]
    for path, method, op, _ in OPERATIONS:
        if op["operationId"] == "login":
            assert op["security"] == []
        else:
            assert "security" not in op, f"{method.upper()} {path} overrides the global security"


def test_deltas_cover_the_reference_table() -> None:
    deltas = SPEC["x-molgenis-deltas"]
    assert len(deltas) >= 24
    topics = [d["topic"] for d in deltas]
    assert len(topics) == len(set(topics))
    for delta in deltas:
        assert set(delta) == {"topic", "guide", "server", "mock"}, delta
        assert all(isinstance(v, str) and v for v in delta.values()), delta
    for needle in ("PUT /{e}/{id} status", "Logout", "callback", "Token format", "Token transport", "Query rules",
                   "Delete of a missing id", "Two-factor"):
        assert any(needle in topic for topic in topics), needle
    doc = DELTAS_DOC.read_text(encoding="utf-8")
    for topic in topics:
        assert f"| {topic} |" in doc, f"{topic} missing from {DELTAS_DOC.name}"
