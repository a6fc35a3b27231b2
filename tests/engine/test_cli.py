"""The command line: `apitwin list`, `--help`, `apitwin serve` as a real process over real HTTP (banner, health,
login, body limit flag, clean exit on Ctrl-C), and the argument errors; `--data` seeds from another directory."""
from __future__ import annotations

import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from apitwin import cli
from apitwin.app import create_app
from apitwin.settings import Settings
from tests.partners.helpers import DEMO
from tests.processes import free_port, pump

ROOT = Path(__file__).resolve().parents[2]
MOCKDATA = ROOT / "mockdata" / "partners"
HOST = "127.0.0.1"


def exit_status(exc: SystemExit) -> int:
    """The process exit status Python derives from a SystemExit."""
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


# -- list / help ----------------------------------------------------------------------------------------------------
def test_list_names_partners(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "partners" in out.split()
    assert "partners.yaml" in out


def test_module_help_exits_0() -> None:
    result = subprocess.run([sys.executable, "-m", "apitwin", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout and "list" in result.stdout


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        cli.main([])
    assert exit_status(excinfo.value) == 2
    assert "usage" in capsys.readouterr().err.lower()


# -- serve argument errors ------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process `serve` must fail before it starts a server; if it ever got that far, fail instead of blocking."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the server was started")

    monkeypatch.setattr(cli, "run_server", refuse)


def test_serve_unknown_api_exits_2_with_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "no-such-api", "--port", str(free_port()), "--host", HOST]) == 2
    err = capsys.readouterr().err
    assert "no-such-api" in err
    assert "partners" in err  # names what is available


def test_serve_missing_data_dir_exits_with_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "does-not-exist"
    assert cli.main(["serve", "partners", "--data", str(missing), "--port", str(free_port()), "--host", HOST]) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin: ") and str(missing) in err and err.count("\n") == 1


def test_parse_data_dirs_forms(tmp_path: Path) -> None:
    assert cli.parse_data_dirs([str(tmp_path)], ["partners"]) == {"partners": tmp_path.resolve()}
    assert cli.parse_data_dirs([f"partners={tmp_path}"], ["partners"]) == {"partners": tmp_path.resolve()}
    with pytest.raises(ValueError):
        cli.parse_data_dirs([str(tmp_path)], ["partners", "other"])  # which API? needs API=DIR
    with pytest.raises(ValueError):
        cli.parse_data_dirs([f"partners={tmp_path / 'missing'}"], ["partners"])


# -- --data ---------------------------------------------------------------------------------------------------------
def test_data_dir_without_customers(tmp_path: Path) -> None:
    for name in ("accounts.yaml", "panels.yaml"):  # no customers (nor the shipments/orders that need them)
        shutil.copy(MOCKDATA / name, tmp_path / name)
    (tmp_path / "customers.yaml").write_text("customers: []\n", encoding="utf-8")
    settings = Settings(data_dirs=cli.parse_data_dirs([str(tmp_path)], ["partners"]))
    app = create_app(["partners"], settings=settings)
    with app.test_client() as client:
        token = client.post("/api/v1/api-token-auth/", json={"username": DEMO[0], "password": DEMO[1]})
        assert token.status_code == 200, token.text
        auth = {"Authorization": f"JWT {token.json()['token']}"}
        customers = client.get("/api/v1/customers/", headers=auth)
        assert customers.status_code == 200
        assert customers.json() == []
        panels = client.get("/api/v1/trait-panels/", headers=auth)
        assert panels.status_code == 200
        assert panels.json()  # the kept panels are there
        assert client.get("/__apitwin/apis").json()[0]["collections"]["customers"] == 0


# -- serve as a real process ----------------------------------------------------------------------------------------
def test_serve_over_real_http_and_stop_with_ctrl_c() -> None:
    port = free_port()
    base = f"http://{HOST}:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "apitwin", "serve", "partners", "--host", HOST, "--port", str(port),
         "--max-body", "150", "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: "queue.Queue[str]" = queue.Queue()
    err: "queue.Queue[str]" = queue.Queue()
    for stream, sink in ((process.stdout, out), (process.stderr, err)):
        threading.Thread(target=pump, args=(stream, sink), daemon=True).start()
    try:
        deadline = time.monotonic() + 20
        banner: list[str] = []
        while not any("Press Ctrl-C" in line for line in banner):
            remaining = deadline - time.monotonic()
            assert remaining > 0 and process.poll() is None, ("no banner", banner, list(err.queue))
            try:
                banner.append(out.get(timeout=min(remaining, 0.5)))
            except queue.Empty:
                pass
        text = "".join(banner)
        assert f"API         {base}/api/v1/" in text, text
        assert f"Swagger UI  {base}/ui/" in text, text

        with httpx.Client(base_url=base, timeout=5) as http:
            health = None
            while health is None:
                assert time.monotonic() < deadline and process.poll() is None, ("not listening", list(err.queue))
                try:
                    health = http.get("/__apitwin/health")
                except httpx.TransportError:
                    time.sleep(0.05)
            assert health.status_code == 200
            assert health.json() == {"status": "ok"}

            token = http.post("/api/v1/api-token-auth/", json={"username": DEMO[0], "password": DEMO[1]})
            assert token.status_code == 200, token.text
            auth = {"Authorization": f"JWT {token.json()['token']}"}
            customers = http.get("/api/v1/customers/", headers=auth)
            assert customers.status_code == 200
            assert 319 in [c["id"] for c in customers.json()]
            assert http.get("/api/v1/customers/").status_code == 401

            too_big = http.post("/api/v1/customers/", headers=auth,
                                json={"first_name": "a" * 200, "last_name": "Stark"})  # --max-body 150
            assert too_big.status_code == 413
            assert set(too_big.json()) == {"errors", "messages"}

            def chunked(payload: bytes) -> Any:
                yield payload  # a generator: httpx sends Transfer-Encoding: chunked, no Content-Length

            streamed = http.post("/api/v1/customers/", headers={**auth, "Content-Type": "application/json"},
                                 content=chunked(b'{"first_name": "' + b"a" * 200 + b'", "last_name": "Stark"}'))
            assert streamed.status_code == 413, streamed.text

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
