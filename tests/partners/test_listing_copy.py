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
