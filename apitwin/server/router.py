"""`Routing`: Connexion's RoutingMiddleware with its route table compiled into one matcher per app.

Connexion routes a request through two Starlette routers (the one mounting each API's base path, then the API's
own), a route regex per candidate, `Mount`/`Route` child scopes and `RoutingOperation`, which hands the next layer a
copy of the scope taken on entry with `path_params` and `extensions["connexion_routing"]` (`api_base_path`,
`operation_id`) added — about a seventh of a GET's CPU. `Routing` keeps Connexion's middleware and its routers as
the source of truth (built by its own `add_api`), and compiles from them, at the first request after the last
`add_api`, a `CompiledRoutes`:

- the mounts in Connexion's order, each as its prefix (a `Mount` matches every path starting with `<path>/`);
- per mounted API and method: a dict of literal paths (a template without parameters matches only itself) and the
  templates, grouped by (number of `/`, first segment) as apitwin.server.route_index groups them, in route order.

A request whose first full match (Starlette's rule: the first route in order whose regex matches and whose methods
include the request's) is found there is handed on with exactly the scopes Connexion's routing makes: the next
layer's copy with the same `path_params` and `connexion_routing` entries, and the request's own scope with the keys
Starlette's routers write into it (`router`, `route`, `path_params`, `app_root_path`, `root_path`, `endpoint`).
Everything else goes through Connexion's own routing, unchanged: no full match (404, 405 with its `Allow`, the
trailing-slash redirects, a second document chained on the same base path), a path ending in a line feed (a
template's `$` matches before it), a scope already carrying a root path or path parameters, any route or router of
a kind not compiled here. Connexion's `LifespanMiddleware`, next in the stack, passes http requests straight on; the
fast path calls the app behind it directly. Connexion's `_scope` context variable, which only its RoutingOperation
reads, is left unset on the fast path. tests/engine/test_router.py sends the same requests through this and
through Connexion's routing and compares answers byte for byte and the scopes the next layer sees, and holds the
Connexion and Starlette functions this reproduces to the pinned versions' source.
"""
from __future__ import annotations

import re
from typing import Any

from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.routing import RoutingMiddleware, RoutingOperation
import connexion.middleware.routing as connexion_routing
from connexion.frameworks import starlette as connexion_starlette
from starlette.convertors import IntegerConvertor, PathConvertor, StringConvertor, UUIDConvertor
from starlette.routing import Mount, Route, Router

from apitwin.server import connexion_patches
from apitwin.server.route_index import ANY, IndexedRouter, route_key

# one template: (its index among the API's routes, the route or None (another method's, only converted), its regex,
# its convertors or None when all are str)
Template = tuple[int, "Route | None", "re.Pattern[str]", "dict[str, Any] | None"]
# the end of a compiled mount's regex: its `{path:path}` tail as connexion_patches.PATH_TAIL makes it (any character,
# line feeds included), so the mount matches exactly the paths starting with `<path>/`
MOUNT_TAIL = f"/(?P<path>{connexion_patches.PATH_TAIL})$"


def _plain_router(app: Any) -> bool:
    """Starlette's Router (or route_index's IndexedRouter, which picks the same routes) without middleware: its http
    requests go straight to its own `app` loop."""
    if type(app) not in (Router, IndexedRouter):
        return False
    stack = app.middleware_stack
    return getattr(stack, "__self__", None) is app and getattr(stack, "__func__", None) is type(app).app


def _never_fails(convertor: Any) -> bool:
    """Whether the convertor's `convert` succeeds on everything its regex matches (a number segment's regex admits
    "" and "+", which `float` refuses: Connexion's routing then raises, and so must this one's fallback)."""
    kind = type(convertor)
    if kind in (StringConvertor, PathConvertor):
        return True
    if kind in (IntegerConvertor, connexion_starlette.IntegerConverter):
        return convertor.regex in ("[0-9]+", "[+-]?[0-9]+")
    return kind is UUIDConvertor and convertor.regex == UUIDConvertor.regex


class MethodTable:
    """One API's routes for one method: literal paths → (index, route, whether no template can come first), and
    per (count, first) the templates in route order — those allowing the method, and those of other methods whose
    conversion may raise (Starlette converts for a partial match too, so the request must go to Connexion's routing
    when theirs fails)."""

    def __init__(self, method: str, routes: list[Route]) -> None:
        literals: dict[str, tuple[int, Route]] = {}
        templates: list[tuple[tuple[Any, Any], Template]] = []
        for index, route in enumerate(routes):
            allowed = method in route.methods
            convertors = route.param_convertors
            if not convertors and route.path_regex.pattern == "^" + re.escape(route.path) + "$":
                if allowed:
                    literals.setdefault(route.path, (index, route))
                continue
            safe = all(_never_fails(c) for c in convertors.values())
            if not allowed and safe:
                continue
            plain = all(type(c) is StringConvertor for c in convertors.values())
            templates.append((route_key(route), (index, route if allowed else None, route.path_regex,
                                                 None if plain else convertors)))
        self.counts = {c for (c, _), _ in templates if c is not ANY}
        self.firsts = {f for (_, f), _ in templates if f is not ANY}
        self.table: dict[tuple[Any, Any], tuple[Template, ...]] = {}
        for count in (*self.counts, ANY):
            for first in (*self.firsts, ANY):
                self.table[count, first] = tuple(t for (c, f), t in templates
                                                 if (c is ANY or c == count) and (f is ANY or f == first))
        self.literals = {path: (index, route, not any(t[0] < index for t in self.candidates(path)))
                         for path, (index, route) in literals.items()}

    def candidates(self, path: str) -> tuple[Template, ...]:
        """The templates that may match `path`, in route order (apitwin.server.route_index's grouping)."""
        count = path.count("/")
        first = path.split("/", 2)[1]
        return self.table[count if count in self.counts else ANY, first if first in self.firsts else ANY]

    def find(self, path: str) -> tuple[Route, dict[str, Any]] | None:
        """The first route (in the API's order) allowing the method and matching `path` (which starts with `/`, no
        final line feed); None when there is none or a conversion fails."""
        literal = self.literals.get(path)
        if literal is not None and literal[2]:
            return literal[1], {}
        count = path.count("/")
        first = path.split("/", 2)[1]
        for index, route, regex, convertors in self.table[count if count in self.counts else ANY,
                                                          first if first in self.firsts else ANY]:
            if literal is not None and index > literal[0]:
                break
            match = regex.match(path)
            if match is not None:
                params = match.groupdict()
                if convertors is not None:
                    try:
                        for name, value in params.items():
                            params[name] = convertors[name].convert(value)
                    except Exception:
                        return None
                if route is not None:
                    return route, params
        return None if literal is None else (literal[1], {})


def compile_api(router: Any) -> dict[str, MethodTable] | None:
    """One mounted API's router, per method; None when a route is of a kind not compiled here."""
    if not _plain_router(router):
        return None
    routes = router.routes
    methods: set[str] = set()
    for route in routes:
        if type(route) is not Route or type(route.endpoint) is not RoutingOperation or not route.methods \
                or route.app is not route.endpoint:
            return None
        methods |= route.methods
    return {method: MethodTable(method, routes) for method in methods}


class CompiledRoutes:
    """The mounts of Connexion's top router, in order, each with its API's compiled routes (or None)."""

    def __init__(self, router: Any) -> None:
        self.router = router
        # (prefix every path the mount matches starts with, the mount's path, its API's tables or None); None: a
        # route not compiled here, where matching stops
        self.mounts: list[tuple[str, str, dict[str, MethodTable] | None] | None] = []
        if not _plain_router(router):
            self.mounts.append(None)
            return
        for route in router.routes:
            if type(route) is Mount and route.path_regex.pattern == "^" + re.escape(route.path) + MOUNT_TAIL:
                self.mounts.append((route.path + "/", route.path, compile_api(route.app)))
            else:
                self.mounts.append(None)
                break

    def find(self, scope: dict[str, Any]) -> tuple[str, Route, dict[str, Any]] | None:
        """(the API's base path, the route, its path parameters) Connexion's routing would run for this http
        request, or None (routed by Connexion)."""
        path = scope["path"]
        if path[-1:] == "\n" or scope.get("root_path") or "path_params" in scope or "route_root_path" in scope:
            return None
        for entry in self.mounts:
            if entry is None:
                return None
            prefix, base_path, tables = entry
            if path.startswith(prefix):
                table = tables.get(scope["method"]) if tables is not None else None
                found = table.find(path[len(base_path):]) if table is not None else None
                return None if found is None else (base_path, found[0], found[1])
        return None


class Routing(RoutingMiddleware):
    """Connexion's RoutingMiddleware, its full matches found by a `CompiledRoutes` (see the module docstring)."""

    _compiled: CompiledRoutes | None = None

    def add_api(self, *args: Any, **kwargs: Any) -> None:
        self._compiled = None
        super().add_api(*args, **kwargs)

    def compiled(self) -> CompiledRoutes:
        if self._compiled is None or self._compiled.router is not self.router:
            self._compiled = CompiledRoutes(self.router)
        return self._compiled

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            found = (self._compiled or self.compiled()).find(scope)
            if found is not None:
                base_path, route, params = found
                operation: RoutingOperation = route.endpoint
                inner = scope.copy()
                # what Starlette's two routers write into the request's own scope, last value wins, in their order
                if "router" not in scope:
                    scope["router"] = self.router
                scope["route"] = route
                scope["path_params"] = params
                scope["app_root_path"] = scope.get("app_root_path", "")
                scope["root_path"] = base_path
                scope["endpoint"] = operation
                # what RoutingOperation hands the next layer
                inner["path_params"] = dict(params)
                routing = {"api_base_path": base_path, "operation_id": operation.operation_id}
                extensions = inner.get("extensions")
                if extensions is None and "extensions" not in inner:
                    inner["extensions"] = {ROUTING_CONTEXT: routing}
                else:
                    extensions.setdefault(ROUTING_CONTEXT, {}).update(routing)
                next_app = operation.next_app
                if type(next_app) is LifespanMiddleware:
                    next_app = next_app.next_app   # its http requests go straight on
                await next_app(inner, receive, send)
                return
        await super().__call__(scope, receive, send)


def compile_routing(app: Any) -> None:
    """Connexion's RoutingMiddleware replaced by Routing (the same routers, full matches found
    by a compiled matcher) in a fresh AsyncApp's middleware list; after the layers placed by position
    (`MiddlewarePosition.BEFORE_ROUTING` looks for Connexion's class itself)."""
    layers = app.middleware.middlewares
    if app.middleware.middleware_stack is not None or connexion_routing.RoutingMiddleware not in layers:
        raise RuntimeError("Connexion's routing can only be replaced on a fresh AsyncApp that has it")
    layers[layers.index(connexion_routing.RoutingMiddleware)] = Routing
