"""POST /api/v1/login, POST /api/v1/logout, and the token check (docs/molgenis-server.md, "Authentication"): a missing,
unknown or expired token is not an error — the request simply runs as anonymous, and permissions decide."""
from __future__ import annotations

import hmac
from typing import Any

from connexion import request

from apitwin import runtime
from apitwin.errors import ApiError
from handlers.molgenis.security import Security

MISSING_TOKEN = ("Missing molgenis token. Token should either be present in the x-molgenis-token request header "
                 "or the molgenis-token parameter.")
TWO_FACTOR = "Login using /api/v1/login is disabled, two factor authentication is enabled"
PASSWORD_RESET = ("Unable to log in because a password reset is required. Sign in to the website to reset your "
                  "password.")


def security() -> Security:
    return Security(runtime.current().store)


def token_info(apikey: str, required_scopes: Any = None) -> dict[str, Any]:
    """Never refuses: an unusable token means anonymous (`sub` None)."""
    return {"sub": security().username_for(apikey), "token": apikey}


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
    user = sec.user(body["username"])
    if user is None or not hmac.compare_digest(str(user.get("password", "")).encode(), body["password"].encode()):
        raise ApiError(401, ["Bad credentials"])
    if not user.get("active", True):
        raise ApiError(401, [f"User is not active: {user['username']}"])
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
    token = (token_info or {}).get("token") or request.headers.get("x-molgenis-token") \
        or request.query_params.get("molgenis-token")
    if not token:
        raise ApiError(400, [MISSING_TOKEN])
    sec = security()
    if sec.token_row(token) is None or not sec.revoke(token):       # unknown or expired
        raise ApiError(404, ["Invalid token"])
    return None, 200
