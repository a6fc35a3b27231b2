"""Prism-compatible response choice plus opt-in latency and faults, per request.

    Prefer: code=404                 answer with the documented response for that status
    Prefer: example=jon_snow         answer with that named example (from any documented status)
    Prefer: dynamic=true             answer with data generated from the response schema (seeded, repeatable)
    Prefer: delay=250                wait 250 ms before handling (bounded by settings.max_delay_ms)
    Prefer: fault=503                fail with that 5xx in the API's error body (also 500, 502, 504)
    Prefer: fault=empty|malformed|drop   200 with an empty body | truncated JSON | connection dropped mid-response

Query twins: __code, __example, __dynamic, __delay, __fault (stripped before validation). Without any of them the
mock's real, stateful behaviour answers. Security and request validation run first, as in Prism: delays and
faults apply to requests that passed them (`apply_faults`, called by `apitwin.server.handling`).
"""
from __future__ import annotations

import json
import re
from asyncio import sleep
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import Response

from apitwin import fake, journal
from apitwin.errors import ApiError
from apitwin.server.state import RequestState

KEYS = ("code", "example", "dynamic", "delay", "fault")
_PREFERENCE = re.compile(r'\s*([A-Za-z_-]+)\s*(?:=\s*(?:"([^"]*)"|([^,;]*)))?\s*[,;]?')
STATUS_FAULTS = {"500", "502", "503", "504"}
BODY_FAULTS = {"empty", "malformed", "drop"}


@dataclass
class Preference:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    delay_ms: int = 0
    fault: str | None = None

    @property
    def chooses_response(self) -> bool:
        return self.code is not None or self.example is not None or self.dynamic


def parse_header(value: str) -> dict[str, str]:
    """`code=404, example="a b"; dynamic=true` → {"code": "404", ...}; unknown preferences are ignored (RFC 7240)."""
    out: dict[str, str] = {}
    for match in _PREFERENCE.finditer(value):
        name = match.group(1).lower()
        if name in KEYS:
            out[name] = match.group(2) if match.group(2) is not None else (match.group(3) or "").strip()
    return out


def build(raw: dict[str, tuple[str, str]], max_delay_ms: int) -> Preference:
    """raw: preference name → (where it came from, value). Collects every bad value before failing."""
    pref = Preference()
    errors: dict[str, list[str]] = {}
    for name, (source, value) in raw.items():
        digits = value.isascii() and value.isdigit()
        if name == "code":
            if digits and 100 <= int(value) <= 599:
                pref.code = int(value)
            else:
                errors.setdefault(source, []).append(f"code must be an HTTP status between 100 and 599, not {value!r}.")
        elif name == "example":
            if value:
                pref.example = value
            else:
                errors.setdefault(source, []).append("example needs a name.")
        elif name == "dynamic":
            if value.lower() in ("true", "false", ""):
                pref.dynamic = value.lower() in ("true", "")
            else:
                errors.setdefault(source, []).append(f"dynamic must be true or false, not {value!r}.")
        elif name == "delay":
            if digits and int(value) <= max_delay_ms:
                pref.delay_ms = int(value)
            else:
                errors.setdefault(source, []).append(f"delay must be milliseconds between 0 and {max_delay_ms}, not {value!r}.")
        elif name == "fault":
            if value.lower() in STATUS_FAULTS | BODY_FAULTS:
                pref.fault = value.lower()
            else:
                allowed = ", ".join(sorted(STATUS_FAULTS | BODY_FAULTS))
                errors.setdefault(source, []).append(f"fault must be one of {allowed}, not {value!r}.")
    if errors:
        raise ApiError(400, ["Invalid mock preference."], errors)
    return pref


def intake(scope: dict, state: RequestState, values: list[bytes] | None = None) -> None:
    """Before routing: reads Prefer (`values`: every Prefer header's value, in order, when the caller read the
    headers already; else read here) and the __twins into the request state and strips the twins from the query
    (validation must not see them). Nothing is applied here: `apply` does that once security and validation passed;
    a bad value is kept as its ApiError and raised then."""
    if values is None:
        values = [value for name, value in scope.get("headers", []) if name == b"prefer"]
    raw: dict[str, tuple[str, str]] = {}
    for value in values:
        raw.update({k: ("Prefer", v) for k, v in parse_header(value.decode("latin-1")).items()})
    query = scope.get("query_string", b"")
    if b"__" in query:
        kept, twins = [], False
        for part in query.split(b"&"):
            [(key, value)] = parse_qsl(part.decode("latin-1"), keep_blank_values=True) or [("", "")]
            if key.startswith("__") and key[2:] in KEYS:
                raw[key[2:]] = (key, value)
                twins = True
            else:
                kept.append(part)     # as sent: re-encoding would turn a value's literal `,` into `%2C`
        if twins:
            scope["query_string"] = b"&".join(kept)
    if raw:
        journal.note_prefer({name: value for name, (_, value) in raw.items()})
        rt = state.runtime
        try:
            state.prefer = build(raw, rt.settings.max_delay_ms if rt else 30_000)
        except ApiError as problem:
            state.prefer = problem


async def apply_faults(pref: Preference | ApiError, scope: dict, send: Any) -> bool:
    """After security and request validation (as in Prism): a bad preference answers 400, then the delay is
    waited and an injected fault answers (True: answered). Outside the response guard, so injected faults are
    not checked as drift."""
    if isinstance(pref, ApiError):
        raise pref
    if pref.delay_ms:
        await sleep(pref.delay_ms / 1000)
    if pref.fault in STATUS_FAULTS:
        raise ApiError(int(pref.fault), [f"Injected fault (Prefer: fault={pref.fault})."])
    if pref.fault in BODY_FAULTS:
        await _body_fault(pref.fault, scope, send)
        return True
    return False


async def _body_fault(kind: str, scope: dict, send: Any) -> None:
    if kind == "drop":
        # a response that starts and never finishes: the server aborts the half-sent answer
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
        raise ConnectionAbortedError("Prefer: fault=drop")
    body = b"" if kind == "empty" else b'{"errors": {"trunc'
    await Response(body, 200, media_type="application/json")(scope, _no_receive, send)


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}


def answer(pref: Any, plan: Any, seed: int, scope: dict) -> Response | None:
    """After security and validation: the answer from the spec when the request asked for a
    code/example/dynamic (None: the handler answers)."""
    if not isinstance(pref, Preference) or not pref.chooses_response or plan is None:
        return None
    status, media_type, body, headers = choose(plan.operation, pref, seed, scope)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(raw, status, {k: str(v) for k, v in headers.items()}, media_type)


def choose(operation: dict, pref: Preference, seed: int, scope: dict) -> tuple[int, str, Any, dict[str, Any]]:
    responses: dict[str, Any] = operation.get("responses", {})
    codes = sorted(c for c in responses if c.isdigit())
    if pref.code is not None:
        key = str(pref.code)
        if key not in responses:
            key = f"{key[0]}XX" if f"{key[0]}XX" in responses else "default" if "default" in responses else ""
        if not key:
            raise ApiError(400, [f"Prefer: code={pref.code} is not documented for this operation "
                                 f"(documented: {', '.join(codes)})."])
        candidates = [(pref.code, responses[key])]
    else:
        success = [c for c in codes if c.startswith("2")] or codes
        candidates = [(int(c), responses[c]) for c in (success if pref.example is None else codes)]
    rng = fake.rng_for(seed, operation.get("operationId"), scope.get("path"), scope.get("query_string", b""))
    if pref.example is not None:
        for status, response in candidates:
            for media_type, media in (response.get("content") or {}).items():
                example = (media.get("examples") or {}).get(pref.example)
                if example is not None:
                    return status, media_type, example.get("value"), _headers(response, rng)
        names = sorted({n for _, r in candidates for m in (r.get("content") or {}).values() for n in (m.get("examples") or {})})
        raise ApiError(400, [f"Prefer: example={pref.example} is not documented for this operation "
                             f"(examples: {', '.join(names) or 'none'})."])
    status, response = candidates[0]
    content = response.get("content") or {}
    if not content:
        return status, "application/json", b"", _headers(response, rng)
    media_type, media = next(iter(content.items()))
    if not media_type.endswith("json"):
        return status, media_type, b"", _headers(response, rng)
    if not pref.dynamic:
        examples = media.get("examples") or {}
        if examples:
            return status, media_type, next(iter(examples.values())).get("value"), _headers(response, rng)
        if "example" in media:
            return status, media_type, media["example"], _headers(response, rng)
    return status, media_type, fake.generate(media.get("schema", {}), rng), _headers(response, rng)


def _headers(response: dict, rng: Any) -> dict[str, Any]:
    out = {}
    for name, header in (response.get("headers") or {}).items():
        if header.get("required") or name.lower() == "location":
            schema = header.get("schema", {})
            out[name] = header.get("example", fake.generate(schema, rng))
    return out
