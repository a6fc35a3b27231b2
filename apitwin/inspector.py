"""The inspector page at `/__apitwin/` (a page for people over the admin API: requests, state, webhooks, clock and
actions, contract runs) and the contract runs posted for it.

The page is plain HTML with one script and one style sheet from the package (`inspector.html|js|css`), no CDN, and
a Content-Security-Policy that allows nothing else: the journal shows whatever clients sent, and none of it may run
as script. The script reaches everything through the admin API, with the admin token the user pastes when the
server requires one.
"""
from __future__ import annotations

import itertools
import threading
from collections import deque
from functools import lru_cache
from typing import Any

from starlette.responses import Response

from apitwin import runtime
from apitwin.errors import ApiError
from apitwin.resources import package_path
from apitwin.timeutil import format_datetime, now

ASSETS = {"inspector.js": "text/javascript; charset=utf-8", "inspector.css": "text/css; charset=utf-8"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
KEPT_RUNS = 20


@lru_cache(maxsize=None)
def _file(name: str) -> bytes:
    return package_path("apitwin", name).read_bytes()


def _headers() -> dict[str, str]:
    return {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


async def page() -> Response:
    return Response(_file("inspector.html"), media_type="text/html; charset=utf-8", headers=_headers())


async def asset(asset: str) -> Response:
    return Response(_file(asset), media_type=ASSETS[asset], headers=_headers())


# -- contract runs ---------------------------------------------------------------------------------------------------
class ContractRuns:
    """The newest contract reports posted to this server (bounded; they are for reading, not for keeping)."""

    def __init__(self, size: int = KEPT_RUNS) -> None:
        self._runs: deque[dict[str, Any]] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, report: dict[str, Any]) -> dict[str, Any]:
        run = {**report, "id": next(self._ids), "received_at": format_datetime(now())}
        with self._lock:
            self._runs.append(run)
        return run

    def newest_first(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(reversed(self._runs))


_RUNS_LOCK = threading.Lock()


def runs() -> ContractRuns:
    registry = runtime.registry()
    with _RUNS_LOCK:
        if getattr(registry, "contract_runs", None) is None:
            registry.contract_runs = ContractRuns()
        return registry.contract_runs


async def list_contract_runs() -> list[dict[str, Any]]:
    return runs().newest_first()


async def add_contract_run(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return runs().add(body), 201


async def latest_contract_run() -> dict[str, Any]:
    found = runs().newest_first()
    if not found:
        raise ApiError(404, ["No contract run was posted to this mock yet (apitwin contract API --url URL "
                             "--publish URL)."])
    return found[0]
