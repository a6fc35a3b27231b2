"""Fixtures of the contract tests: apps served over real HTTP, as `apitwin contract --url` meets a deployed API.

`serve(app)` starts one for the test and gives its base URL; `serve_for_module` does the same for a module-scoped
fixture. Whatever the test does, every server it started is stopped.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from tests.receiver import Receiver

Serve = Callable[..., str]


def _serving() -> Iterator[Serve]:
    started: list[Receiver] = []

    def serve(app: Any = None, **behaviour: Any) -> str:
        """`app` (an ASGI app) over HTTP, or without one a plain receiver answering as `behaviour` says."""
        receiver = Receiver(app=app).start()
        started.append(receiver)
        if behaviour:
            receiver.behave(**behaviour)
        return f"http://127.0.0.1:{receiver.port}"

    try:
        yield serve
    finally:
        for receiver in started:
            receiver.stop()


@pytest.fixture
def serve() -> Iterator[Serve]:
    yield from _serving()


@pytest.fixture(scope="module")
def serve_for_module() -> Iterator[Serve]:
    yield from _serving()
