"""The two outer layers, outside Connexion's exception handling, so error answers get them too.

`Front` (outermost) binds the request to its API (the runtime context variable handlers read) and creates the
request state. `Edge` (inside CORS, so preflights are left alone) puts an API's fixed headers and JSON media type
on every answer (no `Content-Type` on an empty body: Connexion labels `return None, 200` as JSON, which clients
then fail to parse), and answers the Swagger UI pages, their assets and the landing page.
"""
from __future__ import annotations

from typing import Any

from apitwin import reason_phrase, runtime
from apitwin.runtime import Registry
from apitwin.server import raw_headers
from apitwin.server.state import SCOPE_KEY, RequestState
from apitwin.swagger_ui import SwaggerUi, UiDocument


class Front:
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


def decorate_headers(message: dict[str, Any], fixed: list[tuple[bytes, bytes]], json_type: bytes) -> dict[str, Any]:
    """An `http.response.start` message with the API's headers: JSON media type, fixed headers it lacks, no
    Content-Type when the body is empty. `fixed`: (lower-case name, value) pairs, as `Edge.wire` makes them."""
    raw = list(message.get("headers", ()))
    length = raw_headers.first(raw, b"content-length")
    empty = (length is not None and length.decode("latin-1").strip() == "0") or message.get("status") in (204, 304)
    media_type = raw_headers.first(raw, b"content-type")
    if media_type is not None:
        if empty:
            raw_headers.drop(raw, b"content-type")
        elif media_type.decode("latin-1").split(";")[0].strip() == "application/json":
            raw_headers.set(raw, b"content-type", json_type)
    if fixed:
        present = {key for key, _ in raw}
        for name, value in fixed:
            if name not in present:
                raw.append((name, value))
                present.add(name)
    return {**message, "headers": raw}


class Edge:
    def __init__(self, app: Any, documents: list[UiDocument], landing: Any = None) -> None:
        self.app = SwaggerUi(app, documents, landing)
        self._wires: dict[int, tuple[Any, list[tuple[bytes, bytes]], bytes]] = {}   # one per API (runtime)

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
