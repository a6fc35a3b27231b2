"""Request body size limit: larger bodies answer 413 in the API's error shape, before any parsing."""
from __future__ import annotations

from typing import Any

from apitwin import runtime
from apitwin.errors import ApiError


def too_large(limit: int) -> ApiError:
    return ApiError(413, [f"Request body is larger than the limit of {limit} bytes."])


class BodyLimitMiddleware:
    def __init__(self, app: Any, default_limit: int = 1_000_000) -> None:
        self.app = app
        self.default_limit = default_limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rt = runtime.current_or_none()
        limit = rt.settings.max_body_bytes if rt else self.default_limit
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit():
                    raise ApiError(400, ["Invalid Content-Length header."])
                if int(value) > limit:
                    raise too_large(limit)
        seen = 0

        async def counted_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, counted_receive, send)
