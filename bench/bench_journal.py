"""The request journal's cost on GET throughput: one Partners mock with its journal on (default size, every request
recorded with its bodies) and off (size 0: the recorder passes requests through), switched between batches, driven
in-process through ASGI, alternating batches so machine noise hits both alike, timed in CPU seconds of this process. Prints req/s and the ratio on/off for a list and
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
from apitwin.progress import RunProgress  # noqa: E402
from apitwin.settings import Settings  # noqa: E402


async def login(app: object) -> dict[str, str]:
    status, body = await call(app, "POST", "/api/v1/api-token-auth/", {"content-type": "application/json"},
                              json.dumps({"username": "demo", "password": "demo-password"}).encode())
    assert status == 200, body
    return {"Authorization": f"JWT {json.loads(body)['token']}"}


async def timed(app: object, path: str, headers: dict[str, str], count: int) -> float:
    """CPU seconds this process spent on `count` GETs (each must answer 200). CPU time, not wall time: on a shared
    machine the wall clock also counts the time other processes held the cores, which is noise here; in-process
    ASGI calls are CPU-bound, so requests per CPU second is the throughput one core gives."""
    began = time.process_time()
    for _ in range(count):
        status, payload = await call(app, "GET", path, headers)
        if status != 200:
            raise SystemExit(f"GET {path}: expected 200, got {status}: {payload[:200]!r}")
    return time.process_time() - began


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=30, help="alternating off/on batches per case (default 30)")
    parser.add_argument("--batch", type=int, default=100, help="requests per batch (default 100)")
    args = parser.parse_args()
    logging.getLogger("connexion").setLevel(logging.ERROR)
    # One app, its journal switched between batches: the same routes, caches and store on both sides, so only the
    # journal differs. Off = size 0 (the recorder passes requests through); on = the default size.
    app = create_app(["partners"], settings=Settings())
    journal = app.apitwin.journal
    size = journal.size
    await lifespan(app)
    headers = await login(app)
    status, body = await call(app, "GET", "/api/v1/customers/", headers)
    first = json.loads(body)[0]["id"]
    cases = {"list": "/api/v1/customers/", "get": f"/api/v1/customers/{first}/"}
    for path in cases.values():                              # warm-up: connexion builds its stack lazily
        await timed(app, path, headers, 100)

    async def batch(name: str, path: str) -> float:
        journal.size = size if name == "on" else 0
        return await timed(app, path, headers, args.batch)

    ratios, rows = [], []
    progress = RunProgress()
    with progress:
        progress.step(f"{len(cases)} routes x {args.pairs} off/on pairs of {args.batch} requests",
                      total=len(cases) * args.pairs)
        for case, path in cases.items():
            # batches alternate (off, on), then (on, off): load drifts on a shared machine hit both sides alike
            pair_ratios, totals = [], {"off": 0.0, "on": 0.0}
            for pair in range(args.pairs):
                order = ("off", "on") if pair % 2 == 0 else ("on", "off")
                spent = {name: await batch(name, path) for name in order}
                totals["off"] += spent["off"]
                totals["on"] += spent["on"]
                pair_ratios.append(spent["off"] / spent["on"])
                progress.advance()
            ratio = statistics.median(pair_ratios)
            ratios.append(ratio)
            count = args.pairs * args.batch
            rows.append([f"GET {case}", f"{count / totals['off']:,.0f}", f"{count / totals['on']:,.0f}",
                         f"{ratio:.3f}"])
    journal.size = size
    progress.table(f"Journal cost (median ratio of {args.pairs} alternating batches)",
                   ["route", "off req/CPU-s", "on req/CPU-s", "ratio on/off"], rows)
    print(f"journal on: {len(journal)} requests kept (size {size}), {journal.dropped} dropped as the oldest")
    mean = statistics.mean(ratios)
    print(f"journal cost on GET throughput: {(1 - mean) * 100:.1f} % (ratio {mean:.3f}; goal >= 0.95)")


if __name__ == "__main__":
    asyncio.run(main())
