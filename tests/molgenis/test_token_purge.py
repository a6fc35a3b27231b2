"""Regression tests (issue 16, defect 9): MOLGENIS login tokens are purged once expired and found through an index,
not a scan of every token ever issued (20k logins used to leave 20,001 rows, each lookup walking them)."""
from __future__ import annotations

import time
from typing import Any

import pytest

from apitwin.store import Collection
from apitwin_apis.molgenis.security import TOKEN_LIFETIME, Security
from tests.molgenis.helpers import ADMIN, auth


def store_of(client: Any) -> Any:
    return client.app.apitwin.runtimes["molgenis"].store


def test_logins_purge_expired_tokens(mclient: Any) -> None:
    store = store_of(mclient)
    security = Security(store)
    long_ago = time.time() - TOKEN_LIFETIME - 60
    old = [security.issue_token("admin", now=long_ago + n) for n in range(50)]
    assert len(store["tokens"]) == 50
    fresh = auth(mclient, ADMIN)["x-molgenis-token"]               # a login now
    assert [row["token"] for row in store["tokens"].filter()] == [fresh]
    for token in old:
        assert security.token_row(token) is None


def test_an_expired_token_means_anonymous_and_is_dropped(mclient: Any) -> None:
    store = store_of(mclient)
    security = Security(store)
    live = security.issue_token("admin")
    expired_row = store["tokens"].insert({"token": "f" * 32, "username": "admin", "creation": 0.0,
                                          "expires": 1.0, "description": "REST API login"})
    response = mclient.get("/api/v1/sys_sec_User", headers={"x-molgenis-token": "f" * 32})
    assert response.status_code == 401                                 # anonymous: no permission
    assert store["tokens"].get(expired_row["id"]) is None
    assert mclient.get("/api/v1/sys_sec_User", headers={"x-molgenis-token": live}).status_code == 200


def test_lookups_use_the_index_not_a_scan(mclient: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store = store_of(mclient)
    security = Security(store)
    issued = [security.issue_token("admin") for _ in range(2000)]
    assert security.token_row(issued[0]) is not None                  # index built (one pass)
    tokens = store["tokens"]

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("token lookup scanned the tokens")

    for name in ("scan", "filter", "first", "select", "count"):
        monkeypatch.setattr(tokens, name, refuse)
    for token in issued[::97]:
        assert security.username_for(token) == "admin"
    another = security.issue_token("admin")                           # carried into the index, no rebuild
    assert security.token_row(another)["token"] == another
    assert security.revoke(issued[5]) is True and security.token_row(issued[5]) is None
    assert security.token_row("0" * 32) is None
    monkeypatch.undo()
    assert isinstance(tokens, Collection) and len(tokens) == 2000


def test_logout_and_reuse_still_work(mclient: Any) -> None:
    token = auth(mclient, ADMIN)["x-molgenis-token"]
    assert mclient.post("/api/v1/logout", headers={"x-molgenis-token": token}).status_code == 200
    assert mclient.post("/api/v1/logout", headers={"x-molgenis-token": token}).status_code == 404
    assert mclient.get("/api/v1/sys_sec_User", headers={"x-molgenis-token": token}).status_code == 401
