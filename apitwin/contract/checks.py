"""Our response checks, run by schemathesis after every response next to its own checks, on every phase:

- `created_location`: a 201 whose spec response documents a `Location` header sends it, and it resolves (GET 200).
  OpenAPI headers are optional unless `required: true`, so schemathesis does not check this; both APIs promise it.
- `create_round_trip`: what a 201 created is what is read back: the read-back equals the representation the 201
  returned, and every scalar field sent comes back unchanged (same JSON type compared only, so documented
  conversions such as a numeric string stored as a number are not flagged; see apitwin.contract.values).

They are registered with schemathesis once, globally (`@schemathesis.check`), and declared like every other apitwin
rule in `RESPONSE_CHECKS` (an `apitwin.rulebook.Rulebook`); they act only for schemas a contract run activated:
other schemathesis runs in the same process (e.g. the repository's own pytest contract tests) are untouched.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import schemathesis
from schemathesis.core.failures import Failure, Severity

from apitwin.contract.auth import Credentials
from apitwin.contract.coverage import OperationMatcher
from apitwin.contract.results import RunResult
from apitwin.contract.target import Reply, Target
from apitwin.contract.values import same_value
from apitwin.rulebook import Rulebook

SCALARS = (str, int, float, bool)

RESPONSE_CHECKS: Rulebook = Rulebook("contract response check", ("error",))


class ContractFailure(Failure):
    """A failure of one of apitwin's own checks (code AT1xx: response, AT2xx: properties)."""

    code = "AT100"
    kind_title = "apitwin contract check failed"


@dataclass
class RunContext:
    """What our checks need from the run they belong to."""

    target: Target
    credentials: Credentials
    operations: dict[str, dict[str, Any]]       # label → operation with $refs resolved
    matcher: OperationMatcher
    result: RunResult
    lock: threading.Lock

    def send(self, method: str, url_or_path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Reply:
        """A follow-up request (as the run's account unless `headers` says otherwise); its status counts towards
        coverage."""
        if headers is None:
            headers = self.credentials.headers()
            if self.credentials.params():
                kwargs["params"] = {**(kwargs.get("params") or {}), **self.credentials.params()}
        reply = self.target.send(method, url_or_path, headers=headers, **kwargs)
        path = urlsplit(reply.request.url).path
        root = urlsplit(self.target.root_url).path
        label = self.matcher.label(method, path[len(root):] if path.startswith(root) else path)
        if label:
            with self.lock:
                self.result.record_status(label, reply.status)
        return reply


_ACTIVE: dict[int, RunContext] = {}


def activate(schema: Any, context: RunContext) -> None:
    _ACTIVE[id(schema)] = context


def deactivate(schema: Any) -> None:
    _ACTIVE.pop(id(schema), None)


def _context(case: Any) -> RunContext | None:
    return _ACTIVE.get(id(case.operation.schema))


def _header(response: Any, name: str) -> str | None:
    values = response.headers.get(name.lower())
    if isinstance(values, list):
        return values[0] if values else None
    return values


def _documents_location(operation: dict[str, Any], status: int) -> bool:
    response = (operation.get("responses") or {}).get(str(status)) or {}
    return any(name.lower() == "location" for name in (response.get("headers") or {}))


def _json(response: Any) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def _fail(case: Any, title: str, message: str, code: str = "AT100") -> ContractFailure:
    failure = ContractFailure(operation=case.operation.label, title=title, message=message,
                              severity=Severity.HIGH)
    failure.code = code  # type: ignore[misc]
    return failure


def sent_as_json(case: Any) -> bool:
    """Did the case's body travel as JSON (`application/json`, `*/*+json`, or no media type chosen)?"""
    media = str(getattr(case, "media_type", None) or "application/json").split(";")[0].strip().lower()
    return media.endswith("/json") or media.endswith("+json")


def _read_back_url(case: Any, response: Any, context: RunContext) -> str | None:
    location = _header(response, "location")
    if location:
        return urljoin(context.target.url(case.formatted_path), location)
    body = _json(response)
    href = body.get("href") if isinstance(body, dict) else None
    return urljoin(context.target.url(case.formatted_path), href) if isinstance(href, str) else None


@schemathesis.check
@RESPONSE_CHECKS.rule("created_location", "error", "A 201 sends the documented `Location`, and it points at a "
                      "readable resource.")
def created_location(ctx: Any, response: Any, case: Any) -> bool | None:
    context = _context(case)
    if context is None or response.status_code != 201:
        return None
    operation = context.operations.get(case.operation.label, {})
    if not _documents_location(operation, 201):
        return None
    location = _header(response, "location")
    if not location:
        raise _fail(case, "201 Created without the documented Location header",
                    f"{case.operation.label} documents `Location` on 201; the response had none.", "AT101")
    reply = context.send("GET", urljoin(context.target.url(case.formatted_path), location))
    if reply.status != 200:
        curl = reply.request.curl((context.credentials.login.header.lower(),))
        raise _fail(case, f"Location of the created resource answers {reply.status}",
                    f"Location: {location}\nread back with:\n{curl}\n[{reply.status}] {reply.excerpt()}", "AT102")
    return None


@schemathesis.check
@RESPONSE_CHECKS.rule("create_round_trip", "error", "What was created is what is read back (representation and "
                      "every scalar field sent).")
def create_round_trip(ctx: Any, response: Any, case: Any) -> bool | None:
    context = _context(case)
    if context is None or response.status_code != 201:
        return None
    url = _read_back_url(case, response, context)
    if url is None:
        return None
    reply = context.send("GET", url)
    curl = reply.request.curl((context.credentials.login.header.lower(),))
    if reply.status != 200:
        return None          # created_location reports unreadable resources
    read = reply.json_or_none()
    created = _json(response)
    problems = []
    if isinstance(created, dict) and isinstance(read, dict) and created != read:
        keys = sorted(k for k in set(created) | set(read) if created.get(k, "<absent>") != read.get(k, "<absent>"))
        problems += [f"{k}: created {created.get(k, '<absent>')!r}, read back {read.get(k, '<absent>')!r}"
                     for k in keys]
    # Only a JSON body arrives as generated: an XML or form serializer rewrites values (XML 1.0 cannot carry a
    # control character, a form field is text), so what was sent is not the generated value to compare.
    sent = case.body if isinstance(case.body, dict) and sent_as_json(case) else None
    if sent and isinstance(read, dict):
        for key, value in sent.items():
            if isinstance(value, SCALARS) and key in read and type(read[key]) is type(value) \
                    and not same_value(value, read[key]):
                problems.append(f"{key}: sent {value!r}, read back {read[key]!r}")
    if problems:
        raise _fail(case, "Created resource reads back differently",
                    "\n".join(sorted(set(problems))) + f"\nread back with:\n{curl}", "AT103")
    return None
