"""MOLGENIS collection queries over 100 000 rows: p50 latency, req/s and memory per 100 000 rows.

Fills `biobank_Sample` of the demo model with generated rows (seeded), then drives the mock in-process over ASGI
(no sockets: the handler + framework cost) with filtered, sorted, paged queries whose filter values and pages vary
from request to request:

- indexed:  POST /api/v1/biobank_Sample?_method=GET  {type EQUALS x AND volume_ml GREATER v, sort collected DESC,
            start s, num 100}  — answered from the query indexes (handlers/molgenis/indexes.py)
- get-q:    GET  /api/v1/biobank_Sample?q[0].field=type&q[0].operator=EQUALS&q[0].value=x&start=s&num=100
- scan:     the same tunnel with `notes LIKE x` (not indexable: the compiled predicate over every row)
- write+q:  one row replaced, then the indexed query (the indexes follow the write instead of being rebuilt)

Also the query path alone (data.query_page, without HTTP and rendering), the first (cold) query that builds the
indexes, and memory: tracemalloc growth while the rows are stored, scaled to 100 000 rows.
Target (issue 4): p50 < 10 ms on the query path.

    .venv/bin/python bench/bench_molgenis.py [--rows 100000] [--requests 200]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from apitwin.app import create_app  # noqa: E402
from apitwin.progress import RunProgress  # noqa: E402
from apitwin_apis.molgenis import data  # noqa: E402
from apitwin_apis.molgenis.context import RequestContext  # noqa: E402
from apitwin_apis.molgenis.model_store import model_of  # noqa: E402
from apitwin_apis.molgenis.repository import Repository  # noqa: E402
from apitwin_apis.molgenis.security import Security  # noqa: E402

TYPE = "biobank_Sample"
SAMPLE_TYPES = ["plasma", "serum", "tissue", "rna", "dna"]
WORDS = ["haemolysed", "late", "spun", "frozen", "thawed", "aliquot", "label", "ok"]


def generate(rows: int, donors: list[str], seed: int = 4) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for number in range(rows):
        values: dict[str, Any] = {
            "id": f"G-{number:07d}", "donor": rng.choice(donors), "type": rng.choice(SAMPLE_TYPES),
            "collected": f"20{rng.randint(10, 25):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                         f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
            "consent": rng.random() < 0.9}
        if rng.random() < 0.8:
            values["volume_ml"] = round(rng.uniform(0.5, 10.0), 1)
        if rng.random() < 0.3:
            values["notes"] = " ".join(rng.choice(WORDS) for _ in range(3))
        out.append(values)
    return out


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def timed(call: Callable[[int], Any], count: int, progress: RunProgress | None = None) -> list[float]:
    samples = []
    if progress is not None:
        progress.step(call.__name__, total=count)
    for i in range(count):
        started = time.perf_counter()
        await call(i)
        samples.append(time.perf_counter() - started)
        if progress is not None:
            progress.advance()
    return samples


async def run(rows: int, requests: int) -> None:
    with RunProgress() as progress:
        await measure(rows, requests, progress)


async def measure(rows: int, requests: int, progress: RunProgress) -> None:
    logging.disable(logging.WARNING)
    app = create_app(["molgenis"])
    rt = app.apitwin.runtimes["molgenis"]
    store = rt.store
    model = model_of(store)
    donors = [row["id"] for row in Repository(store, model.get("biobank_Donor")).scan()]
    generated = generate(rows, donors)
    repository = Repository(store, model.get(TYPE))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    progress.step(f"inserting {rows:,} rows", total=rows)
    for number, values in enumerate(generated, 1):
        repository.insert(values)
        if number % 1000 == 0 or number == rows:
            progress.advance(1000 if number % 1000 == 0 else number % 1000)
    del generated
    gc.collect()
    memory = (tracemalloc.get_traced_memory()[0] - before) * 100_000 / rows
    tracemalloc.stop()

    transport = httpx.ASGITransport(app=app)
    rng = random.Random(7)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        login = await client.post("/api/v1/login", json={"username": "admin", "password": "admin"})
        headers = {"x-molgenis-token": login.json()["token"]}

        def tunnel_body(i: int) -> dict[str, Any]:
            return {"q": [{"field": "type", "operator": "EQUALS", "value": SAMPLE_TYPES[i % 5]}, {"operator": "AND"},
                          {"field": "volume_ml", "operator": "GREATER", "value": rng.choice([1, 2, 5, 8])}],
                    "sort": {"orders": [{"property": "collected", "direction": "DESC"}]},
                    "start": rng.randrange(0, 5000, 100), "num": 100}

        async def indexed(i: int) -> None:
            response = await client.post(f"/api/v1/{TYPE}?_method=GET", json=tunnel_body(i), headers=headers)
            assert response.status_code == 200, response.text

        async def get_q(i: int) -> None:
            response = await client.get(f"/api/v1/{TYPE}?q[0].field=type&q[0].operator=EQUALS"
                                        f"&q[0].value={SAMPLE_TYPES[i % 5]}&start={rng.randrange(0, 5000, 100)}"
                                        f"&num=100", headers=headers)
            assert response.status_code == 200, response.text

        async def scan(i: int) -> None:
            body = {"q": [{"field": "notes", "operator": "LIKE", "value": WORDS[i % len(WORDS)]}],
                    "start": 0, "num": 100}
            response = await client.post(f"/api/v1/{TYPE}?_method=GET", json=body, headers=headers)
            assert response.status_code == 200, response.text

        async def write_then_query(i: int) -> None:
            """One row changed (as a PUT would: a full replacement), then the indexed query."""
            row_id = f"G-{rng.randrange(rows):07d}"
            stored = repository.get(row_id)
            repository.replace(row_id, {**stored, "type": SAMPLE_TYPES[i % 5], "volume_ml": rng.choice([1.5, 9.5])})
            await indexed(i)

        cold = await timed(indexed, 1)
        results = {"indexed": await timed(indexed, requests, progress),
                   "get-q": await timed(get_q, requests, progress),
                   "scan": await timed(scan, max(10, requests // 10), progress),
                   "write+q": await timed(write_then_query, max(10, requests // 10), progress)}

    ctx = RequestContext(store=store, model=model, security=Security(store), username="admin", prefix="")
    entity_type = model.get(TYPE)
    direct = []
    progress.step("query path alone", total=requests)
    for i in range(requests):
        body = tunnel_body(i)
        started = time.perf_counter()
        data.query_page(ctx, entity_type, rules=body["q"], sort=body["sort"], start=body["start"], num=100)
        direct.append(time.perf_counter() - started)
        progress.advance()
    progress.end_step()

    progress.table(f"MOLGENIS collection queries over {rows:,} rows of {TYPE} (in-process ASGI, sequential)",
                   ("query", "p50 ms", "p95 ms", "req/s"),
                   [(name, f"{p50(samples):.2f}", f"{statistics.quantiles(samples, n=20)[18] * 1000:.2f}",
                     f"{len(samples) / sum(samples):.1f}") for name, samples in results.items()])
    print(f"  first query (builds the indexes): {cold[0] * 1000:.1f} ms")
    print(f"  a write before the query (indexes follow it): write+q p50 / indexed p50 = "
          f"{p50(results['write+q']) / p50(results['indexed']):.2f}x (a rebuild would cost about the first query)")
    print(f"  query path alone (filter+sort+page, no HTTP/render): p50 {p50(direct):.2f} ms")
    print(f"  memory: {memory / 1e6:.1f} MB per 100,000 rows")
    print(f"  target p50 < 10 ms on the query path: {'met' if p50(results['indexed']) < 10 else 'NOT met'}"
          f" ({p50(results['indexed']):.2f} ms over HTTP-in-process, {p50(direct):.2f} ms query path)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.requests))


if __name__ == "__main__":
    main()
