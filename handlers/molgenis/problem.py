"""The one exception the MOLGENIS core raises for requests the server refuses (a 400 without `code` unless given),
and the MOLGENIS error body every `ApiError` is rendered in (the plugin's `render_error`).

It is an `ApiError`, so the engine renders it in the MOLGENIS error body wherever it is raised — value conversion,
query rules, rendering options — without each handler translating it.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apitwin import runtime
from apitwin.errors import ApiError

METADATA_API = "/api/metadata"      # ApiController descendants answer every failure as problem+json


class Problem(ApiError):
    def __init__(self, message: str, status: int = 400, code: str | None = None) -> None:
        super().__init__(status, [message], code=code)
        self.message = message

    def __str__(self) -> str:
        return self.message


def render_error(error: ApiError) -> dict[str, Any] | tuple[dict[str, Any], str]:
    """`{"errors":[{"message", "code"?}]}`; unknown paths and unmapped methods answer RFC 7807 problem+json, as the
    server's problem generator does for path-level errors under /api/."""
    if error.kind == "routing":
        try:
            title = HTTPStatus(error.status).phrase
        except ValueError:
            title = "Error"
        problem: dict[str, Any] = {"type": "about:blank", "title": title, "status": error.status}
        if error.messages:
            problem["detail"] = error.messages[0]
        return problem, "application/problem+json"
    if error.kind != "routing" and _metadata_api_request():
        return _coded_problem(error), "application/problem+json"
    messages = list(error.messages)
    for field, texts in error.field_errors.items():
        where = "" if field in ("", "body") else f"{field}: "
        messages.extend(f"{where}{text}" for text in texts)
    entries: list[dict[str, Any]] = []
    for message in messages or [HTTPStatus(error.status).phrase]:
        entry: dict[str, Any] = {"message": message}
        code = error.codes.get(message) or error.code
        if code:
            entry["code"] = code
        entries.append(entry)
    return {"errors": entries}


def _metadata_api_request() -> bool:
    scope = runtime.scope_or_none()
    rt = runtime.current_or_none()
    if not scope or rt is None:
        return False
    path = str(scope.get("path", ""))[len(rt.prefix):]
    return path == METADATA_API or path.startswith(METADATA_API + "/")


def _coded_problem(error: ApiError) -> dict[str, Any]:
    """`ProblemExceptionResponseGenerator`: type `<host>/problem`, the status' reason as title, and for coded
    exceptions their code and message (`errorCode`, `detail`); binding errors list each field in `errors`."""
    scope = runtime.scope_or_none() or {}
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    host = headers.get("host") or "localhost"
    try:
        title = HTTPStatus(error.status).phrase
    except ValueError:
        title = "Error"
    problem: dict[str, Any] = {"type": f"{scope.get('scheme', 'http')}://{host}/problem", "title": title,
                               "status": error.status}
    if error.code and error.messages:
        problem["detail"] = error.messages[0]
        problem["errorCode"] = error.code
    elif error.status == 400 and (error.messages or error.field_errors):     # a binding error (e.g. `flattenAttributes=maybe`)
        problem["type"] = f"{scope.get('scheme', 'http')}://{host}/input-invalid"
        details = [*error.messages,
                   *(f"{field}: {text}" if field not in ("", "body") else str(text)
                     for field, texts in error.field_errors.items() for text in texts)]
        problem["errors"] = [{"detail": str(text)} for text in details]
    return problem
