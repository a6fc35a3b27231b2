"""apitwin.server.route_index: Connexion's routers try fewer routes, and pick exactly the route (full match, else the
first partial match — the 405) Starlette's own loop picks, for every served API's paths and for odd ones."""
from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from starlette._utils import get_route_path
from starlette.routing import Match, Mount, Route, Router
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient

import connexion.middleware.routing as connexion_routing
from apitwin.app import create_app
from apitwin.server import connexion_patches
from apitwin.server.route_index import ANY, IndexedRouter, RouteIndex, route_key
from apitwin.settings import Settings

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _routers(router: Router, root: str = "") -> list[tuple[Router, str]]:
    """The router and every router mounted in it, with the root path a request reaching it carries."""
    found = [(router, root)]
    for route in router.routes:
        if isinstance(route, Mount) and isinstance(route.app, Router):
            found += _routers(route.app, root + route.path)
    return found


def _plain(routes: Any, scope: dict) -> tuple[Any, Match]:
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route, match
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial, (Match.NONE if partial is None else Match.PARTIAL)


def _paths(router: Router) -> list[str]:
    """Every route's template filled in several ways, and paths near them."""
    paths = {"/", "", "//", "/x", "/x/y/z", "/\n", "/a%0Ab", "/customers/\n", "/customers/1\n/2"}
    for route in router.routes:
        template = getattr(route, "path", "") or "/"
        for fill in ("1", "abc", "1.5", "-3", "a\nb", "a.json", "x/y"):
            path = re.sub(r"\{[^}]*\}", fill, template)
            paths |= {path, path + "/", path.rstrip("/") + "/extra", "/" + path.lstrip("/").split("/", 1)[-1]}
    return sorted(paths)


@pytest.fixture(scope="module", params=["partners", "molgenis"])
def connexion_router(request: pytest.FixtureRequest) -> Router:
    app = create_app([request.param], settings=Settings(), mount="prefix")
    with TestClient(app) as client:
        client.get("/")   # the middleware stack (and Connexion's routers) is built at the first request
    routing = next(m for m in app.middleware.middleware_stack if isinstance(m, connexion_routing.RoutingMiddleware))
    return routing.router


def test_connexion_builds_indexed_routers(connexion_router: Router) -> None:
    for router, _ in _routers(connexion_router):
        assert isinstance(router, IndexedRouter)


def test_index_picks_the_route_starlette_picks(connexion_router: Router) -> None:
    compared = 0
    for router, root in _routers(connexion_router):
        index = RouteIndex(router.routes)
        for path, method in itertools.product(_paths(router), METHODS):
            scope = {"type": "http", "method": method, "path": root + path, "root_path": root, "path_params": {}}
            expected = _plain(router.routes, scope)
            assert _plain(index.candidates(get_route_path(scope)), scope) == expected, (root, path, method)
            compared += 1
    assert compared > 1000


def test_index_narrows_the_candidates(connexion_router: Router) -> None:
    api_routers = [r for r, root in _routers(connexion_router) if root]
    biggest = max(api_routers, key=lambda r: len(r.routes))
    index = RouteIndex(biggest.routes)
    literal = next(r for r in biggest.routes if isinstance(r, Route) and route_key(r)[1] is not ANY)
    assert len(index.candidates(literal.path)) < len(biggest.routes) / 2


def test_parameters_that_may_hold_a_slash_fit_every_count() -> None:
    route = Route("/files/{rest:path}", endpoint=lambda request: None)
    assert route_key(route) == (ANY, "files")
    assert route_key(Route("/{id}/x", endpoint=lambda request: None)) == (2, ANY)
    assert route_key(Mount("/api/v1", routes=[])) == (ANY, "api")
    assert route_key(Mount("", routes=[])) == (ANY, ANY)


def test_routes_added_later_are_indexed() -> None:
    async def ok(request: Any) -> PlainTextResponse:
        return PlainTextResponse(request.url.path)
    router = IndexedRouter()
    router.add_route("/a", ok, methods=["GET"])
    client = TestClient(router)
    assert client.get("/a").status_code == 200
    router.add_route("/b/{id}", ok, methods=["GET"])
    assert client.get("/b/7").status_code == 200
    assert client.post("/b/7").status_code == 405
    assert client.get("/c").status_code == 404
    assert client.get("/a/", follow_redirects=False).status_code == 307   # Starlette's trailing-slash redirect


def test_router_name_connexion_reads_still_exists() -> None:
    import inspect

    module, name = connexion_patches.ROUTER_NAME
    connexion_patches.apply()
    assert getattr(module, name) is IndexedRouter
    source = inspect.getsource(module)
    assert "self.router = Router(" in source and "from starlette.routing import Router" in source
