"""handlers.partners.common.listing copies each row once (`public_copy` of the live rows): the same rows, keys
and order as `public` of copied rows, paged the same, and nothing handed out is shared with the store."""
from __future__ import annotations

from typing import Any

from apitwin import runtime
from apitwin.app import create_app
from apitwin.settings import Settings
from apitwin_apis.partners.common import listing, public, public_copy

TENANT = "_partner"


def _bound() -> tuple[Any, Any]:
    app = create_app(["partners"], settings=Settings())
    rt = app.apitwin.runtimes["partners"]
    return app, rt


def test_public_copy_equals_public_of_a_copy_and_shares_nothing() -> None:
    _, rt = _bound()
    table = rt.store["customers"]
    for live in table.scan():
        copied = public_copy(live)
        assert copied == public(table.get(live["id"]))
        assert list(copied) == list(public(table.get(live["id"])))   # same key order on the wire
        for key, value in copied.items():
            if isinstance(value, (list, dict)):
                assert value is not live[key]


def test_listing_matches_the_copying_path_and_leaves_the_store_alone(monkeypatch: Any) -> None:
    app, rt = _bound()
    table = rt.store["customers"]
    partner = next(r[TENANT] for r in table.scan() if TENANT in r)
    token = {"partner": partner}
    expected = [public(r) for r in table.filter(**{TENANT: partner})]
    assert expected
    monkeypatch.setattr(runtime, "current", lambda: rt)
    assert listing("customers", token, None, None) == expected
    everything = listing("customers", None, None, None)
    assert everything == [public(r) for r in table.filter()]
    before = [dict(r) for r in table.scan()]
    for row in everything:
        for value in row.values():
            if isinstance(value, list):
                value.append("changed")
    assert [dict(r) for r in table.scan()] == before


def test_pages_are_windows_of_the_whole_list(client: Any, auth: dict[str, str]) -> None:
    whole = client.get("/api/v1/customers/", headers=auth).json()
    assert len(whole) >= 3
    first = client.get("/api/v1/customers/?page=1&page_size=2", headers=auth).json()
    second = client.get("/api/v1/customers/?page=2&page_size=2", headers=auth).json()
    assert first["count"] == second["count"] == len(whole)
    assert first["results"] + second["results"] == whole[:4]


def _reference_public_copy(row: dict[str, Any]) -> dict[str, Any]:
    """public_copy as it was written before per-layout copiers: the loop over the keys."""
    from apitwin.store import IMMUTABLE_TYPES, clone
    out = {"id": row["id"]} if "id" in row else {}
    for key, value in row.items():
        if not key.startswith("_"):
            out[key] = value if type(value) in IMMUTABLE_TYPES else clone(value)
    return out


def test_each_key_layout_copies_as_the_loop_does() -> None:
    rows = [
        {"a": 1, "id": 3, "_partner": "p", "tags": ["x", {"y": [1]}], "none": None, "f": 1.5, "b": True},
        {"id": 4, "a": "é", "_x": [1], "_": 2, "": "empty key", "nested": {"k": [1, 2]}},
        {"a": [], "b": {}},                                   # no id
        {"_only": 1},                                         # nothing public
        {"quote'\"\\\n": 1, "id": 1},                          # keys needing escapes in a literal
        {"a": 1, "id": 3, "_partner": "p", "tags": "now a string", "none": [1], "f": {"x": 1}, "b": False},
    ]
    for row in rows:
        for _ in range(2):                                    # built, then from the remembered layout
            copied, expected = public_copy(row), _reference_public_copy(row)
            assert copied == expected and list(copied) == list(expected)
            for key, value in copied.items():
                if isinstance(value, (list, dict)):
                    assert value is not row[key]
                    assert value == row[key]


def test_a_row_with_a_key_that_is_not_text_fails_as_the_loop_does() -> None:
    import pytest
    for copy in (public_copy, _reference_public_copy):
        with pytest.raises(AttributeError):
            copy({"id": 1, 2: "two"})
