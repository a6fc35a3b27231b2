"""The six outer layers `apitwin.server.front.Front` replaced (Front, ApiCors, Edge, JournalRecorder, Connexion's
ExceptionMiddleware, Intake), as they were, kept as the reference tests/engine/test_front.py compares the fused layer
with. `with_reference_layers(app)` rebuilds an app's stack with them, from the same objects the app's `Front` got.
The pieces `Front` has since fused or reworked (the header edits, the size limits with their receive wrapper, the
intake's sequence) are kept here as they were too, so the comparison covers them."""
from __future__ import annotations

import copy
import functools
import time
from typing import Any

from connexion.middleware.exceptions import ExceptionMiddleware
from starlette.middleware.cors import CORSMiddleware

import re

from apitwin import admin_guard, prefer
from apitwin import journal as journal_module
from apitwin import reason_phrase, runtime
from apitwin.errors import ApiError
from apitwin.limits import FORM_TYPES, Limits, too_large
from apitwin.admin_guard import is_admin_path
from apitwin.journal import Journal
from apitwin.journal_recorder import OperationIndex
from apitwin.runtime import ADMIN_PREFIX, Registry
from apitwin.server import raw_headers
from apitwin.server.front import Front
from apitwin.server.intake import Intake
from apitwin.server.state import SCOPE_KEY, RequestState
from apitwin.swagger_ui import SwaggerUi


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def decorate_headers(message: dict[str, Any], fixed: list[tuple[bytes, bytes]], json_type: bytes) -> dict[str, Any]:
    """An `http.response.start` message with the API's headers: JSON media type, fixed headers it lacks, no
    Content-Type when the body is empty. `fixed`: (lower-case name, value) pairs, as `Front.wire` makes them.
    The header list is read once; edited (as Starlette's MutableHeaders would) only where something changes."""
    raw = list(message.get("headers", ()))
    length = media_type = None
    types = 0
    for key, value in raw:
        if key == b"content-length":
            if length is None:
                length = value
        elif key == b"content-type":
            types += 1
            if media_type is None:
                media_type = value
    if media_type is not None:
        if (length is not None and length.decode("latin-1").strip() == "0") or message.get("status") in (204, 304):
            raw_headers.drop(raw, b"content-type")
        elif (types > 1 or media_type != json_type) and \
                media_type.decode("latin-1").split(";")[0].strip() == "application/json":
            raw_headers.set(raw, b"content-type", json_type)
    if fixed:
        present = {key for key, _ in raw}
        for name, value in fixed:
            if name not in present:
                raw.append((name, value))
                present.add(name)
    return {**message, "headers": raw}


async def limit_request(scope: dict, receive: Any, limits: Limits, state: RequestState) -> tuple[dict, Any]:
    """Refuses what is too large before anything parses it, in this order: a long request target (414), a large
    header section (431: names, values and their separators), control characters in the path, a Content-Length that
    is no number (400) or over the limit (413); the receive channel counts the body as it is read. Chunked and form
    bodies are read here whole (see `_buffer`). The headers are read in one pass."""
    path = scope.get("path", "")
    target = len(scope.get("raw_path") or path.encode()) + len(scope.get("query_string", b""))
    if target > limits.max_target:
        raise ApiError(414, [f"Request target (path and query) is longer than the limit of {limits.max_target} bytes."])
    rt = state.runtime
    if rt is not None:
        limit = rt.settings.max_body_bytes
    elif path.startswith(ADMIN_PREFIX):
        limit = limits.admin_limit or limits.default_limit   # whole exported states come back through here
    else:
        limit = limits.default_limit
    size = 0
    length_error: ApiError | None = None     # the first Content-Length that is refused
    has_length = chunked = False
    media_type: bytes | None = None          # the first Content-Type
    for name, value in scope.get("headers", []):
        size += len(name) + len(value) + 4
        if name == b"content-length":
            has_length = True
            if length_error is None:
                if not value.isdigit():
                    length_error = ApiError(400, ["Invalid Content-Length header."])
                elif int(value) > limit:
                    length_error = too_large(limit)
        elif name == b"transfer-encoding":
            chunked = True
        elif name == b"content-type" and media_type is None:
            media_type = value
    if size > limits.max_headers:
        raise ApiError(431, [f"Request header fields are larger than the limit of {limits.max_headers} bytes."])
    status = rt.plugin.wire.control_path_status if rt is not None else 400
    if status is not None and _CONTROL.search(path):
        # an encoded control character (%0A) in a path: no route can match it (Starlette's mounts match `.*`)
        raise ApiError(status, ["The request path contains control characters."])
    if length_error is not None:
        raise length_error
    form = media_type is not None and media_type.split(b";")[0].strip().lower() in FORM_TYPES
    if (chunked and not has_length) or form:
        scope, receive = await _buffer(scope, receive, limit, state)
    seen = 0
    upstream = receive

    async def counted_receive() -> dict:
        nonlocal seen
        message = await upstream()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)
        return message

    return scope, counted_receive


async def _buffer(scope: dict, receive: Any, limit: int, state: RequestState) -> tuple[dict, Any]:
    """Chunked bodies: read them whole (up to the limit) and present them with a Content-Length, which is
    what Connexion's validators look at to decide whether there is a body at all. Forms are buffered too and
    kept in the request state, because Connexion's parsed form keeps one value per key (see apitwin.forms)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    state.raw_body = body
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"transfer-encoding"]
    headers.append((b"content-length", str(len(body)).encode()))
    replayed = False

    async def replay() -> dict:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return {**scope, "headers": headers}, replay


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
        state = scope[SCOPE_KEY]
        if is_admin_path(scope.get("path", "")):
            state.admin_token_ok = admin_guard.check(self.intake.settings, scope)
        scope, receive = await limit_request(scope, receive, self.intake.limits, state)
        prefer.intake(scope, state)
        document = self.intake.documents.answer(scope)
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
