"""Admin API handlers of the request journal (`/__apitwin/requests…`, spec in admin.yaml): list with filters and
paging, one request, clear, a live Server-Sent Events stream, and verification (count/find with a matcher)."""
from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

from starlette.responses import StreamingResponse

from apitwin import runtime
from apitwin.errors import ApiError
from apitwin.journal import Exchange, Journal
from apitwin.journal_query import Filters, Matcher, parse_since, select

KEEPALIVE_SECONDS = 15.0


def journal() -> Journal:
    """The app's journal (apitwin.journal_recorder.install puts it on the registry of every app)."""
    return runtime.registry().journal


async def list_requests(api: str | None = None, operation: str | None = None, status: str | None = None,
                        since: str | None = None, after: int | None = None, text: str | None = None,
                        limit: int = 50, offset: int = 0) -> dict[str, Any]:
    kept = journal()
    try:
        since_at = parse_since(since) if since else None
    except ValueError:
        raise ApiError(400, [], {"since": [f"Enter a valid date-time, not {since!r}."]}) from None
    found = select(kept.items(), Filters(api, operation, status, since_at, after, text))
    return {"total": len(found), "limit": limit, "offset": offset, "size": kept.size, "dropped": kept.dropped,
            "items": [e.view() for e in found[offset:offset + limit]]}


async def get_request(request_id: int) -> dict[str, Any]:
    exchange = journal().get(request_id)
    if exchange is None:
        raise ApiError(404, [f"No journaled request {request_id} (it may have been dropped as the oldest, or "
                             "cleared by a reset)."])
    return exchange.view()


def forget_api(api: str) -> None:
    """A reset of an API clears its journaled requests too (called by the admin reset)."""
    kept = getattr(runtime.registry(), "journal", None)
    if kept is not None:
        kept.clear(api)


async def clear_requests(api: str | None = None) -> dict[str, int]:
    return {"cleared": journal().clear(api)}


def _matcher(body: dict[str, Any]) -> Matcher:
    try:
        return Matcher.from_json(body)
    except ValueError as exc:
        raise ApiError(400, [], {"path_pattern": [str(exc)]}) from None


async def count_requests(body: dict[str, Any]) -> dict[str, int]:
    return {"count": len(select(journal().items(), _matcher(body)))}


async def find_requests(body: dict[str, Any]) -> dict[str, Any]:
    found = select(journal().items(), _matcher(body))
    found.reverse()
    return {"count": len(found), "requests": [e.view() for e in found]}


def _event(exchange: Exchange) -> bytes:
    return f"event: request\nid: {exchange.id}\ndata: {json.dumps(exchange.view())}\n\n".encode()


async def _events(kept: Journal, after: int | None) -> AsyncIterator[bytes]:
    queue = kept.subscribe()
    try:
        yield b"retry: 1000\n\n"
        last = 0
        if after is not None:
            for exchange in reversed(select(kept.items(), Filters(after=after))):
                last = exchange.id
                yield _event(exchange)
        while True:
            try:
                exchange = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except asyncio.TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if exchange.id > last:
                yield _event(exchange)
    finally:
        kept.unsubscribe(queue)


async def stream_requests(after: int | None = None) -> StreamingResponse:
    from connexion import request

    last_event = request.headers.get("last-event-id")
    start = after if after is not None else (int(last_event) if last_event else None)
    return StreamingResponse(_events(journal(), start), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
