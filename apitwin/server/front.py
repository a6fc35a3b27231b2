"""The two outer layers, outside Connexion's exception handling, so error answers get them too.

`Front` (outermost) binds the request to its API (the runtime context variable handlers read) and creates the
request state. `Edge` (inside CORS, so preflights are left alone) puts an API's fixed headers and JSON media type
on every answer (no `Content-Type` on an empty body: Connexion labels `return None, 200` as JSON, which clients
then fail to parse), and answers the Swagger UI pages, their assets and the landing page.
"""
from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders

from apitwin import reason_phrase, runtime
from apitwin.runtime import Registry
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


def decorate_headers(message: dict[str, Any], fixed: dict[str, str], json_type: str) -> dict[str, Any]:
    """An `http.response.start` message with the API's headers: JSON media type, fixed headers it lacks, no
    Content-Type when the body is empty."""
    headers = MutableHeaders(raw=list(message.get("headers", [])))
    empty = headers.get("content-length", "").strip() == "0" or message.get("status") in (204, 304)
    media_type = headers.get("content-type")
    if media_type is not None:
        if empty:
            del headers["content-type"]
        elif media_type.split(";")[0].strip() == "application/json":
            headers["content-type"] = json_type
    for name, value in fixed.items():
        if name not in headers:
            headers.append(name.lower(), value)
    return {**message, "headers": headers.raw}


class Edge:
    def __init__(self, app: Any, documents: list[UiDocument], landing: Any = None) -> None:
        self.app = SwaggerUi(app, documents, landing)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rt = scope[SCOPE_KEY].runtime
        fixed = dict(rt.plugin.wire.response_headers) if rt is not None else {}
        json_type = rt.plugin.wire.json_media_type if rt is not None else "application/json"
        phrase = rt.plugin.wire.reason_phrase if rt is not None and reason_phrase.supported(scope) else None

        async def decorated(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = decorate_headers(message, fixed, json_type)
                if phrase is not None:
                    message = {**message, "headers": reason_phrase.mark(list(message["headers"]), phrase)}
            await send(message)

        await self.app(scope, receive, decorated)
