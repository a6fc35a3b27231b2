"""`apitwin serve --state PATH`: what a user gets wrong answers in one line (exit status 2) before any banner: a
directory that does not exist, a file that is not a state file, a state file another server is using; a good one
keeps the JWT secret, so tokens outlive restarts, and `--webhook` receivers are not registered twice."""
from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin import cli
from apitwin.storage_sqlite import SqliteFile

HOST = "127.0.0.1"


def serve(*args: str) -> list[str]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    return ["serve", "partners", *args, "--host", HOST, "--port", str(port)]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """`serve` in this process up to the point where it would run the server; the apps' state files are closed."""
    calls: list[Any] = []
    monkeypatch.setattr(cli, "run_server", lambda app, sock, **options: (calls.append(app), sock.close()))
    yield calls
    for app in calls:
        for runtime in app.apitwin.runtimes.values():
            runtime.store.close()


def test_a_state_file_in_a_missing_directory_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        started: list[Any]) -> None:
    assert cli.main(serve("--state", str(tmp_path / "nowhere" / "state.db"))) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin: --state ") and "existing directory" in err and not started


def test_a_file_that_is_not_a_state_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     started: list[Any]) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_text("these are not the rows you are looking for\n" * 100)
    assert cli.main(serve("--state", str(garbage))) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin: cannot open the state") and "not a database" in err and not started


def test_a_state_file_in_use_by_another_server_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           started: list[Any]) -> None:
    path = tmp_path / "state.db"
    holder = SqliteFile(path.resolve())          # as another process would hold it
    try:
        assert cli.main(serve("--state", str(path))) == 2
    finally:
        holder.release()
    err = capsys.readouterr().err
    assert "in use by another apitwin server" in err and not started


def test_the_jwt_secret_and_webhooks_are_kept_once(tmp_path: Path, started: list[Any]) -> None:
    path = tmp_path / "state.db"
    hook = ["--webhook", "demo-partner=http://127.0.0.1:9/hooks"]
    assert cli.main(serve("--state", str(path), *hook)) == 0
    first = started[-1].apitwin.runtimes["partners"]
    secret = first.settings.jwt_secret
    first.store.close()
    assert cli.main(serve("--state", str(path), *hook)) == 0
    again = started[-1].apitwin.runtimes["partners"]
    assert again.settings.jwt_secret == secret
    assert len(again.store["webhook_endpoints"].filter()) == 1
    again.store.close()
    assert cli.main(serve("--state", str(path), "--jwt-secret", "given")) == 0     # an explicit one wins
    assert started[-1].apitwin.runtimes["partners"].settings.jwt_secret == "given"


@pytest.mark.parametrize("args, says", [
    (["--workers", "2"], "several workers share one state only through --store"),
    (["--workers", "0"], "--workers 0: at least 1"),
    (["--store", "http://localhost:6379/0"], "expected redis://HOST:PORT/DB"),
    (["--store", "redis://127.0.0.1:1/0"], "cannot reach Redis at redis://127.0.0.1:1/0"),
])
def test_store_and_workers_mistakes_are_one_line(args: list[str], says: str, capsys: pytest.CaptureFixture[str],
                                                 started: list[Any]) -> None:
    assert cli.main(serve(*args)) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin: ") and says in err and len(err.strip().splitlines()) == 1 and not started


def test_state_and_store_exclude_each_other(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(serve("--state", str(tmp_path / "s.db"), "--store", "redis://127.0.0.1:6379/0"))
    assert "not allowed with argument" in capsys.readouterr().err
