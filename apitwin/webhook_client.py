"""One webhook receiver's HTTP/1.1 connection: kept alive between deliveries, one request at a time (a receiver's
deliveries are strictly ordered, so there is never a second request in flight to pipeline).

Why not httpx: measured per delivery on a loopback receiver (bench/bench_webhooks.py), httpx's pool, request and
response models cost several times the whole rest of a delivery; the sender needs only "send these bytes, read
the status, drain the body". Here a request is one `write` of pre-built bytes and the response is parsed by
httptools (the parser uvicorn uses). TLS via the stdlib `ssl` module; no redirects (a 3xx is a failed attempt).

Proxies: as httpx did, the environment decides (`proxy_for`): HTTP_PROXY / HTTPS_PROXY / ALL_PROXY and NO_PROXY,
read the standard library's way. An http receiver is reached through the proxy with absolute-form requests over one
kept-alive connection to the proxy; an https one through a CONNECT tunnel, inside which TLS to the receiver is
verified (certificate and host name) exactly as without a proxy. Credentials in the proxy URL are sent as
`Proxy-Authorization: Basic`. A proxy that is down or refuses (a non-2xx answer to CONNECT, a 407) fails the
attempt like a receiver would: retried, then dead-lettered.
"""
from __future__ import annotations

import asyncio
import base64
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import httptools


class DeliveryError(Exception):
    """The attempt got no complete response (refused, reset, closed early, malformed answer)."""


class DeliveryTimeout(DeliveryError):
    """No complete response within the attempt's timeout."""


@dataclass(frozen=True)
class Proxy:
    """The HTTP proxy a receiver is reached through."""

    url: str                          # as shown in errors: without its credentials
    scheme: str
    host: str
    port: int
    authorization: bytes | None       # the Proxy-Authorization value, from the URL's user:password


def parse_proxy(value: str) -> Proxy:
    """A proxy URL as the environment gives it (`http://user:pass@host:3128`; a bare `host:3128` means http)."""
    parts = urlsplit(value if "://" in value else "http://" + value)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0                                   # refused when used (see ReceiverConnection._connect)
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization = b"Basic " + base64.b64encode(pair)
    shown = f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if port and parts.port else "")
    return Proxy(shown, parts.scheme.lower(), parts.hostname or "", port, authorization)


def proxy_for(url: str) -> Proxy | None:
    """The proxy the environment names for `url`, or None (direct). The standard library's view:
    `urllib.request.getproxies()` (`<scheme>_proxy`, lower case before upper case, HTTP_PROXY ignored under CGI),
    then `all_proxy`; `no_proxy` as `urllib.request.proxy_bypass_environment` reads it (host names and their
    sub-domains, `.domain`, `host:port`, `*` for everything)."""
    import urllib.request                          # ~13 ms (http.client, email): at the first connection, not start

    proxies = urllib.request.getproxies()
    parts = urlsplit(url)
    chosen = proxies.get(parts.scheme) or proxies.get("all")
    if not chosen:
        return None
    host = parts.netloc.rpartition("@")[2]         # host[:port] as written, what urllib matches no_proxy against
    bypass = (urllib.request.proxy_bypass_environment(host, proxies) if "no" in proxies
              else urllib.request.proxy_bypass(host))
    return None if bypass else parse_proxy(chosen)


class _Tunnel(asyncio.Protocol):
    """Reads the proxy's answer to CONNECT (its status line and headers) before TLS starts inside the tunnel."""

    def __init__(self) -> None:
        self.buffer = b""
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.answer.done():
            return
        if b"\r\n\r\n" in self.buffer:
            self.answer.set_result(self.buffer)
        elif len(self.buffer) > 65536:
            self.answer.set_exception(DeliveryError("ProxyError: the proxy's answer to CONNECT has no end of headers "
                                                    "within 64 KiB"))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.answer.done():
            self.answer.set_exception(DeliveryError("ProxyError: the proxy closed the connection before answering "
                                                    "CONNECT"))


_FROM_ENVIRONMENT: Any = object()
_TLS: ssl.SSLContext | None = None


def _tls() -> ssl.SSLContext:
    global _TLS
    if _TLS is None:
        _TLS = ssl.create_default_context()
    return _TLS


class _Protocol(asyncio.Protocol):
    """Parses the responses of one connection; `waiter` gets the status code of the request in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[int] | None = None
        self.head_only = False          # HEAD: the response ends with its headers
        self.closed = False
        self.received = False           # any byte of the current response arrived
        self.keep_alive = True
        self.headers_done = False       # the status line and headers of the current response arrived
        self.framed = False             # its length is known (Content-Length, chunked); else it ends with the close

    # asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(DeliveryError("receiver switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(DeliveryError(f"malformed response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done and not self.framed:      # a body delimited by the close (HTTP/1.0 style) ends here
            self._done()
        self._fail(DeliveryError("connection closed before the response" if exc is None else
                                 f"{type(exc).__name__}: {exc}"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.headers_done = self.framed = False

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self.framed = True

    def on_headers_complete(self) -> None:
        self.headers_done = True
        if self.head_only:
            self.keep_alive = False           # the parser cannot tell the body is absent: do not reuse
            self._done()

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        self._done()

    def _done(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(self.parser.get_status_code())

    def _fail(self, error: Exception) -> None:
        self.keep_alive = False
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


class ReceiverConnection:
    """The keep-alive connection to one receiver URL. Not for concurrent use: one request at a time."""

    def __init__(self, url: str, proxy: Proxy | None = _FROM_ENVIRONMENT) -> None:
        """`proxy`: the one the environment names for `url` (`proxy_for`) unless given (None: direct)."""
        parts = urlsplit(url)
        self.url = url
        self.tls = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.tls else 80)
        self.proxy: Proxy | None = proxy_for(url) if proxy is _FROM_ENVIRONMENT else proxy
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        host_header = f"[{self.host}]" if ":" in self.host else self.host
        if parts.port is not None:
            host_header += f":{parts.port}"
        extra = b""
        if self.proxy is not None and not self.tls:     # through the proxy itself: absolute-form, its credentials
            target = f"{parts.scheme}://{host_header}{target}"
            if self.proxy.authorization is not None:
                extra = b"Proxy-Authorization: " + self.proxy.authorization + b"\r\n"
        self._target = target.encode("ascii", "strict") if target.isascii() else target.encode("utf-8")
        self._host = host_header.encode("idna") if not host_header.isascii() else host_header.encode()
        self._extra = extra
        self._protocol: _Protocol | None = None

    def head(self, method: str, headers: dict[str, str], length: int) -> bytes:
        """The request line and headers (with Host and Content-Length) as sent."""
        lines = [b"%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n" % (
            method.encode(), self._target, self._host, self._extra, length)]
        lines.extend(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers.items())
        lines.append(b"\r\n")
        return b"".join(lines)

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> _Protocol:
        if self.proxy is not None:
            return await self._connect_via(loop, self.proxy)
        kwargs: dict[str, Any] = {"ssl": _tls(), "server_hostname": self.host} if self.tls else {}
        try:
            _, protocol = await loop.create_connection(_Protocol, self.host, self.port, **kwargs)
        except (OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"ConnectError: {exc}") from None
        return protocol

    async def _connect_via(self, loop: asyncio.AbstractEventLoop, proxy: Proxy) -> _Protocol:
        """A connection to the proxy: used as it is for an http receiver; for an https one, a CONNECT tunnel to the
        receiver with TLS inside (the receiver's certificate and host name verified, as without a proxy)."""
        if proxy.scheme != "http" or not proxy.host or not proxy.port:
            raise DeliveryError(f"ProxyError: cannot use proxy {proxy.url!r} (an http://host:port proxy is needed)")
        try:
            if not self.tls:
                _, protocol = await loop.create_connection(_Protocol, proxy.host, proxy.port)
                return protocol
            transport, tunnel = await loop.create_connection(_Tunnel, proxy.host, proxy.port)
        except OSError as exc:
            raise DeliveryError(f"ProxyError: cannot reach proxy {proxy.url}: {exc}") from None
        try:
            authority = self._host + (b"" if b":" in self._host.rpartition(b"]")[2] else b":%d" % self.port)
            authorization = b"" if proxy.authorization is None else \
                b"Proxy-Authorization: " + proxy.authorization + b"\r\n"
            transport.write(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (authority, authority, authorization))
            answer = await tunnel.answer
            status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
            fields = status_line.split(" ", 2)
            if len(fields) < 2 or not fields[0].startswith("HTTP/") or not fields[1].isdigit():
                raise DeliveryError(f"ProxyError: malformed answer to CONNECT from proxy {proxy.url}: "
                                    f"{status_line[:80]!r}")
            if not 200 <= int(fields[1]) < 300:
                raise DeliveryError(f"ProxyError: proxy {proxy.url} answered {status_line.partition(' ')[2]} to "
                                    f"CONNECT {authority.decode()}")
            protocol = _Protocol()
            try:
                secured = await loop.start_tls(transport, protocol, _tls(), server_hostname=self.host)
            except (OSError, ssl.SSLError) as exc:
                raise DeliveryError(f"ConnectError: {exc}") from None
            protocol.connection_made(secured)
            return protocol
        except BaseException:
            transport.close()
            raise

    async def request(self, method: str, headers: dict[str, str], body: bytes, timeout: float) -> int:
        """Send one request, return the response's status code once the whole response has arrived. Raises
        DeliveryTimeout or DeliveryError; after either the connection is closed (its state is unknown)."""
        loop = asyncio.get_running_loop()
        data = self.head(method, headers, len(body)) + body
        try:
            async with asyncio.timeout(timeout):        # one timer on this task, no task per request
                return await self._exchange(loop, method, data)
        except TimeoutError:
            self.close()
            raise DeliveryTimeout(f"timed out after {timeout:g} s") from None
        except DeliveryError:
            self.close()
            raise

    async def _exchange(self, loop: asyncio.AbstractEventLoop, method: str, data: bytes) -> int:
        reused = self._protocol is not None and not self._protocol.closed
        if not reused:
            self._protocol = await self._connect(loop)
        try:
            return await self._send(loop, self._protocol, method, data)    # type: ignore[arg-type]
        except DeliveryError:
            protocol = self._protocol
            # A kept-alive connection the receiver closed while idle answers nothing: one fresh connection (a
            # delivery may arrive twice — the guarantee is at least once — but never zero times for this reason).
            if not reused or protocol is None or protocol.received:
                raise
            self.close()
            self._protocol = await self._connect(loop)
            return await self._send(loop, self._protocol, method, data)

    @staticmethod
    async def _send(loop: asyncio.AbstractEventLoop, protocol: _Protocol, method: str, data: bytes) -> int:
        if protocol.closed or protocol.transport is None:
            raise DeliveryError("connection closed before the request")
        protocol.head_only = method == "HEAD"
        protocol.received = False
        protocol.waiter = waiter = loop.create_future()
        protocol.transport.write(data)
        status = await waiter
        protocol.waiter = None
        if not protocol.keep_alive:
            protocol.transport.close()
            protocol.closed = True
        return status

    def close(self) -> None:
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.closed = True
            protocol.transport.close()
