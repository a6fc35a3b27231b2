"""A "positive" JSON body that breaks a `format` its schema states (schemathesis' coverage phase sent "" for
Libre Graph's nullable date-time `terminationDate`) is not reported as a rejected valid request."""
from __future__ import annotations

from types import SimpleNamespace

from apitwin.contract.exemptions import body_breaks_a_format

SCHOOL = {"type": "object", "properties": {
    "displayName": {"type": "string"},
    "terminationDate": {"type": "string", "format": "date-time", "nullable": True}}}
OPERATION = {"requestBody": {"content": {"application/json": {"schema": {"allOf": [SCHOOL]}}}}}


def _case(body: object, media_type: str = "application/json") -> SimpleNamespace:
    return SimpleNamespace(body=body, media_type=media_type)


def test_an_empty_date_time_breaks_its_format():
    assert body_breaks_a_format(_case({"terminationDate": ""}), OPERATION)
    assert body_breaks_a_format(_case({"terminationDate": ""}), OPERATION, "3.1.0")


def test_valid_and_null_values_do_not():
    assert not body_breaks_a_format(_case({"terminationDate": "2023-06-30T00:00:00Z"}), OPERATION)
    assert not body_breaks_a_format(_case({"terminationDate": None, "displayName": 5}), OPERATION)


def test_only_json_bodies_with_a_schema_are_judged():
    assert not body_breaks_a_format(_case({"terminationDate": ""}, "multipart/form-data"), OPERATION)
    assert not body_breaks_a_format(_case({"terminationDate": ""}), {})
