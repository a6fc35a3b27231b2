"""`Handling`, the innermost of apitwin's layers (only Connexion's context layer and the handler follow), in this
order: the parameter and body problems the validators collected are raised, once (one 400 names every problem);
a bad Prefer value answers 400, Prefer delay is waited, Prefer faults injected (after security and validation, as
in Prism, and not checked as drift); then the answer — Prefer code/example/dynamic from the spec, or the handler's —
goes out through the response guard (apitwin.server.guard)."""
from __future__ import annotations

from typing import Any

from apitwin import prefer
from apitwin.server.guard import guarded
from apitwin.server.state import SCOPE_KEY


class Handling:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope[SCOPE_KEY]
        state.problems.raise_if_any()
        if state.prefer is not None and await prefer.apply_faults(state.prefer, scope, send):
            return
        rt, plan = state.runtime, state.plan
        if rt is not None and plan is not None and rt.settings.validate_responses:
            send = guarded(send, scope, plan, rt)
        answer = prefer.answer(state.prefer, plan, rt.settings.seed, scope) if rt is not None else None
        if answer is not None:
            return await answer(scope, receive, send)
        await self.app(scope, receive, send)
