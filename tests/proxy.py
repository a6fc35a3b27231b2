"""A small real forwarding HTTP proxy for tests: asyncio in a background thread on 127.0.0.1, port 0.

- absolute-form requests (`POST http://host:port/path HTTP/1.1`): forwarded in origin form over one upstream
  connection per client connection (so a client's keep-alive connection to the proxy stays one connection), the
  response relayed as it came (framed by Content-Length);
- `CONNECT host:port`: `200 Connection established`, then bytes piped both ways (TLS passes through untouched);
- `credentials="user:pass"`: every request and CONNECT needs `Proxy-Authorization: Basic …`, else 407;
- it records what it saw (`seen`: method, target, whether authorised) and how many client connections it accepted.
"""
from __future__ import annotations

import asyncio
import base64
import threading
from dataclasses import dataclass, field
from typing import Iterator

import pytest

HOST = "127.0.0.1"


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]          # lower-cased names


@dataclass
class ForwardingProxy:
    credentials: str | None = None
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="test-proxy")
        self._server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        auth = f"{self.credentials}@" if self.credentials else ""
        return f"http://{auth}{HOST}:{self.port}"

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def start(self) -> "ForwardingProxy":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test proxy did not start")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            self._server = await asyncio.start_server(self._client, HOST, 0)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()
        self._loop.run_until_complete(main())
        self._loop.run_forever()

    def stop(self) -> None:
        async def shut() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(shut(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()

    # -- serving -----------------------------------------------------------------------------------------------
    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.credentials is None:
            return True
        return headers.get("proxy-authorization") == "Basic " + base64.b64encode(self.credentials.encode()).decode()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:]
                                                                        if line)}
                self.seen.append(Seen(method, target, headers))
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if not self._authorised(headers):
                    writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic "
                                 b"realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                if method == "CONNECT":
                    host, _, port = target.rpartition(":")
                    try:
                        up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), int(port))
                    except OSError:
                        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                        await writer.drain()
                        return
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await writer.drain()
                    await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
                    return
                scheme, _, rest = target.partition("://")
                authority, slash, path = rest.partition("/")
                if upstream is None:
                    host, _, port = authority.rpartition(":")
                    upstream = await asyncio.open_connection(host.strip("[]"), int(port or 80))
                up_reader, up_writer = upstream
                forwarded = [f"{method} {slash}{path} HTTP/1.1"] + [
                    line for line in lines[1:] if line and not line.lower().startswith("proxy-")]
                up_writer.write(("\r\n".join(forwarded) + "\r\n\r\n").encode("latin-1") + body)
                answer = await up_reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in answer.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                writer.write(answer + await up_reader.readexactly(length))
                await writer.drain()
        finally:
            if upstream is not None:
                upstream[1].close()
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.fixture
def proxy_factory() -> Iterator[type[ForwardingProxy]]:
    """Starts as many proxies as a test needs (`proxy_factory(credentials=…)`) and always stops them."""
    started: list[ForwardingProxy] = []

    def start(credentials: str | None = None) -> ForwardingProxy:
        proxy = ForwardingProxy(credentials).start()
        started.append(proxy)
        return proxy
    yield start                                                   # type: ignore[misc]
    for proxy in started:
        proxy.stop()
