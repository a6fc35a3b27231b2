"""What a Partners create or read hands out shares nothing with the store, though the new row is handed to the store
uncopied (`insert(copy=False)`) and a read copies the live row once (`owned_public`); the null-character walk names
every field as before."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from apitwin import runtime
from apitwin.errors import ApiError, FieldErrorCollector
from apitwin_apis.partners.common import (NULL_CHARACTERS, created, owned, owned_public, public,
                                          refuse_null_characters)
from apitwin_apis.partners.customers import FIELDS, create_customer

PARTNER = "demo-partner"

BODY = {"first_name": " Arya ", "last_name": "Stark", "email": "arya@winterfell.com", "gender": "Female",
        "ethnicity": ["caucasian"], "caffeine_consumption": True, "diet": ["vegan", "paleo"]}


def test_a_created_customer_answer_shares_nothing_with_the_stored_row(app: Any, monkeypatch: Any) -> None:
    rt = app.apitwin.runtimes["partners"]
    monkeypatch.setattr(runtime, "current", lambda: rt)
    changes_before = len(rt.store["changes"])
    answer, status, headers = asyncio.run(create_customer(dict(BODY), {"partner": PARTNER}))
    stored = rt.store["customers"].get(answer["id"])
    assert status == 201 and headers == {"Location": f"/api/v1/customers/{answer['id']}/"}
    assert answer == public(stored) and list(answer) == list(public(stored))
    assert stored["first_name"] == "Arya" and stored["caffeine_consumption"] == "yes" and stored["_partner"] == PARTNER
    answer["ethnicity"].append("changed")
    answer["diet"].clear()
    assert rt.store["customers"].get(answer["id"]) == stored                  # the store kept its own lists
    assert len(rt.store["changes"]) == changes_before + 1
    change = rt.store["changes"].scan()[-1]
    assert (change["action"], change["resource"], change["resource_id"]) == ("created", "customer", answer["id"])


def test_a_live_row_is_copied_into_the_answer(monkeypatch: Any) -> None:
    monkeypatch.setattr(runtime, "current", lambda: type("Rt", (), {"prefix": "/m"})())
    live = {"id": 3, "_partner": "p", "name": "a", "tags": ["x"], "meta": {"k": [1]}}
    answer, _, headers = created(live, "/api/v1/things/3/", live=True)
    assert answer == {"id": 3, "name": "a", "tags": ["x"], "meta": {"k": [1]}}
    assert headers == {"Location": "/m/api/v1/things/3/"}
    assert answer["tags"] is not live["tags"] and answer["meta"]["k"] is not live["meta"]["k"]
    shallow, _, _ = created(live, "/api/v1/things/3/")
    assert shallow == answer


def test_null_characters_are_named_by_their_field_path_at_any_depth() -> None:
    body = {"first_name": "A\x00", "last_name": "ok", "ethnicity": ["fine", "b\x00", None, 3, {"x": "\x00"}],
            "diet": [["\x00"]], "gender": None, "unknown": "\x00", "email": 5}
    problems = FieldErrorCollector()
    refuse_null_characters(body, problems, FIELDS)
    assert problems.errors == {"first_name": [NULL_CHARACTERS], "ethnicity.1": [NULL_CHARACTERS],
                               "ethnicity.4.x": [NULL_CHARACTERS], "diet.0.0": [NULL_CHARACTERS]}
    everything = FieldErrorCollector()
    refuse_null_characters(body, everything)                                 # no declared fields: all of it
    assert list(everything.errors) == ["first_name", "ethnicity.1", "ethnicity.4.x", "diet.0.0", "unknown"]
    nested = FieldErrorCollector()
    refuse_null_characters({"address": {"line_1": "\x00", "other": "\x00"}}, nested, {"address": {"line_1": None}})
    assert list(nested.errors) == ["address.line_1"]
    top = FieldErrorCollector()
    refuse_null_characters("\x00", top)
    refuse_null_characters(["\x00"], top)
    assert list(top.errors) == ["body", "0"]


def test_owned_public_is_public_of_owned_with_one_copy(app: Any, monkeypatch: Any) -> None:
    rt = app.apitwin.runtimes["partners"]
    monkeypatch.setattr(runtime, "current", lambda: rt)
    mine = {"partner": PARTNER}
    for collection in ("customers", "shipments", "registrations", "reports"):
        rows = [r for r in rt.store[collection].scan() if r.get("_partner") == PARTNER]
        assert rows, collection
        for live in rows:
            got = owned_public(collection, live["id"], mine)
            expected = public(owned(collection, live["id"], mine))
            assert got == expected and list(got) == list(expected)
            for key, value in got.items():
                if isinstance(value, (dict, list)):
                    assert value is not live[key]
        other = next((r for r in rt.store[collection].scan() if r.get("_partner") not in (None, PARTNER)), None)
        for missing in ([other["id"]] if other else []) + [10**9]:
            with pytest.raises(ApiError) as refused:
                owned_public(collection, missing, mine)
            assert refused.value.status == 404
