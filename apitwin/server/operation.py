"""`OperationLayer`, after Connexion's routing and security, before its request validation: the routed operation's
plan is looked up once (every later layer and validator reads `state.plan`); a body without Content-Type is
refused (415, it would skip validation); query names matching the operation's `x-apitwin-query-pattern` are set
aside for the handler (MOLGENIS' `q[0].field=…` cannot be declared one by one, strict validation would refuse
them)."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from apitwin.errors import ApiError
from apitwin.server.connexion_seam import routed_operation_id
from apitwin.server.state import SCOPE_KEY


def _has_body(scope: dict) -> bool:
    for name, value in scope.get("headers", []):
        if (name == b"content-length" and value not in (b"0", b"")) or name == b"transfer-encoding":
            return True
    return False


class OperationLayer:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope[SCOPE_KEY]
        rt = state.runtime
        plan = state.plan = rt.extras["plans"].get(routed_operation_id(scope)) if rt is not None else None
        if plan is None:
            return await self.app(scope, receive, send)
        if plan.accepted and _has_body(scope) and not any(name == b"content-type" for name, _ in scope["headers"]):
            raise ApiError(415, [f"Missing Content-Type header; this operation accepts {', '.join(plan.accepted)}."])
        query = scope.get("query_string", b"")
        if query and plan.query_pattern is not None:
            kept, taken = [], []
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                (taken if plan.query_pattern.match(name) else kept).append((name, value))
            state.patterned_query = taken
            scope["query_string"] = urlencode(kept).encode("latin-1")
        await self.app(scope, receive, send)
