"""One webhook receiver's HTTP/1.1 connection: kept alive between deliveries, one request at a time (a receiver's
deliveries are strictly ordered, so there is never a second request in flight to pipeline).

Why not httpx: measured per delivery on a loopback receiver (bench/bench_webhooks.py), httpx's pool, request and
response models cost several times the whole rest of a delivery; the sender needs only "send these bytes, read
the status, drain the body". Here a request is one `write` of pre-built bytes and the response is parsed by
httptools (the parser uvicorn uses). TLS via the stdlib `ssl` module; no proxies (a webhook goes where its URL
and the target policy say) and no redirects (a 3xx is a failed attempt, as before).
"""
from __future__ import annotations

import asyncio
import ssl
from typing import Any
from urllib.parse import urlsplit

import httptools


class DeliveryError(Exception):
    """The attempt got no complete response (refused, reset, closed early, malformed answer)."""


class DeliveryTimeout(DeliveryError):
    """No complete response within the attempt's timeout."""


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

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.url = url
        self.tls = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.tls else 80)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        host_header = f"[{self.host}]" if ":" in self.host else self.host
        if parts.port is not None:
            host_header += f":{parts.port}"
        self._target = target.encode("ascii", "strict") if target.isascii() else target.encode("utf-8")
        self._host = host_header.encode("idna") if not host_header.isascii() else host_header.encode()
        self._protocol: _Protocol | None = None

    def head(self, method: str, headers: dict[str, str], length: int) -> bytes:
        """The request line and headers (with Host and Content-Length) as sent."""
        lines = [b"%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (method.encode(), self._target,
                                                                              self._host, length)]
        lines.extend(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers.items())
        lines.append(b"\r\n")
        return b"".join(lines)

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> _Protocol:
        kwargs: dict[str, Any] = {"ssl": _tls(), "server_hostname": self.host} if self.tls else {}
        try:
            _, protocol = await loop.create_connection(_Protocol, self.host, self.port, **kwargs)
        except (OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"ConnectError: {exc}") from None
        return protocol

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
