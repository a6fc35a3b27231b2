"""The create path's shortcuts give exactly what the general code gives: the null-character walk is skipped only
for bodies where it would find nothing, and a created customer's answer is `public` of the stored row, its own
copy, in the stored row's key order, for every shape of valid body."""
from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from apitwin import runtime
from apitwin.errors import FieldErrorCollector
from apitwin_apis.partners.common import public, refuse_null_characters
from apitwin_apis.partners.customers import FIELDS, check_create, create_customer

PARTNER = "demo-partner"
TEXT = st.text(alphabet=st.sampled_from(["a", " ", "\x00", "é", "@", "."]), max_size=6)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), TEXT)
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(TEXT, inner, max_size=2)), max_leaves=6)
BODY = st.dictionaries(st.sampled_from([*FIELDS, "unknown", "_partner"]), VALUE, max_size=8)


def walked(body: Any) -> dict[str, list[str]]:
    """(the full walk's problems — what check_create reported before the shortcut —, check_create's problems)."""
    problems = FieldErrorCollector()
    refuse_null_characters(body, problems, FIELDS)
    reference = FieldErrorCollector()
    check_create(body, {}, reference)      # the same rules after the walk: compare the walk's part only
    return problems.errors, reference.errors


@settings(max_examples=300, derandomize=True, deadline=None)
@given(BODY)
def test_check_create_reports_what_the_full_walk_reports(body: dict[str, Any]) -> None:
    walk, checked = walked(body)
    nul_problems = {field: messages for field, messages in checked.items()
                    if any("Null characters" in m for m in messages)}
    nul_problems = {field: [m for m in messages if "Null characters" in m] for field, messages in nul_problems.items()}
    assert nul_problems == walk
    assert list(nul_problems) == list(walk)


@settings(max_examples=20, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])     # one app for all examples: rows add up
@given(st.lists(st.sampled_from(["asian", "caucasian", "african"]), unique=True, max_size=3),
       st.lists(st.sampled_from(["vegan", "paleo", "keto"]), unique=True, max_size=3),
       st.sampled_from([None, "Male", "female"]), st.sampled_from([None, True, False, "yes", "NO"]),
       st.booleans())
def test_a_created_customer_answer_is_public_of_the_stored_row(app: Any, ethnicity: list[str], diet: list[str],
                                                                gender: Any, caffeine: Any, minimal: bool) -> None:
    rt = app.apitwin.runtimes["partners"]
    body: dict[str, Any] = {"first_name": " Jon ", "last_name": "Snow"}
    if not minimal:
        body.update({"email": "jon@wall.org", "reference_id": "r-1", "ethnicity": ethnicity, "diet": diet,
                     "gender": gender, "caffeine_consumption": caffeine, "consent_date": "2020-01-02"})
    tokens = runtime.bind(rt, app.apitwin)
    try:
        answer, status, headers = asyncio.run(create_customer(body, {"partner": PARTNER}))
    finally:
        runtime.unbind(tokens)
    stored = rt.store["customers"].view(answer["id"])
    assert status == 201 and headers == {"Location": f"/api/v1/customers/{answer['id']}/"}
    assert answer == public(stored) and list(answer) == list(public(stored))
    for key in ("ethnicity", "diet"):
        assert answer[key] is not stored[key]
