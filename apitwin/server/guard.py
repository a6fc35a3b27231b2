"""Every answer of the mock checked against its own OpenAPI 3.1 document before it leaves: documented status,
documented media type, body valid against the response schema (JSON Schema 2020-12, formats checked, validators
compiled at start in the operation's plan), required headers.

A violation is the mock's bug, never the client's: it is logged at ERROR ("response breaks the contract") and
answered as a 500 in the API's error body, rendered as every other error (`apitwin.server.render`), so tests and
contract runs catch drift at once. Connexion's own response validation (Draft 4 on the 3.0 view, 3x slower) is off.
"""
from __future__ import annotations

import logging
from typing import Any

from apitwin.errors import ApiError
from apitwin.server import jsonio
from apitwin.server.plans import OperationPlan
from apitwin.server.render import render

log = logging.getLogger("apitwin")
NONCONFORMING = "The mock's response does not conform to its specification."


def problem(plan: OperationPlan, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> str | None:
    """What is wrong with this answer (None: it conforms). What depends only on (operation, status, media type) —
    the documented response, its media types, required headers, the compiled validator — is the plan's, worked
    out once (`OperationPlan.response_check`); per answer: the Content-Type, one parse, one validation."""
    check = plan.response_check(status)
    if check is None:
        return f"status {status} is not documented"
    if not check.content or (not body and check.empty_body_ok):
        return None   # x-apitwin-empty-body: one variant of the operation (e.g. a tunnel) answers no body
    media_type = ""
    for name, value in raw_headers:
        if name.lower() == b"content-type":
            media_type = value.decode("latin-1").split(";")[0].strip()
            break
    if check.content.get(media_type) is None:
        return f"content type {media_type or '(none)'} is not documented (documented: {', '.join(check.content)})"
    validator = plan.response_validator(check.key, media_type)
    if validator is None:
        return None
    try:
        instance = jsonio.loads(body)
    except ValueError:
        return "body is not valid JSON"
    error = next(iter(validator.iter_errors(instance)), None) if not validator.is_valid(instance) else None
    if error is not None:
        path = "/".join(map(str, error.instance_path)) or "(root)"
        return f"at {path}: {error.message}"
    if check.required_headers:
        present = {name.lower().decode("latin-1") for name, _ in raw_headers}
        for name in check.required_headers:
            if name.lower() not in present:
                return f"required header {name} missing"
    return None


def guarded(send: Any, scope: dict, plan: OperationPlan, rt: Any) -> Any:
    """A send channel that holds the answer until it is complete, checks it and lets it out — or a 500."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                body = b"".join(chunks)
                found = problem(plan, start.get("status", 500), list(start.get("headers", [])), body)
                if found is None:
                    await send(start)
                    await send({"type": "http.response.body", "body": body})
                    return
                log.error("response breaks the contract: %s %s -> %s: %s", scope["method"], scope["path"],
                          start.get("status"), found)
                await render(ApiError(500, [NONCONFORMING]), rt).response()(scope, _no_receive, send)
        else:
            await send(message)

    return capture


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}
