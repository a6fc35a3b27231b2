"""POST /api/v1/api-token-auth/ and the token check every other operation runs (djangorestframework-jwt style)."""
from __future__ import annotations

import hmac
from typing import Any

from apitwin import errors, runtime, tokens
from apitwin.errors import ApiError
from apitwin_apis.partners.common import store

DEFAULT_TTL = 300            # djangorestframework-jwt's JWT_EXPIRATION_DELTA
PREFIXES = ("jwt", "bearer")  # JWT is the library default; Bearer is what most clients send


def _ttl() -> int:
    return runtime.current().settings.token_ttl or DEFAULT_TTL


async def obtain_token(body: dict[str, Any]) -> dict[str, str]:
    account = store()["accounts"].first(username=body["username"])
    if account is None or not hmac.compare_digest(account["password"].encode(), body["password"].encode()) \
            or not account.get("active", True):
        raise ApiError(400, ["Unable to log in with provided credentials."])
    claims = {"user_id": account["id"], "username": account["username"], "email": account["email"]}
    return {"token": tokens.issue(claims, runtime.current().settings.jwt_secret, _ttl())}


def unauthorized(message: str) -> ApiError:
    """401 with the plugin's own challenge (`JWT realm="api"`), as for Connexion's missing-token answer."""
    return errors.unauthorized(message, challenge=runtime.current().plugin.wire.auth_challenge)


def verify_token(apikey: str, required_scopes: Any = None) -> dict[str, Any]:
    """Authorization: JWT <token> or Bearer <token> → token_info with the caller's partner account."""
    prefix, _, token = apikey.strip().partition(" ")
    token = token.strip()
    if prefix.lower() not in PREFIXES:
        raise unauthorized("Invalid Authorization header. Use 'JWT <token>' or 'Bearer <token>'.")
    if not token or " " in token:
        raise unauthorized("Invalid Authorization header. Credentials string should not contain spaces.")
    try:
        claims = tokens.verify(token, runtime.current().settings.jwt_secret, required=("exp", "user_id", "username"))
    except tokens.TokenError as exc:
        raise unauthorized(str(exc)) from None
    # read, not copied (every request runs this): only fields are compared and copied out below
    account = store()["accounts"].view(claims["user_id"]) if isinstance(claims["user_id"], int) else None
    if account is None or account["username"] != claims["username"] or not account.get("active", True):
        raise unauthorized("Invalid signature.")
    return {"sub": account["id"], "partner": account["partner"], "username": account["username"]}
