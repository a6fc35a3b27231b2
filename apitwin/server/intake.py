"""`Intake`, before Connexion's routing: what must be decided before any parsing, in this order —
the admin API's guard (same-origin only 403, the admin token 401), size limits (413/414/431, chunked and form bodies
read, control characters in paths 400), Prefer / __twins read (applied later, after security), and the 3.1
documents themselves at <base>/openapi.json|yaml (Connexion routes on a 3.0 view)."""
from __future__ import annotations

from typing import Any

from apitwin import admin_guard, prefer
from apitwin.limits import Limits, limit_request
from apitwin.settings import Settings
from apitwin.server.state import SCOPE_KEY
from apitwin.specs import SpecDocuments


class Intake:
    def __init__(self, app: Any, settings: Settings, limits: Limits, documents: SpecDocuments) -> None:
        self.app = app
        self.settings = settings
        self.limits = limits
        self.documents = documents

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope[SCOPE_KEY]
        if admin_guard.is_admin_path(scope.get("path", "")):
            state.admin_token_ok = admin_guard.check(self.settings, scope)
        scope, receive = await limit_request(scope, receive, self.limits, state)
        prefer.intake(scope, state)
        document = self.documents.answer(scope)
        if document is not None:
            return await document(scope, receive, send)
        await self.app(scope, receive, send)
