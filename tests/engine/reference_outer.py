"""The six outer layers `apitwin.server.front.Front` replaced (Front, ApiCors, Edge, JournalRecorder, Connexion's
ExceptionMiddleware, Intake), as they were, kept as the reference tests/engine/test_front.py compares the fused layer
with. `with_reference_layers(app)` rebuilds an app's stack with them, from the same objects the app's `Front` got."""
from __future__ import annotations

import copy
import functools
import time
from typing import Any

from connexion.middleware.exceptions import ExceptionMiddleware
from starlette.middleware.cors import CORSMiddleware

from apitwin import journal as journal_module
from apitwin import reason_phrase, runtime
from apitwin.admin_guard import is_admin_path
from apitwin.journal import Journal
from apitwin.journal_recorder import OperationIndex
from apitwin.runtime import ADMIN_PREFIX, Registry
from apitwin.server import raw_headers
from apitwin.server.front import Front, decorate_headers
from apitwin.server.intake import Intake
from apitwin.server.state import SCOPE_KEY, RequestState
from apitwin.swagger_ui import SwaggerUi


class OldFront:
    def __init__(self, app: Any, registry: Registry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rt = self.registry.for_path(scope["path"])
        scope[SCOPE_KEY] = RequestState(rt)
        with runtime.bound(rt, self.registry, scope):
            await self.app(scope, receive, send)


class OldApiCors(CORSMiddleware):
    def __init__(self, app: Any, **options: Any) -> None:
        super().__init__(app, **options)
        self.plain = app
        self.simple_raw = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                           for name, value in self.simple_headers.items()]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or is_admin_path(scope.get("path", "")):
            return await self.plain(scope, receive, send)
        request_headers = scope["headers"]
        origin = raw_headers.first(request_headers, b"origin")
        if origin is not None and scope["method"] == "OPTIONS" and \
                raw_headers.first(request_headers, b"access-control-request-method") is not None:
            return await super().__call__(scope, receive, send)
        simple = self.simple_raw if origin is not None else ()

        async def cors_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                for name, value in simple:
                    raw_headers.set(raw, name, value)
                raw_headers.set(raw, b"vary", b", ".join([*raw_headers.values(raw, b"vary"), b"Origin"]))
                message["headers"] = raw
            await send(message)

        await self.plain(scope, receive, cors_send)


class OldEdge:
    def __init__(self, app: Any, ui: SwaggerUi, wire: Any) -> None:
        self.app = copy.copy(ui)
        self.app.app = app
        self.wire = wire

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rt = scope[SCOPE_KEY].runtime
        fixed, json_type = self.wire(rt)
        phrase = rt.plugin.wire.reason_phrase if rt is not None and reason_phrase.supported(scope) else None

        async def decorated(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = decorate_headers(message, fixed, json_type)
                if phrase is not None:
                    message = {**message, "headers": reason_phrase.mark(list(message["headers"]), phrase)}
            await send(message)

        await self.app(scope, receive, decorated)


class OldJournalRecorder:
    def __init__(self, app: Any, journal: Journal, operations: OperationIndex) -> None:
        self.app = app
        self.journal = journal
        self.operations = operations

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not self.journal.active or path.startswith(ADMIN_PREFIX) \
                or path in self.operations.documents:
            return await self.app(scope, receive, send)
        exchange = self.journal.start(scope.get("method", "GET"), path, scope.get("query_string", b"").decode("latin-1"),
                                      scope.get("headers", ()), self.operations.lookup)
        rt = runtime.current_or_none()
        exchange.api = rt.name if rt is not None else None

        async def watched_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                exchange.add_request_body(message.get("body", b""))
            return message

        async def watched_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = tuple(message.get("headers", ()))
            elif message["type"] == "http.response.body":
                exchange.add_response_body(message.get("body", b""))
            await send(message)

        token = journal_module.bind(exchange)
        try:
            await self.app(scope, watched_receive, watched_send)
        except BaseException:
            if exchange.status is None:
                exchange.status = 500
            raise
        finally:
            exchange.duration_ms = (time.perf_counter() - exchange.started) * 1000
            journal_module.unbind(token)
            self.journal.record(exchange)


class OldExceptionMiddleware(ExceptionMiddleware):
    """Connexion's, with apitwin's handlers registered as `AsyncApp.add_error_handler` registered them."""

    def __init__(self, app: Any, handlers: Any) -> None:
        super().__init__(app)
        for exc_class, handler in handlers:
            self.add_exception_handler(exc_class, handler)


class OldIntake:
    def __init__(self, app: Any, intake: Intake) -> None:
        self.app = app
        self.intake = intake

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        scope, receive, document = await self.intake.admit(scope, receive, scope[SCOPE_KEY],
                                                           is_admin_path(scope.get("path", "")))
        if document is not None:
            return await document(scope, receive, send)
        await self.app(scope, receive, send)


def with_reference_layers(app: Any) -> Any:
    """`app` (built by create_app, not yet started) with its `Front` replaced by the six layers it fused."""
    layers = app.middleware.middlewares
    index = next(i for i, m in enumerate(layers) if getattr(m, "func", None) is Front)
    options = layers[index].keywords
    wire = Front(None, **options).wire
    layers[index:index + 1] = [
        functools.partial(OldFront, registry=options["registry"]),
        functools.partial(OldApiCors, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                          expose_headers=options["cors"].starlette.simple_headers["Access-Control-Expose-Headers"]
                          .split(", ")),
        functools.partial(OldEdge, ui=options["ui"], wire=wire),
        functools.partial(OldJournalRecorder, journal=options["journal"], operations=options["operations"]),
        functools.partial(OldExceptionMiddleware, handlers=options["handlers"]),
        functools.partial(OldIntake, intake=options["intake"]),
    ]
    return app
