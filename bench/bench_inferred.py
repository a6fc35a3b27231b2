"""An inferred API (tests/inferred/fixtures/shop.yaml, served with no code) next to Partners: start-up time (the
app built from the document, in process) and GET list / GET item / POST req/s through ASGI, alternating rounds so
machine noise hits both alike. Prints figures and the ratio inferred/Partners.

    .venv/bin/python bench/bench_inferred.py [--seconds 1] [--rounds 3]
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

import httpx  # noqa: E402

from apitwin.progress import RunProgress  # noqa: E402
from apitwin.app import create_app  # noqa: E402
from apitwin.inferred.plugin import build  # noqa: E402
from apitwin.settings import Settings  # noqa: E402

SHOP = ROOT / "tests" / "inferred" / "fixtures" / "shop.yaml"
ADA = "0b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a01"
CUSTOMER = {"first_name": "Arya", "last_name": "Stark", "email": "arya@winterfell.com", "gender": "female",
            "ethnicity": ["caucasian"], "caffeine_consumption": "no", "diet": []}


def timed(make: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    app = make()
    return app, time.perf_counter() - started


async def rate(client: httpx.AsyncClient, method: str, url: str, seconds: float, **kwargs: Any) -> float:
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        response = await client.request(method, url, **kwargs)
        assert response.status_code < 300, (url, response.status_code, response.text[:200])
        done += 1
    return done / seconds


async def partners_headers(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    return {"Authorization": f"JWT {answer.json()['token']}"}


async def main(seconds: float, rounds: int) -> None:
    logging.getLogger("apitwin").setLevel(logging.CRITICAL)
    settings = Settings(seed=0)
    inferred, inferred_start = timed(lambda: create_app([build(SHOP)], settings=settings))
    partners, partners_start = timed(lambda: create_app(["partners"], settings=settings))
    print(f"start-up (app built in process): inferred {inferred_start * 1000:.0f} ms, "
          f"partners {partners_start * 1000:.0f} ms")
    auth = {"Authorization": "Bearer bench"}
    results: dict[str, list[float]] = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=inferred), base_url="http://b") as shop, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=partners), base_url="http://b") as pclient:
        try:
            pheaders = await partners_headers(pclient)
        except Exception as exc:  # noqa: BLE001 - the seeded login may differ; say so instead of a traceback
            print(f"partners login failed ({exc}); partners figures skipped")
            pheaders = None
        first_customer = None
        if pheaders is not None:
            listed = (await pclient.get("/api/v1/customers/", headers=pheaders)).json()
            rows = listed.get("results", listed) if isinstance(listed, dict) else listed
            first_customer = rows[0]["id"] if rows else None
        progress = RunProgress()
        with progress:
            progress.step(f"{rounds} rounds x {'2 apps' if pheaders is not None else '1 app'} x 3 routes",
                          total=rounds * (2 if pheaders is not None else 1))
            for _ in range(rounds):
                for label, call in (
                    ("inferred GET list", rate(shop, "GET", "/api/customers", seconds, headers=auth)),
                    ("inferred GET item", rate(shop, "GET", f"/api/customers/{ADA}", seconds, headers=auth)),
                    ("inferred POST", rate(shop, "POST", "/api/customers", seconds, headers=auth,
                                           json={"name": "Bench", "tier": "free"})),
                ):
                    results.setdefault(label, []).append(await call)
                await shop.post("/__apitwin/apis/shop/reset")
                progress.advance()
                if pheaders is not None:
                    for label, call in (
                        ("partners GET list", rate(pclient, "GET", "/api/v1/customers/", seconds, headers=pheaders)),
                        ("partners GET item", rate(pclient, "GET", f"/api/v1/customers/{first_customer}/", seconds, headers=pheaders)),
                        ("partners POST", rate(pclient, "POST", "/api/v1/customers/", seconds, headers=pheaders,
                                               json=CUSTOMER)),
                    ):
                        results.setdefault(label, []).append(await call)
                    await pclient.post("/__apitwin/apis/partners/reset")
                    progress.advance()
    best = {label: max(values) for label, values in results.items()}
    rows = []
    for kind in ("GET list", "GET item", "POST"):
        inferred_rate, partners_rate = best[f"inferred {kind}"], best.get(f"partners {kind}")
        rows.append([kind, f"{inferred_rate:,.0f}", "-" if partners_rate is None else f"{partners_rate:,.0f}",
                     "-" if partners_rate is None else f"{inferred_rate / partners_rate:.2f}"])
    progress.table(f"Inferred mock vs Partners mock, req/s through ASGI (best of {rounds} rounds of {seconds:g} s)",
                   ["route", "inferred req/s", "partners req/s", "ratio inferred/partners"], rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.rounds))
