"""A lean webhook receiver for the benches: one process, N listening sockets on 127.0.0.1 (N receivers), each
answering every POST with 204 over keep-alive (asyncio + httptools, as uvicorn parses). It checks what a receiver
of apitwin's webhooks may rely on: per port, deliveries arrive in ascending X-Apitwin-Delivery-Id order (a re-send
of the same id after a failure is allowed; a smaller id after a larger one is not), counted per port and path
(a bench run uses a path of its own).

    python bench/webhook_receiver.py --ports 10 --seconds 120
prints `ports 40001 40002 …` on start and exits when stdin closes or after --seconds. `GET /stats` on any port
answers {"received": {"PORT PATH": n}, "out_of_order": {"PORT PATH": n}}. `--fail-every K` answers 503 to every
K-th POST of a port and path.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys

import httptools


class Counts:
    def __init__(self) -> None:
        self.received: dict[str, int] = {}
        self.out_of_order: dict[str, int] = {}
        self.last: dict[str, int] = {}


class Hook(asyncio.Protocol):
    """One connection: answers each complete request in arrival order (pipelined requests included)."""

    def __init__(self, port: int, counts: Counts, fail_every: int) -> None:
        self.port = port
        self.counts = counts
        self.fail_every = fail_every
        self.parser = httptools.HttpRequestParser(self)
        self.delivery = b""
        self.url = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url = url

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"x-apitwin-delivery-id":
            self.delivery = value

    def on_message_complete(self) -> None:
        assert self.transport is not None
        if self.parser.get_method() == b"GET":
            body = json.dumps({"received": self.counts.received, "out_of_order": self.counts.out_of_order}).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                                 % (len(body), body))
            return
        counts, key = self.counts, f"{self.port} {self.url.decode()}"
        n = counts.received[key] = counts.received.get(key, 0) + 1
        if self.delivery.isdigit():
            delivery = int(self.delivery)
            if delivery < counts.last.get(key, 0):
                counts.out_of_order[key] = counts.out_of_order.get(key, 0) + 1
            counts.last[key] = delivery
        self.delivery = b""
        if self.fail_every and n % self.fail_every == 0:
            self.transport.write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")
        else:
            self.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ports", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--fail-every", type=int, default=0)
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    counts = Counts()
    servers, ports = [], []
    for _ in range(args.ports):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        servers.append(await loop.create_server(lambda p=port: Hook(p, counts, args.fail_every), sock=sock))
        ports.append(port)
    print("ports", *ports, flush=True)
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    try:
        await asyncio.wait_for(stdin_closed, args.seconds)
    except asyncio.TimeoutError:
        pass
    for server in servers:
        server.close()


if __name__ == "__main__":
    try:
        import uvloop  # the receiver should not be the bottleneck
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
