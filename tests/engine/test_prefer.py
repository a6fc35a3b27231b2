"""apitwin.prefer pure functions: header parsing, preference validation and response choice (no HTTP)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from apitwin.errors import ApiError
from apitwin.prefer import Preference, build, choose, parse_header

SEED = 1234
SCOPE = {"path": "/api/v1/things/", "query_string": b""}

THING = {
    "type": "object",
    "required": ["id", "name", "status"],
    "properties": {
        "id": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
        "name": {"type": "string", "minLength": 1, "maxLength": 40},
        "status": {"enum": ["new", "shipped", "lost", "returned"]},
        "created_at": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
    },
    "additionalProperties": False,
}
NOT_FOUND = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {"detail": {"type": "string"}, "code": {"type": "integer", "minimum": 400, "maximum": 499}},
    "additionalProperties": False,
}
OPERATION: dict[str, Any] = {
    "operationId": "things_create",
    "responses": {
        "201": {
            "description": "Created",
            "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
            "content": {"application/json": {
                "schema": THING,
                "examples": {
                    "first": {"value": {"id": 1, "name": "first thing", "status": "new"}},
                    "second": {"value": {"id": 2, "name": "second thing", "status": "shipped"}},
                },
            }},
        },
        "400": {
            "description": "Bad request",
            "content": {"application/json": {
                "examples": {"bad": {"value": {"name": ["This field is required."]}}},
            }},
        },
        "404": {
            "description": "Not found",
            "content": {"application/json": {"schema": NOT_FOUND}},
        },
    },
}


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


def prefer_header(**kwargs: str) -> dict[str, tuple[str, str]]:
    return {name: ("Prefer", value) for name, value in kwargs.items()}


# --- parse_header -----------------------------------------------------------------------------------------------

def test_parse_header_commas_and_quotes() -> None:
    assert parse_header('code=404, example="jon_snow"') == {"code": "404", "example": "jon_snow"}


def test_parse_header_semicolons_and_spaces() -> None:
    assert parse_header("code=201; dynamic=true;delay = 250 ") == {"code": "201", "dynamic": "true", "delay": "250"}


def test_parse_header_ignores_unknown_preferences() -> None:
    assert parse_header("return=minimal, respond-async, wait=10, fault=503") == {"fault": "503"}
    assert parse_header("handling=lenient") == {}
    assert parse_header("") == {}


def test_parse_header_names_are_case_insensitive_values_are_kept() -> None:
    assert parse_header('CODE=404, Example="Jon_Snow", Dynamic=TRUE') == {
        "code": "404", "example": "Jon_Snow", "dynamic": "TRUE"}


def test_parse_header_bare_name_has_empty_value() -> None:
    assert parse_header("dynamic") == {"dynamic": ""}


# --- build ------------------------------------------------------------------------------------------------------

def test_build_valid_values() -> None:
    pref = build(prefer_header(code="404", example="jon_snow", dynamic="true", delay="250", fault="503"), 1000)
    assert pref == Preference(code=404, example="jon_snow", dynamic=True, delay_ms=250, fault="503")
    assert pref.chooses_response


def test_build_empty_is_the_plain_mock() -> None:
    pref = build({}, 1000)
    assert pref == Preference()
    assert not pref.chooses_response


@pytest.mark.parametrize("value, expected", [("true", True), ("TRUE", True), ("", True), ("false", False),
                                             ("False", False)])
def test_build_dynamic(value: str, expected: bool) -> None:
    pref = build(prefer_header(dynamic=value), 1000)
    assert pref.dynamic is expected
    assert pref.chooses_response is expected


@pytest.mark.parametrize("value", ["100", "200", "599"])
def test_build_code_bounds_accepted(value: str) -> None:
    assert build(prefer_header(code=value), 1000).code == int(value)


def test_build_collects_every_error_per_source() -> None:
    raw = {"code": ("__code", "abc"), "delay": ("__delay", "-1"), "example": ("Prefer", "x")}
    with pytest.raises(ApiError) as info:
        build(raw, 1000)
    error = info.value
    assert error.status == 400
    assert set(error.field_errors) == {"__code", "__delay"}
    assert "'abc'" in error.field_errors["__code"][0]
    assert "'-1'" in error.field_errors["__delay"][0]


def test_build_errors_from_one_header_are_all_listed() -> None:
    with pytest.raises(ApiError) as info:
        build(prefer_header(code="abc", delay="-1", fault="slow"), 1000)
    assert info.value.status == 400
    assert list(info.value.field_errors) == ["Prefer"]
    messages = info.value.field_errors["Prefer"]
    assert len(messages) == 3
    assert any("code" in m and "'abc'" in m for m in messages)
    assert any("delay" in m and "'-1'" in m for m in messages)
    assert any("fault" in m and "'slow'" in m for m in messages)


@pytest.mark.parametrize("name, value", [
    ("code", "99"), ("code", "600"), ("code", "4o4"), ("code", ""), ("code", "-200"),
    ("example", ""),
    ("dynamic", "yes"), ("dynamic", "1"),
    ("delay", "1.5"), ("delay", "ms"), ("delay", ""),
    ("fault", "418"), ("fault", "200"), ("fault", "timeout"), ("fault", ""),
])
def test_build_rejects_bad_values(name: str, value: str) -> None:
    with pytest.raises(ApiError) as info:
        build(prefer_header(**{name: value}), 1000)
    assert info.value.status == 400
    assert len(info.value.field_errors["Prefer"]) == 1
    assert name in info.value.field_errors["Prefer"][0]


def test_build_delay_bound() -> None:
    assert build(prefer_header(delay="0"), 500).delay_ms == 0
    assert build(prefer_header(delay="500"), 500).delay_ms == 500
    with pytest.raises(ApiError) as info:
        build(prefer_header(delay="501"), 500)
    assert "500" in info.value.field_errors["Prefer"][0]


@pytest.mark.parametrize("value, expected", [("500", "500"), ("502", "502"), ("503", "503"), ("504", "504"),
                                             ("empty", "empty"), ("malformed", "malformed"), ("drop", "drop"),
                                             ("DROP", "drop"), ("Empty", "empty")])
def test_build_fault_values(value: str, expected: str) -> None:
    pref = build(prefer_header(fault=value), 1000)
    assert pref.fault == expected
    assert not pref.chooses_response


@pytest.mark.parametrize("name", ["code", "delay"])
def test_build_rejects_non_ascii_digits_as_a_preference_error(name: str) -> None:
    with pytest.raises(ApiError) as info:
        build(prefer_header(**{name: "²"}), 1000)
    assert info.value.status == 400


# --- choose -----------------------------------------------------------------------------------------------------

def test_code_chooses_that_response_and_its_example() -> None:
    status, media_type, body, headers = choose(OPERATION, Preference(code=400), SEED, SCOPE)
    assert (status, media_type, body, headers) == (400, "application/json", {"name": ["This field is required."]}, {})


def test_code_of_the_success_response_gives_its_first_example_and_location() -> None:
    status, media_type, body, headers = choose(OPERATION, Preference(code=201), SEED, SCOPE)
    assert (status, media_type, body) == (201, "application/json", {"id": 1, "name": "first thing", "status": "new"})
    assert list(headers) == ["Location"]
    assert headers["Location"].startswith(("http://", "https://"))


def test_named_example_chooses_its_response() -> None:
    status, media_type, body, headers = choose(OPERATION, Preference(example="second"), SEED, SCOPE)
    assert (status, media_type) == (201, "application/json")
    assert body == {"id": 2, "name": "second thing", "status": "shipped"}
    assert "Location" in headers


def test_named_example_of_an_error_response() -> None:
    status, _, body, headers = choose(OPERATION, Preference(example="bad"), SEED, SCOPE)
    assert status == 400
    assert body == {"name": ["This field is required."]}
    assert headers == {}


def test_unknown_example_lists_the_documented_names() -> None:
    with pytest.raises(ApiError) as info:
        choose(OPERATION, Preference(example="jon_snow"), SEED, SCOPE)
    assert info.value.status == 400
    message = " ".join(info.value.messages)
    assert "jon_snow" in message
    for name in ("bad", "first", "second"):
        assert name in message


def test_example_together_with_a_code_must_belong_to_that_code() -> None:
    with pytest.raises(ApiError) as info:
        choose(OPERATION, Preference(code=400, example="second"), SEED, SCOPE)
    assert info.value.status == 400
    assert "second" in " ".join(info.value.messages)


def test_undocumented_code_is_a_400() -> None:
    with pytest.raises(ApiError) as info:
        choose(OPERATION, Preference(code=418), SEED, SCOPE)
    assert info.value.status == 400
    message = " ".join(info.value.messages)
    assert "418" in message
    assert "201" in message and "404" in message


def test_code_falls_back_to_range_and_default_responses() -> None:
    operation = {"operationId": "x", "responses": {
        "200": {"content": {"application/json": {"example": {"ok": True}}}},
        "4XX": {"content": {"application/json": {"example": {"range": True}}}},
        "default": {"content": {"application/json": {"example": {"default": True}}}},
    }}
    assert choose(operation, Preference(code=409), SEED, SCOPE)[:3] == (409, "application/json", {"range": True})
    assert choose(operation, Preference(code=503), SEED, SCOPE)[:3] == (503, "application/json", {"default": True})


def test_response_without_content_has_an_empty_body() -> None:
    operation = {"operationId": "x", "responses": {"204": {"description": "No content"}}}
    status, _, body, headers = choose(operation, Preference(code=204), SEED, SCOPE)
    assert (status, body, headers) == (204, b"", {})


def test_dynamic_body_is_generated_from_the_schema() -> None:
    status, media_type, body, headers = choose(OPERATION, Preference(dynamic=True), SEED, SCOPE)
    assert (status, media_type) == (201, "application/json")
    assert body not in [e["value"] for e in OPERATION["responses"]["201"]["content"]["application/json"]["examples"].values()]
    errors = [e.message for e in validator(THING).iter_errors(body)]
    assert errors == []
    assert "Location" in headers


def test_dynamic_is_repeatable_for_the_same_seed_and_request() -> None:
    first = choose(OPERATION, Preference(dynamic=True), SEED, dict(SCOPE))
    again = choose(OPERATION, Preference(dynamic=True), SEED, dict(SCOPE))
    assert json.dumps(first, sort_keys=True, default=str) == json.dumps(again, sort_keys=True, default=str)


def test_dynamic_differs_for_other_seeds_and_paths() -> None:
    def body(seed: int, path: str = SCOPE["path"]) -> str:
        return json.dumps(choose(OPERATION, Preference(dynamic=True), seed, {**SCOPE, "path": path})[2], sort_keys=True)

    reference = body(SEED)
    assert any(body(seed) != reference for seed in range(1, 6))
    assert any(body(SEED, f"/api/v1/things/{n}/") != reference for n in range(5))


def test_code_with_schema_only_generates_a_valid_body() -> None:
    for seed in range(20):
        status, media_type, body, headers = choose(OPERATION, Preference(code=404), seed, SCOPE)
        assert (status, media_type, headers) == (404, "application/json", {})
        assert [e.message for e in validator(NOT_FOUND).iter_errors(body)] == []


def test_documented_header_example_is_used() -> None:
    operation = {"operationId": "x", "responses": {"201": {
        "headers": {"Location": {"example": "https://example.com/things/1/", "schema": {"type": "string"}},
                    "X-Optional": {"schema": {"type": "string"}},
                    "X-Request-Id": {"required": True, "schema": {"type": "string", "format": "uuid"}}},
        "content": {"application/json": {"example": {"id": 1}}},
    }}}
    _, _, body, headers = choose(operation, Preference(code=201), SEED, SCOPE)
    assert body == {"id": 1}
    assert set(headers) == {"Location", "X-Request-Id"}
    assert headers["Location"] == "https://example.com/things/1/"


@pytest.mark.parametrize(("sent", "kept", "twins"), [
    (b"pair=5,__main__&named%5Bt%5D=__proto__", b"pair=5,__main__&named%5Bt%5D=__proto__", {}),
    (b"pair=5,a&__code=404&q=%2C", b"pair=5,a&q=%2C", {"code": "404"}),
    (b"__delay=5", b"", {"delay": "5"}),
])
def test_the_query_keeps_what_is_not_a_twin_byte_for_byte(sent: bytes, kept: bytes, twins: dict[str, str]) -> None:
    """Stripping the `__` twins must not re-encode the rest: a literal `,` delimiter turned into `%2C` is an item's
    own comma to the parameter readers (apitwin.validation)."""
    from apitwin.prefer import intake
    from apitwin.server.state import RequestState

    scope: dict[str, Any] = {"headers": [], "query_string": sent}
    state = RequestState(None)
    intake(scope, state)
    assert scope["query_string"] == kept
    assert (state.prefer is not None) == bool(twins)
