"""`Handling`, the innermost of apitwin's layers (only the operation's endpoint and the handler follow), in this
order: the parameter and body problems the validators collected are raised, once (one 400 names every problem);
a bad Prefer value answers 400, Prefer delay is waited, Prefer faults injected (after security and validation, as
in Prism, and not checked as drift); then the answer — Prefer code/example/dynamic from the spec, or the handler's —
goes out through the response guard (apitwin.server.guard). An answer from the spec that the guard lets out is told
to the plugin's `Binding.answered` (one the guard turns into a 500 is not)."""
from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from apitwin import prefer
from apitwin.binding import SpecAnswer
from apitwin.forms import multi_form
from apitwin.server.connexion_seam import token_info
from apitwin.server.guard import guarded
from apitwin.server.state import ABSENT, SCOPE_KEY, RequestState

log = logging.getLogger("apitwin")


class Handling:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope[SCOPE_KEY]
        if state.problems.field_errors:
            state.problems.raise_if_any()
        if state.prefer is not None and await prefer.apply_faults(state.prefer, scope, send):
            return
        rt, plan = state.runtime, state.plan
        answer = None   # without a Prefer (the usual case) the handler answers
        if state.prefer is not None and rt is not None:
            answer = prefer.answer(state.prefer, plan, rt.settings.seed, scope)
        if answer is not None and rt.plugin.binding.answered is not None:
            send = _telling(send, rt, state, scope, answer)
        if rt is not None and plan is not None and rt.settings.validate_responses:
            send = guarded(send, scope, plan, rt)
        if answer is None:
            return await self.app(scope, receive, send)
        await answer(scope, receive, send)


def _telling(send: Any, rt: Any, state: RequestState, scope: dict, answer: Response) -> Any:
    """`send`, telling the plugin of the answer as it starts out with its own status (not the guard's 500), before
    the client has it: as for a handler's side effects, a client reading the delivery log next finds them."""
    async def tell_then_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] == answer.status_code:
            await _tell(rt, state, scope, answer)
        await send(message)
    return tell_then_send


async def _tell(rt: Any, state: RequestState, scope: dict, answer: Response) -> None:
    """The plugin hears of the answer; the answer stands, so a failing hook is logged, never answered."""
    try:
        sent = await _request_body(scope, state)
        request = Request(scope)
        try:
            body = json.loads(answer.body) if answer.body else None
        except (ValueError, UnicodeDecodeError):
            body = None
        told = SpecAnswer(
            operation_id=state.plan.op_id, status=answer.status_code,
            headers={k.lower(): v for k, v in answer.headers.items()}, body=body,
            url=str(request.url), method=request.method, path=dict(scope.get("path_params") or {}),
            query=dict(request.query_params), request_headers={k.lower(): v for k, v in request.headers.items()},
            request_body=sent, token_info=token_info(scope))
        rt.plugin.binding.answered(rt, told)
    except Exception:   # noqa: BLE001 - the answer stands; the hook's failure must not replace it
        log.exception("Binding.answered failed for %s %s", scope.get("method"), scope.get("path"))


async def _request_body(scope: dict, state: RequestState) -> Any:
    """The JSON body as sent, else a form's text fields, else None."""
    if state.sent_json is not ABSENT:
        return state.sent_json
    if state.raw_body is not None:
        form = await multi_form(scope)
        return {name: value for name, value in form.items() if isinstance(value, str)}
    return None
