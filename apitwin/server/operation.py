"""`OperationLayer`, right after Connexion's routing: everything a routed operation asks of a request before the
answer, from what was built once per operation at start — in place of Connexion's security, request validation,
response validation and context middlewares, which each looked the operation up again (and validation re-derived
its parsers and validators) on every request. In this order, as those middlewares ran:

1. security: the operation's token check compiled at start (apitwin.server.security) from what Connexion's
   `SecurityOperation` would build with its `SecurityHandlerFactory` (the plugin's `Binding.security` functions,
   apitwin.binding): the same schemes, AND/OR of requirements, `security: []`, optional `{}` requirements, the
   same token check calls, 401 vs 403 and the same Connexion problems raised, without Connexion's per-request
   wrapper chain (an operation with a scheme it does not compile runs Connexion's own chain); the caller's token
   info lands in the scope where Connexion puts it;
2. the operation's plan (apitwin.server.plans, compiled at start) looked up once into the request state (every later
   layer and validator reads `state.plan`); a body without Content-Type is refused (415, it would skip validation);
   query names matching the operation's `x-apitwin-query-pattern` are set aside for the handler (MOLGENIS'
   `q[0].field=…` cannot be declared one by one, strict validation would refuse them);
3. request validation: Connexion's URI parser, parameter validator, media type check and body validator with
   apitwin.validation's validators (every problem per field into `state.problems`), kept per operation
   (`connexion_patches.ValidationPlan`); an operation whose parameters are all plain has them read from the scope
   and checked by its compiled reader (apitwin.param_reader), the validator running only where the reader is not
   sure; the media type's outcome is remembered per Content-Type value, and only a body to validate is awaited;
4. Connexion's request context (`connexion.request`, `connexion.context`, which handlers read) set for the handler.

Connexion's response validation is off (the response guard, apitwin.server.guard, checks against the 3.1 document),
so nothing replaces it. `tests/engine/test_operation_layer.py` sends the same requests through this layer and
through Connexion's four middlewares and compares the answers byte for byte.
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode

from connexion.exceptions import MissingMiddleware
from connexion.middleware.abstract import ROUTING_CONTEXT, MissingOperation, RoutedAPI, SpecMiddleware
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.operations import AbstractOperation
from connexion.security import SecurityHandlerFactory
from connexion.spec import Specification

from apitwin.errors import ApiError
from apitwin.server import connexion_patches
from apitwin.server.security import compile_security
from apitwin.server.state import SCOPE_KEY, RequestState
from apitwin.specs import UNKNOWN_QUERY

log = logging.getLogger("apitwin")


def _body_without_type(headers: list[tuple[bytes, bytes]]) -> bool:
    """A body is announced (a Content-Length other than 0, or Transfer-Encoding) and no Content-Type is sent; one
    pass over the headers."""
    body = False
    for name, value in headers:
        if name == b"content-type":
            return False
        if (name == b"content-length" and value not in (b"0", b"")) or name == b"transfer-encoding":
            body = True
    return body


def _unused_app(scope: Any, receive: Any, send: Any) -> Any:   # pragma: no cover - never called
    raise RuntimeError("Connexion's per-operation objects are used for their checks only, never as apps")


class OperationChecks:
    """One operation's security check, request validation and context, built at start with Connexion's own
    per-operation objects (never called as apps: only their checks are used)."""

    def __init__(self, operation: AbstractOperation, *, security_handler_factory: SecurityHandlerFactory,
                 strict_validation: bool, validator_map: dict | None) -> None:
        self.operation = operation
        # None: no requirement (`security: []`), where Connexion's SecurityOperation skips the check
        self.verify = compile_security(operation, security_handler_factory)
        self.validation = RequestValidationOperation(_unused_app, operation=operation,
                                                     strict_validation=strict_validation, validator_map=validator_map)
        self.plan: connexion_patches.ValidationPlan | None = None   # `validation_plan`, once built

    @property
    def validation_plan(self) -> connexion_patches.ValidationPlan:
        """Built at the operation's first request (a large document has hundreds of operations)."""
        if self.plan is None:
            self.plan = connexion_patches.ValidationPlan(self.validation, self.operation)
        return self.plan


class ChecksApi(RoutedAPI[OperationChecks]):
    """One document's operations, as Connexion's SecurityAPI and RequestValidationAPI see them."""

    def __init__(self, *args: Any, auth_all_paths: bool = False, security_map: dict | None = None,
                 strict_validation: bool = False, validator_map: dict | None = None,
                 validate_responses: bool = False, **kwargs: Any) -> None:
        if auth_all_paths:
            raise ValueError("auth_all_paths is not supported: apitwin checks security per routed operation")
        if validate_responses:
            raise ValueError("Connexion's response validation is not supported: apitwin.server.guard checks answers")
        super().__init__(*args, **kwargs)
        self.security_handler_factory = SecurityHandlerFactory(security_map)
        self.strict_validation = strict_validation
        self.validator_map = validator_map
        self.add_paths()

    def make_operation(self, operation: AbstractOperation | Specification) -> OperationChecks:
        return OperationChecks(operation, security_handler_factory=self.security_handler_factory,   # type: ignore[arg-type]
                               strict_validation=self._strict(operation), validator_map=self.validator_map)

    def _strict(self, operation: Any) -> bool:
        """Undeclared query parameters refused (400): the API's rule, unless the operation's own
        `x-apitwin-unknown-query` says otherwise (apitwin.specs.UNKNOWN_QUERY)."""
        item = ((self.specification.get("paths") or {}).get(getattr(operation, "path", None)) or {})
        own = (item.get(getattr(operation, "method", None)) or {}) if isinstance(item, dict) else {}
        value = own.get(UNKNOWN_QUERY) if isinstance(own, dict) else None
        return self.strict_validation if value is None else value != "ignore"


class OperationLayer(SpecMiddleware):
    def __init__(self, app: Any) -> None:
        self.app = app
        self.base_paths: set[str] = set()
        # (API base path, operationId) → checks; where two documents share a base path the first registered wins,
        # as in Connexion's routed middlewares
        self.operations: dict[tuple[str, str], OperationChecks] = {}

    def add_api(self, specification: Specification, **kwargs: Any) -> ChecksApi:
        api = ChecksApi(specification, next_app=self.app, **kwargs)
        self.base_paths.add(api.base_path)
        for operation_id, checks in api.operations.items():
            if operation_id is not None:
                self.operations.setdefault((api.base_path, operation_id), checks)
        return api

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            routing = scope["extensions"][ROUTING_CONTEXT]
        except KeyError:
            raise MissingMiddleware("Could not find routing information in scope. Please make sure "
                                    "you have a routing middleware registered upstream. ") from None
        operation_id = routing.get("operation_id")
        checks = self.operations.get((routing.get("api_base_path"), operation_id))  # type: ignore[arg-type]
        if checks is None and operation_id is not None and routing.get("api_base_path") in self.base_paths:
            raise MissingOperation("Encountered unknown operation_id.")
        if checks is not None and checks.verify is not None:
            await checks.verify(scope)
        state: RequestState = scope[SCOPE_KEY]
        self.prepare(scope, state, operation_id)
        if checks is not None:
            body = connexion_patches.check_request(checks.plan or checks.validation_plan, scope, state)
            if body is not None:
                receive, scope = await body.wrap_receive(receive, scope=scope)
            connexion_patches.set_request_context(scope, receive, checks.operation)
        await self.app(scope, receive, send)

    @staticmethod
    def prepare(scope: dict, state: RequestState, operation_id: str | None) -> None:
        """The plan into the request state; 415 for a body without Content-Type; patterned query names aside."""
        rt = state.runtime
        plan = state.plan = rt.extras["plans"].get(operation_id) if rt is not None else None
        if plan is None:
            return
        if plan.accepted and _body_without_type(scope.get("headers", [])):
            raise ApiError(415, [f"Missing Content-Type header; this operation accepts {', '.join(plan.accepted)}."])
        query = scope.get("query_string", b"")
        if query and plan.query_pattern is not None:
            kept, taken = [], []
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                (taken if plan.query_pattern.match(name) else kept).append((name, value))
            state.patterned_query = taken
            scope["query_string"] = urlencode(kept).encode("latin-1")
