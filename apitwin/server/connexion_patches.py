"""Every place apitwin changes or relies on a Connexion 3.3 internal, in one module, each with a test
(tests/engine/test_connexion_patches.py) that the name still exists in the pinned Connexion.

- `inspect_function_arguments` memoised in the security and parameter decorators: Connexion calls
  `inspect.signature` three times per request for functions that never change (measured with cProfile in
  bench/bench_partners.py); the answer depends only on the function object, so the memo is behaviour-preserving.
- The middleware list without Connexion's Swagger UI (4.x, blank on OpenAPI 3.1; its router also ran on every
  request): apitwin.swagger_ui serves the UI. Without its security, request validation, response validation and
  context middlewares either: apitwin.server.operation.OperationLayer does their work with their own per-operation
  objects built once (`ValidationPlan`, `check_request`, `set_request_context` below).
- Its last-resort `ServerErrorMiddleware` with its own default handler given explicitly: Connexion 3.3 makes that
  default async (`connexion_wrapper`) while Starlette 1.x calls the default without awaiting it, so an exception
  reaching it sent no 500 at all (`'coroutine' object is not callable`, "coroutine ... was never awaited").
- `Specification._validate_spec` given a fast path: Connexion validates every document against the OpenAPI schema
  with jsonschema at each start, most of building an app (MOLGENIS: three documents, about 40 % of create_app,
  measured with cProfile in bench/bench_startup.py). The same schema compiled once with jsonschema-rs, plus the one
  extra rule Connexion adds (each `default` valid against its own schema, checked in every mapping that has one, a
  superset of the places Connexion looks), accepts a valid document in milliseconds; anything it does not accept
  goes through Connexion's own validation, which raises the same InvalidSpecification as before.
- Starlette's `path` convertor, which Connexion's mounts (`<base path>/{path:path}`) use, matches line feeds too
  (`(?s:.*)` instead of `.*`): otherwise a path whose parameter holds an encoded %0A reaches no route at all and
  answers a 404 the document may not list. APIs that refuse control characters in paths still do so first
  (`Wire.control_path_status`, apitwin.limits); the inferred APIs route them like any other character.
- Connexion's routers (the one mounting each API's base path and each API's own) are `IndexedRouter`s
  (apitwin.server.route_index): the same routes tried in the same order, but only those that can match the path's
  first segment and number of `/` — Starlette's loop ran about 15 route regexes per Partners request.
- `connexion.json_schema.deepcopy`, the copy `resolve_refs` makes of every document before resolving it, is
  apitwin.plaindata's: the same copy of plain data, several times faster (copying was a fifth of create_app).
- Relied upon, not patched: the body validators' constructor attributes (`_schema`, `_encoding`, `_nullable`,
  `_required`) and the `MUTABLE_VALIDATION` switch that replays a normalised body (apitwin.validation); the
  request validation operation's attributes `ValidationPlan` reads; the context variables of `connexion.context`
  behind `connexion.request` and `connexion.context`.
- `ConnexionRequest.__init__` without the `hasattr` that raised and caught an AttributeError on every request object
  (three per request).
"""
from __future__ import annotations

import functools
from typing import Any

import connexion.decorators.parameter as parameter_decorators
import connexion.frameworks.starlette as connexion_starlette
import connexion.middleware.routing as connexion_routing
import connexion.context as connexion_context
import connexion.json_schema as connexion_json_schema
import connexion.security as security
import jsonschema_rs
import starlette.convertors as convertors
from starlette.requests import Request as StarletteRequest
from connexion.json_schema import NullableTypeValidator
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.request_validation import logger as validation_log
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.spec import Specification
from connexion.utils import is_nullable
import connexion.utils as connexion_utils
from connexion.utils import inspect_function_arguments
from jsonschema import Draft4Validator
from jsonschema.validators import extend as extend_validator

from apitwin.cookies import cookie_value
from apitwin.param_reader import ParamReader
from apitwin.plaindata import deep_copy
from apitwin.server.state import state_of
from apitwin import validation
from apitwin.validation import CollectingJSONBodyValidator, JsonBodyStep

# (module, attribute) pairs replaced by `apply`
PATCHED = ((parameter_decorators, "inspect_function_arguments"), (security, "inspect_function_arguments"))
# (module, attribute): the deep copy `resolve_refs` makes, replaced by `apply` with apitwin.plaindata's
REF_RESOLUTION_COPY = (connexion_json_schema, "deepcopy")
# (class, classmethod) given a fast path by `apply`
SPEC_VALIDATION = (Specification, "_validate_spec")
# the regex a mount's `{path:path}` tail matches: any character, line feeds included
PATH_TAIL = "(?s:.*)"
# a `type: number` path segment: Connexion's FloatConverter without the exponent (`/start/1e5` missed the route:
# 404/422 for a valid number, schemathesis' "schema-valid request rejected" on Frigate's timestamps)
NUMBER_SEGMENT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+|[0-9]*(?:\.[0-9]*)?)"
# Connexion's apiKey cookie reader: a malformed Cookie header raised CookieError (a 500); apitwin.cookies reads it
# pair by pair
COOKIE_VALUE = (security.ApiKeySecurityHandler, "get_cookie_value")
# attributes of Connexion's request body validators that apitwin.validation reads or sets
VALIDATOR_ATTRIBUTES = ("_schema", "_encoding", "_nullable", "_required", "MUTABLE_VALIDATION")

_applied = False


def apply() -> None:
    """Idempotent; called once per app."""
    global _applied
    if _applied:
        return
    cached = functools.lru_cache(maxsize=4096)(inspect_function_arguments)
    for module, name in PATCHED:
        setattr(module, name, cached)
    setattr(*REF_RESOLUTION_COPY, deep_copy)
    connexion_validation = Specification._validate_spec.__func__

    def validate_spec(cls: type, spec: dict[str, Any]) -> None:
        if not accepted(cls.openapi_schema, spec):
            connexion_validation(cls, spec)
    Specification._validate_spec = classmethod(validate_spec)   # type: ignore[method-assign, assignment]
    convertors.CONVERTOR_TYPES["path"].regex = PATH_TAIL
    connexion_starlette.FloatConverter.regex = NUMBER_SEGMENT
    for module, name, replacement in FAST_UTILS:
        setattr(module, name, replacement)
    setattr(*REQUEST_INIT, request_init)
    setattr(*COOKIE_VALUE, staticmethod(cookie_value))
    index_routes()
    _applied = True


_compiled: dict[int, Any] = {}   # id(OpenAPI schema) -> jsonschema-rs validator; Connexion has two, class attributes


def accepted(schema: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Whether the document certainly passes Connexion's validation: valid against the OpenAPI schema (the same
    Draft 4 schema, compiled by jsonschema-rs) and every `default` valid against the mapping it sits in."""
    validator = _compiled.get(id(schema))
    if validator is None:
        validator = _compiled[id(schema)] = jsonschema_rs.Draft4Validator(schema)
    if not validator.is_valid(spec):
        return False
    instance_validator = extend_validator(Draft4Validator, {"type": NullableTypeValidator})(spec)
    pending: list[Any] = [spec]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if "default" in node and not instance_validator.evolve(schema=node).is_valid(node["default"]):
                return False
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return True


class AwaitedServerErrorMiddleware(ServerErrorMiddleware):
    """Connexion's last-resort 500, with its default handler passed as *the* handler, which Starlette awaits."""

    def __init__(self, next_app: Any, handler: Any = None) -> None:
        super().__init__(next_app, handler=handler)
        if self.handler is None:
            self.handler = ServerErrorMiddleware.error_response


# Connexion's middlewares whose per-request work apitwin.server.operation.OperationLayer does from what it built
# once per operation (with these middlewares' own per-operation objects)
REPLACED_MIDDLEWARES = (SecurityMiddleware, RequestValidationMiddleware, ResponseValidationMiddleware,
                        ContextMiddleware)


def middleware_stack() -> list[Any]:
    """The Connexion middlewares apitwin keeps, in Connexion's order: its default list without its Swagger UI and
    the four `OperationLayer` replaces, its 500 handler awaited (last-resort 500, exceptions, routing, lifespan)."""
    return [AwaitedServerErrorMiddleware if m is ServerErrorMiddleware else m
            for m in ConnexionMiddleware.default_middlewares
            if m is not SwaggerUIMiddleware and m not in REPLACED_MIDDLEWARES]


# --- the final app (s3-pipeline): compiled per-operation endpoints instead of Connexion's decorator stack ---------
# Relied upon: `AsyncApp._middleware_app` (the app Connexion's middleware stack wraps) and `ConnexionMiddleware.app`
# (the same object, read when the stack is built at the first request). tests/engine/test_connexion_patches.py
# checks both still exist and are the same object in the pinned Connexion.
FINAL_APP_ATTRIBUTES = ("_middleware_app", "middleware.app")


def use_final_app(app: Any, final: Any) -> None:
    """Make `final` (apitwin.server.endpoint.Endpoints) the app innermost in `app`'s middleware stack, in place of
    Connexion's AsyncASGIApp; before the first request, while no API has been added."""
    if app.middleware.app is not app._middleware_app or app.middleware.middleware_stack is not None:
        raise RuntimeError("Connexion's final app can only be replaced on a fresh AsyncApp")
    app._middleware_app = app.middleware.app = final


# --- request validation (s3-pipeline, s4-fuse): what depends only on the operation, worked out once ---------------
# Connexion's `RequestValidationOperation.__call__` builds, for every request, a URI parser, a parameter validator
# (grouping the parameters), the accepted media types, the body schema and the body validator class for the sent
# media type. `check_request` (called by apitwin.server.operation.OperationLayer, which replaces Connexion's
# validation middleware) does the same steps in the same order with those kept per operation (a few per operation
# for the media types clients send); the body validator itself stays per request (it holds the request), except
# for a strict UTF-8 JSON body, which apitwin.validation.JsonBodyStep (one per operation and Content-Type) validates
# with the compiled contract, handing anything it does not accept to that validator as before.
# tests/engine/test_connexion_patches.py checks the attributes read here still exist.
VALIDATION_OPERATION_ATTRIBUTES = ("_validator_map", "strict_validation", "security_query_params",
                                   "extract_content_type", "validate_mime_type")
_MEDIA_TYPES_KEPT = 16


class ValidationPlan:
    """One operation's request validation, from Connexion's `RequestValidationOperation` for it."""

    def __init__(self, op: Any, operation: Any) -> None:
        """`op`: Connexion's RequestValidationOperation of `operation` (the AbstractOperation it validates for)."""
        self.op = op
        self.operation = operation
        self.strict_validation = op.strict_validation
        self.body_validators = op._validator_map["body"]
        self.uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self.parameter_validator = op._validator_map["parameter"](
            operation.parameters, uri_parser=self.uri_parser, strict_validation=op.strict_validation,
            security_query_params=op.security_query_params)
        self.required = operation.request_body.get("required", False)
        # the operation's plain parameters read from the scope (None: every request goes the validator's way)
        self.reader = ParamReader.compile(self.parameter_validator)
        self._accepted: dict[str, bool] = {}
        self._bodies: dict[str, tuple[Any, Any, bool]] = {}
        self._media: dict[bytes | None, tuple[str, str, Any, Any, bool, Any]] = {}

    def media(self, headers: Any) -> tuple[str, str, Any, Any, bool, Any]:
        """(mime type, encoding, schema, body validator class or None, nullable, `body_step`) of the request's
        Content-Type:
        `op.extract_content_type`, then `accepted` (its 415 raised every time) and `body`, remembered per value of the
        first Content-Type header (None: none sent), on which alone they depend."""
        raw = None
        for key, value in headers:
            if key == b"content-type" or key.lower() == b"content-type":   # as extract_content_type's str.lower()
                raw = value
                break
        found = self._media.get(raw)
        if found is None:
            mime_type, encoding = self.op.extract_content_type(headers)
            self.accepted(mime_type)
            schema, validator, nullable = self.body(mime_type)
            found = (mime_type, encoding, schema, validator, nullable,
                     self.body_step(raw, encoding, schema, validator, nullable))
            if len(self._media) < _MEDIA_TYPES_KEPT:
                self._media[raw] = found
        return found

    def body_step(self, raw: bytes | None, encoding: str, schema: Any, validator: Any, nullable: bool) -> Any:
        """What validates a body sent with this first Content-Type value: None (no schema or no validator); for a
        strict UTF-8 JSON body, apitwin.validation's `JsonBodyStep` made here once; else a maker of the validator
        per request (it holds the request)."""
        if not schema or validator is None:
            return None
        make = functools.partial(validator, schema=schema, required=self.required, nullable=nullable,
                                 encoding=encoding, strict_validation=self.strict_validation,
                                 uri_parser=self.uri_parser)
        if validator is CollectingJSONBodyValidator and raw is not None and validation.utf8(encoding):
            return JsonBodyStep(raw, encoding, make)
        return make

    def accepted(self, mime_type: str) -> None:
        """Connexion's `validate_mime_type` (raises its UnsupportedMediaTypeProblem), remembered when it passes."""
        if mime_type not in self._accepted:
            self.op.validate_mime_type(mime_type)
            if len(self._accepted) < _MEDIA_TYPES_KEPT:
                self._accepted[mime_type] = True

    def body(self, mime_type: str) -> tuple[Any, Any, bool]:
        """(schema, body validator class or None, nullable) for a media type."""
        found = self._bodies.get(mime_type)
        if found is None:
            operation = self.operation
            schema = operation.body_schema(mime_type)
            validator = self.body_validators.get(mime_type) if schema else None
            found = (schema, validator, is_nullable(operation.body_definition(mime_type)) if schema else False)
            if len(self._bodies) < _MEDIA_TYPES_KEPT:
                self._bodies[mime_type] = found
        return found


def check_request(plan: ValidationPlan, scope: Any, state: Any = None) -> Any:
    """Connexion's `RequestValidationOperation.__call__` up to the body, from the plan: parameters (the operation's
    compiled reader where it is sure, apitwin.param_reader, else the validator), the media type; the body validator
    to run (`await validator.wrap_receive(receive, scope=scope)`), None when the request has no body to validate —
    no coroutine for the common body-less request. `state`: the request's (else looked up in the scope)."""
    reader = plan.reader
    reading = None if reader is None else reader.read(scope)
    if reading is None:            # not plain, or not certainly valid: the validator's full reading and wording
        plan.parameter_validator.validate(scope)
    else:
        state = state or state_of(scope)
        if reader.has_path:        # type: ignore[union-attr]
            state.path_params = reading.path
        state.query_params = reading.query
    mime_type, _, schema, body_validator, _, step = plan.media(scope["headers"])
    if not schema:
        return None
    if body_validator is None:
        validation_log.info(f"Skipping validation. No validator registered for content type: {mime_type}.")
        return None
    return step if type(step) is JsonBodyStep else step()


# --- request context (s4-fuse): what Connexion's ContextMiddleware set, set by OperationLayer -----------------------
# `connexion.request` / `connexion.context` (read by handlers) are proxies over these context variables of
# `connexion.context`; tests/engine/test_connexion_patches.py checks they still exist and are ContextVars.
CONTEXT_VARIABLES = ("_context", "_operation", "_receive", "_scope")


_CONTEXT, _OPERATION, _RECEIVE, _SCOPE = (getattr(connexion_context, name) for name in CONTEXT_VARIABLES)


def set_request_context(scope: Any, receive: Any, operation: Any) -> None:
    """What `ContextOperation.__call__` sets before its next app."""
    _CONTEXT.set(scope.get("extensions", {}).get("connexion_context", {}))
    _OPERATION.set(operation)
    _RECEIVE.set(receive)
    _SCOPE.set(scope)


def extract_content_type(headers: Any) -> str | None:
    """`connexion.utils.extract_content_type` without building its typing annotation on every call (a third of its
    time, twice per request): the Content-Type of ASGI header pairs or a dict, latin-1 decoded; None without one."""
    for key, value in headers.items() if isinstance(headers, dict) else headers:
        if (key.decode("latin-1") if isinstance(key, bytes) else key).lower() == "content-type":
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


# (module, attribute, replacement) swapped by `apply`; every caller reads it through the module
FAST_UTILS = ((connexion_utils, "extract_content_type", extract_content_type),)
ORIGINAL_UTILS = {name: getattr(module, name) for module, name, _ in FAST_UTILS}   # for the equivalence test


# --- requests (s4-fuse): a ConnexionRequest without an exception per construction --------------------------------
# `ConnexionRequest.__init__` asks `hasattr(self, "_starlette_request")`; on a new request that goes through its
# `__getattr__`, which raises and catches an AttributeError — about 1.4 µs of 2.2 per construction, and each request
# builds three (the security check, parameter validation, the endpoint). `request_init` asks the instance's own
# attributes instead (the class has no such attribute, so the answer is the same) and sets the same attributes.
# tests/engine/test_connexion_patches.py holds Connexion's __init__ to the source this replaces and compares both.
REQUEST_INIT = (ConnexionRequest, "__init__")
ORIGINAL_REQUEST_INIT = ConnexionRequest.__init__


def request_init(self: Any, *args: Any, uri_parser: Any = None, **kwargs: Any) -> None:
    if "_starlette_request" not in self.__dict__:    # set by `from_starlette_request` before it calls __init__
        self._starlette_request = StarletteRequest(*args, **kwargs)
    self.uri_parser = uri_parser
    self._context = None
    self._mimetype = None
    self._path_params = None
    self._query_params = None
    self._form = None
    self._files = None


# --- routing (s3-pipeline2): Connexion's routers try only the routes that can match -------------------------------
# `connexion.middleware.routing` builds `RoutingMiddleware.router` and every `RoutingAPI.router` from its module-level
# name `Router`; tests/engine/test_connexion_patches.py checks the name is still there and read by both.
ROUTER_NAME = (connexion_routing, "Router")


def index_routes() -> None:
    """Idempotent; before the first request (Connexion builds its routers when the middleware stack is built)."""
    from apitwin.server.route_index import IndexedRouter
    setattr(*ROUTER_NAME, IndexedRouter)
