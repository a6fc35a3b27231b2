"""apitwin.server.raw_headers edits as Starlette's MutableHeaders does, and what is built on it answers as before:
`Front`'s CORS (apitwin.server.cors) as Starlette's CORSMiddleware (same headers, same order, `Vary: Origin` on every
answer, the same preflight answers), the API's headers from `outgoing_headers` (no marker, no CORS) as its
MutableHeaders version did."""
from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware

from apitwin.server import raw_headers
from apitwin.server.front import outgoing_headers
from tests.engine.helpers import bare_front

LISTS = [
    [],
    [(b"vary", b"Accept")],
    [(b"content-type", b"application/json"), (b"vary", b"Accept"), (b"x", b"1"), (b"vary", b"Cookie")],
    [(b"access-control-allow-origin", b"https://a"), (b"content-length", b"0")],
]


@pytest.mark.parametrize("raw", LISTS)
def test_edits_equal_mutable_headers(raw: list[tuple[bytes, bytes]]) -> None:
    for name in ("vary", "x", "absent"):
        expected = MutableHeaders(raw=list(raw))
        expected[name] = "v"
        mine = list(raw)
        raw_headers.set(mine, name.encode(), b"v")
        assert mine == expected.raw
        expected = MutableHeaders(raw=list(raw))
        del expected[name]
        mine = list(raw)
        raw_headers.drop(mine, name.encode())
        assert mine == expected.raw
        assert raw_headers.values(raw, name.encode()) == [v.encode() for v in MutableHeaders(raw=raw).getlist(name)]
        first = MutableHeaders(raw=raw).get(name)
        assert raw_headers.first(raw, name.encode()) == (None if first is None else first.encode())


def _answer(headers: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"x"})
    return app


def _run(app: Any, method: str, request_headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/api/v1/x", "headers": request_headers, "query_string": b""}
    asyncio.run(app(scope, receive, send))
    return sent


OPTIONS = dict(allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
               expose_headers=["Location", "WWW-Authenticate"])
REQUESTS = [[], [(b"origin", b"https://app.example")],
            [(b"origin", b"https://app.example"), (b"access-control-request-method", b"POST"),
             (b"access-control-request-headers", b"authorization")]]


@pytest.mark.parametrize("answer, request_headers, method",
                         list(itertools.product(LISTS, REQUESTS, ("GET", "OPTIONS"))))
def test_front_cors_answers_as_starlette(answer: list[tuple[bytes, bytes]], request_headers: list[tuple[bytes, bytes]],
                                       method: str) -> None:
    mine = _run(bare_front(_answer(answer), expose_headers=OPTIONS["expose_headers"]), method, request_headers)
    starlette = _run(CORSMiddleware(_answer(answer), **OPTIONS), method, request_headers)
    assert mine == starlette
    if method == "GET":
        assert (b"vary", b"Origin") in mine[0]["headers"] or any(
            k == b"vary" and v.endswith(b"Origin") for k, v in mine[0]["headers"])


def _decorated_before(message: dict[str, Any], fixed: dict[str, str], json_type: str) -> dict[str, Any]:
    """The API's headers as they were added with MutableHeaders (the old `decorate_headers`)."""
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


@pytest.mark.parametrize("status", [200, 204, 304, 404])
@pytest.mark.parametrize("raw", LISTS + [[(b"content-type", b"application/json; charset=utf-8"),
                                          (b"content-length", b"12"), (b"content-type", b"text/plain")],
                                         [(b"content-type", b"text/html"), (b"content-length", b" 0 ")],
                                         [(b"content-type", b"application/json"), (b"content-type", b"text/plain")],
                                         [(b"content-type", b"application/json\xa0"), (b"content-length", b"0\xa0")]])
@pytest.mark.parametrize("fixed", [{}, {"X-Powered-By": "Spring", "x-powered-by": "other", "Vary": "Accept"}])
@pytest.mark.parametrize("json_type", ["application/json;charset=UTF-8", "application/json"])
def test_api_headers_as_before(status: int, raw: list[tuple[bytes, bytes]], fixed: dict[str, str],
                               json_type: str) -> None:
    message = {"type": "http.response.start", "status": status, "headers": raw}
    pairs = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fixed.items()]
    decorated = {**message, "headers": outgoing_headers(raw, status, pairs, json_type.encode(), None, None, None)}
    assert decorated == _decorated_before(message, fixed, json_type)
