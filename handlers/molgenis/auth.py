"""POST /api/v1/login, POST /api/v1/logout, and the token check (docs/molgenis-server.md, "Authentication"): a missing,
unknown or expired token is not an error — the request simply runs as anonymous, and permissions decide."""
from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from connexion import request

from apitwin import runtime
from apitwin.errors import ApiError
from apitwin_apis.molgenis.security import Security

MISSING_TOKEN = ("Missing molgenis token. Token should either be present in the x-molgenis-token request header "
                 "or the molgenis-token parameter.")
TWO_FACTOR = "Login using /api/v1/login is disabled, two factor authentication is enabled"
PASSWORD_RESET = ("Unable to log in because a password reset is required. Sign in to the website to reset your "
                  "password.")


def security() -> Security:
    return Security(runtime.current().store)


def request_token(headers: Any, query: Any) -> str | None:
    """TokenExtractor#getToken: the `x-molgenis-token` header, else the `molgenis-token` parameter; blank values
    are skipped (a blank header does not hide the parameter)."""
    for candidate in (headers.get("x-molgenis-token"), query.get("molgenis-token")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None


def _authenticate(sec: Security, username: str, password: str) -> dict[str, Any]:
    """DaoAuthenticationProvider with MolgenisUserDetailsChecker: unknown user -> Bad credentials; an inactive user
    is refused before the password is compared; then the password."""
    user = sec.user(username)
    if user is None:
        raise ApiError(401, ["Bad credentials"])
    if not user.get("active", True):
        raise ApiError(401, [disabled_message(user)])
    if not hmac.compare_digest(str(user.get("password", "")).encode(), password.encode()):
        raise ApiError(401, ["Bad credentials"])
    return user


def disabled_message(user: dict[str, Any]) -> str:
    """`AccountStatusUserDetailsChecker.disabled` ("User is disabled") + ' ' + Spring's `User.toString()`; the
    authorities as UserDetailsServiceImpl grants them (sorted, as `User` keeps them)."""
    authorities = sorted(["ROLE_USER", *(["ROLE_SU"] if user.get("superuser") else [])])
    return (f"User is disabled org.springframework.security.core.userdetails.User [Username={user['username']}, "
            f"Password=[PROTECTED], Enabled=false, AccountNonExpired=true, credentialsNonExpired=true, "
            f"AccountNonLocked=true, Granted Authorities=[{', '.join(authorities)}]]")


def _basic_user(sec: Security, request: Any) -> str | None:
    """BasicAuthenticationFilter: `Authorization: Basic` credentials authenticate the request; wrong ones fail it."""
    header = request.headers.get("authorization") or ""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(401, ["Failed to decode basic authentication token"]) from None
    if not sep:
        raise ApiError(401, ["Invalid basic authentication token"])
    return _authenticate(sec, username, password)["username"]


def resolve(request: Any) -> dict[str, Any]:
    """Who the request runs as, in the server's filter order: Basic credentials first, then a token (which wins
    when it is valid); an unusable token is ignored (anonymous, or the Basic user). Refused Basic credentials come
    back under `refused` (Connexion would fall through to the anonymous alternative if this raised); `caller`
    raises them."""
    sec = security()
    try:
        basic = _basic_user(sec, request)
    except ApiError as refused:
        return {"sub": None, "token": None, "refused": refused}
    token = request_token(request.headers, request.query_params)
    by_token = sec.username_for(token) if token else None
    return {"sub": by_token or basic, "token": token}


def caller(token_info: dict[str, Any] | None) -> str | None:
    """The username a handler runs as (None = anonymous). Without a scheme's answer (the anonymous alternative,
    e.g. when Connexion could not decode a Basic header) the request itself is resolved."""
    info = token_info or {}
    if "sub" not in info:
        info = resolve(request)
    refused = info.get("refused")
    if isinstance(refused, ApiError):
        raise refused
    return info.get("sub")


def token_info(apikey: str, required_scopes: Any = None, request: Any = None) -> dict[str, Any]:
    """Never refuses for a token: an unusable one means anonymous (`sub` None)."""
    if request is None:
        return {"sub": security().username_for(apikey), "token": apikey}
    return resolve(request)


def basic_info(username: str, password: str, required_scopes: Any = None, request: Any = None) -> dict[str, Any]:
    """The Basic scheme (tried when no token scheme applies)."""
    if request is None:
        return {"sub": _authenticate(security(), username, password)["username"], "token": None}
    return resolve(request)


def username(token_info: dict[str, Any] | None) -> str | None:
    return (token_info or {}).get("sub")


def _two_factor_mode() -> str:
    row = runtime.current().store["rows:sys_set_auth"].first()
    return ((row or {}).get("values") or {}).get("sign_in_2fa") or "Disabled"


async def login(body: dict[str, Any]) -> dict[str, Any]:
    blank = [name for name in ("username", "password")
             if not isinstance(body.get(name), str) or not body[name].strip()]       # @NotBlank: null counts
    if blank:
        raise ApiError(400, ["must not be blank" for _ in blank])
    sec = security()
    user = _authenticate(sec, body["username"], body["password"])
    if user.get("change_password"):
        raise ApiError(401, [PASSWORD_RESET])
    mode = _two_factor_mode()
    if mode == "Enforced" or (mode == "Enabled" and user.get("two_factor")):
        raise ApiError(401, [TWO_FACTOR])
    response = {"token": sec.issue_token(user["username"]), "username": user["username"]}
    for key in ("firstname", "lastname"):
        if user.get(key):
            response[key] = user[key]
    return response


async def logout(token_info: dict[str, Any] | None = None) -> tuple[None, int]:
    token = request_token(request.headers, request.query_params)     # @TokenParam(required = true)
    if not token:
        raise ApiError(400, [MISSING_TOKEN])
    sec = security()
    if sec.token_row(token) is None or not sec.revoke(token):       # unknown or expired
        raise ApiError(404, ["Invalid token"])
    return None, 200
