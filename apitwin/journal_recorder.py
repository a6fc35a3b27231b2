"""Feeds the request journal: `apitwin.server.front.Front` watches a request go in and its answer come out, with the
pieces here. It starts an exchange (`Journal.start`) for every request but admin ones (`/__apitwin…`), Swagger UI
pages and the served documents (`OperationIndex.documents`), while the journal is active; the request body reaches the
exchange through the limits' receive wrapper (apitwin.limits.counted), or `watched` where a body is buffered first.

The answer is recorded as the app made it, error bodies included (the exception handling is inside the recording),
before the outer header edits (the API's fixed headers, CORS); the error renderer and Prefer handling add what only
they know through `apitwin.journal.note_error` and `note_prefer`. Admin requests (`/__apitwin/`), Swagger UI pages and the served documents are not journaled: they are
the tooling, not traffic a client developer debugs.
"""
from __future__ import annotations

import re
import time
from typing import Any, Iterable

from apitwin.http_methods import HTTP_METHODS
from apitwin.journal import Exchange, Journal

_TEMPLATE = re.compile(r"\\\{[^/]+?\\\}")


class OperationIndex:
    """(method, path) → the operation's operationId, or "METHOD /template" for an operation without one (a plain
    document served with zero code), over every served document at its mount point."""

    def __init__(self) -> None:
        self._by_method: dict[str, list[tuple[int, re.Pattern[str], str]]] = {}
        self.documents: set[str] = set()

    def add(self, base: str, spec: dict[str, Any]) -> None:
        self.documents.update({f"{base}/openapi.json", f"{base}/openapi.yaml"})
        for path, item in (spec.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            pattern = re.compile("^" + _TEMPLATE.sub("[^/]+", re.escape(base + path)) + "/?$")
            for method in HTTP_METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    name = operation.get("operationId") or f"{method.upper()} {path}"
                    entries = self._by_method.setdefault(method.upper(), [])
                    entries.append((path.count("{"), pattern, name))
                    entries.sort(key=lambda entry: entry[0])     # literal segments win over templates

    def lookup(self, method: str, path: str) -> str | None:
        for _, pattern, name in self._by_method.get("GET" if method == "HEAD" else method, ()):
            if pattern.match(path):
                return name
        return None


def operation_index(runtimes: Iterable[Any]) -> OperationIndex:
    index = OperationIndex()
    for rt in runtimes:
        for spec, root in rt.extras.get("documents", ()):
            index.add(rt.prefix + root, spec)
    return index


def install(registry: Any, runtimes: list[Any], size: int, body_limit: int) -> tuple[Journal, OperationIndex]:
    """The app's journal (kept on the registry, where the admin API finds it) and the index that names each
    request's operation; `apitwin.server.front.Front` records into it."""
    journal = Journal(size, body_limit)
    registry.journal = journal
    return journal, operation_index(runtimes)


def watched(receive: Any, exchange: Exchange) -> Any:
    """`receive`, adding the request body to the exchange as it is read."""
    async def watched_receive() -> dict:
        message = await receive()
        if message["type"] == "http.request":
            exchange.add_request_body(message.get("body", b""))
        return message
    return watched_receive


def finish(journal: Journal, exchange: Exchange, escaped: bool) -> None:
    """Into the journal, with its duration; `escaped`: an exception left the app (the server answers 500 then)."""
    if escaped and exchange.status is None:
        exchange.status = 500
    exchange.duration_ms = (time.perf_counter() - exchange.started) * 1000
    journal.record(exchange)
