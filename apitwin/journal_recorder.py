"""Feeds the request journal: one ASGI layer that watches a request go in and its answer come out.

It sits inside the API binding (it knows the API) and outside the error handlers (it sees the error body the client
gets); the error renderer and Prefer handling add what only they know through `apitwin.journal.note_error` and
`note_prefer`. Admin requests (`/__apitwin/`), Swagger UI pages and the served documents are not journaled: they are
the tooling, not traffic a client developer debugs.
"""
from __future__ import annotations

import re
import time
from typing import Any, Iterable

from connexion.middleware import MiddlewarePosition

from apitwin import journal as journal_module
from apitwin import runtime
from apitwin.http_methods import HTTP_METHODS
from apitwin.journal import Journal
from apitwin.runtime import ADMIN_PREFIX

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


class JournalRecorder:
    """Records every API request into the journal (see module docstring)."""

    def __init__(self, app: Any, journal: Journal, operations: OperationIndex) -> None:
        self.app = app
        self.journal = journal
        self.operations = operations

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not self.journal.active or path.startswith(ADMIN_PREFIX) \
                or path in self.operations.documents:
            return await self.app(scope, receive, send)
        method = scope.get("method", "GET")
        exchange = self.journal.start(method, path, scope.get("query_string", b"").decode("latin-1"),
                                      scope.get("headers", ()), self.operations.lookup)
        rt = runtime.current_or_none()
        exchange.api = rt.name if rt is not None else None

        async def watched_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                exchange.add_request_body(message.get("body", b""))
            return message

        async def watched_send(message: dict) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = tuple(message.get("headers", ()))
            elif kind == "http.response.body":
                exchange.add_response_body(message.get("body", b""))
            await send(message)

        token = journal_module.bind(exchange)
        try:
            await self.app(scope, watched_receive, watched_send)
        except BaseException:
            if exchange.status is None:
                exchange.status = 500        # the server answers 500 for what escapes
            raise
        finally:
            exchange.duration_ms = (time.perf_counter() - exchange.started) * 1000
            journal_module.unbind(token)
            self.journal.record(exchange)


def operation_index(runtimes: Iterable[Any]) -> OperationIndex:
    index = OperationIndex()
    for rt in runtimes:
        for spec, root in rt.extras.get("documents", ()):
            index.add(rt.prefix + root, spec)
    return index


def install(app: Any, registry: Any, runtimes: list[Any], size: int, body_limit: int) -> Journal:
    """The app's journal (kept on the registry, where the admin API finds it) and its recorder, placed inside the
    Swagger UI layer and outside the error handlers."""
    journal = Journal(size, body_limit)
    operations = operation_index(runtimes)
    registry.journal = journal
    app.add_middleware(JournalRecorder, position=MiddlewarePosition.BEFORE_EXCEPTION, journal=journal,
                       operations=operations)
    return journal
