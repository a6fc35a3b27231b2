"""What must be decided before Connexion's routing parses anything, in this order (run by `apitwin.server.front.Front`
inside its exception handling, so each refusal is the API's own error body): the admin API's guard (same-origin only
403, the admin token 401), size limits (413/414/431, chunked and form bodies read, control characters in paths 400),
Prefer / __twins read (applied later, after security), and the 3.1 documents themselves at <base>/openapi.json|yaml
(Connexion routes on a 3.0 view).

The request's header section is read once (`scan`), for everything the outer layer needs from it: the Origin (CORS),
the Prefer values, the section's size and the body's framing (limits). An ordinary request (a body with a
Content-Length or none, no form) is admitted without an await (`admit_now`); only a body that must be read whole
first takes the awaited path (`admit_buffered`).
"""
from __future__ import annotations

from typing import Any

from starlette.responses import Response

from apitwin import admin_guard, limits, prefer
from apitwin.limits import Limits
from apitwin.server.state import RequestState
from apitwin.settings import Settings
from apitwin.specs import SpecDocuments

# What `scan` reports: (Origin's first value, every Prefer value or None, header section size, every Content-Length
# value or None, a Transfer-Encoding was sent, Content-Type's first value)
Scanned = tuple[bytes | None, list[bytes] | None, int, list[bytes] | None, bool, bytes | None]
Admitted = tuple[dict, Any, Response | None]

_NAMES = frozenset({b"origin", b"prefer", b"content-length", b"transfer-encoding", b"content-type"})
_DOCUMENTS = ("/openapi.json", "/openapi.yaml")   # every path SpecDocuments serves ends so


def scan(headers: list[tuple[bytes, bytes]]) -> Scanned:
    """One pass over the request headers (lower-case byte names, as ASGI gives them)."""
    origin = media_type = None
    prefers = lengths = None
    chunked = False
    size = 0
    for name, value in headers:
        size += len(name) + len(value)
        if name in _NAMES:
            if name == b"origin":
                if origin is None:
                    origin = value
            elif name == b"prefer":
                prefers = [value] if prefers is None else [*prefers, value]
            elif name == b"content-length":
                lengths = [value] if lengths is None else [*lengths, value]
            elif name == b"transfer-encoding":
                chunked = True
            elif media_type is None:
                media_type = value
    return origin, prefers, size + 4 * len(headers), lengths, chunked, media_type


class Intake:
    def __init__(self, settings: Settings, limits: Limits, documents: SpecDocuments) -> None:
        self.settings = settings
        self.limits = limits
        self.documents = documents

    def admit_now(self, scope: dict, receive: Any, state: RequestState, admin: bool, scanned: Scanned,
                  exchange: Any = None) -> Admitted | None:
        """(scope, receive) as the layers below get them, and the served document when the request asks for one;
        None when the body must be read whole first (then `admit_buffered`); raises the ApiError of a refusal.
        `exchange`: the journal's (apitwin.journal.Exchange), which the receive channel adds the body to."""
        if admin:
            state.admin_token_ok = admin_guard.check(self.settings, scope)
        _, prefers, size, lengths, chunked, media_type = scanned
        limit = limits.check(scope, self.limits, state.runtime, size, lengths)
        if (chunked or media_type is not None) and limits.must_buffer(lengths, chunked, media_type):
            return None
        return self._admitted(scope, limits.counted(receive, limit, exchange), state, prefers)

    async def admit_buffered(self, scope: dict, receive: Any, state: RequestState, scanned: Scanned,
                             watched: Any = None) -> Admitted:
        """`admit_now`'s answer for a body read whole first (its checks passed); `watched`: `receive` wrapped by
        the journal (apitwin.journal_recorder.watched), which the buffer reads from."""
        limit = limits.body_limit(self.limits, state.runtime, scope.get("path", ""))
        scope, receive = await limits.buffer(scope, watched or receive, limit, state)
        return self._admitted(scope, limits.counted(receive, limit), state, scanned[1])

    def _admitted(self, scope: dict, receive: Any, state: RequestState, prefers: list[bytes] | None) -> Admitted:
        """The last steps of both: Prefer and `__` twins read (only when sent), the served document if asked for."""
        if prefers is not None or b"__" in scope.get("query_string", b""):
            prefer.intake(scope, state, prefers or [])
        return scope, receive, self.documents.answer(scope) if scope["path"].endswith(_DOCUMENTS) else None
