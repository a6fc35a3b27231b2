"""EMX expressions checked on write as `EntityAttributesValidator` does with the `molgenis-expressions` evaluator
(`SimpleExpressionEvaluator`, `ExpressionValidator`): "Offended validation expression" and "Offended nullable
expression", every violation at once, before any database constraint. Test names follow the server class and
method they copy."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from apitwin_apis.molgenis.expressions import FAILED, evaluate, is_true, variables
from tests.molgenis.helpers import ADMIN, assert_molgenis_error, auth, molgenis_app

V1 = "/api/v1"
PERSON = "V1_API_PersonAPIV1"
LICENCE = "{driverslicence} notempty or {age} empty or {age} < 18"


@pytest.fixture
def c() -> Iterator[Any]:
    with molgenis_app().test_client() as client:
        yield client


def _offended(kind: str, value: str, label: str, row: str, entity_type: str, expression: str,
              what: str = "validation") -> str:
    return (f"Invalid [{kind}] value [{value}] for attribute [{label}] of entity [{row}] with type [{entity_type}]. "
            f"Offended {what} expression: {expression}")


# -- EntityAttributesValidator#checkValidationExpressions ------------------------------------------------------------

def test_EntityAttributesValidator_checkValidationExpressions_on_create(c: Any) -> None:
    headers = auth(c, ADMIN)
    response = c.post(f"{V1}/{PERSON}", json={"id": "p1", "age": 30}, headers=headers)
    assert_molgenis_error(response, 400, _offended("bool", "null", "driverslicence label", "p1", PERSON, LICENCE))
    for body in ({"id": "p2", "age": 30, "driverslicence": True}, {"id": "p3", "age": 17}, {"id": "p4"}):
        assert c.post(f"{V1}/{PERSON}", json=body, headers=headers).status_code == 201, body


def test_EntityAttributesValidator_checkValidationExpressions_on_every_update(c: Any) -> None:
    headers = auth(c, ADMIN)
    assert c.post(f"{V1}/{PERSON}", json={"id": "p1", "age": 17}, headers=headers).status_code == 201
    message = _offended("bool", "null", "driverslicence label", "p1", PERSON, LICENCE)
    assert_molgenis_error(c.put(f"{V1}/{PERSON}/p1", json={"id": "p1", "age": 40}, headers=headers), 400, message)
    assert_molgenis_error(c.put(f"{V1}/{PERSON}/p1/age", json=40, headers=headers), 400, message)
    assert_molgenis_error(c.post(f"{V1}/{PERSON}/p1?_method=PUT", data={"id": "p1", "age": "40"}, headers=headers),
                          400, message)
    assert c.get(f"{V1}/{PERSON}/p1", headers=headers).json()["age"] == 17


def test_ExpressionValidator_regex_is_a_whole_value_match(c: Any) -> None:
    """sys_sec_User.username: `regex('^\\S.+\\S$', {username})`; Java's Matcher#matches."""
    headers = auth(c, ADMIN)
    response = c.post(f"{V1}/sys_sec_User", json={"username": " padded", "password_": "x", "Email": "p@x.org"},
                      headers=headers)
    errors = assert_molgenis_error(response, 400)
    assert errors[0]["message"].endswith(r"Offended validation expression: regex('^\\S.+\\S$', {username})")


# -- the expression language -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, context, value", [
    (LICENCE, {"age": 30, "driverslicence": None}, False),
    (LICENCE, {"age": 30, "driverslicence": True}, True),
    (LICENCE, {"age": None, "driverslicence": None}, True),
    ("{age} notempty && {age} >= 18", {"age": 18}, True),
    ("regex('^[a-z]+$', {id})", {"id": "abc"}, True),
    ("regex('b', {id})", {"id": "abc"}, False),               # whole value, not a substring
    ("regex('B', {id}, 'i')", {"id": "b"}, True),
    ("{m} contains 'a'", {"m": ["a", "b"]}, True),
    ("{m} anyof ['x', 'b']", {"m": ["a", "b"]}, True),
    ("{m} allof ['a', 'x']", {"m": ["a", "b"]}, False),
    ("{n} + 1 = 3", {"n": 2}, True),
    ("2 ^ 3 ^ 2", {}, 512.0),                                 # right associative
    ("1 + 2 * 3", {}, 7.0),
    ("!{b}", {"b": None}, True),
    ("{s} = 'x' or {s} = 'y'", {"s": "y"}, True),
    ("age('2000-01-01', '2020-06-01')", {}, 20),
])
def test_Expressions_parseAndEvaluate(expression: str, context: dict[str, Any], value: Any) -> None:
    assert evaluate(expression, context) == value


@pytest.mark.parametrize("expression, context", [
    ("{s} < 3", {"s": "x"}),                    # comparing a string with a number
    ("{n} and true", {"n": 1}),                 # and on a non-boolean
    ("unknown({a})", {"a": 1}),
    ("{a} >", {"a": 1}),                        # does not parse
    ("regex('[', {a})", {"a": "x"}),
])
def test_Expressions_failures_have_no_value(expression: str, context: dict[str, Any]) -> None:
    """A failure is no value; ExpressionValidator turns it into null, which offends a validation expression."""
    assert evaluate(expression, context) is FAILED
    assert is_true(expression, context) is None


def test_Expressions_getAllVariableNames() -> None:
    assert variables(LICENCE) == {"driverslicence", "age"}
    assert variables("{a} >") == set()


# -- nullable expressions and unevaluable validation expressions (own model) ---------------------------------------

MODEL = """
packages:
  - {id: chk, label: Checks}
entity_types:
  - id: chk_Sample
    package: chk
    label: Sample
    attributes:
      - {name: id, id_attribute: true, nillable: false, label_attribute: true}
      - {name: kind, type: ENUM, enum_options: [blood, tissue]}
      - {name: volume, type: DECIMAL, nullable_expression: "{kind} != 'blood'"}
      - {name: code, validation_expression: "{code} empty or {code} < 3"}
"""
ROWS = """
rows:
  chk_Sample: []
"""
SECURITY = """
users:
  - {username: admin, password: admin, superuser: true}
grants: []
"""


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    (tmp_path / "model.yaml").write_text(MODEL)
    (tmp_path / "data.yaml").write_text(ROWS)
    (tmp_path / "security.yaml").write_text(SECURITY)
    with create_app(["molgenis"], settings=Settings(data_dirs={"molgenis": tmp_path})).test_client() as client:
        yield client, auth(client, ADMIN)


def test_EntityAttributesValidator_checkNullableExpressions(own: tuple[Any, dict[str, str]]) -> None:
    client, headers = own
    response = client.post(f"{V1}/chk_Sample", json={"id": "s1", "kind": "blood"}, headers=headers)
    assert_molgenis_error(response, 400, _offended("decimal", "null", "volume", "s1", "chk_Sample",
                                                   "{kind} != 'blood'", "nullable"))
    assert client.post(f"{V1}/chk_Sample", json={"id": "s2", "kind": "blood", "volume": 1.5},
                       headers=headers).status_code == 201
    assert client.post(f"{V1}/chk_Sample", json={"id": "s3", "kind": "tissue"}, headers=headers).status_code == 201


def test_EntityAttributesValidator_an_expression_that_fails_is_offended(own: tuple[Any, dict[str, str]]) -> None:
    """`{code} < 3` on a string fails to evaluate: not `true`, so offended."""
    client, headers = own
    response = client.post(f"{V1}/chk_Sample", json={"id": "s1", "kind": "tissue", "code": "1"}, headers=headers)
    assert_molgenis_error(response, 400, _offended("string", "1", "code", "s1", "chk_Sample",
                                                   "{code} empty or {code} < 3"))
