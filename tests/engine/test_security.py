"""The compiled security check (apitwin.server.security) does what Connexion's `SecurityOperation` chain does: for
every kind of requirement it compiles and a range of well-formed and malformed credentials, both run on the same
request and must call the same token checks with the same arguments in the same order, then either set the same
token info into the scope or raise the same exception (class and every attribute, so the problem rendered is the
same). Whole answers through the app are compared in tests/engine/test_operation_layer.py."""
from __future__ import annotations

import asyncio
import base64
import copy
from types import SimpleNamespace
from typing import Any

import pytest
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.security import SecurityOperation
from connexion.security import ApiKeySecurityHandler, OAuthSecurityHandler, SecurityHandlerFactory

from apitwin.server import security
from tests.engine.fixtures import security_checks

F = "tests.engine.fixtures.security_checks."
SCHEMES: dict[str, dict[str, Any]] = {
    "key_h": {"type": "apiKey", "in": "header", "name": "X-Key", "x-apikeyInfoFunc": F + "key_info"},
    "key_q": {"type": "apiKey", "in": "query", "name": "key", "x-apikeyInfoFunc": F + "key_info"},
    "key_c": {"type": "apiKey", "in": "cookie", "name": "sid", "x-apikeyInfoFunc": F + "key_info_request"},
    "key_auth": {"type": "apiKey", "in": "header", "name": "Authorization", "x-apikeyInfoFunc": F + "key_info"},
    "key_path": {"type": "apiKey", "in": "path", "name": "key", "x-apikeyInfoFunc": F + "key_info"},
    "basic": {"type": "http", "scheme": "Basic", "x-basicInfoFunc": F + "basic_info"},
    "basic_kw": {"type": "http", "scheme": "basic", "x-basicInfoFunc": F + "basic_info_everything"},
    "bearer": {"type": "http", "scheme": "bearer", "x-bearerInfoFunc": F + "bearer_info"},
    "oauth": {"type": "oauth2", "flows": {}, "x-tokenInfoFunc": F + "oauth_info"},
    "oauth_v": {"type": "oauth2", "flows": {}, "x-tokenInfoFunc": F + "oauth_info",
                "x-scopeValidateFunc": F + "validate_scope"},
    "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://id.example/", "x-tokenInfoFunc": F + "oauth_info"},
    "missing": {"type": "apiKey", "in": "header", "name": "X-Key"},                 # no token check: dropped
    "digest": {"type": "http", "scheme": "digest", "x-basicInfoFunc": F + "basic_info"},   # unsupported: dropped
}
REQUIREMENTS: list[list[dict[str, list[str]]]] = [
    [{"key_h": []}], [{"key_q": []}], [{"key_c": []}], [{"key_auth": []}], [{"key_path": []}], [{"basic": []}],
    [{"basic_kw": []}], [{"bearer": []}], [{"oauth": ["read"]}], [{"oauth": ["write"]}], [{"oauth": []}],
    [{"oauth_v": ["read"]}], [{"oidc": ["read"]}], [{"missing": []}], [{"digest": []}],
    [{}, {"key_h": []}], [{"key_h": []}, {}], [{"key_h": [], "key_q": []}], [{"key_c": []}, {"basic": []}],
    [{"oauth": ["read"], "oauth_v": ["read"]}], [{"bearer": []}, {"oauth": ["write"]}], [{"oidc": []}, {"key_h": []}],
    [{"key_h": [], "missing": []}], [{"basic": []}, {"bearer": []}, {"key_h": []}], [{"key_h": [], "bearer": []}],
    [{"missing": []}, {"digest": []}],
]


def b64(text: str) -> str:
    return base64.b64encode(text.encode("latin-1")).decode()


AUTHORIZATIONS = [
    "Bearer good", "bearer good", "BEARER good", "Bearer", "Bearer ", "Bearer\tgood", "Bearer  good  x", "Token good",
    "Bearer read", "Bearer rw", "Bearer both", "Bearer uid", "Bearer none", "Bearer novalue", "Bearer deny",
    "Bearer refuse",
    "Bearer crash", "Bearer async", "Bearer list", "Bearer g\xe9", "good", "",
    f"Basic {b64('good:pw')}", f"basic {b64('good:pw:x')}", f"BASIC {b64('deny:pw')}", f"Basic {b64('none:pw')}",
    f"Basic {b64('nocolon')}", "Basic !!!", "Basic", "Basic " + b64("g\xe9:p"), f"Basic {b64('refuse:pw')}",
]
Header = tuple[bytes, bytes]


def _headers(**given: str) -> list[Header]:
    return [(name.replace("_", "-").encode(), value.encode("latin-1")) for name, value in given.items()]


REQUESTS: list[tuple[list[Header], bytes]] = [([], b"")]
REQUESTS += [(_headers(authorization=value), b"") for value in AUTHORIZATIONS]
REQUESTS += [(_headers(x_key=value), b"") for value in ("good", "none", "novalue", "deny", "crash", "uid", "list", "")]
REQUESTS += [([], query) for query in (b"key=good", b"key=deny&key=good", b"key=good&key=deny", b"key=", b"key",
                                         b"other=1", b"key=%E9")]
REQUESTS += [(_headers(cookie=value), b"") for value in ("sid=good", "sid=", "", "other=1; sid=deny", "sid=none",
                                                           'sid="quoted"', "sid=good; sid=deny", "broken;;=;")]
REQUESTS += [
    ([(b"authorization", b"Bearer deny"), (b"authorization", b"Bearer good")], b""),      # several: the first
    ([(b"authorization", f"Basic {b64('good:pw')}".encode()), (b"authorization", b"Bearer good")], b""),
    ([(b"x-key", b"deny"), (b"x-key", b"good")], b""),
    ([(b"cookie", b"sid=deny"), (b"cookie", b"sid=good")], b""),
    (_headers(x_key="good", authorization="Bearer deny"), b"key=good"),
    (_headers(x_key="good", authorization="Bearer async"), b""),
    (_headers(x_key="none", authorization="Bearer good", cookie="sid=good"), b"key=deny"),
    (_headers(x_key="deny", authorization="Basic !!!"), b""),
    (_headers(x_key="good", authorization=f"Basic {b64('good:pw')}"), b"key=good"),
]


def outcome(run: Any, scope: dict) -> tuple[Any, ...]:
    """What a check did: the token checks it called, then the token info in the scope or the exception raised."""
    security_checks.CALLS.clear()
    try:
        asyncio.run(run(scope))
    except Exception as exc:   # noqa: BLE001 - compared, whatever it is
        return (list(security_checks.CALLS), "raised", type(exc), exc.args, dict(getattr(exc, "__dict__", {})))
    return (list(security_checks.CALLS), "passed", scope.get("extensions", {}).get("connexion_context"),
            [pair for pair in scope["headers"]])


def scope_of(headers: list[Header], query: bytes) -> dict:
    return {"type": "http", "method": "GET", "path": "/", "headers": list(headers), "query_string": query,
            "extensions": {}}


def both(requirements: list[dict[str, list[str]]], factory: SecurityHandlerFactory | None = None) -> tuple[Any, Any]:
    factory = factory or SecurityHandlerFactory()
    operation = SimpleNamespace(security=requirements, security_schemes=SCHEMES)
    theirs = SecurityOperation.from_operation(operation, next_app=None, security_handler_factory=factory)

    async def connexion(scope: dict) -> None:
        await theirs.verification_fn(ConnexionRequest(scope))

    return security.compile_security(operation, factory), connexion


def compare(requirements: list[dict[str, list[str]]], factory: SecurityHandlerFactory | None = None) -> None:
    ours, theirs = both(requirements, factory)
    for headers, query in REQUESTS:
        expected = outcome(theirs, scope_of(headers, query))
        got = outcome(ours, scope_of(headers, query))
        assert got == expected, (requirements, headers, query)


@pytest.mark.parametrize("requirements", REQUIREMENTS, ids=[str(r) for r in REQUIREMENTS])
def test_compiled_check_does_what_connexion_s_chain_does(requirements: list[dict[str, list[str]]]) -> None:
    ours, _ = both(requirements)
    assert isinstance(ours, security.CompiledSecurity), "every stock scheme is compiled"
    compare(requirements)


def test_no_requirement_is_no_check_as_in_connexion() -> None:
    operation = SimpleNamespace(security=[], security_schemes=SCHEMES)
    assert security.compile_security(operation, SecurityHandlerFactory()) is None
    assert not SecurityOperation.from_operation(operation, next_app=None,
                                                security_handler_factory=SecurityHandlerFactory()).security


class OwnApiKeyHandler(ApiKeySecurityHandler):
    """A replaced handler (`security_map`): its wrappers are not the stock ones, so nothing is compiled."""


@pytest.mark.parametrize("factory, requirements", [
    (SecurityHandlerFactory({"apiKey": OwnApiKeyHandler}), [{"key_h": []}]),
    (SecurityHandlerFactory({"apiKey": OwnApiKeyHandler}), [{"bearer": []}, {"key_q": []}]),
    (SecurityHandlerFactory({"openIdConnect": OAuthSecurityHandler}), [{"oidc": ["read"]}]),
    (SecurityHandlerFactory(), [{"bearer_key": []}]),
], ids=["replaced-handler", "replaced-handler-in-an-alternative", "openIdConnect-handler", "apiKey-as-bearer"])
def test_what_is_not_compiled_runs_connexion_s_chain(factory: SecurityHandlerFactory,
                                                     requirements: list[dict[str, list[str]]]) -> None:
    SCHEMES["bearer_key"] = {"type": "apiKey", "in": "header", "name": "Authorization",
                             "x-authentication-scheme": "Bearer", "x-bearerInfoFunc": F + "bearer_info"}
    try:
        ours, _ = both(requirements, factory)
        assert not isinstance(ours, security.CompiledSecurity) and getattr(ours, "connexion", False)
        compare(requirements, factory)
    finally:
        del SCHEMES["bearer_key"]


@pytest.mark.parametrize("broken", ["last-header", "case-sensitive-scheme", "first-query-value", "no-request"])
def test_the_comparison_fails_for_a_broken_check(broken: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above is not vacuous: a compiled check that reads the last header, compares the scheme word
    as sent, takes the first of repeated query values or passes no request object is told apart."""
    if broken == "last-header":
        def last(scope: dict, name: bytes) -> str | None:
            found = [value for key, value in scope["headers"] if key == name]
            return found[-1].decode("latin-1") if found else None
        monkeypatch.setattr(security, "_first_header", last)
        requirements = [{"bearer": []}]
    elif broken == "case-sensitive-scheme":
        def as_sent(scope: dict) -> tuple[str | None, str | None]:
            value = security._first_header(scope, b"authorization")
            return tuple(value.split(maxsplit=1)) if value and " " in value else (None, None)  # type: ignore
        monkeypatch.setattr(security, "_authorization", as_sent)
        requirements = [{"basic": []}]
    elif broken == "first-query-value":
        monkeypatch.setattr(security, "QueryParams", lambda query: dict(reversed(
            [tuple(pair.split("=", 1)) for pair in query.decode().split("&") if "=" in pair])))
        requirements = [{"key_q": []}]
    else:
        monkeypatch.setattr(security.SchemeCheck, "__call__", _without_request(security.SchemeCheck.__call__))
        requirements = [{"key_c": []}]
    with pytest.raises(AssertionError):
        compare(copy.deepcopy(requirements))


def _without_request(call: Any) -> Any:
    def broken(self: Any, scope: dict, request: Any) -> Any:
        return call(self, scope, None)
    return broken
