"""The one exception the MOLGENIS core raises for requests the server refuses (a 400 without `code` unless given).

It is an `ApiError`, so the engine renders it in the MOLGENIS error body wherever it is raised — value conversion,
query rules, rendering options — without each handler translating it.
"""
from __future__ import annotations

from apitwin.errors import ApiError


class Problem(ApiError):
    def __init__(self, message: str, status: int = 400, code: str | None = None) -> None:
        super().__init__(status, [message], code=code)
        self.message = message

    def __str__(self) -> str:
        return self.message
