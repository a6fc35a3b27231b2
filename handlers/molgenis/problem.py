"""The one exception the MOLGENIS core raises for requests the server refuses (a 400 without `code` unless given),
and the MOLGENIS error body every `ApiError` is rendered in (the plugin's `render_error`).

It is an `ApiError`, so the engine renders it in the MOLGENIS error body wherever it is raised — value conversion,
query rules, rendering options — without each handler translating it.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apitwin.errors import ApiError


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
