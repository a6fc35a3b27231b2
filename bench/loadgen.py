"""A small, bounded HTTP/1.1 load generator for the benches when `wrk` is not installed: keep-alive connections,
one request in flight per connection, a fixed duration; req/s and p99/p99.9 latency. Runs on uvloop when present.

Not a wrk replacement (one Python process is the ceiling, about 15k req/s here), so a bench prints which driver it
used; ratios between two servers driven by the same driver stay comparable.

    .venv/bin/python bench/loadgen.py URL [--connections 16] [--seconds 2] [-H 'Name: value'] [--method POST --body '{}']
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Result:
    requests: int
    seconds: float
    p99_ms: float
    non_2xx: int
    p999_ms: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class _Connection(asyncio.Protocol):
    """Sends the same request again as soon as the previous answer is complete (Content-Length framed)."""

    def __init__(self, request: bytes, deadline: float, latencies: list[float], done: asyncio.Future) -> None:
        self.request, self.deadline, self.latencies, self.done = request, deadline, latencies, done
        self.buffer = b""
        self.started = 0.0
        self.non_2xx = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._send()

    def _send(self) -> None:
        self.started = time.perf_counter()
        assert self.transport is not None
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None]) if at >= 0 else 0
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            if not head[9:10] == b"2":
                self.non_2xx += 1
            self.buffer = self.buffer[end:]
            now = time.perf_counter()
            self.latencies.append(now - self.started)
            if now >= self.deadline:
                assert self.transport is not None
                self.transport.close()
                return
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(self.non_2xx)


async def _run(url: str, connections: int, seconds: float, method: str, body: bytes,
               headers: dict[str, str]) -> Result:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + seconds
    futures = []
    for _ in range(connections):
        done = loop.create_future()
        await loop.create_connection(lambda d=done: _Connection(request, deadline, latencies, d),
                                     parts.hostname, parts.port or 80)
        futures.append(done)
    non_2xx = sum(await asyncio.wait_for(asyncio.gather(*futures), timeout=seconds + 30))
    elapsed = time.perf_counter() - start
    latencies.sort()

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * share))] * 1000 if latencies else 0.0

    return Result(len(latencies), elapsed, percentile(0.99), non_2xx, percentile(0.999))


def run(url: str, *, connections: int = 16, seconds: float = 2.0, method: str = "GET", body: bytes = b"",
        headers: dict[str, str] | None = None) -> Result:
    """Drive `url` for `seconds` with `connections` keep-alive connections."""
    try:
        import uvloop
        runner = uvloop.run
    except ImportError:  # pragma: no cover - plain asyncio is slower but works
        runner = asyncio.run
    return runner(_run(url, connections, seconds, method, body, dict(headers or {})))


def driver() -> str:
    """Which driver a bench uses: wrk when installed, this module otherwise."""
    return "wrk" if shutil.which("wrk") else "loadgen.py"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--connections", "-c", type=int, default=16)
    parser.add_argument("--seconds", "-d", type=float, default=2.0)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="")
    parser.add_argument("-H", dest="headers", action="append", default=[])
    args = parser.parse_args()
    headers = dict(h.split(":", 1) for h in args.headers)
    result = run(args.url, connections=args.connections, seconds=min(args.seconds, 30.0), method=args.method,
                 body=args.body.encode(), headers={k.strip(): v.strip() for k, v in headers.items()})
    print(json.dumps({"requests": result.requests, "rate": round(result.rate, 1), "p99_ms": round(result.p99_ms, 2),
                      "p999_ms": round(result.p999_ms, 2),
                      "non_2xx": result.non_2xx}))


if __name__ == "__main__":
    main()
