"""Per-API reason phrases in the status line (`HTTP/1.1 404 <reason>`), for APIs whose real server sends its own
(MOLGENIS runs on Tomcat, which sends an empty one: clients such as requests then word errors
`"404 Client Error:  for url: ..."`, and client test suites compare those texts).

ASGI has no field for the reason phrase and uvicorn writes the standard one. So the phrase travels in a marker header
the server turns into the status line: `ReasonPhraseH11Protocol` (uvicorn's h11 protocol, `http=` in its config)
announces the ASGI scope extension `apitwin.reason_phrase`; only when a request carries that announcement does the app
(`apitwin.server.front.Front`, for an API whose `Wire.reason_phrase` is set) add the marker, and the protocol removes
it again while writing the head. Servers without the extension (httptools, granian, test clients) never see a marker
and keep their standard phrase; other APIs never set one.
"""
from __future__ import annotations

from typing import Any

import functools

EXTENSION = "apitwin.reason_phrase"
MARKER = b"x-apitwin-reason-phrase"


def supported(scope: dict[str, Any]) -> bool:
    """Does the server under this request set reason phrases from the marker?"""
    return EXTENSION in (scope.get("extensions") or {})


def mark(headers: list[tuple[bytes, bytes]], phrase: str) -> list[tuple[bytes, bytes]]:
    """The response headers with the marker naming `phrase` (latin-1, as the status line is)."""
    return [*headers, (MARKER, phrase.encode("latin-1"))]


def _announcing(app: Any) -> Any:
    async def announced(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            scope["extensions"] = {**(scope.get("extensions") or {}), EXTENSION: {}}
        await app(scope, receive, send)
    return announced


def __getattr__(name: str) -> Any:
    """`ReasonPhraseH11Protocol`, built on first use: uvicorn's h11 protocol is imported only by a server that writes
    reason phrases, not by every app start (apitwin.server.front needs only `supported` and `mark`)."""
    if name == "ReasonPhraseH11Protocol":
        return _protocol()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _protocol() -> type:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class _PhraseConnection:
        """An h11 connection whose responses take their reason phrase from the marker header (removed)."""

        def __init__(self, connection: h11.Connection) -> None:
            self._connection = connection

        def __getattr__(self, name: str) -> Any:
            return getattr(self._connection, name)

        def send(self, event: Any) -> bytes | None:
            if isinstance(event, h11.Response):
                phrase = None
                kept = []
                for name, value in event.headers:
                    if name == MARKER:
                        phrase = value
                    else:
                        kept.append((name, value))
                if phrase is not None:
                    event = h11.Response(status_code=event.status_code, headers=kept, reason=phrase,
                                         http_version=event.http_version)
            return self._connection.send(event)

    class ReasonPhraseH11Protocol(H11Protocol):
        """uvicorn's h11 protocol that writes the reason phrase the app names (`uvicorn.Config(http=...)`)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.app = _announcing(self.app)
            self.conn = _PhraseConnection(self.conn)  # type: ignore[assignment]

    return ReasonPhraseH11Protocol
