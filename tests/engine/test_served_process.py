"""`apitwin serve` as a real process (issue 16, defects 2, 8 and 10): bound to every interface it prints and requires
the admin token; SIGTERM with a `Prefer: delay` in flight ends within the shutdown timeout, with exit status 0, on
either server; through either server, long targets and large headers answer in the API's error body."""
from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from tests.processes import free_port, pump

ROOT = Path(__file__).resolve().parents[2]


class Served:
    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "apitwin", "serve", "partners", "--port", str(self.port), "--log-level",
             "warning", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out: "queue.Queue[str]" = queue.Queue()
        self.err: "queue.Queue[str]" = queue.Queue()
        for stream, sink in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=pump, args=(stream, sink), daemon=True).start()
        self.printed = ""
        deadline = time.monotonic() + 30
        while "Admin token" not in self.printed:
            assert time.monotonic() < deadline and self.process.poll() is None, (self.printed, list(self.err.queue))
            try:
                self.printed += self.out.get(timeout=0.5)
            except queue.Empty:
                pass
        while True:
            assert time.monotonic() < deadline and self.process.poll() is None, list(self.err.queue)
            try:
                httpx.get(f"{self.base}/__apitwin/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(params=["granian", "uvicorn"])
def exposed(request: pytest.FixtureRequest) -> Iterator[Served]:
    served = Served("--host", "0.0.0.0", "--shutdown-timeout", "1", "--server", request.param)
    try:
        yield served
    finally:
        served.stop()


def _raw_status(port: int, target: str) -> bytes:
    """The status line for a request httpx refuses to send (its URLs stop at 64 KB)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        return sock.recv(4096).split(b"\r\n")[0]


def _demo_auth(base: str) -> dict[str, str]:
    token = httpx.post(f"{base}/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    assert token.status_code == 200, token.text
    return {"Authorization": f"JWT {token.json()['token']}"}


def test_exposed_server_prints_and_requires_the_admin_token(exposed: Served) -> None:
    assert "WARNING: bound to 0.0.0.0" in exposed.printed
    found = re.search(r"Admin token  (\S+)  \(required", exposed.printed)
    assert found, exposed.printed
    assert httpx.get(f"{exposed.base}/__apitwin/apis/partners/state").status_code == 401
    ok = httpx.get(f"{exposed.base}/__apitwin/apis/partners/state",
                   headers={"Authorization": f"Bearer {found.group(1)}"})
    assert ok.status_code == 200 and "demo-password" in ok.text


def test_concurrent_writes_each_keep_their_own_request(exposed: Served) -> None:
    """granian hands every request one shared `extensions` dict, where Connexion keeps its routing data: before
    apitwin.serving gave each request its own, a third of these writes answered 500 with another request's body."""
    auth = _demo_auth(exposed.base)
    answers: list[tuple[int, str]] = []

    def write(index: int) -> None:
        with httpx.Client(base_url=exposed.base, headers=auth, timeout=20) as client:
            for n in range(25):
                if n % 2:
                    answer = client.post("/api/v1/customers/", json={"first_name": f"W{index}", "last_name": str(n)})
                    answers.append((answer.status_code, answer.json().get("first_name", answer.text)))
                else:
                    answer = client.get("/api/v1/customers/319/")
                    answers.append((answer.status_code, "" if answer.status_code == 200 else answer.text))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 100
    assert [a for a in answers if a[0] not in (200, 201)] == []
    assert sorted(name for status, name in answers if status == 201) == sorted(f"W{i}" for i in range(4) for _ in range(12))


def test_sigterm_with_a_delay_in_flight_exits_0_within_the_timeout(exposed: Served) -> None:
    auth = _demo_auth(exposed.base)
    outcome: list[Any] = []

    def delayed() -> None:
        try:
            outcome.append(httpx.get(f"{exposed.base}/api/v1/customers/", timeout=40,
                                     headers={**auth, "Prefer": "delay=30000"}))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=delayed, daemon=True)
    thread.start()
    time.sleep(0.5)                                       # the request is now waiting out its delay
    exposed.process.send_signal(signal.SIGTERM)
    # bounded wait, not a timing assertion: without the shutdown timeout this took the full 30 s delay
    assert exposed.process.wait(timeout=15) == 0, list(exposed.err.queue)
    thread.join(timeout=10)
    assert outcome, "the delayed request never finished"
    (result,) = outcome                                   # cancelled: connection closed, or a 5xx
    assert not isinstance(result, httpx.Response) or result.status_code >= 500, result


# past the parser's request-line limit (~64 KB) the server answers on its own: uvicorn's httptools a plain 400,
# granian's hyper an empty 414 (documented in apitwin/limits.py)
OWN_ANSWER = {"granian": b"HTTP/1.1 414", "uvicorn": b"HTTP/1.1 400"}


@pytest.mark.parametrize("server", sorted(OWN_ANSWER))
def test_through_each_server_limits_answer_in_the_api_body(server: str) -> None:
    served = Served("--server", server)
    try:
        auth = _demo_auth(served.base)
        long_target = httpx.get(f"{served.base}/api/v1/customers/?x={'a' * 40_000}", headers=auth)
        assert long_target.status_code == 414 and set(long_target.json()) == {"errors", "messages"}
        big_headers = httpx.get(f"{served.base}/api/v1/customers/", headers={**auth, "X-Big": "a" * 100_000})
        assert big_headers.status_code == 431 and set(big_headers.json()) == {"errors", "messages"}
        assert _raw_status(served.port, "/api/v1/customers/?x=" + "a" * 70_000).startswith(OWN_ANSWER[server])
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=15) == 0
    finally:
        served.stop()
