"""Who may use the admin API (`/__apitwin/`): it resets, replaces and exports a mock's whole state, so a web page a
developer happens to open, or another machine on the network, must not.

- Browsers: admin paths never get CORS headers (`apitwin.server.front.Front` leaves them out), and a request a browser marks as coming from another
  site (`Sec-Fetch-Site: cross-site|same-site`, or an `Origin` that is not this server) is refused with 403 before
  anything runs — also for "simple" requests a page can send without CORS. Bound to loopback without a token, the
  `Host` must name the loopback too (a DNS-rebinding page would otherwise be "same-origin").
- Token: every app has one (`Settings.admin_token`, generated unless set). It is *required* (`Settings.admin_required`)
  when the server binds a non-loopback address or a token was set explicitly, unless `--admin-open`. Sent as
  `Authorization: Bearer <token>` or `X-Apitwin-Admin-Token: <token>`. The health check and the admin API's own
  documents and UI stay readable without it (they hold no state).
- Secrets (passwords, tokens, webhook secrets) leave the admin API only for a request that carries the token
  (`reveals_secrets`); see `apitwin.secrets_mask`.
"""
from __future__ import annotations

import hmac
from typing import Any

from apitwin.addresses import is_loopback
from apitwin.errors import ApiError, unauthorized
from apitwin.runtime import ADMIN_PREFIX
from apitwin.server import raw_headers
from apitwin.server.state import SCOPE_KEY as STATE_KEY
from apitwin.settings import Settings

TOKEN_HEADER = b"x-apitwin-admin-token"
CHALLENGE = 'Bearer realm="apitwin-admin"'
OPEN_PATHS = ("/health", "/ui", "/openapi.json", "/openapi.yaml", "/swagger.json", "/inspector/")
PAGE_PATHS = ("", "/")     # the inspector page itself (apitwin.inspector): it holds no state


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def _header(scope: dict, name: bytes) -> str | None:
    value = raw_headers.first(scope.get("headers", []), name)
    return None if value is None else value.decode("latin-1")


def presented_token(scope: dict) -> str | None:
    explicit = _header(scope, TOKEN_HEADER)
    if explicit:
        return explicit.strip()
    authorization = _header(scope, b"authorization") or ""
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def token_matches(settings: Settings, scope: dict) -> bool:
    given = presented_token(scope)
    return bool(given and settings.admin_token) and hmac.compare_digest(given.encode(), settings.admin_token.encode())


def reveals_secrets(scope: dict) -> bool:
    """Whether this admin request proved the admin token (checked by `check`, kept in the request state)."""
    state = scope.get(STATE_KEY)
    return bool(state is not None and state.admin_token_ok)


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def cross_origin(scope: dict) -> str | None:
    """Why a browser request comes from another origin (None when it does not, or is no browser request)."""
    site = (_header(scope, b"sec-fetch-site") or "").lower()
    if site in ("cross-site", "same-site"):
        return f"Sec-Fetch-Site: {site}"
    origin = _header(scope, b"origin")
    if origin is None:
        return None
    host = _header(scope, b"host") or ""
    own = f"{scope.get('scheme', 'http')}://{host}".lower()
    return None if origin.lower() == own else f"Origin {origin}"


def check(settings: Settings, scope: dict) -> bool:
    """Refuses admin requests from other origins (403) and, when the token is required, without it (401); whether
    the admin token was presented (secrets may leave then)."""
    why = cross_origin(scope)
    if why is not None:
        raise ApiError(403, [f"The admin API answers same-origin requests only ({why})."])
    if not settings.admin_required and settings.host is not None and is_loopback(settings.host):
        host = _host_name(_header(scope, b"host") or "")
        if host and not is_loopback(host):
            raise ApiError(403, [f"The admin API of a mock bound to {settings.host} answers requests for a "
                                 f"loopback host only, not {host!r}."])
    token_ok = token_matches(settings, scope)
    rest = scope["path"][len(ADMIN_PREFIX):]
    open_path = scope.get("method") in ("GET", "HEAD") and (rest.startswith(OPEN_PATHS) or rest in PAGE_PATHS)
    if settings.admin_required and not token_ok and not open_path:
        message = ("Invalid admin token." if presented_token(scope) else
                   "The admin API needs the admin token (printed at start; set with --admin-token): send "
                   "'Authorization: Bearer <token>' or 'X-Apitwin-Admin-Token: <token>'.")
        raise unauthorized(message, challenge=CHALLENGE)
    return token_ok
