"""The request journal: what the mock saw and answered, newest kept, oldest dropped.

Every request to a mocked API becomes one `Exchange` (recorded by `apitwin.journal_recorder`): time, API, operation,
method, path, query, request headers (credentials masked), request and response bodies (truncated at a limit),
status, duration, the violations that decided a 4xx (the messages the error body carries, with JSON pointers) and the
`Prefer` directives applied. The `Journal` is a bounded ring buffer (memory stays flat under load), safe to use from
the event loop and from threads, cleared per API by a reset.

Two functions are the seam the rest of the pipeline calls, so the journal needs no other hooks:

    note_error(error)        the error renderer hands over the ApiError it renders (violations, messages)
    note_prefer(directives)  Prefer handling hands over the directives it read

Both write into the exchange of the request being served (a context variable) and do nothing outside one.
"""
from __future__ import annotations

import asyncio
import contextvars
import itertools
import json
import threading
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl

from apitwin import runtime

MASK = "********"
# Header names whose values are credentials; plus any name containing one of SECRET_PARTS.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
SECRET_PARTS = ("token", "secret", "password", "api-key", "apikey", "session", "auth")
DEFAULT_SIZE = 1000
DEFAULT_BODY_LIMIT = 8192


def mask_header(name: str, value: str) -> str:
    """A credential header keeps its scheme (`Bearer ********`) so a reader still sees which one was sent."""
    lowered = name.lower()
    if lowered not in CREDENTIAL_HEADERS and not any(part in lowered for part in SECRET_PARTS):
        return value
    scheme, space, rest = value.partition(" ")
    return f"{scheme} {MASK}" if space and rest and lowered.endswith("authorization") else MASK


def json_pointer(field_name: str) -> str:
    """The dotted field names of `apitwin.validation` (`items.0.sku`, `body` for the whole body) as an RFC 6901
    pointer into the request body (`/items/0/sku`, `` for the whole body)."""
    if field_name in ("body", ""):
        return ""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in field_name.split("."))


SECRET_FIELDS = ("password", "secret")


_WALL_OFFSET = time.time() - time.perf_counter()   # perf_counter → wall clock, fixed once per process
_NONE: list[Any] = []            # shared empty defaults: note_error / note_prefer replace, never mutate them
_NO_PREFER: dict[str, str] = {}


def _keep(kept: bytes, chunk: bytes, limit: int) -> bytes:
    """At most `limit` bytes of a body; a first chunk that fits is kept as is (no copy)."""
    room = limit - len(kept)
    if room <= 0 or not chunk:
        return kept
    if not kept and len(chunk) <= room:
        return bytes(chunk)
    return kept + bytes(chunk[:room])


def _text(raw: bytes, total: int) -> str | None:
    if not total:
        return None
    return raw.decode("utf-8", errors="replace")


def _mask_fields(value: Any) -> tuple[Any, bool]:
    """A JSON value with every password/secret member masked; whether anything was."""
    if isinstance(value, dict):
        changed = False
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and any(part in key.lower() for part in SECRET_FIELDS) and item is not None:
                out[key], changed = MASK, True
            else:
                out[key], inner = _mask_fields(item)
                changed = changed or inner
        return out, changed
    if isinstance(value, list):
        pairs = [_mask_fields(item) for item in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def masked_body(text: str | None) -> str | None:
    """A request body as the journal shows it: passwords and secrets in a JSON body masked (a login's password is
    a credential like the Authorization header); anything else as sent."""
    if not text or not any(part in text.lower() for part in SECRET_FIELDS):
        return text
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    masked, changed = _mask_fields(parsed)
    return json.dumps(masked) if changed else text


class Exchange:
    """One request and its answer. Built cheaply while the request runs (what every exchange starts with is a class
    default, so a new one stores only what differs; no copies of a body that fits the limit; the query decoded and
    the operation resolved only when someone asks); `view()` renders it once, on demand."""

    api: str | None = None
    status: int | None = None
    response_headers: tuple[tuple[bytes, bytes], ...] = ()
    request_body = b""
    request_size = 0
    response_body = b""
    response_size = 0
    duration_ms: float | None = None
    messages: list[str] = _NONE
    violations: list[dict[str, str]] = _NONE
    prefer: dict[str, str] = _NO_PREFER
    _view: dict[str, Any] | None = None
    _operation: str | None = None

    def __init__(self, id: int, started: float, method: str, path: str, query: str | bytes,
                 headers: tuple[tuple[bytes, bytes], ...], body_limit: int = DEFAULT_BODY_LIMIT,
                 resolve: Callable[[str, str], str | None] | None = None) -> None:
        self.id = id
        self.started = started                 # time.perf_counter() (one clock read per request; see `time`)
        self.method = method
        self.path = path
        self._query = query                    # the raw query string (bytes) until first read (`query`)
        self.headers = headers
        self.body_limit = body_limit
        self._resolve = resolve

    @property
    def time(self) -> float:
        """When the request arrived, in seconds since the epoch."""
        return self.started + _WALL_OFFSET

    @property
    def query(self) -> str:
        """The query string as sent (latin-1, as ASGI gives it), decoded when first read."""
        query = self._query
        if isinstance(query, bytes):
            query = self._query = query.decode("latin-1")
        return query

    @query.setter
    def query(self, value: str) -> None:
        self._query = value

    @property
    def operation(self) -> str | None:
        """The operationId (or `METHOD /template`) of the served document this request matched."""
        if self._resolve is not None:
            self._operation = self._resolve(self.method, self.path)
            self._resolve = None
        return self._operation

    @operation.setter
    def operation(self, value: str | None) -> None:
        self._operation, self._resolve = value, None

    # -- filled while the request runs ---------------------------------------------------------------------------
    def add_request_body(self, chunk: bytes) -> None:
        size = len(chunk)
        self.request_size += size
        kept = self.request_body
        self.request_body = bytes(chunk) if not kept and size <= self.body_limit else _keep(kept, chunk, self.body_limit)

    def add_response_body(self, chunk: bytes) -> None:
        size = len(chunk)
        self.response_size += size
        kept = self.response_body      # the first chunk that fits is kept as is (`_keep`'s first case, inline)
        self.response_body = bytes(chunk) if not kept and size <= self.body_limit else _keep(kept, chunk, self.body_limit)

    # -- read side -----------------------------------------------------------------------------------------------
    @property
    def request_json(self) -> Any:
        """The request body parsed as JSON when it was JSON and kept whole; None otherwise (for matchers)."""
        if not self.request_size or self.request_size > len(self.request_body):
            return None
        try:
            return json.loads(self.request_body)
        except ValueError:
            return None

    def view(self) -> dict[str, Any]:
        """The exchange as the admin API shows it (computed once the exchange is complete, then kept)."""
        if self._view is not None:
            return self._view
        headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in self.headers]
        out = {
            "id": self.id,
            "time": datetime.fromtimestamp(self.time, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "api": self.api,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "request": {
                "headers": [[name, mask_header(name, value)] for name, value in headers],
                "body": masked_body(_text(bytes(self.request_body), self.request_size)),
                "size": self.request_size,
                "truncated": self.request_size > len(self.request_body),
            },
            "status": self.status,
            "response": {
                "headers": [[k.decode("latin-1"), mask_header(k.decode("latin-1"), v.decode("latin-1"))]
                            for k, v in self.response_headers],
                "body": _text(bytes(self.response_body), self.response_size),
                "size": self.response_size,
                "truncated": self.response_size > len(self.response_body),
            },
            "duration_ms": round(self.duration_ms, 3) if self.duration_ms is not None else None,
            "messages": list(self.messages),
            "violations": [dict(v) for v in self.violations],
            "prefer": dict(self.prefer),
        }
        if self.status is not None:
            self._view = out
        return out

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode("latin-1")
        for key, value in self.headers:
            if key == wanted:
                return value.decode("latin-1")
        return None


class Journal:
    """A bounded ring buffer of exchanges; listeners (the console) and live subscribers (Server-Sent Events) hear of
    each finished exchange. `size=0` keeps nothing (listeners still hear)."""

    def __init__(self, size: int = DEFAULT_SIZE, body_limit: int = DEFAULT_BODY_LIMIT) -> None:
        if size < 0 or body_limit < 0:
            raise ValueError("journal size and body limit must be 0 or more")
        self.size = size
        self.body_limit = body_limit
        self._items: deque[Exchange] = deque(maxlen=size or 1)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.dropped = 0
        self.listeners: list[Callable[[Exchange], None]] = []
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Exchange]]] = []

    @property
    def active(self) -> bool:
        return bool(self.size or self.listeners)

    def start(self, method: str, path: str, query: str | bytes, headers: Iterable[tuple[bytes, bytes]],
              resolve: Callable[[str, str], str | None] | None = None) -> Exchange:
        """A new exchange; `resolve(method, path)` names its operation when first asked; `query` may be the raw
        bytes of the ASGI scope (decoded when first read)."""
        return Exchange(next(self._ids), time.perf_counter(), method, path, query, tuple(headers), self.body_limit,
                        resolve)

    def record(self, exchange: Exchange) -> None:
        """Keep a finished exchange (dropping the oldest beyond the size) and tell listeners and subscribers."""
        if self.size:
            with self._lock:
                if len(self._items) == self.size:
                    self.dropped += 1
                self._items.append(exchange)
        for listener in self.listeners:
            listener(exchange)
        if not self._subscribers:
            return
        for loop, queue in list(self._subscribers):
            try:
                loop.call_soon_threadsafe(_offer, queue, exchange)
            except RuntimeError:          # that subscriber's loop is closed
                self.unsubscribe(queue)

    def items(self) -> list[Exchange]:
        """Newest first (a copy: the buffer moves on while a reader works)."""
        if not self.size:
            return []
        with self._lock:
            kept = list(self._items)
        kept.reverse()
        return kept

    def get(self, exchange_id: int) -> Exchange | None:
        with self._lock:
            return next((e for e in self._items if e.id == exchange_id), None)

    def clear(self, api: str | None = None) -> int:
        """Forget every exchange, or those of one API; returns how many were dropped."""
        with self._lock:
            before = len(self._items)
            if api is None:
                self._items.clear()
            else:
                kept = [e for e in self._items if e.api != api]
                self._items.clear()
                self._items.extend(kept)
            return before - len(self._items)

    def __len__(self) -> int:
        return len(self._items) if self.size else 0

    # -- live subscribers (Server-Sent Events) --------------------------------------------------------------------
    def subscribe(self, maxsize: int = 1000) -> asyncio.Queue[Exchange]:
        """A queue of the exchanges finished from now on, for the calling event loop; a slow reader loses the
        overflow rather than growing memory."""
        queue: asyncio.Queue[Exchange] = asyncio.Queue(maxsize)
        self._subscribers.append((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Exchange]) -> None:
        self._subscribers = [(loop, q) for loop, q in self._subscribers if q is not queue]


def _offer(queue: asyncio.Queue[Exchange], exchange: Exchange) -> None:
    try:
        queue.put_nowait(exchange)
    except asyncio.QueueFull:
        pass


# -- the seam: the request being served (its exchange is bound with the request, apitwin.runtime) ----------------
def bind(exchange: Exchange | None) -> contextvars.Token[Any]:
    return runtime.bind_exchange(exchange)


def unbind(token: contextvars.Token[Any]) -> None:
    runtime.unbind(token)


def note_error(error: Any) -> None:
    """The error renderer's one call: the messages and per-field violations of the ApiError it renders, each field
    with a JSON pointer (into the request body, or the query parameter's name when the field is one the request
    sent: `in` says which). Never fails the request it describes."""
    exchange = runtime.exchange_or_none()
    if exchange is None:
        return
    exchange.messages = [str(m) for m in getattr(error, "messages", [])]
    fields = getattr(error, "field_errors", None) or {}
    query = {name for name, _ in parse_qsl(exchange.query, keep_blank_values=True)} if fields and exchange.query else ()
    exchange.violations = [{"field": name, "in": "query" if name.split(".")[0] in query else "body",
                            "pointer": json_pointer(name), "message": str(message)}
                           for name, messages in fields.items() for message in messages]


def note_prefer(directives: dict[str, str]) -> None:
    """Prefer handling's one call: the directives read from `Prefer` and the `__` query twins."""
    exchange = runtime.exchange_or_none()
    if exchange is not None and directives:
        exchange.prefer = {**exchange.prefer, **{str(k): str(v) for k, v in directives.items()}}
