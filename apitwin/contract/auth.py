"""Tokens for the suite: log in through the API's own login operation, like a client would, and keep the token
fresh (JWT `exp` or the API's documented lifetime; re-login on 401 through schemathesis' reactive refresh).

One `Credentials` per account. `install()` registers it as the schema's auth provider; schemathesis' negative auth
checks (`ignored_auth`, `missing_required_header`) still send requests without it, which is the point.
"""
from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from typing import Any

from apitwin.contract.profiles import Login
from apitwin.contract.target import SetupError, Target

REFRESH_MARGIN = 30.0   # seconds before expiry a token is replaced


def _jwt_expiry(token: str) -> float | None:
    """`exp` of a JWT, without verifying it (the server does that); None when the token is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    return float(exp) if isinstance(exp, (int, float)) else None


def _pointer(document: Any, pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document


class Credentials:
    """An account on the target and its current token. Thread-safe: schemathesis workers share it."""

    def __init__(self, target: Target, login: Login, username: str, password: str,
                 static_token: str | None = None) -> None:
        self.target = target
        self.login = login
        self.username = username
        self.password = password
        self.static_token = static_token
        self._token: str | None = static_token
        self._expires = float("inf") if static_token else 0.0
        self._lock = threading.Lock()
        self._prefixes = itertools.cycle(login.prefixes)
        self.logins = 0

    def fresh_token(self) -> str:
        """A new login (or the static token): what a new session of a client would get."""
        if self.static_token:
            return self.static_token
        reply = self.target.send("POST", self.login.path,
                                 json_body={"username": self.username, "password": self.password})
        token = _pointer(reply.json_or_none(), self.login.token_pointer) if reply.status == 200 else None
        if not isinstance(token, str) or not token:
            raise SetupError(f"login as {self.username!r} at {reply.request.url} failed: "
                             f"{reply.status} {reply.excerpt(200)}")
        self.logins += 1
        return token

    def token(self) -> str:
        """The current token, logging in again when it is about to expire."""
        with self._lock:
            if self._token is None or time.time() >= self._expires - REFRESH_MARGIN:
                self._store(self.fresh_token())
            return self._token  # type: ignore[return-value]

    def renew(self) -> str:
        """Log in again now (schemathesis asks after a 401 or when its cache interval ends)."""
        with self._lock:
            self._store(self.fresh_token())
            return self._token  # type: ignore[return-value]

    def _store(self, token: str) -> None:
        self._token = token
        expiry = _jwt_expiry(token)
        self._expires = expiry if expiry is not None else time.time() + self.login.lifetime

    def header_value(self, token: str) -> str:
        """The token with the next of the API's accepted prefixes (`JWT `, `Bearer `), so both stay tested."""
        with self._lock:
            prefix = next(self._prefixes)
        return prefix + token

    def headers(self) -> dict[str, str]:
        if self.login.key_in == "query":
            return {}
        if self.login.key_in == "cookie":
            return {"Cookie": f"{self.login.header}={self.token()}"}
        return {self.login.header: self.header_value(self.token())}

    def params(self) -> dict[str, str]:
        """The query parameters every request of this account carries: the API key of a document whose scheme
        sends it in the query (`Login.key_in`), else none."""
        if self.login.key_in != "query":
            return {}
        return {self.login.header: self.token()}


def install(schema: Any, credentials: Credentials, session_ending: frozenset[str]) -> None:
    """Register `credentials` as the schema's auth provider. Operations in `session_ending` (logout) get a login of
    their own, so they never revoke the token the rest of the run uses."""

    class ContractLogin:
        def get(self, case: Any, ctx: Any) -> str:
            return credentials.renew()

        def set(self, case: Any, data: str, ctx: Any) -> None:
            if case.operation.definition.raw.get("operationId") in session_ending:
                data = credentials.fresh_token()
            case.headers = {**(case.headers or {}), credentials.login.header: credentials.header_value(data)}

    # schemathesis caches the token for its lifetime (minus a margin) and logs in again after a 401
    refresh = max(1, int(credentials.login.lifetime - REFRESH_MARGIN))
    schema.auth(refresh_interval=refresh, retry_on=[401])(ContractLogin)
