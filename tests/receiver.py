"""A real webhook receiver for tests: a Starlette app served by uvicorn in a background thread on 127.0.0.1.

It records every request (path, headers, raw body, parsed JSON, arrival time) and answers as programmed:

    receiver.behave(status=200)             every request answers 200 (the default)
    receiver.behave(fail_first=2)           the first 2 requests answer 503, then 200
    receiver.behave(status=500)             always 500
    receiver.behave(sleep=1.5)              sleep before answering (interrupted when the receiver stops)
    receiver.behave(script=fn)              fn(recorded_request, index) -> (status, sleep) decides per request

`receiver_factory` (a pytest fixture) starts as many receivers as a test needs and always stops them.
"""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

HOST = "127.0.0.1"


@dataclass
class Received:
    path: str
    headers: dict[str, str]          # lower-cased names
    body: bytes
    at: float                        # time.monotonic() on arrival
    index: int                       # 0-based arrival number
    answered: int | None = None      # status the receiver chose
    query: str = ""                  # the raw query string
    method: str = "POST"

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Behaviour:
    status: int = 200
    sleep: float = 0.0
    fail_first: int = 0
    fail_status: int = 503
    script: Callable[[Received, int], tuple[int, float]] | None = None
    failed: int = field(default=0)


class Receiver:
    """Serves its own recording app, or (`app=`) any ASGI app, e.g. apitwin.listen.receiver_app (then nothing is
    recorded here)."""

    def __init__(self, app: Any = None, http: Any = "auto") -> None:
        self._custom_app = app
        self._http = http                # uvicorn's HTTP protocol (name or class), e.g. ReasonPhraseH11Protocol
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._behaviour = Behaviour()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.port: int | None = None

    # -- programming -------------------------------------------------------------------------------------------
    def behave(self, status: int = 200, sleep: float = 0.0, fail_first: int = 0, fail_status: int = 503,
               script: Callable[[Received, int], tuple[int, float]] | None = None) -> "Receiver":
        with self._lock:
            self._behaviour = Behaviour(status, sleep, fail_first, fail_status, script)
        return self

    def _decide(self, received: Received) -> tuple[int, float]:
        with self._lock:
            b = self._behaviour
            if b.script is not None:
                return b.script(received, received.index)
            if b.failed < b.fail_first:
                b.failed += 1
                return b.fail_status, b.sleep
            return b.status, b.sleep

    # -- the app -----------------------------------------------------------------------------------------------
    def _app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            body = await request.body()
            with self._lock:
                received = Received(path=request.url.path, headers={k.lower(): v for k, v in request.headers.items()},
                                    body=body, at=time.monotonic(), index=len(self.requests),
                                    query=request.url.query, method=request.method)
                self.requests.append(received)
            status, sleep = self._decide(received)
            received.answered = status
            deadline = time.monotonic() + sleep
            while time.monotonic() < deadline and not self._stopping.is_set():
                await asyncio.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
            if status in (204, 304) or status < 200:
                return Response(status_code=status)                    # no body allowed
            return JSONResponse({"status": status}, status_code=status)

        return Starlette(routes=[Route("/{path:path}", receive, methods=["POST", "PUT", "PATCH", "GET", "DELETE"])])

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self.port is not None, "receiver not started"
        return f"http://{HOST}:{self.port}/hooks"

    def start(self, port: int = 0) -> "Receiver":
        assert self._server is None, "already running"
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._custom_app or self._app(), log_level="error", lifespan="off", access_log=False,
                                timeout_graceful_shutdown=1, http=self._http)
        server = uvicorn.Server(config)
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name=f"receiver-{self.port}")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("webhook receiver did not start")
            time.sleep(0.01)
        self._sock = sock
        return self

    def stop(self) -> None:
        """Stop serving: afterwards the port refuses connections (until start(port) again)."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.should_exit = True
        assert self._thread is not None
        self._thread.join(timeout=5)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=5)
        try:
            self._sock.close()
        except OSError:
            pass
        self._server = None
        self._thread = None

    # -- waiting -----------------------------------------------------------------------------------------------
    def wait_for(self, count: int, timeout: float = 10.0, predicate: Callable[[Received], bool] | None = None
                 ) -> list[Received]:
        """The first `count` requests (matching `predicate`, if given) once they arrived; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                got = [r for r in self.requests if predicate is None or predicate(r)]
            if len(got) >= count:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"receiver got {len(got)} matching request(s), expected {count}: "
                                     f"{[r.headers.get('x-apitwin-event-type') for r in got]}")
            time.sleep(0.05)

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.json for r in self.requests]


def wait_until(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05, what: str = "condition") -> Any:
    """Poll `check()` until it returns something truthy (returned); AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def receiver_factory() -> Iterator[Callable[[], Receiver]]:
    started: list[Receiver] = []

    def make() -> Receiver:
        receiver = Receiver().start()
        started.append(receiver)
        return receiver

    try:
        yield make
    finally:
        for receiver in started:
            receiver.stop()


@pytest.fixture
def receiver(receiver_factory: Callable[[], Receiver]) -> Receiver:
    return receiver_factory()
