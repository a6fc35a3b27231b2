"""Per-request console lines (apitwin/console.py): text with the violations of a 4xx indented under it, JSON lines,
--quiet, the journal flags of `apitwin serve`; in process on the fixture API and through a real `apitwin serve`."""
from __future__ import annotations

import io
import json
import queue
import time
from typing import Any, Iterator

import httpx
import pytest

from apitwin.cli import build_parser, main
from apitwin.console import ConsoleLog
from apitwin.settings import Settings
from tests.engine.helpers import NOTES, fake_app, fake_auth
from tests.engine.test_served_process import Served


@pytest.fixture(scope="module")
def app_and_client() -> Iterator[tuple[Any, Any]]:
    app = fake_app(Settings())
    with app.test_client() as client:
        yield app, client


def printed(app_and_client: tuple[Any, Any], fmt: str, call: Any) -> str:
    app, client = app_and_client
    out = io.StringIO()
    listener = ConsoleLog(fmt, out)
    app.apitwin.journal.listeners.append(listener)
    try:
        call(client)
    finally:
        app.apitwin.journal.listeners.remove(listener)
    return out.getvalue()


def test_text_line_and_violations_indented(app_and_client: tuple[Any, Any]) -> None:
    def calls(client: Any) -> None:
        headers = fake_auth(client)
        client.post(NOTES, headers=headers, json={"title": 5})
        client.get(f"{NOTES}?page=1", headers={**headers, "Prefer": "code=200"})

    lines = printed(app_and_client, "text", calls).splitlines()
    assert lines[0].startswith("[fakeapi] POST /api/login/ 200 ") and lines[0].endswith(" ms")
    assert lines[1].startswith(f"[fakeapi] POST {NOTES} 400 ")
    assert set(lines[2:4]) == {"    /text: This field is required.", "    /title: Not a valid string."}
    assert lines[4].startswith(f"[fakeapi] GET {NOTES}?page=1 200 ")
    assert lines[5] == "    Prefer: code=200"
    assert len(lines) == 6


def test_general_messages_of_an_error_are_indented(app_and_client: tuple[Any, Any]) -> None:
    lines = printed(app_and_client, "text", lambda c: c.get("/api/nowhere")).splitlines()
    assert lines == [lines[0], "    Not found."] and " 404 " in lines[0]


def test_json_lines(app_and_client: tuple[Any, Any]) -> None:
    def calls(client: Any) -> None:
        client.post(NOTES, json={"title": 5})
        client.get("/api/nowhere")

    records = [json.loads(line) for line in printed(app_and_client, "json", calls).splitlines()]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [("POST", NOTES, 401), ("GET", "/api/nowhere", 404)]
    assert records[0]["operation"].endswith("create_note") and records[0]["messages"]
    assert isinstance(records[0]["duration_ms"], float) and records[0]["time"].endswith("Z")


def test_a_closed_stdout_never_fails_a_request(app_and_client: tuple[Any, Any]) -> None:
    app, client = app_and_client
    closed = io.StringIO()
    closed.close()
    listener = ConsoleLog("text", closed)
    app.apitwin.journal.listeners.append(listener)
    try:
        assert client.get("/api/nowhere").status_code == 404
    finally:
        app.apitwin.journal.listeners.remove(listener)


def test_unknown_format_refused() -> None:
    with pytest.raises(ValueError):
        ConsoleLog("xml")


def test_serve_flags() -> None:
    args = build_parser().parse_args(["serve", "--log-format", "json", "--quiet", "--journal-size", "5",
                                      "--journal-body", "100"])
    assert (args.log_format, args.quiet, args.journal_size, args.journal_body) == ("json", True, 5, 100)
    defaults = build_parser().parse_args(["serve"])
    assert (defaults.log_format, defaults.quiet, defaults.journal_size) == ("text", False, None)


@pytest.mark.parametrize("flag", ["--journal-size", "--journal-body"])
def test_negative_journal_flags_fail_in_one_line(flag: str, capsys: Any) -> None:
    assert main(["serve", "partners", flag, "-1"]) == 2
    assert capsys.readouterr().err.strip() == f"apitwin: {flag} must be 0 or more, not -1"


def _lines_until(served: Served, needle: str, timeout: float = 15) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        try:
            seen += served.out.get(timeout=0.2)
        except queue.Empty:
            pass
    return seen


def test_served_process_prints_each_request_with_its_violations() -> None:
    served = Served("--journal-size", "50")
    try:
        httpx.post(f"{served.base}/api/v1/api-token-auth/", json={"username": "demo"}, timeout=10)
        out = _lines_until(served, "    /password: ")
        assert "[partners] POST /api/v1/api-token-auth/ 400 " in out, out
        assert "    /password: This field is required." in out, out
        page = httpx.get(f"{served.base}/__apitwin/requests", timeout=10).json()
        assert page["size"] == 50 and page["items"][0]["status"] == 400
    finally:
        served.stop()


def test_served_process_quiet_and_json() -> None:
    quiet = Served("--quiet")
    loud = Served("--log-format", "json")
    try:
        for served in (quiet, loud):
            httpx.get(f"{served.base}/api/v1/nowhere/", timeout=10)
        out = _lines_until(loud, '"status":404')
        record = json.loads(out.strip().splitlines()[-1])
        assert record["path"] == "/api/v1/nowhere/" and record["status"] == 404
        assert _lines_until(quiet, "/api/v1/nowhere/", timeout=1.5) == ""
    finally:
        quiet.stop()
        loud.stop()
