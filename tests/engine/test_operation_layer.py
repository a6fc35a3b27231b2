"""`OperationLayer` (apitwin.server.operation) answers exactly as Connexion's own security, request validation,
response validation and context middlewares did in its place: the same requests go through the app as built and
through the same app with those four middlewares put back (and the plan step between them), and the status, every
header and the body must be byte-for-byte equal — for the Partners and MOLGENIS APIs, the engine's fixture API, the
admin API, and an inferred document with every kind of security scheme (apiKey in a header, the query and a cookie,
http basic and bearer, oauth2 with scopes, openIdConnect; AND and OR of requirements, `security: []`, an optional
`{}` requirement; malformed, repeated and empty credentials; oauth2 scopes and an openIdConnect scheme bound to
a token check). Every operation compared there runs the compiled security check (apitwin.server.security), not
Connexion's chain; tests/engine/test_security.py compares the two checks call by call."""
from __future__ import annotations

import base64
import dataclasses
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.security import SecurityMiddleware
from starlette.testclient import TestClient

from apitwin.app import create_app
from apitwin.inferred.auth import security_view
from apitwin.inferred.plugin import build
from apitwin.server.connexion_seam import routed_operation_id
from apitwin.server.handling import Handling
from apitwin.server.operation import OperationLayer
from apitwin.server.security import CompiledSecurity
from apitwin.server.state import SCOPE_KEY
from apitwin.settings import Settings
from tests.engine.fixtures.fakeapi import PLUGIN as FAKE_PLUGIN

SECRET = "operation-layer-test-secret-" + "x" * 32


class PlanStep:
    """What OperationLayer does between the security check and validation (the plan, 415, patterned query)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            OperationLayer.prepare(scope, scope[SCOPE_KEY], routed_operation_id(scope))
        await self.app(scope, receive, send)


def with_connexion_middlewares(app: Any) -> Any:
    """`app` with Connexion's four middlewares where OperationLayer is, in their order (as built before it)."""
    layers = app.middleware.middlewares
    at = layers.index(OperationLayer)
    assert layers[at + 1] is Handling, layers
    layers[at:at + 2] = [SecurityMiddleware, PlanStep, RequestValidationMiddleware, ResponseValidationMiddleware,
                         Handling, ContextMiddleware]
    return app


def pair(build_app: Callable[[], Any]) -> tuple[TestClient, TestClient]:
    ours = build_app()
    assert OperationLayer in ours.middleware.middlewares
    theirs = with_connexion_middlewares(build_app())
    return TestClient(ours), TestClient(theirs)


Request = tuple[str, str, dict[str, Any]]


def _same_second() -> None:
    """Answers carry times to the second (created_at, tokens' iat): start each pair of requests well inside one
    second, so both apps see the same clock (a pair straddling a tick made the bodies differ under load)."""
    fraction = time.time() % 1
    if fraction > 0.75:
        time.sleep(1.0 - fraction + 0.01)


def assert_same(clients: tuple[TestClient, TestClient], requests: list[Request]) -> list[int]:
    """Each request through both apps, in order (each app keeps its own state); the answers are equal."""
    statuses = []
    for method, url, options in requests:
        _same_second()
        ours, theirs = (client.request(method, url, **options) for client in clients)
        label = f"{method} {url} {options}"
        assert ours.status_code == theirs.status_code, (label, ours.text, theirs.text)
        assert ours.headers.raw == theirs.headers.raw, label
        assert ours.content == theirs.content, label
        statuses.append(ours.status_code)
    return statuses


def security_checks(client: TestClient) -> dict[str, str]:
    """operationId → how OperationLayer checks its security (after the app's first request built its stack):
    "compiled" (apitwin.server.security), "connexion" (Connexion's own chain) or "none" (no requirement)."""
    stack = client.app.middleware.middleware_stack   # type: ignore[attr-defined]
    layer = next(app for app in stack if isinstance(app, OperationLayer))
    return {operation_id: ("none" if checks.verify is None else
                           "compiled" if isinstance(checks.verify, CompiledSecurity) else "connexion")
            for (_, operation_id), checks in layer.operations.items()}


def assert_compiled(clients: tuple[TestClient, TestClient]) -> dict[str, str]:
    """Every operation of ours with a requirement runs the compiled check (what the comparison exercised)."""
    kinds = security_checks(clients[0])
    assert "connexion" not in kinds.values(), kinds
    assert "compiled" in kinds.values(), kinds
    return kinds


def login(client: TestClient, url: str, body: dict[str, str], field: str) -> str:
    response = client.post(url, json=body)
    assert response.status_code == 200, response.text
    return response.json()[field]


def test_partners_answers_are_connexion_s() -> None:
    clients = pair(lambda: create_app(["partners"], settings=Settings(jwt_secret=SECRET, seed=0)))
    token = login(clients[0], "/api/v1/api-token-auth/", {"username": "demo", "password": "demo-password"}, "token")
    good = {"Authorization": f"JWT {token}"}
    customer = {"first_name": "Arya", "last_name": "Stark", "email": "arya@winterfell.com", "gender": "female",
                "ethnicity": ["caucasian"], "caffeine_consumption": "no", "diet": []}
    statuses = assert_same(clients, [
        ("GET", "/api/v1/customers/", {}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": "JWT not-a-token"}}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": f"Bearer {token}"}}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": token}}),
        # malformed or unusual Authorization headers: Partners' token check reads the whole value (apiKey)
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": "JWT"}}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": "Bearer"}}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": ""}}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": f"jwt {token}"}}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": f"BEARER {token}"}}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": f"JWT  {token} extra"}}),
        ("GET", "/api/v1/customers/", {"headers": {"Authorization": f"JWT\t{token}"}}),
        ("GET", "/api/v1/customers/", {"headers": [("Authorization", f"JWT {token}"), ("Authorization", "JWT x")]}),
        ("GET", "/api/v1/customers/", {"headers": [("Authorization", "JWT x"), ("Authorization", f"JWT {token}")]}),
        ("GET", "/api/v1/customers/", {"headers": {"Cookie": ""}}),
        ("GET", "/api/v1/customers/", {"headers": {**good, "Cookie": ""}}),
        ("GET", "/api/v1/customers/", {"headers": good}),
        ("GET", "/api/v1/customers/319/", {"headers": good}),
        ("GET", "/api/v1/customers/500/", {"headers": good}),
        ("GET", "/api/v1/customers/abc/", {"headers": good}),
        ("GET", "/api/v1/customers/abc/", {}),
        ("GET", "/api/v1/customers/?page=x&page_size=-1", {"headers": good}),
        ("GET", "/api/v1/customers/?unknown=1", {"headers": good}),
        ("POST", "/api/v1/customers/", {"headers": good, "json": customer}),
        ("POST", "/api/v1/customers/?page=x", {"headers": good, "json": {"first_name": 5}}),
        ("POST", "/api/v1/customers/", {"headers": {**good, "Content-Type": "application/json"},
                                        "content": b"{not json"}),
        ("POST", "/api/v1/customers/", {"headers": {**good, "Content-Type": "text/plain"}, "content": b"x"}),
        ("POST", "/api/v1/customers/", {"headers": good, "content": b'{"a": 1}'}),   # no Content-Type: 415
        ("POST", "/api/v1/customers/", {"headers": good}),                         # no body
        ("POST", "/api/v1/customers/", {"json": customer}),
        ("DELETE", "/api/v1/customers/", {"headers": good}),
        ("GET", "/api/v1/nothing-here/", {"headers": good}),
        ("GET", "/api/v1/customers/", {"headers": {**good, "Prefer": "code=404"}}),
        ("GET", "/api/v1/customers/", {"headers": {**good, "Prefer": "code=bad"}}),
        ("GET", "/__apitwin/health", {}),
        ("GET", "/__apitwin/apis", {}),
        ("POST", "/__apitwin/apis/partners/reset", {}),
        ("POST", "/__apitwin/apis/nobody/reset", {}),
        ("GET", "/api/v1/customers/", {"headers": good}),
    ])
    assert {200, 201, 400, 401, 404, 405, 415} <= set(statuses), statuses
    assert assert_compiled(clients)["getCustomer"] == "compiled"


def test_molgenis_answers_are_connexion_s() -> None:
    clients = pair(lambda: create_app(["molgenis"], settings=Settings(seed=0)))
    anonymous: dict[str, Any] = {"headers": {"x-molgenis-token": ""}}
    statuses = assert_same(clients, [
        ("GET", "/api/v1/biobank_Disease", anonymous),
        ("GET", "/api/v1/V1_API_Items", anonymous),
        ("GET", "/api/v1/V1_API_Items", {"headers": {"x-molgenis-token": "nope"}}),
        ("GET", "/api/v1/V1_API_Items?q[0].field=value&q[0].operator=EQUALS&q[0].value=ref1", anonymous),
        ("GET", "/api/v1/V1_API_TypeTestAPIV1/abc", anonymous),
        ("GET", "/api/v1/V1_API_Items?num=x", anonymous),
        ("POST", "/api/v1/V1_API_Items", {"headers": {"x-molgenis-token": "", "Content-Type": "application/json"},
                                          "content": b"{oops"}),
        ("GET", "/api/v2/V1_API_Items", anonymous),
        ("GET", "/api/v1/nothing/at/all/here", anonymous),
        ("POST", "/api/v1/logout", anonymous),
        # the document's alternatives: header token, query token, Basic, none; malformed and repeated ones
        ("GET", "/api/v1/V1_API_Items", {}),
        ("GET", "/api/v1/V1_API_Items?molgenis-token=nope", {}),
        ("GET", "/api/v1/V1_API_Items?molgenis-token=a&molgenis-token=b", {}),
        ("GET", "/api/v1/V1_API_Items?molgenis-token=", anonymous),
        ("GET", "/api/v1/V1_API_Items", {"headers": [("x-molgenis-token", "a"), ("x-molgenis-token", "b")]}),
        ("GET", "/api/v1/V1_API_Items", {"headers": {"Authorization": "Basic " + base64.b64encode(
            b"admin:admin").decode()}}),
        ("GET", "/api/v1/V1_API_Items", {"headers": {"Authorization": "basic " + base64.b64encode(
            b"admin:wrong").decode()}}),
        ("GET", "/api/v1/V1_API_Items", {"headers": {"Authorization": "Basic !!!"}}),
        ("GET", "/api/v1/V1_API_Items", {"headers": {"Authorization": "Basic " + base64.b64encode(
            b"nocolon").decode()}}),
        ("GET", "/api/v1/V1_API_Items", {"headers": {"Authorization": "Basic"}}),
        ("GET", "/api/v1/V1_API_Items", {"headers": {"Authorization": "Bearer x"}}),
        ("GET", "/api/v1/V1_API_Items", {"headers": [("Authorization", "Basic !!!"),
                                                     ("Authorization", "Basic YWRtaW46YWRtaW4=")]}),   # admin:admin
        ("GET", "/api/v1/V1_API_Items", {"headers": {"Cookie": "", "x-molgenis-token": ""}}),
    ])
    assert 401 in statuses and 200 in statuses, statuses
    assert_compiled(clients)


def test_molgenis_logged_in_answers_are_connexion_s() -> None:
    """Tokens are state: each app logs in with the same account and the same tokens are then compared by role."""
    clients = pair(lambda: create_app(["molgenis"], settings=Settings(seed=0)))
    tokens = [login(client, "/api/v1/login", {"username": "admin", "password": "admin"}, "token")
              for client in clients]
    requests: list[Request] = [
        ("GET", "/api/v1/V1_API_Items", {}), ("GET", "/api/v1/V1_API_Items/ref1", {}),
        ("GET", "/api/v1/V1_API_Items?q[0].field=value&q[0].operator=EQUALS&q[0].value=ref1", {}),
        ("GET", "/api/v1/V1_API_TypeTestAPIV1?num=abc", {}),
        ("POST", "/api/v1/V1_API_Items", {"json": {"value": "ref9", "label": "x"}}),
        ("POST", "/api/v1/V1_API_Items", {"data": {"value": "ref8", "label": "form"}}),
        ("POST", "/api/v1/V1_API_Items", {"data": {"value": "ref7"}, "files": {"label": ("a.txt", b"file")}}),
        ("POST", "/api/v1/V1_API_Items", {"content": b"value=ref6", "headers": {"Content-Type": "multipart/form-data"}}),
        ("POST", "/api/v1/V1_API_Items/ref8?_method=PUT", {"data": {"value": "ref8", "label": "changed"}}),
        ("POST", "/api/v2/V1_API_Items?_method=GET", {"data": {"q": "value==ref1"}}),
        ("GET", "/api/v2/V1_API_Items", {}), ("GET", "/api/v1/sys_md_EntityType/V1_API_Items", {}),
        ("DELETE", "/api/v1/V1_API_Items/ref9", {}), ("POST", "/api/v1/logout", {}),
        ("GET", "/api/v1/V1_API_Items", {}),
    ]
    statuses = []
    for method, url, options in requests:
        answers = [client.request(method, url, **{**options, "headers": {**options.get("headers", {}),
                                                                           "x-molgenis-token": token}})
                   for client, token in zip(clients, tokens)]
        assert answers[0].status_code == answers[1].status_code, (url, answers[0].text, answers[1].text)
        assert answers[0].headers.raw == answers[1].headers.raw, url
        assert answers[0].content == answers[1].content, url
        statuses.append(answers[0].status_code)
    assert {200, 201, 204, 400, 401} <= set(statuses), statuses


def test_fixture_api_answers_are_connexion_s() -> None:
    settings = Settings(jwt_secret=SECRET, seed=0)
    clients = pair(lambda: create_app([FAKE_PLUGIN], settings=settings))
    from tests.engine.fixtures.fakeapi import USER
    token = login(clients[0], "/api/login/", {"username": USER[0], "password": USER[1]}, "token")
    good = {"Authorization": f"Bearer {token}"}
    assert_same(clients, [
        ("GET", "/api/notes/", {}),
        ("GET", "/api/notes/", {"headers": {"Authorization": "Bearer nope"}}),
        ("GET", "/api/notes/", {"headers": {"Authorization": "Basic Zm9vOmJhcg=="}}),
        ("GET", "/api/notes/", {"headers": good}),
        ("GET", "/api/notes/?page=x&unknown=1", {"headers": good}),
        ("POST", "/api/notes/?unknown=1", {"headers": good, "json": {"text": 5}}),
        ("POST", "/api/notes/", {"headers": good, "json": {"title": "t", "text": "x"}}),
        ("GET", "/api/notes/1/", {"headers": good}),
        ("GET", "/api/notes/999/", {"headers": good}),
        ("POST", "/api/login/", {"json": {"username": "x"}}),
    ])


SCHEMES = {
    "HeaderKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
    "QueryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
    "CookieKey": {"type": "apiKey", "in": "cookie", "name": "session"},
    "Basic": {"type": "http", "scheme": "basic"},
    "Bearer": {"type": "http", "scheme": "bearer"},
    "OAuth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://id.example/token",
                                                                 "scopes": {"read": "read", "write": "write"}}}},
    "Oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://id.example/.well-known/openid-configuration"},
}
ERROR = {"description": "error", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}}}}}}
ITEM = {"type": "object", "required": ["name"], "properties": {"id": {"type": "integer", "readOnly": True},
                                                               "name": {"type": "string", "maxLength": 10}}}


def _operation(operation_id: str, security: Any = None, body: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "array", "items": ITEM}}}}, "201": {"description": "made", "content": {
                "application/json": {"schema": ITEM}}}, "400": ERROR, "401": ERROR, "403": ERROR}}
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ITEM}}}
        operation["parameters"] = []
    if security is not None:
        operation["security"] = security
    return operation


def _document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name in SCHEMES:
        scopes = ["read"] if name in ("OAuth", "Oidc") else []
        paths[f"/by-{name.lower()}"] = {"get": _operation(f"list{name}", [{name: scopes}]),
                                        "post": _operation(f"create{name}", [{name: scopes}], body=True)}
    paths["/open"] = {"get": _operation("listOpen", [])}
    paths["/optional"] = {"get": _operation("listOptional", [{}, {"HeaderKey": []}])}
    paths["/both"] = {"get": _operation("listBoth", [{"HeaderKey": [], "QueryKey": []}])}
    paths["/either"] = {"get": _operation("listEither", [{"CookieKey": []}, {"Basic": []}])}
    paths["/write"] = {"get": _operation("listWrite", [{"OAuth": ["write"]}])}
    paths["/default"] = {"get": _operation("listDefault")}
    return {"openapi": "3.0.3", "info": {"title": "Schemes", "version": "1"},
            "components": {"securitySchemes": SCHEMES}, "security": [{"Bearer": []}], "paths": paths}


@pytest.mark.parametrize("pinned", [False, True], ids=["any-credential", "pinned"])
def test_inferred_security_schemes_answer_as_connexion_s(pinned: bool, tmp_path: Path) -> None:
    path = tmp_path / "schemes.yaml"
    path.write_text(yaml.safe_dump(_document()))
    pins = None
    if pinned:
        pins = tmp_path / "pins.yaml"
        pins.write_text(yaml.safe_dump([{"key": "k1", "tenant": "a"}, {"token": "t1", "tenant": "a"},
                                        {"username": "ann", "password": "pw", "tenant": "a"}]))
    clients = pair(lambda: create_app([build(path, auth_file=pins)], settings=Settings(seed=0)))
    basic = "Basic " + base64.b64encode(b"ann:pw").decode()
    wrong_basic = "Basic " + base64.b64encode(b"ann:no").decode()
    credentials: list[tuple[str, dict[str, Any]]] = [
        ("none", {}),
        ("header", {"headers": {"X-Api-Key": "k1"}}), ("header-wrong", {"headers": {"X-Api-Key": "zz"}}),
        ("query", {"params": {"api_key": "k1"}}), ("query-wrong", {"params": {"api_key": "zz"}}),
        ("cookie", {"headers": {"Cookie": "session=k1"}}), ("cookie-wrong", {"headers": {"Cookie": "session=zz"}}),
        ("basic", {"headers": {"Authorization": basic}}), ("basic-wrong", {"headers": {"Authorization": wrong_basic}}),
        ("basic-broken", {"headers": {"Authorization": "Basic !!!"}}),
        ("bearer", {"headers": {"Authorization": "Bearer t1"}}),
        ("bearer-wrong", {"headers": {"Authorization": "Bearer zz"}}),
        ("header+query", {"headers": {"X-Api-Key": "k1"}, "params": {"api_key": "k1"}}),
        # malformed, repeated and unusual credentials
        ("bearer-no-token", {"headers": {"Authorization": "Bearer"}}),
        ("bearer-lower", {"headers": {"Authorization": "bearer t1"}}),
        ("bearer-upper", {"headers": {"Authorization": "BEARER t1"}}),
        ("bearer-tab", {"headers": {"Authorization": "Bearer\tt1"}}),
        ("bearer-two-words", {"headers": {"Authorization": "Bearer t1 t2"}}),
        ("basic-lower", {"headers": {"Authorization": basic.lower()[:6] + basic[6:]}}),
        ("basic-no-colon", {"headers": {"Authorization": "Basic " + base64.b64encode(b"ann").decode()}}),
        ("basic-alone", {"headers": {"Authorization": "Basic"}}),
        ("basic-latin1", {"headers": {"Authorization": "Basic " + base64.b64encode(b"ann\xe9:pw").decode()}}),
        ("authorization-empty", {"headers": {"Authorization": ""}}),
        ("authorization-other", {"headers": {"Authorization": "Digest t1"}}),
        ("authorizations-bad-first", {"headers": [("Authorization", "Bearer zz"), ("Authorization", "Bearer t1")]}),
        ("authorizations-good-first", {"headers": [("Authorization", basic), ("Authorization", "Bearer zz")]}),
        ("header-twice", {"headers": [("X-Api-Key", "zz"), ("X-Api-Key", "k1")]}),
        ("header-empty", {"headers": {"X-Api-Key": ""}}),
        ("query-twice", {"params": [("api_key", "zz"), ("api_key", "k1")]}),
        ("query-empty", {"params": {"api_key": ""}}),
        ("cookie-empty", {"headers": {"Cookie": ""}}),
        ("cookie-empty-value", {"headers": {"Cookie": "session="}}),
        ("cookie-among-others", {"headers": {"Cookie": "a=1; session=k1; b=2"}}),
        ("cookie-quoted", {"headers": {"Cookie": 'session="k1"'}}),
        ("cookie-broken", {"headers": {"Cookie": "session"}}),
        ("cookies-twice", {"headers": [("Cookie", "session=zz"), ("Cookie", "session=k1")]}),
        ("cookie-wrong+basic-broken", {"headers": {"Cookie": "session=zz", "Authorization": "Basic !!!"}}),
        ("header-wrong+bearer-wrong", {"headers": {"X-Api-Key": "zz", "Authorization": "Bearer zz"}}),
    ]
    requests: list[Request] = []
    for path_name in [f"/by-{name.lower()}" for name in SCHEMES] + ["/open", "/optional", "/both", "/either",
                                                                    "/write", "/default"]:
        for _, options in credentials:
            requests.append(("GET", path_name, options))
            given = options.get("params", {})
            params = [*(given.items() if isinstance(given, dict) else given), ("limit", "0")]
            requests.append(("GET", path_name, {**options, "params": params}))
    for name in SCHEMES:
        for _, options in credentials[:2] + credentials[7:8] + credentials[10:11]:
            requests.append(("POST", f"/by-{name.lower()}", {**options, "json": {"name": "a name"}}))
            requests.append(("POST", f"/by-{name.lower()}", {**options, "json": {"name": 5, "extra": 1}}))
    statuses = assert_same(clients, requests)
    assert {200, 400, 401} <= set(statuses), sorted(set(statuses))
    kinds = assert_compiled(clients)
    assert kinds["listOpen"] == "none" and kinds["listBasic"] == kinds["listOptional"] == "compiled", kinds


def oauth_token_info(token: str, required_scopes: Any = None) -> dict[str, Any] | None:
    """An oauth2 token check bound to the document's OAuth and Oidc schemes (named by dotted path)."""
    scopes = {"r": "read", "rw": "read write", "w": ["write"], "none": ""}
    if token == "both":                          # Connexion reads `scope` first, `scopes` only without it
        return {"sub": token, "tenant": None, "scope": "read", "scopes": ["write"]}
    if token == "listed":
        return {"sub": token, "tenant": None, "scopes": ["read", "write"]}
    if token not in scopes:
        return None
    return {"sub": token, "tenant": None, "scope": scopes[token]}


def _oauth_view(view: dict[str, Any]) -> dict[str, Any]:
    """The inferred view (every scheme checked), then OAuth and Oidc back as the document has them with the token
    check above: Connexion's oauth2 handler (scopes, 403) and its openIdConnect (no handler: requirement dropped)."""
    view = security_view(view)
    check = f"{__name__}.oauth_token_info"
    schemes = view["components"]["securitySchemes"]
    schemes["OAuth"] = {**SCHEMES["OAuth"], "x-tokenInfoFunc": check}
    schemes["Oidc"] = {**SCHEMES["Oidc"], "x-tokenInfoFunc": check}
    return view


def test_oauth2_and_openidconnect_checks_answer_as_connexion_s(tmp_path: Path) -> None:
    path = tmp_path / "schemes.yaml"
    document = _document()
    document["paths"]["/oauth-or-key"] = {"get": _operation("listOauthOrKey",
                                                            [{"OAuth": ["write"]}, {"HeaderKey": []}])}
    document["paths"]["/oauth-and-key"] = {"get": _operation("listOauthAndKey", [{"OAuth": ["read"], "HeaderKey": []}])}
    document["paths"]["/oidc-or-key"] = {"get": _operation("listOidcOrKey", [{"Oidc": ["read"]}, {"HeaderKey": []}])}
    path.write_text(yaml.safe_dump(document))

    def build_app() -> Any:
        plugin = build(path)
        plugin = dataclasses.replace(plugin, binding=dataclasses.replace(plugin.binding, view=_oauth_view))
        return create_app([plugin], settings=Settings(seed=0))

    clients = pair(build_app)
    requests: list[Request] = []
    for path_name in ("/by-oauth", "/write", "/by-oidc", "/oauth-or-key", "/oauth-and-key", "/oidc-or-key"):
        for authorization in ("Bearer r", "Bearer rw", "Bearer w", "Bearer none", "Bearer nope", "bearer rw",
                              "Bearer both", "Bearer listed",
                              "Bearer", "Basic cnc6cnc=", ""):
            for key in ({}, {"X-Api-Key": "k1"}):
                requests.append(("GET", path_name, {"headers": {"Authorization": authorization, **key}}))
    statuses = assert_same(clients, requests)
    assert {200, 401, 403} <= set(statuses), sorted(set(statuses))
    kinds = assert_compiled(clients)
    assert kinds["listOAuth"] == kinds["listOidcOrKey"] == "compiled", kinds
