"""rules.valid_as_sent: a 'negative' case whose mutated parameters are valid as the text they travel as is not a
contract failure (a string path parameter given 42 arrives as "42"); anything else stays reported."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from jsonschema import Draft202012Validator
from schemathesis.core.parameters import ParameterLocation

from apitwin.contract.exemptions import form_body_valid_as_sent, form_fields, valid_as_sent


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


EXPAND = {"name": "$expand", "in": "query", "style": "form", "explode": False,
          "schema": {"type": "array", "uniqueItems": True, "items": {"enum": ["members"], "type": "string"}}}
EXPAND_SET = {"type": "object", "properties": {"$expand": EXPAND["schema"]}}


def _query_case(value: Any, definition: dict[str, Any]) -> Any:
    declared = SimpleNamespace(get_strict_validator=lambda: Draft202012Validator(EXPAND_SET),
                               items=[SimpleNamespace(definition=definition)])
    operation = SimpleNamespace(get_parameter_set=lambda location: declared if location == ParameterLocation.QUERY
                                else None)
    meta = SimpleNamespace(is_negative_at=lambda location: location == ParameterLocation.QUERY)
    return SimpleNamespace(meta=meta, operation=operation,
                           get_container=lambda location: {"$expand": value} if location == ParameterLocation.QUERY
                           else {})


def test_an_empty_item_of_a_comma_joined_list_is_the_empty_list_as_sent():
    """Libre Graph's `?$expand=`: schemathesis' negative `[""]` travels as the empty list does."""
    assert valid_as_sent(_query_case([""], EXPAND))
    assert valid_as_sent(_query_case("", EXPAND))          # as schemathesis keeps it: already joined


def test_other_lists_stay_reported():
    assert not valid_as_sent(_query_case(["nobody"], EXPAND))                   # not in the enum as sent either
    assert not valid_as_sent(_query_case([""], {**EXPAND, "explode": True}))    # `x=` is the list [""] there
    assert not valid_as_sent(_query_case([True], EXPAND))
    assert not valid_as_sent(_query_case("members,nobody", EXPAND))


# A discriminated form body (redocly-starter's POST /menu): under oneOf, errors sit at the root, so the reading of
# each field must be chosen for the whole body, not field by field.
MENU_ITEM = {
    "oneOf": [
        {"type": "object", "properties": {"category": {"const": "beverage"}, "volume": {"type": "number"},
                                          "name": {"type": "string"}, "price": {"type": "integer"}},
         "required": ["category", "volume"]},
        {"type": "object", "properties": {"category": {"const": "dessert"}, "calories": {"type": "number"},
                                          "name": {"type": "string"}, "price": {"type": "integer"}},
         "required": ["category", "calories"]},
    ],
}
BOUNDARY = "b0undary"


def _multipart(fields: dict[str, str]) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def test_a_null_sent_in_a_multipart_string_field_is_valid_as_sent():
    sent = form_fields(f"multipart/form-data; boundary={BOUNDARY}",
                       _multipart({"calories": "9.1e+305", "category": "dessert", "price": "2141", "name": "null"}))
    assert sent == {"calories": ["9.1e+305"], "category": ["dessert"], "price": ["2141"], "name": ["null"]}
    generated = {"calories": 9.1e305, "category": "dessert", "price": 2141, "name": None}
    assert form_body_valid_as_sent(MENU_ITEM, generated, sent)


def test_a_form_body_invalid_however_read_stays_reported():
    sent = form_fields("application/x-www-form-urlencoded", b"category=dessert&price=2141&name=x")
    assert not form_body_valid_as_sent(MENU_ITEM, {"category": "dessert", "price": 2141, "name": "x"}, sent)
    wrong = form_fields("application/x-www-form-urlencoded", b"category=dessert&calories=many")
    assert not form_body_valid_as_sent(MENU_ITEM, {"category": "dessert", "calories": "many"}, wrong)
    assert form_fields("application/json", b"{}") is None
    assert not form_body_valid_as_sent(MENU_ITEM, [1], {})


def test_only_a_json_body_is_compared_field_by_field_after_a_create():
    from apitwin.contract.checks import sent_as_json

    assert sent_as_json(SimpleNamespace(media_type="application/json"))
    assert sent_as_json(SimpleNamespace(media_type="application/merge-patch+json; charset=utf-8"))
    assert sent_as_json(SimpleNamespace(media_type=None))
    assert not sent_as_json(SimpleNamespace(media_type="application/xml"))
    assert not sent_as_json(SimpleNamespace(media_type="multipart/form-data"))
