"""Swagger UI 5 for every served document (each API and the admin API), from locally installed assets: no CDN,
so the UI works offline. Swagger UI 4 cannot render OpenAPI 3.1 (every page was blank), hence our own page over
the `swagger_ui_bundle` 5.x files instead of Connexion's UI.

Logging in through the UI authorizes it: an operation carrying `x-apitwin-login` in the spec names the response
field with the token and the security scheme it belongs to, e.g.

    x-apitwin-login: {token: token, scheme: jwtAuth, prefix: "JWT "}

so "Try it out" on the login operation fills the Authorize dialog; pasting a token there works as usual.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import Any

from starlette.responses import Response

from swagger_ui_bundle import swagger_ui_path

from apitwin.http_methods import HTTP_METHODS

ASSETS: Traversable = swagger_ui_path
MEDIA_TYPES = {".js": b"text/javascript; charset=utf-8", ".css": b"text/css; charset=utf-8", ".png": b"image/png",
               ".map": b"application/json"}


@dataclass(frozen=True)
class UiDocument:
    """One served document: where it is rooted (mount prefix + documented base) and what the page shows."""

    root: str                 # "" / "/partners" / "/molgenis/api/v1" / "/__apitwin"
    title: str
    logins: list[dict[str, str]] = field(default_factory=list)

    @property
    def ui(self) -> str:
        return f"{self.root}/ui/"

    @property
    def spec(self) -> str:
        return f"{self.root}/openapi.json"


def login_operations(spec: dict[str, Any], root: str) -> list[dict[str, str]]:
    """Every operation marked `x-apitwin-login`, as the absolute path the browser calls plus what to read."""
    found = []
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            login = (item.get(method) or {}).get("x-apitwin-login") if isinstance(item, dict) else None
            if login:
                found.append({"method": method.upper(), "path": root + path, "token": login["token"],
                              "scheme": login["scheme"], "prefix": login.get("prefix", "")})
    return found


def page(doc: UiDocument) -> bytes:
    """The UI page of one document: Swagger UI 5 with a small header leading back to the landing page."""
    config = {"url": doc.spec, "logins": doc.logins}
    config_js = json.dumps(config).replace("<", "\\u003c")
    title = html.escape(doc.title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} · Swagger UI</title>
  <link rel="stylesheet" href="{doc.ui}swagger-ui.css">
  <link rel="icon" type="image/png" href="{doc.ui}favicon-32x32.png" sizes="32x32">
  <style>
    body {{ margin: 0; }}
    .apitwin-bar {{ font: 14px sans-serif; background: #1b1b1b; color: #eee; padding: 10px 20px; }}
    .apitwin-bar a {{ color: #8fd48f; margin-right: 16px; text-decoration: none; }}
  </style>
</head>
<body>
  <nav class="apitwin-bar"><a href="/">apitwin: all APIs</a><span>{title}</span>
    <a style="float:right" href="{doc.root}/openapi.yaml">openapi.yaml</a>
    <a style="float:right" href="{doc.spec}">openapi.json</a></nav>
  <div id="swagger-ui"></div>
  <script src="{doc.ui}swagger-ui-bundle.js" charset="utf-8"></script>
  <script>
    const config = {config_js};
    // A successful login answered through "Try it out" authorizes the UI with its token.
    function authorizeFromLogin(response) {{
      if (!response.ok || !window.ui) return response;
      const path = new URL(response.url, window.location.href).pathname;
      for (const login of config.logins) {{
        const token = response.body && response.body[login.token];
        if (path === login.path && typeof token === "string") {{
          window.ui.preauthorizeApiKey(login.scheme, login.prefix + token);
        }}
      }}
      return response;
    }}
    window.ui = SwaggerUIBundle({{
      url: config.url,
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      persistAuthorization: true,
      displayRequestDuration: true,
      docExpansion: "list",
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      responseInterceptor: authorizeFromLogin,
    }});
  </script>
</body>
</html>
""".encode()


class SwaggerUi:
    """ASGI middleware: GET/HEAD `<root>/ui/` (the page), `<root>/ui/<asset>` (Swagger UI files) and, when given,
    `/` (the landing page, rendered per request for the caller's host). Everything else passes through."""

    def __init__(self, app: Any, documents: list[UiDocument], landing: Any = None) -> None:
        self.app = app
        self.landing = landing
        self.pages = {doc.ui: page(doc) for doc in documents}
        self.roots = {doc.root + "/ui" for doc in documents}
        self.asset_dirs = {doc.ui for doc in documents}
        self._assets: dict[str, bytes] = {}

    def _asset(self, name: str) -> bytes | None:
        """A file of the Swagger UI distribution by its plain name (read once), or None."""
        if name not in self._assets:
            resource = ASSETS / name
            if not resource.is_file():
                return None
            self._assets[name] = resource.read_bytes()
        return self._assets[name]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not await self.answer(scope, send):
            await self.app(scope, receive, send)

    async def answer(self, scope: dict, send: Any) -> bool:
        """Answers a GET/HEAD request for a page, an asset or the landing page; False: none of those."""
        path: str = scope["path"]
        if not may_answer(path):
            return False
        if path in self.roots:
            await _send(send, scope, 308, b"", [(b"location", (path + "/").encode())])
            return True
        if path in self.pages or path.endswith("/index.html") and path[:-10] in self.pages:
            await _send(send, scope, 200, self.pages[path.removesuffix("index.html")], [
                (b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-cache")])
            return True
        if path == "/" and self.landing is not None:
            await _send(send, scope, 200, self.landing(_origin(scope)), [
                (b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-cache")])
            return True
        directory, _, name = path.rpartition("/")
        suffix = name[name.rfind("."):] if "." in name else ""
        if directory + "/" in self.asset_dirs and suffix in MEDIA_TYPES and not name.startswith("."):
            body = self._asset(name)
            if body is not None:
                await _send(send, scope, 200, body, [(b"content-type", MEDIA_TYPES[suffix]),
                                                     (b"cache-control", b"public, max-age=3600")])
                return True
        return False


def may_answer(path: str) -> bool:
    """Whether `SwaggerUi.answer` could answer this path: every page and asset lives under a document's <root>/ui,
    the landing page at `/` (apitwin.server.front.Front asks first and spares itself the await)."""
    return path == "/" or "/ui" in path


def _origin(scope: dict) -> str:
    """scheme://host of the request, for absolute URLs on the landing page."""
    host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    if not host and scope.get("server"):
        host = "%s:%s" % tuple(scope["server"])
    return f"{scope.get('scheme', 'http')}://{host}"


async def _send(send: Any, scope: dict, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    response = Response(body, status, {k.decode("latin-1"): v.decode("latin-1") for k, v in headers})
    if scope["method"] == "HEAD":
        response.body = b""          # the length of the GET answer stays in Content-Length
    await response(scope, _no_receive, send)


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}
