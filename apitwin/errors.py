"""One exception for every failure a mock can answer with; each API renders it in its own error body.

Handlers and the engine raise `ApiError` (or use the helpers below); the error handlers in
`apitwin.error_handlers` turn it into the owning API's documented error shape with the right status.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

FieldErrorMap = dict[str, list[str]]


class ApiError(Exception):
    """A failure with a status, general messages and per-field messages (any of them may be empty)."""

    def __init__(
        self,
        status: int,
        messages: Sequence[str] = (),
        field_errors: Mapping[str, Sequence[str]] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        self.status = status
        self.messages = list(messages)
        self.field_errors: FieldErrorMap = {k: list(v) for k, v in (field_errors or {}).items()}
        self.headers = dict(headers or {})
        self.code = code
        # per-message codes: messages that carry their own (`validation.CustomText.code`), e.g. Spring's field error
        # codes `Max`/`typeMismatch`; an API's error body may show them next to the message
        self.codes: dict[str, str] = {
            str(text): text.code for text in [*self.messages, *(t for v in self.field_errors.values() for t in v)]
            if isinstance(getattr(text, "code", None), str)}
        self.kind = "api"   # "routing" for unknown paths and methods (some APIs shape those differently)
        super().__init__(f"{status}: {self.messages or self.field_errors}")


def not_found(message: str = "Not found.", code: str | None = None) -> ApiError:
    return ApiError(404, [message], code=code)


def unauthorized(message: str, *, challenge: str | None = None, code: str | None = None) -> ApiError:
    headers = {"WWW-Authenticate": challenge} if challenge else None
    return ApiError(401, [message], headers=headers, code=code)


class FieldErrorCollector:
    """Gathers every field problem of one request, then raises them together (never just the first)."""

    def __init__(self) -> None:
        self.errors: FieldErrorMap = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, *messages: str) -> None:
        if self.errors:
            raise ApiError(400, messages, self.errors)


def default_error_body(error: ApiError) -> dict[str, Any]:
    """Neutral shape used where no API owns the request (e.g. unknown top-level path with several APIs)."""
    return {"errors": error.field_errors, "messages": error.messages}
