"""What the pipeline knows about one request, in one typed object under one scope key (`scope["apitwin"]`).

Created by the outermost layer (`apitwin.server.front.Front`); every later layer, validator and handler reads and
fills the same object. Middlewares below may copy the scope dict (body buffering does), but they copy the
reference, so what a layer writes here is seen by all. The operation is resolved from Connexion's routing once
(`OperationLayer`), as a plan compiled at start (`apitwin.server.plans`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from apitwin.errors import ApiError

if TYPE_CHECKING:
    from apitwin.runtime import ApiRuntime
    from apitwin.server.plans import OperationPlan

SCOPE_KEY = "apitwin"
ABSENT: Any = object()   # `sent_json` when no JSON body was read


class Problems:
    """Parameter and body problems of one request, collected by the validators and raised once
    (`raise_if_any`, by the innermost layer), so the client sees every violation in one answer."""

    __slots__ = ("field_errors",)

    def __init__(self, field_errors: dict[str, list[str]] | None = None) -> None:
        self.field_errors: dict[str, list[str]] = {} if field_errors is None else field_errors

    def __repr__(self) -> str:
        return f"Problems(field_errors={self.field_errors!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problems) and other.field_errors == self.field_errors

    __hash__ = None  # type: ignore[assignment]   # mutable, as the dataclass it replaces

    def add(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            into = self.field_errors.setdefault(name, [])
            into.extend(messages)

    def merged(self, error: ApiError) -> ApiError:
        """`error` (a body that could not be read or validated) with the problems collected before it first."""
        if not self.field_errors:
            return error
        merged = {name: list(messages) for name, messages in self.field_errors.items()}
        for name, messages in error.field_errors.items():
            merged.setdefault(name, []).extend(messages)
        self.field_errors = {}
        return ApiError(error.status, error.messages, merged, headers=error.headers)

    def raise_if_any(self) -> None:
        if self.field_errors:
            errors, self.field_errors = self.field_errors, {}
            raise ApiError(400, [], errors)


class RequestState:
    """Made for every request (`Front`), so it costs only what differs: every field but the API and its problems
    is a class default until a layer sets it (a dataclass's `__init__` assigned all fourteen, about twice the time).
    No default is a shared mutable object: `patterned_query` is an empty tuple until the operation layer puts its
    list in place (read it through `patterned_query(scope)`, which gives a list)."""

    runtime: ApiRuntime | None                 # the API owning the path (None: admin API, or outside every API)
    plan: OperationPlan | None = None          # the routed operation of that API, resolved once
    problems: Problems                         # this request's own, made with it
    prefer: Any = None                         # apitwin.prefer.Preference, or the ApiError of a bad one
    admin_token_ok: bool = False               # the admin token was presented (secrets may leave)
    raw_body: bytes | None = None              # a form body as sent (every value of a repeated key, see forms)
    form: Any = None                           # that form once parsed
    patterned_query: Sequence[tuple[str, str]] = ()   # x-apitwin-query-pattern pairs (a list once set)
    sent_json: Any = ABSENT                    # the JSON body exactly as sent (None: empty body or `null`)
    handler_json: Any = ABSENT                 # that body as the endpoint would read it again, when the validator's
                                               # strict UTF-8 parse is exactly that reading (ABSENT: read it again)
    json_null: bool = False                    # the body was a JSON `null` the schema judges (Wire.json_null_is_value)
    path_params: dict[str, Any] | None = None  # the path parameters as validation parsed them (the endpoint's too)
    query_params: dict[str, Any] | None = None  # the query as the parameter reader parsed it (None: not read)

    def __init__(self, runtime: ApiRuntime | None, plan: OperationPlan | None = None,
                 problems: Problems | None = None) -> None:
        self.runtime = runtime
        self.problems = Problems() if problems is None else problems
        if plan is not None:
            self.plan = plan

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"RequestState({shown})"


def state_of(scope: dict[str, Any]) -> RequestState:
    """This request's state; a scope that never passed `Front` (a unit test calling a layer) gets a blank one."""
    state = scope.get(SCOPE_KEY)
    if state is None:
        from apitwin import runtime
        state = scope[SCOPE_KEY] = RequestState(runtime.current_or_none())
    return state


def sent_json(scope: dict[str, Any]) -> Any:
    """The JSON body as the client sent it, `ABSENT` when none was read (Connexion hands handlers `{}` instead)."""
    state = scope.get(SCOPE_KEY)
    return ABSENT if state is None else state.sent_json


def patterned_query(scope: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value) pairs set aside by the operation's `x-apitwin-query-pattern`, in request order."""
    state = scope.get(SCOPE_KEY)
    return [] if state is None else list(state.patterned_query)
