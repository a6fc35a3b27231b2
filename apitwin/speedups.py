"""Targeted fixes for Connexion 3.3 per-request costs (measured in bench/bench_partners.py, cProfile).

Connexion calls `inspect.signature` three times per request (security and parameter decorators) for functions
that never change. Memoising it is behaviour-preserving: the answer depends only on the function object.
Applied once, at app creation. The Swagger UI router is only entered for UI paths.
"""
from __future__ import annotations

import functools
from typing import Any

import connexion.decorators.parameter as parameter_decorators
import connexion.security as security
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.utils import inspect_function_arguments
from starlette.types import Receive, Scope, Send

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    cached = functools.lru_cache(maxsize=4096)(inspect_function_arguments)
    parameter_decorators.inspect_function_arguments = cached
    security.inspect_function_arguments = cached
    _applied = True


class UiOnlySwaggerMiddleware(SwaggerUIMiddleware):
    """Connexion's Swagger UI middleware runs a Starlette router over every request; only `.../ui` paths can
    match it (the specs themselves are served by apitwin.specs.SpecServer), so everything else skips it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if "/ui" not in path:
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def middleware_stack() -> list[Any]:
    """Connexion's default middleware list with the UI-only Swagger middleware."""
    return [UiOnlySwaggerMiddleware if m is SwaggerUIMiddleware else m
            for m in ConnexionMiddleware.default_middlewares]
