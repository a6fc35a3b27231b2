"""`apitwin contract … --publish URL`: the JSON report lands in a running mock's admin API for its inspector; a mock
that cannot take it is one line on stderr and leaves the exit code to the contract's verdict."""
from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from apitwin.app import create_app
from apitwin.cli import main
from apitwin.contract.publish import PublishError, publish
from apitwin.settings import Settings

RUN = ["--include", "GET /api/v1/kits/", "-q", "--max-examples", "1", "--phases", "examples", "--no-properties"]


@pytest.fixture(scope="module")
def mock(serve_for_module: Callable[..., str]) -> str:
    return serve_for_module(create_app(["partners"], settings=Settings(admin_token="publish-token")))


def test_the_report_shows_up_in_the_mock(mock: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["contract", "partners", "--url", mock, *RUN, "--json", str(tmp_path / "r.json"),
                 "--publish", mock, "--publish-token", "publish-token"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"apitwin contract partners: report published, see {mock}/__apitwin/#contract" in out
    latest = httpx.get(f"{mock}/__apitwin/contract-runs/latest", headers={"X-Apitwin-Admin-Token": "publish-token"})
    written = json.loads((tmp_path / "r.json").read_text())
    assert latest.status_code == 200
    assert {k: v for k, v in latest.json().items() if k not in ("id", "received_at")} == written


def test_a_refused_post_is_one_line_and_keeps_the_exit_code(mock: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APITWIN_ADMIN_TOKEN", raising=False)
    code = main(["contract", "partners", "--url", mock, *RUN, "--json", str(tmp_path / "r.json"), "--publish", mock])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 0
    assert err[-1].startswith(f"apitwin contract partners: report not published: {mock}/__apitwin/contract-runs "
                              "answered 401")


def test_publish_errors() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    with pytest.raises(PublishError, match="cannot reach"):
        publish({}, f"http://127.0.0.1:{closed}")
    with pytest.raises(PublishError, match="http:// or https://"):
        publish({}, "ftp://example.org")


def test_publish_uses_the_environment_token(mock: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APITWIN_ADMIN_TOKEN", "publish-token")
    document: dict[str, Any] = {"api": "partners", "passed": True, "failures": [],
                                "coverage": {"percent": 0, "operations": []}}
    assert publish(document, mock + "/").endswith("/__apitwin/#contract")
