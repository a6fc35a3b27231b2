"""The outer layers alone: apitwin's fused `Front` vs the six layers it replaced (tests/engine/reference_outer.py), each
around the same trivial inner app (a fixed JSON answer, as an endpoint gives), on a Partners path with the journal on,
in one process, alternating rounds; prints CPU µs per request of each (less the driver and the inner app alone)
and the ratio. What the rest of the pipeline
costs does not enter, so the difference is the outer layers' own.

    .venv/bin/python bench/bench_outer.py [--count 20000] [--rounds 5]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apitwin.app import create_app  # noqa: E402
from apitwin.settings import Settings  # noqa: E402
from tests.engine.reference_outer import with_reference_layers  # noqa: E402

BODY = b'{"id": 319, "first_name": "Arya", "last_name": "Stark"}'


async def inner(scope: dict, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(BODY)).encode()), (b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": BODY})


def outer_only(app: Any) -> Any:
    """The app's middleware list cut after its outer layers (everything before Connexion's routing), around
    `inner`; built as Connexion builds it."""
    layers = app.middleware.middlewares
    cut = next(i for i, m in enumerate(layers) if getattr(m, "func", m).__name__ in ("RoutingMiddleware", "Routing"))
    built = inner
    for layer in reversed(layers[:cut]):
        built = layer(built)
    return built


async def one(app: Any, headers: list[tuple[bytes, bytes]]) -> None:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/api/v1/customers/319/", "raw_path": b"/api/v1/customers/319/", "query_string": b"",
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000)}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    await app(scope, receive, send)


async def measure(app: Any, count: int, headers: list[tuple[bytes, bytes]]) -> float:
    started = time.process_time()
    for _ in range(count):
        await one(app, headers)
    return (time.process_time() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("connexion").setLevel(logging.ERROR)
    apps = {"fused Front": outer_only(create_app(["partners"], settings=Settings())),
            "six old layers": outer_only(with_reference_layers(create_app(["partners"], settings=Settings()))),
            "inner app alone": inner}
    headers = [(b"host", b"127.0.0.1:8000"), (b"authorization", b"JWT x"), (b"accept", b"*/*")]
    for label, extra in (("no Origin", []), ("with Origin", [(b"origin", b"https://app.example")])):
        best = {name: float("inf") for name in apps}
        for _ in range(args.rounds):
            for name, app in apps.items():
                best[name] = min(best[name], asyncio.run(measure(app, args.count, headers + extra)))
        floor = best["inner app alone"]      # the driver and the inner app: not the layers' cost
        fused, old = best["fused Front"] - floor, best["six old layers"] - floor
        print(f"outer layers, {label}: fused {fused:.1f} µs, six layers {old:.1f} µs per request "
              f"(fused = {fused / old:.0%} of before; driver and inner app {floor:.1f} µs left out)")


if __name__ == "__main__":
    main()
