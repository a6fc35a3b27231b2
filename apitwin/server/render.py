"""One rendering of an `ApiError` into the owning API's error body, used by the exception handlers
(`apitwin.error_handlers`) and the response guard alike, so every error of an API has the same bytes layout
(its plugin's `json_style`: MOLGENIS' compact Gson layout, the default one for others)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.responses import Response

from apitwin.errors import ApiError, default_error_body

if TYPE_CHECKING:
    from apitwin.runtime import ApiRuntime


@dataclass(frozen=True)
class Rendered:
    status: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        return Response(self.body, self.status, self.headers or None, self.media_type)


def render(error: ApiError, rt: ApiRuntime | None) -> Rendered:
    """The API's error body for `error`. A plugin's render_error may return (body, media type), e.g. MOLGENIS
    answers routing errors as application/problem+json. Outside every API: the neutral body."""
    made = rt.plugin.wire.render_error(error) if rt is not None else default_error_body(error)
    body, media_type = made if isinstance(made, tuple) else (made, "application/json")
    style = rt.plugin.wire.json_style if rt is not None else {}
    return Rendered(error.status, json.dumps(body, **style).encode(), media_type, dict(error.headers))
