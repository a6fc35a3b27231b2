"""The Partners API's error body (the plugin's `render_error`)."""
from __future__ import annotations

from typing import Any

from apitwin.errors import ApiError


def render_error(error: ApiError) -> dict[str, Any]:
    """The overview's error body: field errors under `errors`, general ones under `messages`; both always present."""
    return {"errors": error.field_errors, "messages": error.messages}
