"""Written values (handlers/molgenis/values.py) over HTTP: conversion and validation on create, full and
single-attribute updates, read-only attributes; the server's texts, and the documented deltas of values.py."""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.molgenis.helpers import (
    ITEMS, TEST_USER_ID, TT, TT_BASE, TT_LABEL, V1, assert_molgenis_error, d02, messages, raw,
)


DATE_MESSAGE = "Failed to parse attribute [xdate] value [maybe] as date. Valid date format is [YYYY-MM-DD]."
DATETIME_MESSAGE = ("Failed to parse attribute [xdatetime] value [maybe] as datetime. Valid datetime format is "
                    "[YYYY-MM-DDThh:mm:ssZ]")


# -- create: value conversion and validation (RestService.toEntityValue, the validators; values.py deltas) -------------


def _plain(kind: str, value: str, label: str, tail: str = "") -> str:
    return f"Invalid {kind} value '{value}' for attribute '{label}' of entity '{TT}'.{tail}"


def _bracket(kind: str, value: str, label: str, tail: str) -> str:
    return f"Invalid [{kind}] value [{value}] for attribute [{label}] of entity [100] with type [{TT}]. {tail}"


WRONG_VALUES = [
    # INT/LONG/DECIMAL strings that are no number: the server's NumberFormatException (500) is a 400 in the mock
    # with the validator's `Invalid <type> value ...` template (documented delta in values.py)
    ("xint", "abc", [_plain("int", "abc", "xint label")]),
    ("xint", "3000000000", [_plain("int", "3000000000", "xint label")]),
    ("xint", "1.5", [_plain("int", "1.5", "xint label")]),
    ("xlong", "12.5", [_plain("long", "12.5", "xlong label")]),
    ("xlong", "99999999999999999999", [_plain("long", "99999999999999999999", "xlong label")]),
    ("xdecimal", "abc", [_plain("decimal", "abc", "xdecimal label")]),
    ("xint", True, ["Attribute [xint] value is of type [Boolean] instead of [String] or [Number]"]),
    ("xint", [1], ["Attribute [xint] value is of type [ArrayList] instead of [String] or [Number]"]),
    ("xstring", 5, ["Attribute [xstring] value is of type [Double] instead of [String]"]),
    ("xenum", 1, ["Attribute [xenum] value is of type [Double] instead of [String]"]),
    ("xbool", 5, ["Attribute [xbool] value is of type [Double] instead of [String] or [Boolean]"]),
    ("xdate", "maybe", [DATE_MESSAGE]),
    ("xdate", "2020-13-01", ["Failed to parse attribute [xdate] value [2020-13-01] as date. Valid date format is "
                             "[YYYY-MM-DD]."]),
    ("xdate", 5, ["Attribute [xdate] value is of type [Double] instead of [String] or [LocalDate]"]),
    ("xdatetime", "maybe", [DATETIME_MESSAGE]),
    ("xemail", "not-an-email", [_bracket("email", "not-an-email", "xemail label", "Not a valid e-mail address.")]),
    ("xhyperlink", "not a link", [_bracket("hyperlink", "not a link", "xhyperlink label", "Not a valid hyperlink.")]),
    ("xenum", "enum4", [_bracket("enum", "enum4", "xenum", "Value must be one of [enum1, enum2, enum3]")]),
    ("xxref_value", "nope", [f"Unknown xref value 'nope' for attribute 'xxref_value' of entity '{TT}'. (entity 1)"]),
    ("xmref_value", ["ref1", "nope", "nope2"],
     [f"Unknown xref value 'nope' for attribute 'xmref_value' of entity '{TT}'. (entity 1)",
      f"Unknown xref value 'nope2' for attribute 'xmref_value' of entity '{TT}'. (entity 1)"]),
    ("xmref_value", "ref1,nope", [f"Unknown xref value 'nope' for attribute 'xmref_value' of entity '{TT}'. "
                                  "(entity 1)"]),
    ("xstring", "x" * 256, [_plain("string", "x" * 256, "xstring label",
                                   "Value must be less than or equal to 255 characters")]),
    ("xintrange", 11, [_plain("int", "11", "xintrange label", "Value must be between null and 10")]),
    ("xintrangenillable", -1, [_plain("int", "-1", "xintrangenillable label", "Value must be between 0 and null")]),
    ("xlongrange", 11, [_plain("long", "11", "xlongrange label", "Value must be between 0 and 10")]),
    ("xlongrange", -1, [_plain("long", "-1", "xlongrange label", "Value must be between 0 and 10")]),
    ("xstring_unique", "str1", [f"Duplicate value 'str1' for unique attribute 'xstring_unique' from entity '{TT}' "
                                "(entity 1)"]),
    ("xint_unique", 1, [f"Duplicate value '1' for unique attribute 'xint_unique' from entity '{TT}' (entity 1)"]),
    ("xxref_value", None, [f"The attribute 'xxref_value' of entity '{TT}' can not be null. (entity 1)"]),
    ("xmref_value", [], [f"The attribute 'xmref_value' of entity '{TT}' can not be null. (entity 1)"]),
]


@pytest.mark.parametrize("attribute, value, expected", WRONG_VALUES,
                         ids=[f"{a}={json.dumps(v)[:20]}" for a, v, _ in WRONG_VALUES])
def test_create_with_a_wrong_value(c: Any, admin_h: dict[str, str], attribute: str, value: Any,
                                   expected: list[str]) -> None:
    response = c.post(f"{V1}/{TT}", json={**TT_BASE, attribute: value}, headers=admin_h)
    assert_molgenis_error(response, 400)
    assert messages(response) == expected
    assert_molgenis_error(c.get(f"{V1}/{TT}/100", headers=admin_h), 404, d02("id label", "100", TT_LABEL), "D02")


def test_the_base_body_of_the_wrong_values_is_valid(c: Any, admin_h: dict[str, str]) -> None:
    """Control for test_create_with_a_wrong_value: the unchanged body creates row 100."""
    response = c.post(f"{V1}/{TT}", json=TT_BASE, headers=admin_h)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{V1}/{TT}/100"


def test_int_number_beyond_range_is_truncated_like_java(c: Any, admin_h: dict[str, str]) -> None:
    """A JSON number for INT is a Gson Double converted with `intValue()`, which saturates: 3000000000
    is stored as 2147483647 (no error on the server either). As a string it is refused (above)."""
    response = c.post(f"{V1}/{TT}", json={**TT_BASE, "xint": 3000000000, "xlong": 1.9}, headers=admin_h)
    assert response.status_code == 201, response.text
    row = c.get(f"{V1}/{TT}/100", headers=admin_h).json()
    assert (row["xint"], row["xlong"]) == (2147483647, 1)


def test_several_violations_are_reported_together(c: Any, admin_h: dict[str, str]) -> None:
    body = {**TT_BASE, "xxref_value": "nope", "xstring_unique": "str1"}
    response = c.post(f"{V1}/{TT}", json=body, headers=admin_h)
    assert_molgenis_error(response, 400)
    assert set(messages(response)) == {
        f"Duplicate value 'str1' for unique attribute 'xstring_unique' from entity '{TT}' (entity 1)",
        f"Unknown xref value 'nope' for attribute 'xxref_value' of entity '{TT}'. (entity 1)",
    }


@pytest.mark.parametrize("entity_type, body, attribute, value", [
    (ITEMS, {"value": "ref1", "label": "x"}, "value", "ref1"),
    ("V1_API_TypeTestRefAPIV1", {"value": "ref3", "label": "x"}, "value", "ref3"),
    (TT, {**TT_BASE, "id": 1}, "id", "1"),
])
def test_create_with_a_duplicate_id(c: Any, admin_h: dict[str, str], entity_type: str, body: dict[str, Any],
                                    attribute: str, value: str) -> None:
    """A duplicate id is a validation error (400 without code), not 409."""
    response = c.post(f"{V1}/{entity_type}", json=body, headers=admin_h)
    assert_molgenis_error(response, 400, f"Duplicate value '{value}' for unique attribute '{attribute}' from entity "
                                         f"'{entity_type}' (entity 1)")


def test_create_by_form_with_a_wrong_value(c: Any, admin_h: dict[str, str]) -> None:
    form = {k: (",".join(v) if isinstance(v, list) else str(v)) for k, v in {**TT_BASE, "xint": "abc"}.items()}
    response = c.post(f"{V1}/{TT}", data=form, headers=admin_h)
    assert_molgenis_error(response, 400, _plain("int", "abc", "xint label"))


# -- updates -----------------------------------------------------------------------------------------------------------

def test_put_changing_a_read_only_attribute(c: Any, admin_h: dict[str, str]) -> None:
    """Read-only attributes may be resent unchanged; changing one is a 400 (with the validators' ` (entity <n>)` row
    suffix)."""
    row = c.get(f"{V1}/sys_sec_User/{TEST_USER_ID}", headers=admin_h).json()
    body = {k: v for k, v in row.items() if k != "href"}
    assert c.put(f"{V1}/sys_sec_User/{TEST_USER_ID}", json=body, headers=admin_h).status_code == 200
    response = c.put(f"{V1}/sys_sec_User/{TEST_USER_ID}", json={**body, "username": "renamed"}, headers=admin_h)
    assert_molgenis_error(response, 400, "The attribute 'username' of entity 'sys_sec_User' can not be changed it is "
                                         "readonly. (entity 1)")
    tunnel = c.post(f"{V1}/sys_sec_User/{TEST_USER_ID}?_method=PUT", json={**body, "username": "renamed"},
                    headers=admin_h)
    assert_molgenis_error(tunnel, 400, "The attribute 'username' of entity 'sys_sec_User' can not be changed it is "
                                       "readonly. (entity 1)")
    assert c.get(f"{V1}/sys_sec_User/{TEST_USER_ID}", headers=admin_h).json()["username"] == "test"


@pytest.mark.parametrize("entity_type, row_id, attribute, body", [
    (ITEMS, "ref1", "value", "ref1"),                        # the id (read-only even when unchanged)
    (TT, "1", "id", 1),
    (TT, "1", "xcomputedint", 5),                            # a computed attribute
    ("sys_sec_User", TEST_USER_ID, "username", "renamed"),
])
def test_single_attribute_put_on_a_read_only_attribute(c: Any, admin_h: dict[str, str], entity_type: str,
                                                       row_id: str, attribute: str, body: Any) -> None:
    """Single-attribute update of a read-only attribute: MolgenisDataAccessException → 401 without code."""
    message = f"Attribute '{attribute}' of entity '{entity_type}' is readonly"
    for method, path in (("PUT", f"{V1}/{entity_type}/{row_id}/{attribute}"),
                         ("POST", f"{V1}/{entity_type}/{row_id}/{attribute}?_method=PUT")):
        response = c.request(method, path, json=body, headers=admin_h)
        assert_molgenis_error(response, 401, message)


@pytest.mark.parametrize("attribute, value, expected", [
    ("xint", "abc", _plain("int", "abc", "xint label")),
    ("xenum", "enum4", "Invalid [enum] value [enum4] for attribute [xenum] of entity [1] with type "
                       f"[{TT}]. Value must be one of [enum1, enum2, enum3]"),
    ("xxref_value", "nope", f"Unknown xref value 'nope' for attribute 'xxref_value' of entity '{TT}'. (entity 1)"),
    ("xint_unique", 2, f"Duplicate value '2' for unique attribute 'xint_unique' from entity '{TT}' (entity 1)"),
    ("xxref_value", None, f"The attribute 'xxref_value' of entity '{TT}' can not be null. (entity 1)"),
])
def test_single_attribute_put_with_a_wrong_value(c: Any, admin_h: dict[str, str], attribute: str, value: Any,
                                                 expected: str) -> None:
    before = c.get(f"{V1}/{TT}/1", headers=admin_h).json()
    response = raw(c, "PUT", f"{V1}/{TT}/1/{attribute}", admin_h, json.dumps(value))
    assert_molgenis_error(response, 400, expected)
    assert c.get(f"{V1}/{TT}/1", headers=admin_h).json() == before


def test_single_attribute_put_on_a_compound(c: Any, admin_h: dict[str, str]) -> None:
    response = c.put(f"{V1}/{TT}/1/xcompound", json="x", headers=admin_h)
    assert_molgenis_error(response, 400, f"Attribute 'xcompound' of entity '{TT}' cannot be set directly")
