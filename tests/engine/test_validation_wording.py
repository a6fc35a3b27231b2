"""Engine wording for rules a document states in JSON Schema (apitwin.validation): mutually exclusive fields
(`not: {required: [a, b]}`), and a plugin's own words replacing the generic pattern message for the same field."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from apitwin.validation import FORMATS, PatternText, collect, merge, missing_body

SCHEMA = {
    "type": "object",
    "not": {"required": ["gender", "sex"]},
    "properties": {"name": {"type": "string", "pattern": "[^ ]"}},
}


def errors(body: dict) -> dict[str, list[str]]:
    return collect(Draft202012Validator(SCHEMA, format_checker=FORMATS).iter_errors(body))


def test_fields_sent_together_are_named_under_the_second() -> None:
    assert errors({"gender": "male", "sex": "male"}) == {"sex": ["Conflicts with gender; send one of them."]}
    assert errors({"gender": "male"}) == {} and errors({"sex": "male"}) == {}


def test_a_not_that_is_no_exclusion_keeps_jsonschemas_words() -> None:
    body = {"a": 1}
    found = collect(Draft202012Validator({"not": {"required": ["a"]}}).iter_errors(body))
    assert list(found) == ["body"] and "should not be valid" in found["body"][0]


def test_the_plugins_wording_replaces_the_generic_pattern_message() -> None:
    found = errors({"name": "   "})
    assert found == {"name": ['"   " does not have the expected form.']} and isinstance(found["name"][0], PatternText)
    merge(found, {"name": ["This field may not be blank."], "other": ["x"]})
    assert found == {"name": ["This field may not be blank."], "other": ["x"]}


def test_other_messages_of_the_field_stay() -> None:
    found = {"name": ["Ensure this field has no more than 3 characters.", PatternText('"x" does not have ...')]}
    merge(found, {"name": ["This field may not be blank."]})
    assert found == {"name": ["Ensure this field has no more than 3 characters.", "This field may not be blank."]}


def test_a_missing_body_outside_an_api_has_no_custom_words() -> None:
    assert missing_body(None) is None
