"""Targeted fixes for Connexion 3.3 per-request costs (measured in bench/bench_partners.py, cProfile).

Connexion calls `inspect.signature` three times per request (security and parameter decorators) for functions
that never change. Memoising it is behaviour-preserving: the answer depends only on the function object.
Applied once, at app creation. Connexion's Swagger UI middleware is left out: apitwin.swagger_ui serves the UI.
"""
from __future__ import annotations

import functools
from typing import Any

import connexion.decorators.parameter as parameter_decorators
import connexion.security as security
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.utils import inspect_function_arguments

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    cached = functools.lru_cache(maxsize=4096)(inspect_function_arguments)
    parameter_decorators.inspect_function_arguments = cached
    security.inspect_function_arguments = cached
    _applied = True


def middleware_stack() -> list[Any]:
    """Connexion's default middleware list without its Swagger UI (4.x, blank on OpenAPI 3.1; its router also ran
    on every request)."""
    return [m for m in ConnexionMiddleware.default_middlewares if m is not SwaggerUIMiddleware]
