"""Every failure leaves in the owning API's own error body: validation, auth, routing, size, crashes.

Called by `apitwin.server.front.Front` (`HANDLERS`); the API is found from the request path (see `apitwin.runtime`), so one app can serve
several APIs with different error shapes.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from connexion.exceptions import NonConformingResponse, ProblemException
from connexion.lifecycle import ConnexionResponse
from starlette.exceptions import HTTPException

from apitwin import runtime
from apitwin.errors import ApiError
from apitwin.http_methods import HTTP_METHODS
from apitwin.server.render import render as render_error
from apitwin.specs import route_order

log = logging.getLogger("apitwin")


def render(error: ApiError) -> ConnexionResponse:
    """The owning API's error body (apitwin.server.render, shared with the response guard)."""
    made = render_error(error, runtime.current_or_none())
    return ConnexionResponse(status_code=made.status, content_type=made.media_type, body=made.body,
                             headers=made.headers or None)


def api_error_handler(request: Any, exc: ApiError) -> ConnexionResponse:
    return render(exc)


def problem_handler(request: Any, exc: ProblemException) -> ConnexionResponse:
    if isinstance(exc, NonConformingResponse):
        # The mock broke its own contract: a bug here, never the client's fault. Loud in logs and tests.
        log.error("response does not conform to the spec: %s %s: %s", request.method, request.url.path, exc.detail)
    headers = dict(exc.headers or {})
    challenge = _challenge()
    if exc.status_code == 401 and challenge:
        headers.setdefault("WWW-Authenticate", challenge)
    message = str(exc.detail or exc.title or "Error")
    return render(ApiError(exc.status_code, [_sentence(message)], headers=headers))


# A document's root `x-apitwin-options: allow`: OPTIONS on any of its paths answers 200 with `Allow` (the methods
# of the path, HEAD with GET, OPTIONS itself) and no body, as Spring MVC's default OPTIONS handling does.
OPTIONS_KEY = "x-apitwin-options"


def _options_answer(request: Any) -> ConnexionResponse | None:
    rt = runtime.current_or_none()
    spec = rt.extras.get("spec") if rt else None
    if request.method != "OPTIONS" or not isinstance(spec, dict) or spec.get(OPTIONS_KEY) != "allow":
        return None
    allow = allowed_methods(request.url.path)
    if not allow:
        return None
    methods = [m.strip() for m in allow.split(",") if m.strip()] + ["OPTIONS"]
    return ConnexionResponse(status_code=200, headers={"Allow": ",".join(dict.fromkeys(methods))})


def http_handler(request: Any, exc: HTTPException) -> ConnexionResponse:
    if exc.status_code == 405:
        answer = _options_answer(request)
        if answer is not None:
            return answer
    headers = dict(exc.headers or {})
    messages = {404: "Not found.", 405: f"Method \"{request.method}\" not allowed."}
    if exc.status_code == 405:
        allow = allowed_methods(request.url.path)
        if allow:
            headers["Allow"] = allow
    error = ApiError(exc.status_code, [messages.get(exc.status_code, _sentence(str(exc.detail)))], headers=headers)
    error.kind = "routing"
    return render(error)


def server_error_handler(request: Any, exc: Exception) -> ConnexionResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return render(ApiError(500, ["A server error occurred."]))


def _sentence(text: str) -> str:
    text = text.strip().split("\n", 1)[0]
    return text if text.endswith((".", "!", "?")) else text + "."


def _challenge() -> str | None:
    rt = runtime.current_or_none()
    return rt.plugin.wire.auth_challenge if rt else 'Bearer realm="api"'


class AllowIndex:
    """Path template → allowed methods, rebuilt from the spec: Connexion registers one Starlette route per
    operation, so Starlette's own `Allow` names only one method (schemathesis ST205)."""

    def __init__(self) -> None:
        self._entries: list[tuple[tuple[int, ...], re.Pattern[str], str]] = []

    def add_spec(self, prefix: str, spec: dict) -> None:
        for path, item in spec.get("paths", {}).items():
            methods = sorted(m.upper() for m in item if m in HTTP_METHODS)
            if "GET" in methods and "HEAD" not in methods:
                methods.append("HEAD")
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(prefix + path))
            self._entries.append((route_order(prefix + path), re.compile("^" + pattern + "$"), ", ".join(methods)))
        # a literal path before a templated one it also matches (`/clients/_suggestions` before `/clients/{client}`),
        # as routing takes it (the sort is stable: otherwise in the order the documents list them)
        self._entries.sort(key=lambda entry: entry[0])

    def lookup(self, path: str) -> str | None:
        for _, rx, allow in self._entries:
            if rx.match(path):
                return allow
        return None


def allowed_methods(path: str) -> str | None:
    index: AllowIndex | None = getattr(runtime.registry_or_none(), "allow_index", None)
    return index.lookup(path) if index else None


# (exception class, handler), as `apitwin.server.front.Front` looks them up: the class of the exception or its nearest
# base; anything else (a BaseException) escapes to Connexion's last-resort 500
HANDLERS: tuple[tuple[type[Exception], Any], ...] = (
    (ApiError, api_error_handler),
    (ProblemException, problem_handler),
    (HTTPException, http_handler),
    (Exception, server_error_handler),
)
