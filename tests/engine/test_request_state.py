"""`RequestState` made cheaply per request (class defaults, only the API and its own `Problems` set in `__init__`)
must read exactly as the dataclass it replaced: every field's default, nothing shared between two requests, the
helpers' answers unchanged."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.errors import ApiError
from apitwin.server.state import ABSENT, SCOPE_KEY, Problems, RequestState, patterned_query, sent_json

DEFAULTS = {"plan": None, "prefer": None, "admin_token_ok": False, "raw_body": None, "form": None,
            "sent_json": ABSENT, "handler_json": ABSENT, "json_null": False, "path_params": None,
            "query_params": None}


def test_a_new_state_reads_as_the_dataclass_defaults() -> None:
    marker = object()
    state = RequestState(marker)   # type: ignore[arg-type]
    assert state.runtime is marker
    for name, value in DEFAULTS.items():
        assert getattr(state, name) is value, name
    assert isinstance(state.problems, Problems) and state.problems.field_errors == {}
    assert list(state.patterned_query) == []
    plan = object()
    assert RequestState(None, plan).plan is plan   # type: ignore[arg-type]


def test_two_states_share_no_mutable_field() -> None:
    first, second = RequestState(None), RequestState(None)
    assert first.problems is not second.problems
    assert first.problems.field_errors is not second.problems.field_errors
    first.problems.add({"page": ["A valid integer is required."]})
    first.patterned_query = [("q[0].field", "x")]
    first.sent_json = {"a": 1}
    assert second.problems.field_errors == {} and list(second.patterned_query) == [] and second.sent_json is ABSENT
    with pytest.raises(ApiError):
        first.problems.raise_if_any()
    second.problems.raise_if_any()      # nothing collected: nothing raised


def test_the_scope_helpers_answer_as_before() -> None:
    scope: dict[str, Any] = {}
    assert patterned_query(scope) == [] and sent_json(scope) is ABSENT
    state = scope[SCOPE_KEY] = RequestState(None)
    assert patterned_query(scope) == [] and isinstance(patterned_query(scope), list)
    state.patterned_query = [("q[0].a", "1"), ("q[1].b", "2")]
    assert patterned_query(scope) == [("q[0].a", "1"), ("q[1].b", "2")]
    state.sent_json = None
    assert sent_json(scope) is None


def test_problems_compare_and_show_as_the_dataclass_did() -> None:
    assert Problems() == Problems() and Problems({"a": ["x"]}) == Problems({"a": ["x"]}) != Problems()
    assert repr(Problems({"a": ["x"]})) == "Problems(field_errors={'a': ['x']})"
    assert "runtime=None" in repr(RequestState(None))
