"""The compiled parameter check (apitwin.validation.fast_check, jsonschema-rs) may only say "valid" where Python's
jsonschema check says so too: a value it accepts skips the Python check, a value it refuses goes through it and gets
today's message. For many values per parameter kind (seeded hypothesis), `validate_parameter` gives the same answer
with and without the compiled check, and the compiled check never accepts what the Python one refuses."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from connexion.json_schema import resolve_refs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apitwin import validation
from apitwin.specs import FULL_SCHEMA, READINGS, connexion_view, load_spec
from apitwin.validation import CollectingParameterValidator, fast_check

ROOT = Path(__file__).resolve().parents[2]


def _param(schema: dict[str, Any], where: str = "query") -> dict[str, Any]:
    return {"name": "p", "in": where, "schema": schema}


# (kind, schema): every one is fast-checkable
KINDS: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"},
    "integer bounded": {"type": "integer", "minimum": 1, "maximum": 10000},
    "integer exclusive": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 9,
                          "exclusiveMaximum": True},
    "number": {"type": "number", "minimum": -1.5, "maximum": 2.5},
    "boolean": {"type": "boolean"},
    "string lengths": {"type": "string", "minLength": 1, "maxLength": 5},
    "string enum": {"type": "string", "enum": ["asc", "desc", "a b"]},
    "integer enum": {"type": "integer", "enum": [1, 2, 3]},
    "no control characters": {"type": "string", "pattern": "^[^\\x00-\\x1F\\x7F]+$"},
    "no slash nor control": {"type": "string", "minLength": 1, "pattern": "^[^/\\x00-\\x1F\\x7F]+$"},
    "anchored digits": {"type": "string", "pattern": "^k[0-9]+$"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
    "uuid": {"type": "string", "format": "uuid"},
    "email": {"type": "string", "format": "email"},
    "uri": {"type": "string", "format": "uri"},
    "int32": {"type": "integer", "format": "int32"},
    "nullable string": {"type": ["string", "null"], "maxLength": 3},
    "array of integers": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1, "maxItems": 4,
                          "uniqueItems": True},
    "array of choices": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "1"]}},
    "object": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string", "maxLength": 2}},
               "required": ["a"], "additionalProperties": False},
    "anyOf": {"anyOf": [{"type": "integer", "maximum": 3}, {"type": "string", "minLength": 2}]},
    "oneOf": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]},
    "not": {"type": "string", "not": {"enum": ["x", "y"]}},
    "custom message": {"type": "integer", "maximum": 10000,
                       "x-apitwin-message": {"maximum": "No more than 10000 rows at a time."}},
}

TEXT = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="k0123456789\n\x00\x7f/ -:TZtz+.é", max_size=12),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?\n?\Z"),
    st.from_regex(r"\A\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?\Z"),
    st.sampled_from(["2020-12-31T23:59:60Z", "2020-01-01T00:00:00Z\n", "a@b", "@", "http://x", "a b", "asc", "a b",
                     "k12\n", "abc\n", "", "null", "x", "1"]),
)
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-2**70, max_value=2**70), st.integers(min_value=-3, max_value=12),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 1.0, 3.0, -1.5, 2.5, 2.6, 1e300]),
    TEXT,
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)), max_leaves=8)


def _slow(location: str, value: Any, param: dict[str, Any]) -> Any:
    with mock.patch.object(validation, "fast_check", lambda _param: None):
        return CollectingParameterValidator.validate_parameter(location, value, param)


def _same(param: dict[str, Any], value: Any) -> None:
    check = fast_check(param)
    assert check is not None
    slow = _slow(param["in"], value, param)
    fast = CollectingParameterValidator.validate_parameter(param["in"], value, param)
    assert fast == slow, (param["schema"], value)
    assert type(fast) is type(slow)      # a CustomText stays one (it is shown without a field name)
    if value is not None and check(value):
        assert slow is None, (param["schema"], value, slow)


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(derandomize=True, max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES)
def test_fast_and_python_checks_agree(kind: str, value: Any) -> None:
    _same(_param(KINDS[kind]), value)


def _all_view_parameters(covered: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """(label, parameter) of both APIs' documents, those the compiled check covers (or, `covered` false, not)."""
    found = []
    for name in ("partners", "molgenis_v1", "molgenis_v2", "molgenis_metadata", "molgenis_importwizard"):
        view = resolve_refs(connexion_view(load_spec(ROOT / "specs" / f"{name}.yaml")))   # as Connexion has them
        for path, item in (view.get("paths") or {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or method == "parameters":
                    continue
                for param in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
                    if (fast_check(param) is not None) == covered:
                        found.append((f"{name} {method} {path} {param['name']}", param))
    return found


def _view_parameters() -> list[tuple[str, dict[str, Any]]]:
    found = _all_view_parameters()
    by_schema = {json.dumps(param["schema"], sort_keys=True): (label, param) for label, param in found}
    return sorted(by_schema.values(), key=lambda pair: pair[0])   # one per distinct schema


VIEW_PARAMETERS = _view_parameters()


def test_the_apis_parameters_are_checked_compiled() -> None:
    """Both APIs have parameters the compiled check covers (a Partners id in the path among them): if it stopped
    covering them, the fast path would be gone without any test failing."""
    names = [label for label, _ in _all_view_parameters()]
    assert any(label.startswith("partners get /api/v1/customers/{") for label in names), names
    assert any(label.startswith("molgenis") for label in names), names


@pytest.mark.parametrize("label", [label for label, _ in VIEW_PARAMETERS])
@settings(derandomize=True, max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES)
def test_fast_and_python_checks_agree_on_the_apis_parameters(label: str, value: Any) -> None:
    _same(dict(VIEW_PARAMETERS)[label], value)


@pytest.mark.parametrize("schema", [
    {"type": "string", READINGS: ["integer", "string"]},                  # read as several types
    {"type": "string", FULL_SCHEMA: json.dumps({"type": "string"})},     # a 3.1 schema beside the view
    {"type": "array", "items": {"type": "string", "format": "date"}},    # a format Python checks, not at the top
    {"type": "string", "pattern": "(?i)^a$"},                            # regex syntax read differently
    {"type": "string", "pattern": "^a\\Z"},
    {"type": "number", "multipleOf": 0.1},                               # float arithmetic differs
    {"type": "object", "patternProperties": {"^a": {"type": "integer"}}},
    {"$ref": "#/components/schemas/X"},
])
def test_schemas_left_to_python(schema: dict[str, Any]) -> None:
    assert fast_check(_param(schema)) is None


def test_a_valid_value_skips_python_and_an_invalid_one_is_worded_by_it() -> None:
    param = _param({"type": "integer", "minimum": 1}, "path")
    with mock.patch.object(validation, "_param_validator", side_effect=AssertionError("Python check ran")):
        assert CollectingParameterValidator.validate_parameter("path", 3, param) is None
    assert CollectingParameterValidator.validate_parameter("path", 0, param) == \
        "Ensure this value is greater than or equal to 1."
    assert CollectingParameterValidator.validate_parameter("path", "x", param) == "A valid integer is required."


# --- the endpoint reuses the path parameters request validation parsed ----------------------------------------------

def test_the_path_is_parsed_once_and_the_handler_gets_it_typed(fake: Any, fake_headers: dict[str, str]) -> None:
    from apitwin.uri_parsing import StyledURIParser
    parsed = []
    original_parse = StyledURIParser.resolve_path

    def counting(self: Any, path_data: dict[str, Any]) -> dict[str, Any]:
        parsed.append(dict(path_data))
        return original_parse(self, path_data)

    with mock.patch.object(StyledURIParser, "resolve_path", counting):
        answer = fake.get("/api/notes/1/", headers=fake_headers)
    assert answer.status_code == 200, answer.text
    # read once, from the scope, by the operation's compiled reader (apitwin.param_reader): neither the URI parser
    # in validation nor the endpoint parses it again
    assert parsed == []
    assert answer.json()["id"] == 1           # the store is keyed by integers: the handler got the id typed


def test_a_path_refused_with_a_body_still_reports_both(fake: Any, fake_headers: dict[str, str]) -> None:
    """A path parameter problem waits for the body's (an operation taking a body), and no handler runs."""
    answer = fake.patch("/api/notes/0/", headers=fake_headers, json={"title": 5})
    assert answer.status_code == 400, answer.text
    text = answer.text
    assert "note_id" in text and "greater than or equal to 1" in text and "title" in text, text
