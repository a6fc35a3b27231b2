"""What must be decided before Connexion's routing parses anything, in this order (run by `apitwin.server.front.Front`
inside its exception handling, so each refusal is the API's own error body): the admin API's guard (same-origin only
403, the admin token 401), size limits (413/414/431, chunked and form bodies read, control characters in paths 400),
Prefer / __twins read (applied later, after security), and the 3.1 documents themselves at <base>/openapi.json|yaml
(Connexion routes on a 3.0 view)."""
from __future__ import annotations

from typing import Any

from starlette.responses import Response

from apitwin import admin_guard, prefer
from apitwin.limits import Limits, limit_request
from apitwin.server.state import RequestState
from apitwin.settings import Settings
from apitwin.specs import SpecDocuments


class Intake:
    def __init__(self, settings: Settings, limits: Limits, documents: SpecDocuments) -> None:
        self.settings = settings
        self.limits = limits
        self.documents = documents

    async def admit(self, scope: dict, receive: Any, state: RequestState,
                    admin: bool) -> tuple[dict, Any, Response | None]:
        """(scope, receive) as the layers below get them (a buffered body gives new ones), and the served document
        when the request asks for one; raises the ApiError of a refusal."""
        if admin:
            state.admin_token_ok = admin_guard.check(self.settings, scope)
        scope, receive = await limit_request(scope, receive, self.limits, state)
        prefer.intake(scope, state)
        return scope, receive, self.documents.answer(scope)
