"""The request journal's cost on GET throughput: the Partners mock with the journal on (default size, every request
recorded with its bodies) vs off (`journal_size=0`: the recorder passes requests through), driven in-process
through ASGI, alternating rounds so machine noise hits both alike. Prints req/s and the ratio on/off for a list and
a get-by-id. Goal (issue 15): the journal costs under 5 % (ratio >= 0.95).

    .venv/bin/python bench/bench_journal.py [--pairs 30] [--batch 100]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_partners import call, lifespan  # noqa: E402

from apitwin.app import create_app  # noqa: E402
from apitwin.settings import Settings  # noqa: E402


async def login(app: object) -> dict[str, str]:
    status, body = await call(app, "POST", "/api/v1/api-token-auth/", {"content-type": "application/json"},
                              json.dumps({"username": "demo", "password": "demo-password"}).encode())
    assert status == 200, body
    return {"Authorization": f"JWT {json.loads(body)['token']}"}


async def timed(app: object, path: str, headers: dict[str, str], count: int) -> float:
    """Seconds for `count` GETs (each must answer 200)."""
    began = time.perf_counter()
    for _ in range(count):
        status, payload = await call(app, "GET", path, headers)
        if status != 200:
            raise SystemExit(f"GET {path}: expected 200, got {status}: {payload[:200]!r}")
    return time.perf_counter() - began


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=30, help="alternating off/on batches per case (default 30)")
    parser.add_argument("--batch", type=int, default=100, help="requests per batch (default 100)")
    args = parser.parse_args()
    logging.getLogger("connexion").setLevel(logging.ERROR)
    apps = {"off": create_app(["partners"], settings=Settings(journal_size=0)),
            "on": create_app(["partners"], settings=Settings())}
    headers = {}
    for name, app in apps.items():
        await lifespan(app)
        headers[name] = await login(app)
    status, body = await call(apps["on"], "GET", "/api/v1/customers/", headers["on"])
    first = json.loads(body)[0]["id"]
    cases = {"list": "/api/v1/customers/", "get": f"/api/v1/customers/{first}/"}
    for name in apps:                                       # warm-up: connexion builds its stack lazily
        for path in cases.values():
            await timed(apps[name], path, headers[name], 50)
    ratios = []
    for case, path in cases.items():
        # batches alternate (off, on), then (on, off): load drifts on a shared machine hit both sides alike
        pair_ratios, totals = [], {"off": 0.0, "on": 0.0}
        for pair in range(args.pairs):
            order = ("off", "on") if pair % 2 == 0 else ("on", "off")
            spent = {name: await timed(apps[name], path, headers[name], args.batch) for name in order}
            totals["off"] += spent["off"]
            totals["on"] += spent["on"]
            pair_ratios.append(spent["off"] / spent["on"])
        ratio = statistics.median(pair_ratios)
        ratios.append(ratio)
        count = args.pairs * args.batch
        print(f"GET {case:5} off {count / totals['off']:7.0f} req/s   on {count / totals['on']:7.0f} req/s   "
              f"throughput ratio on/off {ratio:.3f} (median of {args.pairs} alternating batches)")
    kept = apps["on"].apitwin.journal
    print(f"journal on: {len(kept)} requests kept (size {kept.size}), {kept.dropped} dropped as the oldest")
    mean = statistics.mean(ratios)
    print(f"journal cost on GET throughput: {(1 - mean) * 100:.1f} % (ratio {mean:.3f}; goal >= 0.95)")


if __name__ == "__main__":
    asyncio.run(main())
