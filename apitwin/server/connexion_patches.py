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
- Starlette's `path` convertor, which Connexion's mounts (`<base path>/{path:path}`) use, matches line feeds too
  (`(?s:.*)` instead of `.*`): otherwise a path whose parameter holds an encoded %0A reaches no route at all and
  answers a 404 the document may not list. APIs that refuse control characters in paths still do so first
  (`Wire.control_path_status`, apitwin.limits); the inferred APIs route them like any other character.
- Relied upon, not patched: the body validators' constructor attributes (`_schema`, `_encoding`, `_nullable`,
  `_required`) and the `MUTABLE_VALIDATION` switch that replays a normalised body (apitwin.validation).
"""
from __future__ import annotations

import functools
from typing import Any

import connexion.decorators.parameter as parameter_decorators
import connexion.security as security
import starlette.convertors as convertors
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.utils import inspect_function_arguments

# (module, attribute) pairs replaced by `apply`
PATCHED = ((parameter_decorators, "inspect_function_arguments"), (security, "inspect_function_arguments"))
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
    convertors.CONVERTOR_TYPES["path"].regex = PATH_TAIL
    _applied = True


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
