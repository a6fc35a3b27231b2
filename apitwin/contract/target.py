"""The implementation under test, reached the same way whether it is our mock in this process or a server at a
base URL: `send()` one request, get a `Reply`. Everything the suite does outside schemathesis' own calls (login,
hint discovery, property checks, reset) goes through here, so it works unchanged against any server.
"""
from __future__ import annotations

import json
import shlex
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

IN_PROCESS_ORIGIN = "http://testserver"   # what schemathesis' ASGI client calls the in-process app


class SetupError(Exception):
    """The run cannot start: target unreachable, login refused, bad option. Exit code 2, one line."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]            # lower-case names
    body: bytes
    request: "Sent"

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    def excerpt(self, limit: int = 400) -> str:
        text = self.body.decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + f"... ({len(self.body)} bytes)"


@dataclass
class Sent:
    """A request as sent, enough to print a curl line that reproduces it."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None

    def curl(self, secret_headers: tuple[str, ...] = ()) -> str:
        parts = ["curl", "-X", self.method]
        for name, value in self.headers.items():
            shown = "[Filtered]" if name.lower() in secret_headers else value
            parts += ["-H", f"{name}: {shown}"]
        if self.body:
            parts += ["-d", self.body.decode("utf-8", "replace")]
        parts.append(self.url)
        return " ".join(shlex.quote(p) for p in parts)


class Target:
    """Base URL handling shared by both transports. `root` is the API root (the spec's servers[0] path) under the
    base URL; `admin_origin` is where an apitwin mock's admin API would be (`/__apitwin/...`)."""

    def __init__(self, base_url: str, api_root: str) -> None:
        base = base_url.rstrip("/")
        if api_root and not base.endswith(api_root):
            base += api_root
        self.root_url = base
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.app: Any = None

    @property
    def in_process(self) -> bool:
        return self.app is not None

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else self.root_url + path
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        return url

    def send(self, method: str, path: str, *, headers: dict[str, str] | None = None,
             params: dict[str, Any] | None = None, json_body: Any = None) -> Reply:
        url = self.url(path, params)
        body = None if json_body is None else json.dumps(json_body).encode()
        sent_headers = dict(headers or {})
        if body is not None:
            sent_headers.setdefault("Content-Type", "application/json")
        sent = Sent(method.upper(), url, sent_headers, body)
        return self._send(sent)

    def _send(self, sent: Sent) -> Reply:  # pragma: no cover - implemented by the transports
        raise NotImplementedError

    def reset(self, api: str) -> bool:
        """Back to seed state through an apitwin admin API, when the target is one; False when it is not."""
        try:
            reply = self._send(Sent("POST", f"{self.origin}/__apitwin/apis/{api}/reset", {}, None))
        except SetupError:
            return False
        return reply.status in (200, 204)

    def close(self) -> None:
        pass


class HttpTarget(Target):
    """A server at a base URL, over real HTTP (one keep-alive session)."""

    def __init__(self, base_url: str, api_root: str, timeout: float = 30.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise SetupError(f"--url must start with http:// or https://, got {base_url!r}")
        super().__init__(base_url, api_root)
        import requests

        self._session: Any = requests.Session()
        self.timeout = timeout

    def _send(self, sent: Sent) -> Reply:
        import requests

        try:
            response = self._session.request(sent.method, sent.url, headers=sent.headers, data=sent.body,
                                             timeout=self.timeout, allow_redirects=False)
        except requests.ConnectionError as exc:
            raise SetupError(f"cannot connect to {_origin(sent.url)}: {connection_problem(exc)}") from None
        except requests.Timeout:
            raise SetupError(f"{sent.method} {sent.url}: no answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SetupError(f"cannot reach {sent.url}: {reason}") from None
        return Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content,
                     sent)

    def close(self) -> None:
        self._session.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def connection_problem(exc: BaseException) -> str:
    """What went wrong under a requests/urllib3 connection error, in a few words (the OS error at the bottom of
    the chain), instead of urllib3's pool and retry text."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "host not found"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(current, (TimeoutError, socket.timeout)):
            return "timed out"
        if isinstance(current, ssl.SSLError):
            return f"TLS error: {current.reason or current}"
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None),
                    *[a for a in current.args if isinstance(a, BaseException)]]
    return type(exc).__name__


class AppTarget(HttpTarget):
    """An ASGI app in this process (default: our own mock), through schemathesis' ASGI client (a requests
    session without sockets), so the suite's own requests and schemathesis' requests meet the same app."""

    def __init__(self, app: Any, api_root: str) -> None:
        from schemathesis.python import asgi

        super().__init__(IN_PROCESS_ORIGIN, api_root)
        self.app = app
        self._session = asgi.get_client(app)
