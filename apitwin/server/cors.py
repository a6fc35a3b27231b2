"""CORS for the mocked APIs (browsers may call them from any origin; never the admin API, see apitwin.admin_guard),
as `apitwin.server.front.Front` applies it: one policy — every origin, every method, every header, no credentials.

A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered by Starlette's own
`CORSMiddleware.preflight_response`, before authentication. A simple answer gets exactly the headers Starlette's
middleware would give it — `Access-Control-Allow-Origin: *` and the exposed headers when the request has an Origin,
`Vary: Origin` always (Starlette adds it to every answer of an all-origins policy) — edited on the raw header list
(apitwin.server.raw_headers) rather than through a `Headers` of the request and a `MutableHeaders` of the answer.
tests/engine/test_raw_headers.py compares the answers with Starlette's middleware, byte for byte.
"""
from __future__ import annotations

from typing import Any, Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from apitwin.server import raw_headers

Raw = list[tuple[bytes, bytes]]


class Cors:
    def __init__(self, expose_headers: Sequence[str] = ()) -> None:
        self.starlette = CORSMiddleware(None, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],  # type: ignore[arg-type]
                                        expose_headers=list(expose_headers))
        # (name, value) pairs of a simple answer to a request with an Origin, as Starlette's `simple_headers`
        self.simple = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                       for name, value in self.starlette.simple_headers.items()]

    def preflight(self, scope: dict[str, Any], origin: bytes | None) -> Response | None:
        """Starlette's preflight answer when the request is one (`origin`: its Origin header), else None."""
        if origin is None or scope["method"] != "OPTIONS" or \
                raw_headers.first(scope["headers"], b"access-control-request-method") is None:
            return None
        return self.starlette.preflight_response(request_headers=Headers(scope=scope))

    def edit(self, raw: Raw, origin: bytes | None) -> None:
        """A simple answer's headers, in place: Starlette's `simple_headers` set when the request has an Origin,
        `Origin` appended to `Vary`."""
        if origin is not None:
            for name, value in self.simple:
                raw_headers.set(raw, name, value)
        for name, _ in raw:
            if name == b"vary":
                raw_headers.set(raw, b"vary", b", ".join([*raw_headers.values(raw, b"vary"), b"Origin"]))
                return
        raw.append((b"vary", b"Origin"))     # `set` of a name not there yet
