"""Forms as the client sent them: every value of a repeated key and every file part, in order.

Connexion's parsed form keeps one value per key and its request object cannot re-read the body in a handler, so
the body limit (apitwin.limits) keeps form bodies in the request state (`raw_body`) and this parses them again on demand."""
from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from apitwin.errors import ApiError
from apitwin.server.state import state_of


async def multi_form(scope: dict[str, Any]) -> FormData:
    """The form, parsed once per request (a tunnel reads `_method` from it, then the fields)."""
    state = state_of(scope)
    if state.form is None:
        state.form = await _parse(scope)
    return state.form


async def _parse(scope: dict[str, Any]) -> FormData:
    body = state_of(scope).raw_body
    if body is None:
        return FormData()
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(scope, receive).form()
    except (MultiPartException, AssertionError, ValueError, KeyError) as exc:    # malformed multipart
        raise ApiError(400, [f"Malformed form body: {exc}"]) from None
