"""A parameter whose schema mixes object and scalar types (or names no type at all) gets a type Connexion can read
it by in the 3.0 view (apitwin.specs), and apitwin.validation checks the value as sent against the real schema:
valid values are answered, invalid ones refused with a 400 — never a 500 (Connexion's parser reads
`schema["type"]`)."""
from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from apitwin.specs import READINGS, connexion_view
from apitwin.validation import read_by_schema
from connexion.json_schema import resolve_refs

from apitwin.inferred.document import open_document
from tests.inferred.conftest import FIXTURES, serve


@pytest.fixture(scope="module")
def client() -> TestClient:
    return serve("mixed_params.yaml")


VALID = [
    ("/things/k1", {}, {}, {}),
    ("/things/a,3", {}, {}, {}),                              # path, simple style: the object {a: 3}
    ("/things/k1", {"q": "5"}, {}, {}),
    ("/things/k1", {"q": "a,7"}, {}, {}),                     # form, explode false: the object {a: 7}
    ("/things/k1", {"filter[size]": "3"}, {}, {}),            # deepObject
    ("/things/k1", {"filter": "12"}, {}, {}),
    ("/things/k1", {}, {"X-Mode": "fast"}, {}),
    ("/things/k1", {}, {"X-Mode": "m,x"}, {}),
    ("/things/k1", {}, {}, {"pick": "4"}),
    ("/things/k1", {"free": "ok"}, {}, {}),
    ("/lists", {"any": ["1", "x"]}, {}, {}),                   # an array without items
    ("/lists", {"loose": ["ab"]}, {}, {}),                     # items without a type
    ("/lists", {"mixed": "1,true"}, {}, {}),                   # items of several scalar types, explode false
    ("/lists", {}, {"X-Ids": "1,2"}, {}),                      # a header list of items mixing object and integer
    ("/lists", {"where[n]": "3"}, {}, {}),                     # deepObject properties without a type
    ("/lists", {"where[n]": "true", "where[s]": "ok"}, {}, {}),
    ("/lists", {"typed[a]": "1", "typed[o][b]": "5"}, {}, {}),  # typed deepObject properties, a nested one
    ("/objects/a,1", {"obf": "b,2,s,12"}, {"X-O": "a=3"}, {}),   # plain objects: simple, form explode false, k=v
    ("/things/{\"a\": 3}", {}, {"X-Mode": "{\"m\": \"x\"}"}, {}),  # JSON objects in a path and a header
    ("/things/{'a': '3'}", {}, {"X-Mode": "{'m': 'x'}"}, {}),        # schemathesis 4.32.5: str() of an anyOf object
    ("/objects/a,1", {"obf": "b,2,s,[1, 2]"}, {}, {}),               # a value holding the delimiter inside brackets
    ("/things/k1", {"a": "7"}, {}, {}),                              # q's object branch, exploded: its keys
    ("/lists", {"loose": ["{'a': [1, 2]}", "ab", "null"]}, {}, {}),  # repeated values keep their commas; literals
    ("/lists", {}, {"X-Ids": "1,{'a': 1, 'b': 2}"}, {}),             # a header list of items holding commas
    ("/lists", {"typed[o]": ""}, {}, {}),                            # deepObject: `p[o]=` is the empty object
]
INVALID = [
    ("/things/zz", {}, {}, {}, "key"),
    ("/things/a,x", {}, {}, {}, "key"),
    ("/things/k1", {"q": "0"}, {}, {}, "q"),
    ("/things/k1", {"q": "word"}, {}, {}, "q"),
    ("/things/k1", {"q": "a,x"}, {}, {}, "q"),
    ("/things/k1", {"filter[size]": "30"}, {}, {}, "filter"),
    ("/things/k1", {"filter[other]": "1"}, {}, {}, "filter"),
    ("/things/k1", {"filter": "x"}, {}, {}, "filter"),
    ("/things/k1", {}, {"X-Mode": "medium"}, {}, "X-Mode"),
    ("/things/k1", {}, {}, {"pick": "11"}, "pick"),
    ("/things/k1", {"free": "bad"}, {}, {}, "free"),
    ("/things/k1", {"free": "toolong"}, {}, {}, "free"),
    ("/lists", {"loose": ["abcd"]}, {}, {}, "loose"),
    ("/lists", {"mixed": "1,x"}, {}, {}, "mixed"),
    ("/lists", {}, {"X-Ids": "0"}, {}, "X-Ids"),
    ("/lists", {"where[n]": "30"}, {}, {}, "where"),
    ("/lists", {"where[s]": "bad"}, {}, {}, "where"),
    ("/lists", {"typed[a][b]": "1"}, {}, {}, "typed"),         # a nested key under a scalar: Connexion's cast failed
    ("/lists", {"typed[o][b]": "x"}, {}, {}, "typed"),
    ("/objects/x", {}, {}, {}, "p"),
    ("/objects/a,1", {"obf": "b,x"}, {}, {}, "obf"),
    ("/objects/a,1", {}, {"X-O": "z=3"}, {}, "X-O"),
    ("/things/{'a': 'x'}", {}, {}, {}, "key"),
    ("/things/k1", {"a": "x"}, {}, {}, "q"),
    ("/things/k1", {"b": "1"}, {}, {}, "b"),                          # no branch of q has it: unknown
    ("/lists", {"loose": ["{'a': [1, 2]}", "abcd"]}, {}, {}, "loose"),
    ("/things/{'a': 1", {}, {}, {}, "key"),
]


@pytest.mark.parametrize(("path", "query", "headers", "cookies"), VALID, ids=[repr(c) for c in VALID])
def test_valid_values_are_answered(client: TestClient, path: str, query: dict[str, str], headers: dict[str, str],
                                   cookies: dict[str, str]) -> None:
    client.cookies.clear()
    client.cookies.update(cookies)        # on the client: per-request cookies are deprecated in httpx
    answer = client.get(path, params=query, headers=headers)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("path", "query", "headers", "cookies", "field"), INVALID, ids=[repr(c) for c in INVALID])
def test_invalid_values_are_a_400_naming_the_parameter(client: TestClient, path: str, query: dict[str, str],
                                                       headers: dict[str, str], cookies: dict[str, str],
                                                       field: Any) -> None:
    client.cookies.clear()
    client.cookies.update(cookies)        # on the client: per-request cookies are deprecated in httpx
    answer = client.get(path, params=query, headers=headers)
    assert answer.status_code == 400, answer.text
    if field is not None:
        assert field in answer.text, answer.text


def _view_parameters() -> dict[str, dict[str, Any]]:
    view = resolve_refs(connexion_view(open_document(FIXTURES / "mixed_params.yaml").data))   # as Connexion has it
    out: dict[str, dict[str, Any]] = {}
    for item in view["paths"].values():
        for param in [*item.get("parameters", []), *(p for op in item.values() if isinstance(op, dict)
                                                      for p in op.get("parameters", []))]:
            out[param["name"]] = param
    return out


def test_every_parameter_of_the_view_has_a_type_connexion_reads_by() -> None:
    for name, param in _view_parameters().items():
        schema = param["schema"]
        assert "type" in schema, name
        if schema["type"] == "array":
            assert "type" in schema["items"], name
        if param.get("style") == "deepObject":
            assert "properties" not in schema, name     # Connexion casts leaves by them, and fails on nested keys


def test_a_deep_objects_property_defaults_stay_its_default() -> None:
    assert _view_parameters()["typed"]["schema"]["default"] == {"o": {"b": 2}}


@pytest.mark.parametrize(("name", "sent", "received"), [
    ("key", "a,3", {"a": 3}), ("key", "k1", "k1"), ("q", "5", 5), ("filter", {"size": "3"}, {"size": 3}),
    ("filter", "12", 12), ("pick", "4", 4), ("mixed", ["1", "true"], [1, True]), ("where", {"n": "true"}, {"n": True}),
    ("typed", {"a": "1", "o": {"b": "5"}}, {"a": 1, "o": {"b": 5}}),
    ("obf", "b,2,s,12", {"b": 2, "s": "12"}), ("obf", "", {}), ("X-O", "a=3", {"a": 3}),
])
def test_the_handler_gets_the_reading_the_schema_accepted(name: str, sent: Any, received: Any) -> None:
    """What apitwin.server.endpoint hands the handler for a parameter with READINGS (apitwin.validation)."""
    schema = _view_parameters()[name]["schema"]
    assert READINGS in schema or READINGS in schema.get("items", {})
    assert read_by_schema(schema, sent) == received


@pytest.mark.parametrize(("form", "field"), [
    ({"m": "1"}, None), ({"n": "ok"}, None), ({"l": ["1", "true"]}, None),
    ({"m": "0"}, "m"), ({"m": "x"}, "m"), ({"n": "bad"}, "n"), ({"l": ["1", "x"]}, "l.1"),
])
def test_form_fields_without_a_type_are_read_not_refused_as_malformed(client: TestClient, form: dict[str, Any],
                                                                       field: str | None) -> None:
    answer = client.post("/forms", data=form)
    if field is None:
        assert answer.status_code < 300, answer.text
    else:
        assert answer.status_code == 400, answer.text
        assert field in answer.json()["errors"], answer.text
