"""Headers an API sends on every answer: fixed ones (MOLGENIS' Spring Security `Cache-Control`, `Pragma`, ...)
and its JSON media type (MOLGENIS says `application/json;charset=UTF-8`). Outermost, so error answers get them
too; the API is found from the path, as the error handlers do."""
from __future__ import annotations

from typing import Any

from apitwin.runtime import Registry


class ResponseHeaders:
    def __init__(self, app: Any, registry: Registry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        rt = self.registry.for_path(scope.get("path", "")) if scope["type"] == "http" else None
        plugin = rt.plugin if rt is not None else None
        if plugin is None or (not plugin.response_headers and plugin.json_media_type == "application/json"):
            return await self.app(scope, receive, send)
        extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in plugin.response_headers.items()]
        json_type = plugin.json_media_type.encode("latin-1")

        async def decorate(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type" and value.split(b";")[0].strip() == b"application/json":
                        value = json_type
                    headers.append((name, value))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, decorate)
