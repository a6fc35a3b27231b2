"""Request size limits, answered in the API's error shape before any parsing: bodies over the limit 413, request
targets (path + query) over `max_target_bytes` 414, header sections over `max_header_bytes` 431. Paths with control
characters are refused here too (400), before routing could misread them.

The HTTP server parses first and refuses request lines over about 64 KB with its own empty answer before any
application code runs (granian: 414, uvicorn's httptools: 400), so the 414 here covers targets between
`max_target_bytes` (32 KB by default) and that limit; header sections up to 1 MiB (granian's buffer, apitwin.serving;
uvicorn: any size) reach the app (431 here)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from apitwin.errors import ApiError
from apitwin.runtime import ADMIN_PREFIX
from apitwin.server.state import RequestState


def too_large(limit: int) -> ApiError:
    return ApiError(413, [f"Request body is larger than the limit of {limit} bytes."])


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")


@dataclass(frozen=True)
class Limits:
    default_limit: int = 1_000_000
    admin_limit: int | None = None
    max_target: int = 32_768
    max_headers: int = 65_536


def body_limit(limits: Limits, rt: Any, path: str) -> int:
    """The body size limit of a request: its API's, else the admin API's (whole exported states come back through
    it), else the default."""
    if rt is not None:
        return rt.settings.max_body_bytes
    if path.startswith(ADMIN_PREFIX):
        return limits.admin_limit or limits.default_limit
    return limits.default_limit


def check(scope: dict, limits: Limits, rt: Any, size: int, lengths: list[bytes] | None) -> int:
    """Refuses what is too large before anything parses it, in this order: a long request target (414), a large
    header section (431: `size`, its names, values and their separators), control characters in the path, a
    Content-Length (`lengths`: every one sent, None for none) that is no number (400) or over the limit (413, the
    first one refused). The header section was read once, by apitwin.server.intake.scan. Returns the body limit."""
    path = scope.get("path", "")
    target = len(scope.get("raw_path") or path.encode()) + len(scope.get("query_string", b""))
    if target > limits.max_target:
        raise ApiError(414, [f"Request target (path and query) is longer than the limit of {limits.max_target} bytes."])
    limit = rt.settings.max_body_bytes if rt is not None else body_limit(limits, rt, path)
    length_error: ApiError | None = None
    if lengths is not None:
        for value in lengths:
            if not value.isdigit():
                length_error = ApiError(400, ["Invalid Content-Length header."])
                break
            if int(value) > limit:
                length_error = too_large(limit)
                break
    if size > limits.max_headers:
        raise ApiError(431, [f"Request header fields are larger than the limit of {limits.max_headers} bytes."])
    status = rt.plugin.wire.control_path_status if rt is not None else 400
    # a printable ASCII path has none (the common case, two C calls); anything else is searched
    if status is not None and not (path.isascii() and path.isprintable()) and _CONTROL.search(path):
        # an encoded control character (%0A) in a path: no route can match it (Starlette's mounts match `.*`)
        raise ApiError(status, ["The request path contains control characters."])
    if length_error is not None:
        raise length_error
    return limit


def must_buffer(lengths: list[bytes] | None, chunked: bool, media_type: bytes | None) -> bool:
    """Chunked bodies without a Content-Length and form bodies are read whole before anything below sees them
    (see `buffer`)."""
    return (chunked and lengths is None) or (
        media_type is not None and media_type.split(b";")[0].strip().lower() in FORM_TYPES)


def counted(receive: Any, limit: int, exchange: Any = None) -> Any:
    """`receive`, counting the body as it is read (413 past `limit`) and, given the journal's exchange
    (apitwin.journal.Exchange), adding each chunk to it first — one wrapper for both jobs."""
    seen = 0

    async def counted_receive() -> dict:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            body = message.get("body", b"")
            if exchange is not None:
                exchange.add_request_body(body)
            seen += len(body)
            if seen > limit:
                raise too_large(limit)
        return message

    return counted_receive


async def buffer(scope: dict, receive: Any, limit: int, state: RequestState) -> tuple[dict, Any]:
    """Chunked bodies: read them whole (up to the limit) and present them with a Content-Length, which is
    what Connexion's validators look at to decide whether there is a body at all. Forms are buffered too and
    kept in the request state, because Connexion's parsed form keeps one value per key (see apitwin.forms)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    state.raw_body = body
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"transfer-encoding"]
    headers.append((b"content-length", str(len(body)).encode()))
    replayed = False

    async def replay() -> dict:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return {**scope, "headers": headers}, replay
