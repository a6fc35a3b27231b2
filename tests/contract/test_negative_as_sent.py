"""rules.valid_as_sent: a 'negative' case whose mutated parameters are valid as the text they travel as is not a
contract failure (a string path parameter given 42 arrives as "42"); anything else stays reported."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from jsonschema import Draft202012Validator
from schemathesis.core.parameters import ParameterLocation

from apitwin.contract.exemptions import valid_as_sent


def _case(negative: set[ParameterLocation], path: dict[str, Any], schema: dict[str, Any]) -> Any:
    declared = SimpleNamespace(get_strict_validator=lambda: Draft202012Validator(schema))
    operation = SimpleNamespace(get_parameter_set=lambda location: declared if location == ParameterLocation.PATH
                                else None)
    meta = SimpleNamespace(is_negative_at=lambda location: location in negative)
    return SimpleNamespace(meta=meta, operation=operation,
                           get_container=lambda location: path if location == ParameterLocation.PATH else {})


STRING_ID = {"type": "object", "properties": {"petId": {"type": "string"}}, "required": ["petId"]}
SHORT_ID = {"type": "object", "properties": {"petId": {"type": "string", "maxLength": 3}}, "required": ["petId"]}


def test_a_number_for_a_string_path_parameter_is_valid_as_sent():
    assert valid_as_sent(_case({ParameterLocation.PATH}, {"petId": 9223372036854775806}, STRING_ID))


def test_a_value_invalid_as_text_stays_reported():
    assert not valid_as_sent(_case({ParameterLocation.PATH}, {"petId": 123456}, SHORT_ID))
    assert not valid_as_sent(_case({ParameterLocation.PATH}, {"petId": [1, 2]}, STRING_ID))
    assert not valid_as_sent(_case({ParameterLocation.PATH}, {"petId": True}, STRING_ID))


def test_a_negative_body_or_no_negative_part_stays_reported():
    assert not valid_as_sent(_case({ParameterLocation.PATH, ParameterLocation.BODY}, {"petId": 5}, STRING_ID))
    assert not valid_as_sent(_case(set(), {"petId": "5"}, STRING_ID))
    assert not valid_as_sent(SimpleNamespace(meta=None))
