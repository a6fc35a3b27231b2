"""`Front`: apitwin's one layer outside Connexion's routing. What used to be six ASGI layers (Front, ApiCors, Edge,
JournalRecorder, Starlette's ExceptionMiddleware, Intake), each with its own await frame and its own `send` (and
`receive`) wrapper per request, in one call with one `send` wrapper. Per request, in this order:

1. bind the request to its API by path prefix (the runtime context variables handlers read) and create the request
   state (`scope["apitwin"]`);
2. CORS (apitwin.server.cors; never on the admin API): a preflight is answered here, before authentication;
3. the Swagger UI pages, their assets and the landing page (apitwin.swagger_ui), answered here — not journaled;
4. the journal (apitwin.journal_recorder): the request and its answer as the app makes it (error bodies included);
5. exception handling: an exception raised from here inwards goes through apitwin.error_handlers (by its class,
   most specific first, as Starlette's ExceptionMiddleware looks them up) to the API's own error body;
6. intake (apitwin.server.intake): admin guard, limits, Prefer read, the 3.1 documents;
7. Connexion's routing and everything inside it.

Every answer, error bodies and UI pages included (not CORS preflights), leaves through the one `send` wrapper: the
journal notes it as made, then the API's fixed headers and JSON media type (`outgoing_headers`; no Content-Type on
an empty body: Connexion labels `return None, 200` as JSON, which clients then fail to parse), the reason-phrase
marker when the server takes one (apitwin.reason_phrase), the CORS headers. tests/engine/test_front.py sends the
same requests through this layer and through the six layers it replaced (kept in tests/engine/reference_outer.py)
and compares status, headers, bodies and journal entries.

What depends only on the API is prepared once per API (`Edge`: runtime, fixed headers, JSON media type, reason
phrase, CORS or not) and found by the path's first segment in one dict lookup (`Registry.by_first_segment`); the
request headers are read once (apitwin.server.intake.scan); an ordinary request (no Origin, no Prefer, not admin, no
UI page, a body with a Content-Length or none) is admitted without an await, and the journal's exchange gets the
request body from the limits' own receive wrapper (apitwin.limits.counted) rather than one of its own.

Connexion's own ExceptionMiddleware is taken out of the stack (`without_exception_layer`): exceptions never reach it,
and error handlers are the ones in apitwin.error_handlers.HANDLERS (`AsyncApp.add_error_handler` has no effect).
"""
from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable, Sequence

from connexion.lifecycle import ConnexionRequest
from connexion.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response

from apitwin import journal_recorder, reason_phrase, runtime
from apitwin.admin_guard import is_admin_path
from apitwin.journal import Journal
from apitwin.journal_recorder import OperationIndex
from apitwin.runtime import ADMIN_PREFIX, Registry
from apitwin.server import raw_headers
from apitwin.server.cors import Cors
from apitwin.server.intake import Intake, scan
from apitwin.server.state import SCOPE_KEY, RequestState
from apitwin.swagger_ui import SwaggerUi, may_answer

ErrorHandler = Callable[[Any, Exception], Any]


Raw = list[tuple[bytes, bytes]]
_ADMIN_SEGMENT = ADMIN_PREFIX[1:]


def outgoing_headers(headers: Any, status: Any, fixed: Raw, json_type: bytes, marker: tuple[bytes, bytes] | None,
                     cors: Cors | None, origin: bytes | None) -> Raw:
    """An answer's raw headers as they leave: the API's headers (JSON media type, fixed headers it lacks, no
    Content-Type when the body is empty; `fixed`: (lower-case name, value) pairs, as `Front.wire` makes them), the
    reason-phrase marker (apitwin.reason_phrase), then the CORS headers (`cors`: None on the admin API). The list
    is read once and edited (as Starlette's MutableHeaders would) only where something changes; without an Origin
    and a Vary, CORS is one appended `Vary: Origin`. tests/engine/test_front.py compares it with the three edits
    it fuses (the API's headers, reason_phrase.mark, Cors.edit)."""
    raw = list(headers)
    length = media_type = None
    types = 0
    vary = False
    for key, value in raw:
        if key == b"content-length":
            if length is None:
                length = value
        elif key == b"content-type":
            types += 1
            if media_type is None:
                media_type = value
        elif key == b"vary":
            vary = True
    if media_type is not None:
        if (length is not None and length.decode("latin-1").strip() == "0") or status in (204, 304):
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
                vary = vary or name == b"vary"
    if marker is not None:
        raw.append(marker)
    if cors is not None:
        if origin is None and not vary:
            raw.append((b"vary", b"Origin"))     # what `Cors.edit` does then
        else:
            cors.edit(raw, origin)
    return raw


def without_exception_layer(app: Any) -> None:
    """Takes Connexion's ExceptionMiddleware out of a fresh AsyncApp's middleware list (`Front` handles exceptions);
    raises if it is not there (a Connexion that builds its stack otherwise must be looked at)."""
    app.middleware.middlewares.remove(ExceptionMiddleware)


class Edge:
    """What `Front` needs of the API a path belongs to, prepared once per API (and per kind of admin path)."""

    __slots__ = ("runtime", "name", "admin", "journaled", "fixed", "json_type", "marker")

    def __init__(self, rt: Any, admin: bool, admin_prefixed: bool, fixed: Raw, json_type: bytes) -> None:
        self.runtime = rt
        self.name = rt.name if rt is not None else None
        self.admin = admin                        # the admin API (apitwin.admin_guard): no CORS, its guard
        self.journaled = not admin_prefixed       # the journal leaves out every path under ADMIN_PREFIX
        self.fixed = fixed
        self.json_type = json_type
        phrase = rt.plugin.wire.reason_phrase if rt is not None else None
        self.marker = None if phrase is None else (reason_phrase.MARKER, phrase.encode("latin-1"))


class Front:
    def __init__(self, app: Any, registry: Registry, *, cors: Cors, ui: SwaggerUi, journal: Journal,
                 operations: OperationIndex, intake: Intake,
                 handlers: Sequence[tuple[type[Exception], ErrorHandler]]) -> None:
        self.app = app
        self.registry = registry
        self.cors = cors
        self.ui = ui
        self.journal = journal
        self.operations = operations
        self.intake = intake
        self.handlers = dict(handlers)
        self._wires: dict[int, tuple[Any, list[tuple[bytes, bytes]], bytes]] = {}   # one per API (runtime)
        self._edges: dict[tuple[int, bool, bool], Edge] = {}
        self._lookup = operations.lookup       # one bound method, not one per journaled request
        segments = registry.by_first_segment()
        self._by_segment: dict[str, Edge] | None = None
        self._other: Edge | None = None
        if segments is not None:
            by_segment, other = segments
            self._by_segment = {segment: self.edge(rt, False, False) for segment, rt in by_segment.items()
                                if not segment.startswith(_ADMIN_SEGMENT)}
            self._by_segment[_ADMIN_SEGMENT] = self.edge(None, True, True)
            self._other = self.edge(other, False, False)

    def wire(self, rt: Any) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """(fixed headers as raw pairs, JSON media type) of an API, encoded once."""
        found = self._wires.get(id(rt))
        if found is None or found[0] is not rt:
            if rt is None:
                fixed, json_type = [], b"application/json"
            else:
                fixed = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                         for name, value in dict(rt.plugin.wire.response_headers).items()]
                json_type = rt.plugin.wire.json_media_type.encode("latin-1")
            found = self._wires[id(rt)] = (rt, fixed, json_type)
        return found[1], found[2]

    def edge(self, rt: Any, admin: bool, admin_prefixed: bool) -> Edge:
        found = self._edges.get((id(rt), admin, admin_prefixed))
        if found is None or found.runtime is not rt:
            found = self._edges[(id(rt), admin, admin_prefixed)] = Edge(rt, admin, admin_prefixed, *self.wire(rt))
        return found

    def edge_for(self, path: str) -> Edge:
        """The path's `Edge`: by its first segment when the mount prefixes allow (`Registry.by_first_segment`; a
        segment that is no mount prefix: `_other`, the API mounted at the root or none), else from
        `Registry.for_path` and the admin prefix. `__call__` has the first-segment case inline."""
        by_segment = self._by_segment
        if by_segment is not None and path[:1] == "/":
            end = path.find("/", 1)
            segment = path[1:end] if end > 0 else path[1:]
            found = by_segment.get(segment)
            if found is not None:
                return found
            if not segment.startswith(_ADMIN_SEGMENT):
                return self._other       # type: ignore[return-value]
        return self.edge(self.registry.for_path(path), is_admin_path(path), path.startswith(ADMIN_PREFIX))

    def handler_for(self, exc: Exception) -> ErrorHandler | None:
        """The error handler of the exception's class or its nearest base (Starlette's lookup)."""
        for cls in type(exc).__mro__:
            found = self.handlers.get(cls)
            if found is not None:
                return found
        return None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        by_segment = self._by_segment      # `edge_for`, its first-segment case inline
        if by_segment is not None and path[:1] == "/":
            end = path.find("/", 1)
            segment = path[1:end] if end > 0 else path[1:]
            edge = by_segment.get(segment) or (
                self._other if not segment.startswith(_ADMIN_SEGMENT) else self.edge_for(path))
        else:
            edge = self.edge_for(path)
        rt = edge.runtime
        state = scope[SCOPE_KEY] = RequestState(rt)
        scanned = scan(scope["headers"])
        method = scope["method"]
        if edge.admin:
            origin = cors = None
        else:
            origin, cors = scanned[0], self.cors
            if origin is not None and method == "OPTIONS":
                preflight = cors.preflight(scope, origin)
                if preflight is not None:      # answered before authentication, never journaled
                    return await preflight(scope, receive, send)
        marker = edge.marker
        if marker is not None and not reason_phrase.supported(scope):
            marker = None
        exchange = None
        started = False

        def out(message: dict[str, Any]) -> Awaitable[None]:
            """The one send wrapper; a plain function handing back `send`'s awaitable (no coroutine of its own)."""
            nonlocal started
            kind = message["type"]
            if kind == "http.response.start":
                started = True
                headers = message.get("headers", ())
                if exchange is not None:
                    exchange.status = message["status"]
                    exchange.response_headers = tuple(headers)
                message = {**message, "headers": outgoing_headers(headers, message.get("status"), edge.fixed,
                                                                  edge.json_type, marker, cors, origin)}
            elif exchange is not None and kind == "http.response.body":
                exchange.add_response_body(message.get("body", b""))
            return send(message)

        if method in ("GET", "HEAD") and may_answer(path):     # the Swagger UI's pages: not journaled
            bound = runtime.bind(rt, self.registry, scope)
            try:
                if await self.ui.answer(scope, out):
                    return
            finally:
                runtime.unbind(bound)
        journal = self.journal
        if edge.journaled and journal.active and path not in self.operations.documents:
            exchange = journal.start(method, path, scope.get("query_string", b""), scope["headers"], self._lookup)
            exchange.api = edge.name
        bound = runtime.bind(rt, self.registry, scope, exchange)    # the exchange for journal.note_error/_prefer
        try:
            try:
                admitted = self.intake.admit_now(scope, receive, state, edge.admin, scanned, exchange)
                if admitted is None:
                    admitted = await self.intake.admit_buffered(
                        scope, receive, state, scanned,
                        None if exchange is None else journal_recorder.watched(receive, exchange))
                inner_scope, inner_receive, document = admitted
                await (self.app if document is None else document)(inner_scope, inner_receive, out)
            except Exception as exc:
                handler = self.handler_for(exc)
                if handler is None:
                    raise
                if started:
                    raise RuntimeError("Caught handled exception, but response already started.") from exc
                if exchange is not None:     # what the error handler reads of the body is journaled too
                    receive = journal_recorder.watched(receive, exchange)
                response = await _respond(handler, Request(scope, receive, out), exc)
                await response(scope, receive, out)
                exc.__traceback__ = None   # reused exception instances would accumulate tracebacks
        except BaseException:
            if exchange is not None:
                journal_recorder.finish(journal, exchange, escaped=True)
                exchange = None
            raise
        finally:
            if exchange is not None:
                journal_recorder.finish(journal, exchange, escaped=False)
            runtime.unbind(bound)


async def _respond(handler: ErrorHandler, request: Request, exc: Exception) -> Response:
    """The handler's answer as Starlette's Response, as Connexion's `connexion_wrapper` makes it (a handler gets a
    ConnexionRequest and returns a ConnexionResponse); a plain function is called here rather than in a thread."""
    answer = handler(ConnexionRequest.from_starlette_request(request), exc)
    while inspect.isawaitable(answer):
        answer = await answer
    return Response(content=answer.body, status_code=answer.status_code, media_type=answer.mimetype,
                    headers=answer.headers)
