"""The JSON body reader's shortcuts (apitwin.validation.json_of) give what the plain reading gives: the body as
`jsonio.loads` reads its text, and "as is" only where `integral_floats_to_int` changes nothing (seeded hypothesis
over JSON documents with floats, integral floats, exponents, long integers, NaN, unicode, nesting, and malformed
ones)."""
from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apitwin.server import jsonio
from apitwin.validation import integral_floats_to_int, json_of

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 3.0, -1.0, 1e5, 2.5, 1e300, 2**53 + 0.0]),
    st.text(max_size=6), st.sampled_from(["3.0", "1e5", "é", "0" * 20, "x.e"]),
)
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)), max_leaves=12)


def typed(value: Any) -> Any:
    """The value with every leaf's type spelled out (1 and 1.0 and True differ; NaN equals NaN)."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def _plain(text: str) -> tuple[Any, Any]:
    """(body or the error, the walked body or None): the reading without shortcuts."""
    try:
        body = jsonio.loads(text)
    except (ValueError, RecursionError) as exc:
        return ("error", type(exc).__name__, str(exc)), None
    try:
        return typed(body), typed(integral_floats_to_int(body, [False]))
    except RecursionError:
        return typed(body), "too deep"


def _same(text: str) -> None:
    raw = text.encode("utf-8")
    expected, walked = _plain(text)
    try:
        body, as_is = json_of(raw, text, True)
    except (ValueError, RecursionError) as exc:
        assert expected == ("error", type(exc).__name__, str(exc)), text
        return
    assert typed(body) == expected, text
    if as_is:
        assert walked == expected, text       # the walk would have changed nothing
    other, other_as_is = json_of(raw, text, False)   # not UTF-8: always the plain reading
    assert typed(other) == expected and other_as_is is False


@settings(derandomize=True, max_examples=400, deadline=None, database=None)
@given(document=DOCUMENTS, indent=st.sampled_from([None, 1]))
def test_json_documents_read_alike(document: Any, indent: Any) -> None:
    _same(json.dumps(document, indent=indent, ensure_ascii=False))


@pytest.mark.parametrize("text", [
    "3.0", "[1.0, 2]", '{"a": 1E5}', '{"a": 1e-5}', "[0.5]", '"3.0"', '{"a": "1.0"}', "NaN", "[Infinity, -Infinity]",
    "12345678901234567890", "[1234567890123456789.0]", "{", '{"a": 1,}', "\ufeff{}", '{"a": "\\ud800"}', "[]" * 2,
    "[" * 70 + "]" * 70, "[" * 2000 + "]" * 2000, " {} ", '{"é": 1.50}', "1" * 25,
])
def test_hand_picked_documents_read_alike(text: str) -> None:
    _same(text)
