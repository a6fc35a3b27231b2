"""The inspector page and the contract runs behind it (apitwin/inspector.py) over HTTP, without a browser: the page
and its two assets from the package with a CSP that allows nothing from elsewhere, open without the admin token
while its data needs it, and the bounded contract-run history (post, list, latest)."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from apitwin.settings import Settings
from tests.engine.helpers import assert_neutral_error, fake_app

RUNS = "/__apitwin/contract-runs"


def report(n: int = 0, passed: bool = True) -> dict[str, Any]:
    return {"tool": "apitwin contract", "api": "fakeapi", "target": "http://x", "passed": passed,
            "verdict": f"run {n}", "cases": n, "failures": [], "errors": [],
            "coverage": {"percent": 100.0, "exercised": 1, "counted": 1,
                         "operations": [{"operation": "GET /api/notes/", "documented": ["200"], "exercised": ["200"],
                                         "missing": []}]}}


@pytest.fixture
def client() -> Iterator[Any]:
    with fake_app(Settings()).test_client() as test_client:
        yield test_client


def test_page_and_assets_are_served_with_a_strict_policy(client: Any) -> None:
    page = client.get("/__apitwin/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert '<script src="/__apitwin/inspector/inspector.js">' in page.text and "http" not in page.text.split("<body>")[1]
    script = client.get("/__apitwin/inspector/inspector.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in script.text                     # requests' contents are shown as text only
    assert client.get("/__apitwin/inspector/inspector.css").headers["content-type"].startswith("text/css")


def test_unknown_asset_is_400(client: Any) -> None:
    assert_neutral_error(client.get("/__apitwin/inspector/evil.js"), 400)


def test_page_loads_without_the_token_but_its_data_needs_it() -> None:
    with fake_app(Settings(admin_token="tok-tok-tok")).test_client() as client:
        assert client.get("/__apitwin/").status_code == 200
        assert client.get("/__apitwin/inspector/inspector.js").status_code == 200
        assert client.get("/__apitwin/requests").status_code == 401
        assert client.get("/__apitwin/requests", headers={"X-Apitwin-Admin-Token": "tok-tok-tok"}).status_code == 200
        assert client.post(RUNS, json=report()).status_code == 401


def test_contract_runs_post_list_latest(client: Any) -> None:
    assert_neutral_error(client.get(f"{RUNS}/latest"), 404)
    first = client.post(RUNS, json=report(1))
    assert first.status_code == 201 and first.json()["id"] == 1 and first.json()["received_at"]
    client.post(RUNS, json=report(2, passed=False))
    latest = client.get(f"{RUNS}/latest").json()
    assert latest["verdict"] == "run 2" and latest["passed"] is False
    assert [run["id"] for run in client.get(RUNS).json()] == [2, 1]


def test_contract_history_is_bounded(client: Any) -> None:
    for n in range(25):
        assert client.post(RUNS, json=report(n)).status_code == 201
    kept = client.get(RUNS).json()
    assert len(kept) == 20 and kept[0]["verdict"] == "run 24" and kept[-1]["verdict"] == "run 5"


@pytest.mark.parametrize("body,field", [({"api": "x"}, "passed"), ({**report(), "passed": "yes"}, "passed"),
                                        ({**report(), "coverage": {"percent": 1}}, "coverage.operations")])
def test_bad_contract_runs_answer_400(client: Any, body: dict[str, Any], field: str) -> None:
    error = assert_neutral_error(client.post(RUNS, json=body), 400)
    assert field in error["errors"], error
