"""Forms as the client sent them: every value of a repeated key and every file part, in order.

Connexion's parsed form keeps one value per key and its request object cannot re-read the body in a handler, so
the body-limit middleware keeps form bodies in the scope (`RAW_BODY`) and this parses them again on demand."""
from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from apitwin.errors import ApiError
from apitwin.limits import RAW_BODY


PARSED_FORM = "apitwin.form"   # scope key: the form once parsed (a tunnel reads `_method` from it, then the fields)


async def multi_form(scope: dict[str, Any]) -> FormData:
    parsed = scope.get(PARSED_FORM)
    if parsed is None:
        parsed = scope[PARSED_FORM] = await _parse(scope)
    return parsed


async def _parse(scope: dict[str, Any]) -> FormData:
    body = scope.get(RAW_BODY)
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
