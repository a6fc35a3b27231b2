"""Headers of every answer: an API's fixed ones (MOLGENIS' Spring Security `Cache-Control`, `Pragma`, ...) and its
JSON media type (MOLGENIS says `application/json;charset=UTF-8`); and no `Content-Type` on an empty body (Connexion
labels `return None, 200` as JSON, which clients then fail to parse). Outside the exception layer, so error
answers are covered too; the API is the one RuntimeMiddleware (outermost) bound to the request."""
from __future__ import annotations

from typing import Any

from apitwin import runtime


class ResponseHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rt = runtime.current_or_none()
        wire = rt.plugin.wire if rt is not None else None
        extra = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                 for k, v in (wire.response_headers if wire else {}).items()]
        json_type = (wire.json_media_type if wire else "application/json").encode("latin-1")

        async def decorate(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                raw = message.get("headers", [])
                empty = any(n.lower() == b"content-length" and v.strip() == b"0" for n, v in raw) \
                    or message.get("status") in (204, 304)
                headers = []
                for name, value in raw:
                    if name.lower() == b"content-type":
                        if empty:
                            continue
                        if value.split(b";")[0].strip() == b"application/json":
                            value = json_type
                    headers.append((name, value))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, decorate)
