"""`IndexedRouter`: Starlette's Router, trying only the routes that can match a path.

Starlette tries every route's regex in order (about 15 per Partners request, more for MOLGENIS). A route whose
template has a literal first segment can only match paths with that first segment, and one whose path parameters
cannot hold a `/` (str, int, float, uuid) only paths with as many `/` as its template. The index maps
(number of `/`, first segment) to the routes that may match, in their original order — a route with a parameter in
its first segment, or one whose parameters may hold `/` (a mount's `{path:path}` tail), is in every list where its
other half fits. So the first full match and the first partial match (405) are the ones Starlette's own loop finds.
A path no candidate matches goes through Starlette's own `Router.app` unchanged (redirect of a trailing slash, the
default app), so 404s and everything rare behave exactly as before. A path ending in a line feed tries every route
(a template's closing `$` matches before it).
"""
from __future__ import annotations

from typing import Any

import starlette.convertors as convertors
from connexion.frameworks import starlette as connexion_starlette
from starlette.routing import Match, Mount, Route, Router
from starlette._utils import get_route_path
from starlette.types import Receive, Scope, Send

ANY = None   # a route's count or first segment that fits every path

# convertors whose values never hold a `/` (exact types: a subclass may match more)
_NO_SLASH = {convertors.StringConvertor, convertors.IntegerConvertor, convertors.FloatConvertor,
             convertors.UUIDConvertor, connexion_starlette.FloatConverter, connexion_starlette.IntegerConverter}


def _first_literal(template: str) -> str | None:
    """The first segment of a template when it is plain text, else ANY."""
    if not template.startswith("/"):
        return ANY
    first = template.split("/", 2)[1]
    return ANY if "{" in first else first


def route_key(route: Any) -> tuple[int | None, str | None]:
    """(number of `/` every matching path has, or ANY; first segment every matching path has, or ANY)."""
    if isinstance(route, Mount):
        return ANY, _first_literal(route.path)
    if isinstance(route, Route):
        fixed = all(type(c) in _NO_SLASH for c in route.param_convertors.values())
        return (route.path.count("/") if fixed else ANY), _first_literal(route.path)
    return ANY, ANY


def path_key(route_path: str) -> tuple[int, str]:
    return route_path.count("/"), route_path.split("/", 2)[1]


class RouteIndex:
    """(count, first) → candidate routes in order; unknown counts or firsts get the routes that fit any."""

    def __init__(self, routes: list[Any]) -> None:
        self.routes = routes
        self.size = len(routes)
        keys = [route_key(r) for r in routes]
        counts = {c for c, _ in keys if c is not ANY}
        firsts = {f for _, f in keys if f is not ANY}
        self.counts, self.firsts = counts, firsts
        self.table: dict[tuple[Any, Any], tuple[Any, ...]] = {}
        for count in (*counts, ANY):
            for first in (*firsts, ANY):
                self.table[count, first] = tuple(
                    r for r, (c, f) in zip(routes, keys)
                    if (c is ANY or c == count) and (f is ANY or f == first))

    def candidates(self, route_path: str) -> tuple[Any, ...] | list[Any]:
        if not route_path.startswith("/") or route_path.endswith("\n"):
            return self.routes   # Starlette's `$` also matches before a final line feed: every route, as before
        count, first = path_key(route_path)
        return self.table[count if count in self.counts else ANY, first if first in self.firsts else ANY]


class IndexedRouter(Router):
    """A Router whose http requests try only their candidate routes (see the module docstring)."""

    _index: RouteIndex | None = None

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().app(scope, receive, send)
        index = self._index
        if index is None or index.routes is not self.routes or index.size != len(self.routes):
            index = self._index = RouteIndex(self.routes)
        if "router" not in scope:
            scope["router"] = self
        partial = None
        partial_scope: Scope = {}
        for route in index.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)   # nothing fits: Starlette's own loop (redirects, the default)
