"""Every place apitwin changes or relies on a Connexion 3.3 internal, in one module, each with a test
(tests/engine/test_connexion_patches.py) that the name still exists in the pinned Connexion.

- `inspect_function_arguments` memoised in the security and parameter decorators: Connexion calls
  `inspect.signature` three times per request for functions that never change (measured with cProfile in
  bench/bench_partners.py); the answer depends only on the function object, so the memo is behaviour-preserving.
- The middleware list without Connexion's Swagger UI (4.x, blank on OpenAPI 3.1; its router also ran on every
  request): apitwin.swagger_ui serves the UI.
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
- `connexion.json_schema.deepcopy`, the copy `resolve_refs` makes of every document before resolving it, is
  apitwin.plaindata's: the same copy of plain data, several times faster (copying was a fifth of create_app).
- Relied upon, not patched: the body validators' constructor attributes (`_schema`, `_encoding`, `_nullable`,
  `_required`) and the `MUTABLE_VALIDATION` switch that replays a normalised body (apitwin.validation).
"""
from __future__ import annotations

import functools
from typing import Any

import connexion.decorators.parameter as parameter_decorators
import connexion.json_schema as connexion_json_schema
import connexion.security as security
import jsonschema_rs
import starlette.convertors as convertors
from connexion.json_schema import NullableTypeValidator
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.spec import Specification
from connexion.utils import inspect_function_arguments
from jsonschema import Draft4Validator
from jsonschema.validators import extend as extend_validator

from apitwin.plaindata import deep_copy

# (module, attribute) pairs replaced by `apply`
PATCHED = ((parameter_decorators, "inspect_function_arguments"), (security, "inspect_function_arguments"))
# (module, attribute): the deep copy `resolve_refs` makes, replaced by `apply` with apitwin.plaindata's
REF_RESOLUTION_COPY = (connexion_json_schema, "deepcopy")
# (class, classmethod) given a fast path by `apply`
SPEC_VALIDATION = (Specification, "_validate_spec")
# the regex a mount's `{path:path}` tail matches: any character, line feeds included
PATH_TAIL = "(?s:.*)"
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


def middleware_stack() -> list[Any]:
    """Connexion's default middleware list without its Swagger UI, its 500 handler awaited."""
    return [AwaitedServerErrorMiddleware if m is ServerErrorMiddleware else m
            for m in ConnexionMiddleware.default_middlewares if m is not SwaggerUIMiddleware]
