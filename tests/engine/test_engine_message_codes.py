"""Spec-authored messages with codes (`x-apitwin-message: {keyword: {message, code}}`, `{value}`) and the per-message
codes an `ApiError` carries to an API's error body."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from apitwin.errors import ApiError
from apitwin.validation import CustomText, _custom_message

SCHEMA = {"type": "integer", "minimum": 0, "maximum": 10,
          "x-apitwin-message": {"maximum": {"message": "too big", "code": "Max"},
                                "minimum": "too small",
                                "type": {"message": "not a number: \"{value}\"", "code": "typeMismatch"}}}


def _messages(value: object) -> list[CustomText]:
    found = [_custom_message(error) for error in Draft202012Validator(SCHEMA).iter_errors(value)]
    return [m for m in found if m is not None]


def test_keyword_entry_with_message_and_code() -> None:
    (message,) = _messages(11)
    assert (message, message.code) == ("too big", "Max")


def test_plain_keyword_entry_has_no_code() -> None:
    (message,) = _messages(-1)
    assert (message, message.code) == ("too small", None)


def test_value_placeholder_is_the_value_sent() -> None:
    (message,) = _messages("abc")
    assert (message, message.code) == ('not a number: "abc"', "typeMismatch")


def test_api_error_collects_codes_of_messages_and_fields() -> None:
    error = ApiError(400, [CustomText("a", code="A"), "plain"], {"": [CustomText("b", code="B")]})
    assert error.codes == {"a": "A", "b": "B"}
    assert ApiError(400, ["plain"]).codes == {}
