"""An operation's security check compiled once at start: what Connexion's `SecurityOperation` verification chain
does for the stock schemes, without its per-request wrapper chain.

Connexion's chain, per request: a `ConnexionRequest` (a Starlette `Request`, a `Headers` copy of the header list),
then for each requirement a closure per scheme that reads the credential, a generic wrapper that asks
`inspect_function_arguments` twice which keywords the token check takes, calls it, then `verify_security`'s loop
with its coroutine checks and `request.context`. Here the same steps are decided once per operation: which header,
query parameter or cookie is read, which keywords the check takes, the scope's token info dict — and each request
runs only those steps, in Connexion's order, calling the same token check functions and raising the same Connexion
exceptions with the same details (so the problem bodies and headers rendered are the same bytes):

- apiKey in a header (the first one of that name), the query (the last value, as Starlette's `QueryParams`) or a
  cookie (Connexion's own `get_cookie_value`); http basic and bearer, oauth2 with its scopes (Connexion's scope
  check function, by default `validate_scope`) from `Authorization`, split and decoded exactly as Connexion does;
- AND of several schemes (token info per scheme name), OR of requirements (the first that answers wins; when none
  does, Connexion's `_raise_most_specific` picks among the failures, or 401 "No authorization token provided"),
  optional `{}` requirements, `security: []` (no check at all), requirements Connexion drops (a scheme it has no
  handler or no token check for, a second oauth2 scheme in one requirement) dropped the same way.

Anything else — a handler class replaced through `security_map`, `x-authentication-scheme: bearer` on an apiKey, an
openIdConnect handler, a header name that is not latin-1 — is not compiled: the operation runs Connexion's own
`SecurityOperation` chain. Which Connexion code this mirrors is pinned by source hash in `MIRRORED` (a Connexion
upgrade that changes any of it fails tests/engine/test_connexion_patches.py); tests/engine/test_security.py runs both
on the same requests and compares results, and tests/engine/test_operation_layer.py compares whole answers.
"""
from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any, Awaitable, Callable

from connexion.decorators.parameter import inspect_function_arguments
from connexion.exceptions import OAuthProblem, OAuthResponseProblem, OAuthScopeProblem
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.security import SecurityOperation
from connexion.security import (NO_VALUE, AbstractSecurityHandler, ApiKeySecurityHandler, BasicSecurityHandler,
                                BearerSecurityHandler, OAuthSecurityHandler, SecurityHandlerFactory)
from starlette.datastructures import QueryParams

from apitwin.server import raw_headers

# where Connexion logs its 401 for a request without credentials, and its warnings while building the check
connexion_log = logging.getLogger("connexion.security")
operation_log = logging.getLogger("connexion.middleware.security")

Check = Callable[[dict], Awaitable[None]]

# Connexion (and Starlette) code whose behaviour this module repeats, by the SHA-256 of `inspect.getsource` (a
# property by its getter): tests/engine/test_connexion_patches.py fails when an upgrade changes any of it
MIRRORED: dict[str, str] = {
    "connexion.middleware.security.SecurityOperation._get_verification_fn":
        "3e06412c6ce76aa140d2ebf96910def042161ff87bf460740179ed79e6f3bb0a",
    "connexion.security.SecurityHandlerFactory.parse_security_scheme":
        "687e91b8803382e0423b7f7327ae5f935a80959da931a9892298021fa05d5aaa",
    "connexion.security.SecurityHandlerFactory.verify_none":
        "b9be3a24decf8e1371603e6c4fa009b02793bad2bbab80a53422aad767c3beba",
    "connexion.security.SecurityHandlerFactory.verify_multiple_schemes":
        "cb0f3bb1eb892777b0f01c35f2aa33626952066aa4c6f9633fe4e2e1764eea24",
    "connexion.security.SecurityHandlerFactory.verify_security":
        "eb34fea712e0643a23d42a926397e9e4d2fbfb679b29047a78de116768d34d68",
    "connexion.security.AbstractSecurityHandler._generic_check":
        "28e23fb07ef65fb6448d4913fa47610a3f226e9169eca242fe0c12ebbc1ccba2",
    "connexion.security.AbstractSecurityHandler.get_auth_header_value":
        "f2808eab920f17d8925e7a7067b9ab21e92621bcf204bac66d8fbb3cc81b27f9",
    "connexion.security.AbstractSecurityHandler._accepts_kwarg":
        "f04f41d0fb5eea37588ef73076b71524d2e960ca4ab115a1964f6dd7f62717d1",
    "connexion.security.BasicSecurityHandler._get_verify_func":
        "3382266565d696c3fefb471e5ce0f86a6023930f9109416e1c71a118de8137f5",
    "connexion.security.BasicSecurityHandler.check_basic_auth":
        "ea1ebbe575e3fb261dc91696e44603f60e5321bd31ef9164114723b4d7a7f7ac",
    "connexion.security.BearerSecurityHandler._get_verify_func":
        "2d831c150d65535a8ec431775965db8740b433a6df5c7ff72dc9473719855069",
    "connexion.security.BearerSecurityHandler.check_bearer_token":
        "07d461a047c4c31d1e0733515ae341b8b2adcaaa9145ec921af6792b663aad7b",
    "connexion.security.ApiKeySecurityHandler.get_fn":
        "5255053c04eddc035c25f604e458a89a108523e3bdc11acb6b6bf9560e294632",
    "connexion.security.ApiKeySecurityHandler._get_verify_func":
        "44e039aef8d97014e0ac8b28affcd0f2611c4f217359f8c35fd698691e323caf",
    "connexion.security.ApiKeySecurityHandler.check_api_key":
        "0232cabbd73c1301acde840d67ac29799322f4cf0b9fa3c4db1738cee201692c",
    "connexion.security.OAuthSecurityHandler.get_fn":
        "981827f9225d49847c39069967ea138ccfb462a58afdcaa577dd7e023779075f",
    "connexion.security.OAuthSecurityHandler._get_verify_func":
        "368f950ad3b21dcfe57586f26b0eac40a1200cd62150ba39fce9d2abc1880794",
    "connexion.security.OAuthSecurityHandler.check_oauth_func":
        "18f5e0db6363fc77f62106d21c696a42580fe102eb3714210a1ec4f9fac29b8b",
    "connexion.lifecycle.ConnexionRequest.context":
        "5ee2afcadc9c35fe95513557013fe853e017732afd6cc70360516f4902bf1572",
    "starlette.datastructures.Headers.__getitem__":
        "c49baa3cfea567092d725bfee2cc02034f6e8be02f2c152cfc215dc63c3c4360",
}

_iscoroutine = asyncio.iscoroutine
_PLAIN = frozenset({dict, bool, type(None)})   # never coroutines: `asyncio.iscoroutine` (an ABC check) skipped
_STOCK = {"basic": BasicSecurityHandler, "bearer": BearerSecurityHandler, "apiKey": ApiKeySecurityHandler,
          "oauth2": OAuthSecurityHandler}


def _accepts(func: Callable, keyword: str) -> bool:
    """Connexion's `AbstractSecurityHandler._accepts_kwarg`, asked once instead of per request."""
    arguments, has_kwargs = inspect_function_arguments(func)
    return has_kwargs or keyword in arguments


def _stock_kind(factory: SecurityHandlerFactory, scheme: dict) -> str | None:
    """Which stock Connexion handler `factory.parse_security_scheme` uses for `scheme`; None: another one (or
    none), which this module does not compile."""
    kind = scheme.get("type")
    if kind in ("basic", "oauth2"):
        key = kind
    elif kind == "http":
        key = scheme["scheme"].lower()
    elif kind == "apiKey":
        if scheme.get("x-authentication-scheme", "").lower() == "bearer":
            return None
        key = "apiKey"
    else:
        return None
    if key not in _STOCK or factory.security_handlers.get(key) is not _STOCK[key]:
        return None
    return key


def _first_header(scope: dict, name: bytes) -> str | None:
    """`Headers(scope=scope).get(name)` (`name` lower-cased): the first value, latin-1."""
    headers = scope["headers"]
    if type(headers) is not list:        # Starlette's Headers leaves the scope a list
        headers = scope["headers"] = list(headers)
    value = raw_headers.first(headers, name)
    return None if value is None else value.decode("latin-1")


def _authorization(scope: dict) -> tuple[str | None, str | None]:
    """Connexion's `AbstractSecurityHandler.get_auth_header_value`."""
    authorization = _first_header(scope, b"authorization")
    if not authorization:
        return None, None
    try:
        auth_type, value = authorization.split(maxsplit=1)
    except ValueError:
        raise OAuthProblem(detail="Invalid authorization header")
    return auth_type.lower(), value


def _read_basic(scope: dict) -> Any:
    """`BasicSecurityHandler`'s wrapper up to its token check: (username, password) or NO_VALUE."""
    auth_type, user_pass = _authorization(scope)
    if auth_type != "basic":
        return NO_VALUE
    try:
        username, password = base64.b64decode(user_pass).decode("latin1").split(":", 1)  # type: ignore[arg-type]
    except Exception:
        raise OAuthProblem(detail="Invalid authorization header")
    return (username, password)


def _read_bearer(scope: dict) -> Any:
    """`BearerSecurityHandler`'s and `OAuthSecurityHandler`'s wrappers up to the token check: (token,) or NO_VALUE."""
    auth_type, token = _authorization(scope)
    if auth_type != "bearer":
        return NO_VALUE
    return (token,)


def _api_key_reader(loc: str, name: str) -> Callable[[dict], Any] | None:
    """`ApiKeySecurityHandler`'s wrapper up to its token check: (api_key,) or NO_VALUE; None: not compiled."""
    if loc == "header":
        try:
            key = name.lower().encode("latin-1")
        except (UnicodeEncodeError, AttributeError):
            return None

        def read(scope: dict) -> Any:
            value = _first_header(scope, key)
            return NO_VALUE if value is None else (value,)
    elif loc == "query":
        def read(scope: dict) -> Any:
            value = QueryParams(scope["query_string"]).get(name)
            return NO_VALUE if value is None else (value,)
    elif loc == "cookie":
        def read(scope: dict) -> Any:
            value = ApiKeySecurityHandler.get_cookie_value(_first_header(scope, b"cookie"), name)
            return NO_VALUE if value is None else (value,)
    else:
        def read(scope: dict) -> Any:
            return NO_VALUE
    return read


class SchemeCheck:
    """One scheme of one requirement: the credential read, then Connexion's `_generic_check` around the token check
    (and, for oauth2, its scope check)."""

    __slots__ = ("read", "func", "scopes_kw", "scopes", "request_kw", "message", "scope_validate")

    def __init__(self, read: Callable[[dict], Any], func: Callable, *, scopes: Any, message: str,
                 scope_validate: Callable | None = None) -> None:
        self.read = read
        self.func = func
        self.scopes_kw = _accepts(func, AbstractSecurityHandler.required_scopes_kw)
        self.request_kw = _accepts(func, AbstractSecurityHandler.request_kw)
        self.scopes = scopes                 # what Connexion passes as required_scopes (None for basic and bearer)
        self.message = message
        self.scope_validate = scope_validate  # oauth2 only

    def __call__(self, scope: dict, request: Any) -> Any:
        """The token info or NO_VALUE; a coroutine to await for it when the token check (or oauth2's scope check)
        answers with one — as Connexion's wrapper, which returns its generic check's coroutine."""
        args = self.read(scope)
        if args is NO_VALUE:
            return NO_VALUE
        kwargs = {}
        if self.scopes_kw:
            kwargs["required_scopes"] = self.scopes
        if self.request_kw:
            kwargs["request"] = request
        token_info = self.func(*args, **kwargs)
        if type(token_info) not in _PLAIN and _iscoroutine(token_info):
            return self._awaited(token_info)
        return self._checked(token_info)

    async def _awaited(self, token_info: Any) -> Any:
        while _iscoroutine(token_info):
            token_info = await token_info
        result = self._checked(token_info)
        while _iscoroutine(result):
            result = await result
        return result

    def _checked(self, token_info: Any) -> Any:
        """Connexion's `_generic_check` after the call (and `check_oauth_func` for oauth2)."""
        if self.scope_validate is None:
            if token_info is NO_VALUE:
                return NO_VALUE
            if token_info is None:
                raise OAuthResponseProblem(detail=self.message)
            return token_info
        # OAuthSecurityHandler.check_oauth_func: its generic check, then the scopes (on NO_VALUE too, as there)
        if token_info is None:
            raise OAuthResponseProblem(detail=self.message)
        # (NO_VALUE has no `get`: Connexion's AttributeError, raised the same way)
        token_scopes = token_info.get("scope", token_info.get("scopes", ""))
        validation = self.scope_validate(self.scopes, token_scopes)
        if type(validation) not in _PLAIN and _iscoroutine(validation):
            return self._scoped(token_info, token_scopes, validation)
        if not validation:
            raise OAuthScopeProblem(required_scopes=self.scopes, token_scopes=token_scopes)
        return token_info

    async def _scoped(self, token_info: Any, token_scopes: Any, validation: Any) -> Any:
        while _iscoroutine(validation):
            validation = await validation
        if not validation:
            raise OAuthScopeProblem(required_scopes=self.scopes, token_scopes=token_scopes)
        return token_info


class AllOf:
    """Connexion's `verify_multiple_schemes`: every scheme of one requirement, token info per scheme name."""

    __slots__ = ("schemes",)

    def __init__(self, schemes: dict[str, SchemeCheck]) -> None:
        self.schemes = tuple(schemes.items())

    async def __call__(self, scope: dict, request: Any) -> Any:
        token_info = {}
        for name, check in self.schemes:
            result = check(scope, request)
            while _iscoroutine(result):
                result = await result
            if result is NO_VALUE:
                return NO_VALUE
            token_info[name] = result
        return token_info


def _none(scope: dict, request: Any) -> Any:
    """Connexion's `verify_none`: an optional `{}` requirement."""
    return {}


class CompiledSecurity:
    """Connexion's `verify_security` over the compiled requirements: the first that answers sets the token info
    into Connexion's request context in the scope; none answering raises what Connexion raises."""

    __slots__ = ("alternatives", "needs_request")

    def __init__(self, alternatives: list[Any], needs_request: bool) -> None:
        self.alternatives = tuple(alternatives)
        self.needs_request = needs_request

    async def __call__(self, scope: dict) -> None:
        # one request object for every token check that asks for it, as Connexion shares its one
        request = ConnexionRequest(scope) if self.needs_request else None
        token_info: Any = NO_VALUE
        errors = []
        for check in self.alternatives:
            try:
                token_info = check(scope, request)
                if type(token_info) not in _PLAIN:
                    while _iscoroutine(token_info):
                        token_info = await token_info
                if token_info is not NO_VALUE:
                    break
            except Exception as err:
                errors.append(err)
        else:
            if errors:
                SecurityHandlerFactory._raise_most_specific(errors)
            connexion_log.info("... No auth provided. Aborting with 401.")
            raise OAuthProblem(detail="No authorization token provided")
        context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
        context.update({"user": token_info.get("sub", token_info.get("uid")), "token_info": token_info})


def _scheme_check(factory: SecurityHandlerFactory, scheme: dict, required_scopes: Any) -> SchemeCheck | None:
    """The compiled check of one scheme Connexion gives a function for; None: not compiled."""
    kind = _stock_kind(factory, scheme)
    if kind is None:
        return None
    handler = _STOCK[kind]()
    if kind == "oauth2":
        func = handler.get_tokeninfo_func(scheme)
        scope_validate = handler.get_scope_validate_func(scheme)
        if func is None or scope_validate is None:
            return None
        return SchemeCheck(_read_bearer, func, scopes=required_scopes, message="Provided token is not valid",
                           scope_validate=scope_validate)
    func = handler._resolve_func(scheme)
    if not func:
        return None
    if kind == "basic":
        return SchemeCheck(_read_basic, func, scopes=None, message="Provided authorization is not valid")
    if kind == "bearer":
        return SchemeCheck(_read_bearer, func, scopes=None, message="Provided token is not valid")
    read = _api_key_reader(scheme["in"], scheme["name"])
    if read is None:
        return None
    return SchemeCheck(read, func, scopes=required_scopes, message="Provided apikey is not valid")


def compile_security(operation: Any, factory: SecurityHandlerFactory) -> Check | None:
    """The operation's security check (awaited with the ASGI scope), or None when it has no requirement (Connexion's
    passthrough). Mirrors `SecurityOperation._get_verification_fn`; an operation with any scheme this module does
    not compile gets Connexion's own chain."""
    security = operation.security
    if not security:
        return None
    schemes = operation.security_schemes
    alternatives: list[Any] = []
    needs_request = False
    compiled = True
    for requirement in security:
        if not requirement:
            alternatives.append(_none)
            continue
        checks: dict[str, SchemeCheck] = {}
        oauth = False
        for name, required_scopes in requirement.items():
            scheme = schemes[name]
            if scheme["type"] == "oauth2":
                if oauth:
                    operation_log.warning("... multiple OAuth2 security schemes in AND fashion not supported")
                    break
                oauth = True
            # Connexion's own answer first: its warnings, and None where it drops the requirement
            if factory.parse_security_scheme(scheme, required_scopes) is None:
                break
            check = _scheme_check(factory, scheme, required_scopes)
            if check is None:
                compiled = False
                break
            needs_request = needs_request or check.request_kw
            checks[name] = check
        else:
            alternatives.append(next(iter(checks.values())) if len(checks) == 1 else AllOf(checks))
        if not compiled:
            break
    if compiled:
        return CompiledSecurity(alternatives, needs_request)
    return connexion_chain(operation, factory)


def connexion_chain(operation: Any, factory: SecurityHandlerFactory) -> Check:
    """Connexion's own `SecurityOperation` verification for the operation, awaited with the scope."""
    verify = SecurityOperation.from_operation(operation, next_app=_unused_app,
                                              security_handler_factory=factory).verification_fn

    async def check(scope: dict) -> None:
        await verify(ConnexionRequest(scope))

    check.connexion = True   # type: ignore[attr-defined]  # (tests tell the two kinds apart)
    return check


def _unused_app(scope: Any, receive: Any, send: Any) -> Any:   # pragma: no cover - never called
    raise RuntimeError("Connexion's SecurityOperation is used for its check only, never as an app")
