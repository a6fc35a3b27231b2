"""Every answer of the mock checked against its own OpenAPI 3.1 document before it leaves: documented status,
documented media type, body valid against the response schema (JSON Schema 2020-12, formats checked, validators
compiled at start in the operation's plan), required headers.

The bytes that go out are what is checked, never the handler's objects. Work that would only repeat is skipped: a body
byte-for-byte equal to one the same compiled validator passed a moment ago is not parsed and validated again (a
bounded verdict cache, `Verdicts`: a conforming verdict depends only on the validator and the bytes; polled lists and
re-read items repeat exactly; answers to writes, which never repeat, bypass it so they cannot push the reads'
verdicts out); a status without content, an empty body allowed empty, or a media type without a schema
is never parsed.

A violation is the mock's bug, never the client's: it is logged at ERROR ("response breaks the contract") and
answered as a 500 in the API's error body, rendered as every other error (`apitwin.server.render`), so tests and
contract runs catch drift at once. Connexion's own response validation (Draft 4 on the 3.0 view, 3x slower) is off.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from apitwin.errors import ApiError
from apitwin.server import jsonio
from apitwin.server.plans import OperationPlan
from apitwin.server.render import render

log = logging.getLogger("apitwin")
NONCONFORMING = "The mock's response does not conform to its specification."


class Verdicts:
    """(validator, body bytes) pairs a validator passed, the most recently used kept: at most `entries` of them,
    bodies up to `max_body` bytes (so at most entries x max_body bytes held). Only passes are kept — a failing
    answer is a bug, worded afresh each time. The validator object itself is in the key (an `id` could be reused by
    another validator once the first is gone)."""

    def __init__(self, entries: int = 256, max_body: int = 16_384) -> None:
        self.entries = entries
        self.max_body = max_body
        self._passed: OrderedDict[tuple[Any, bytes], None] = OrderedDict()

    def passed(self, validator: Any, body: bytes) -> bool:
        if len(body) > self.max_body:
            return False
        try:
            self._passed.move_to_end((validator, body))   # one step, safe should two threads share the cache
        except KeyError:
            return False
        return True

    def add(self, validator: Any, body: bytes) -> None:
        if len(body) <= self.max_body:
            self._passed[(validator, body)] = None
            while len(self._passed) > self.entries:
                try:
                    self._passed.popitem(last=False)
                except KeyError:
                    break

    def clear(self) -> None:
        self._passed.clear()

    def __len__(self) -> int:
        return len(self._passed)


VERDICTS = Verdicts()


def problem(plan: OperationPlan, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes,
            remember: bool = True) -> str | None:
    """What is wrong with this answer (None: it conforms). What depends only on (operation, status, media type) —
    the documented response, its media types, required headers, the compiled validator — is the plan's, worked
    out once (`OperationPlan.response_check`); per answer: the Content-Type, one parse, one validation.
    `remember=False` (an answer to a write, see `remembered`): the verdict cache is neither asked nor filled."""
    check = plan.response_check(status)
    if check is None:
        return f"status {status} is not documented"
    if not check.content or (not body and check.empty_body_ok):
        return None   # x-apitwin-empty-body: one variant of the operation (e.g. a tunnel) answers no body
    media_type = ""
    for name, value in raw_headers:
        if name.lower() == b"content-type":
            media_type = _MEDIA_TYPES.get(value) or _media_type(value)
            break
    if check.content.get(media_type) is None:
        return f"content type {media_type or '(none)'} is not documented (documented: {', '.join(check.content)})"
    validator = plan.response_validator(check.key, media_type)
    if validator is None:
        return None
    if not remember or not VERDICTS.passed(validator, body):
        try:
            instance = jsonio.loads(body)
        except ValueError:
            return "body is not valid JSON"
        if not validator.is_valid(instance):
            error = next(iter(validator.iter_errors(instance)), None)
            if error is not None:
                path = "/".join(map(str, error.instance_path)) or "(root)"
                return f"at {path}: {error.message}"
        if remember:
            VERDICTS.add(validator, body)
    if check.required_headers:
        present = {name.lower().decode("latin-1") for name, _ in raw_headers}
        for name in check.required_headers:
            if name.lower() not in present:
                return f"required header {name} missing"
    return None


_MEDIA_TYPES: dict[bytes, str] = {}   # Content-Type value → media type: the few an API answers with, bounded
_MEDIA_TYPES_KEPT = 64


def _media_type(value: bytes) -> str:
    """The media type of a Content-Type value (parameters dropped), remembered for the next answer."""
    found = value.decode("latin-1").split(";")[0].strip()
    if len(_MEDIA_TYPES) < _MEDIA_TYPES_KEPT:
        _MEDIA_TYPES[value] = found
    return found


REMEMBERED_METHODS = frozenset({"GET", "HEAD"})


def remembered(method: str) -> bool:
    """Whether answers to this method go through the verdict cache: reads repeat byte for byte (polled lists,
    re-read items), answers to writes carry a new id or timestamp and never do — caching them would only cost a
    lookup and an insert per write and push the reads' verdicts out of the bounded cache."""
    return method in REMEMBERED_METHODS


class Guarded:
    """A send channel that holds the answer until it is complete, checks it and lets it out — or a 500. Called
    with ASGI messages; its `whole(status, raw headers, body)` takes an answer made whole at once (the endpoint's,
    apitwin.server.endpoint) the same way, without holding the first message. One slotted object per request
    rather than three closures and a function attribute (about three times cheaper to make; every guarded request
    makes one)."""

    __slots__ = ("send", "scope", "plan", "rt", "remember", "start", "chunks")

    def __init__(self, send: Any, scope: dict, plan: OperationPlan, rt: Any) -> None:
        self.send = send
        self.scope = scope
        self.plan = plan
        self.rt = rt
        self.remember = remembered(scope["method"])
        self.start: dict[str, Any] = {}
        self.chunks: list[bytes] = []

    async def __call__(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.start = message
        elif kind == "http.response.body":
            chunks = self.chunks
            if message.get("more_body"):
                chunks.append(message.get("body", b""))
                return
            if chunks:
                chunks.append(message.get("body", b""))
                body = b"".join(chunks)
                message = {"type": "http.response.body", "body": body}
            else:
                body = message.get("body", b"")
                if message.keys() != _PLAIN_BODY:     # only what the whole body carries goes on
                    message = {"type": "http.response.body", "body": body}
            start = self.start
            found = problem(self.plan, start.get("status", 500), start.get("headers") or [], body, self.remember)
            if found is None:
                await self.send(start)
                await self.send(message)
                return
            await self.refuse(start.get("status"), found)
        else:
            await self.send(message)

    async def whole(self, status: Any, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        found = problem(self.plan, status, headers, body, self.remember)
        if found is None:
            await self.send({"type": "http.response.start", "status": status, "headers": headers})
            await self.send({"type": "http.response.body", "body": body})
            return
        await self.refuse(status, found)

    async def refuse(self, status: Any, found: str) -> None:
        scope = self.scope
        log.error("response breaks the contract: %s %s -> %s: %s", scope["method"], scope["path"], status, found)
        await render(ApiError(500, [NONCONFORMING]), self.rt).response()(scope, _no_receive, self.send)


def guarded(send: Any, scope: dict, plan: OperationPlan, rt: Any) -> Guarded:
    """`send` behind the response guard (`Guarded`)."""
    return Guarded(send, scope, plan, rt)


_PLAIN_BODY = frozenset({"type", "body"})


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}
