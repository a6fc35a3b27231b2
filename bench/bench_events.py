"""Events and webhooks of the Partners mock: event-list latency with 100 000 stored events, and webhook
deliveries per second to a local receiver (a separate uvicorn process on 127.0.0.1).

    .venv/bin/python bench/bench_events.py [--events 100000] [--deliveries 2000]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_partners import call, free_port, wait_for_port  # noqa: E402

from apitwin.app import create_app  # noqa: E402
from apitwin.progress import RunProgress  # noqa: E402
from apitwin.settings import Settings  # noqa: E402
from apitwin.timeutil import format_datetime  # noqa: E402
from apitwin_apis.partners.lifecycle import record_event  # noqa: E402

RECEIVER = """
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
async def hook(request):
    await request.body()
    return Response(status_code=204)
uvicorn.run(Starlette(routes=[Route("/hook", hook, methods=["POST"])]), host="127.0.0.1", port={port},
            log_level="error", access_log=False)
"""


def fill_events(rt, count: int) -> str:
    """`count` events for the demo partner, one per second from 2020-01-01; returns the timestamp 100 from the end."""
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    kit = {"barcode": "PT100000001", "status": "KIT_RECEIVED", "shipment_id": 70}
    for i in range(count):
        record_event(rt.store, "demo-partner", "kit.updated", {"kit": kit}, format_datetime(start + timedelta(seconds=i)))
    return format_datetime(start + timedelta(seconds=count - 100))


async def list_latency(app, token: str, path: str, repeat: int) -> tuple[float, float, int]:
    headers = {"authorization": f"JWT {token}"}
    timings = []
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        status, body = await call(app, "GET", path.split("?")[0], headers, query=path.partition("?")[2])
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, body[:200]
        size = len(body)
    return statistics.median(timings), max(timings), size


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    logging.getLogger("connexion").setLevel(logging.ERROR)

    app = create_app(["partners"], settings=Settings())
    rt = app.apitwin.runtimes["partners"]
    started = time.perf_counter()
    recent = fill_events(rt, args.events)
    print(f"stored {args.events:,} events in {time.perf_counter() - started:.1f} s")
    status, payload = await call(app, "POST", "/api/v1/api-token-auth/", {"content-type": "application/json"},
                                 json.dumps({"username": "demo", "password": "demo-password"}).encode())
    token = json.loads(payload)["token"]
    cases = [
        ("newest 100 (created_at__gte)", f"/api/v1/events/?created_at__gte={recent.replace('+', '%2B')}"),
        ("first page of 100", "/api/v1/events/?page=1&page_size=100"),
        ("type filter, page of 100", "/api/v1/events/?type=kit_received_by_lab&page=1&page_size=100"),
    ]
    rows = []
    progress = RunProgress()
    with progress:
        progress.step("event list queries", total=len(cases))
        for label, path in cases:
            p50, worst, size = await list_latency(app, token, path, 10)
            rows.append([label, f"{p50:.1f}", f"{worst:.1f}", f"{size:,}"])
            progress.advance()
    progress.table(f"Event list with {args.events:,} events (10 calls each)", ["query", "p50 ms", "max ms", "bytes"],
                   rows)

    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER.format(port=port)], env=os.environ.copy())
    try:
        wait_for_port(port)
        fresh = create_app(["partners"], settings=Settings())
        frt = fresh.apitwin.runtimes["partners"]
        frt.webhooks.register("demo-partner", f"http://127.0.0.1:{port}/hook", secret="bench-secret")
        started = time.perf_counter()
        for i in range(args.deliveries):
            record_event(frt.store, "demo-partner", "kit.updated",
                         {"kit": {"barcode": "PT1", "status": "KIT_RECEIVED", "shipment_id": 70}})
        frt.webhooks.kick_all()
        deliveries = frt.store["webhook_deliveries"]
        while True:
            if not deliveries.count(lambda d: d["status"] != "delivered"):   # counts, copies nothing
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        print(f"webhooks: {args.deliveries:,} signed deliveries to one receiver (in order) in {elapsed:.2f} s "
              f"= {args.deliveries / elapsed:,.0f} deliveries/s")
        await frt.webhooks.close()
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
