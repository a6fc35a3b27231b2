"""Req/s of one route through real servers: `--store redis://… --workers 2` against memory with one worker, in
one run, printed as a ratio (issue 16). A shared state costs a Redis round trip per collection lookup and one lock
per write transaction; two workers get a second core for the framework's work.

Starts its own `redis-server` (Debian package; `make redis`) on a free port and two `apitwin serve partners`
servers; the load is an asyncio httpx client with keep-alive connections, on the same machine.

    .venv/bin/python bench/bench_store_http.py [--seconds 3] [--concurrency 16]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench_partners import free_port, wait_for_answer  # the bench scripts' shared helpers (root on sys.path)

from apitwin.progress import RunProgress  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CUSTOMER = {"first_name": "Arya", "last_name": "Stark"}




def serve(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "apitwin", "serve", "partners", "--port", str(port),
                                "--log-level", "warning", "--quiet", *args], cwd=ROOT,
                                stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for_answer(f"{base}/__apitwin/health", process)
    return process, base


async def measure(base: str, route: str, seconds: float, concurrency: int) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=30,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:
        token = (await client.post("/api/v1/api-token-auth/",
                                   json={"username": "demo", "password": "demo-password"})).json()["token"]
        headers = {"Authorization": f"JWT {token}"}
        done = 0
        failed = 0
        deadline = time.perf_counter() + seconds

        async def one() -> None:
            nonlocal done, failed
            while time.perf_counter() < deadline:
                if route == "create":
                    answer = await client.post("/api/v1/customers/", json=CUSTOMER, headers=headers)
                else:
                    answer = await client.get("/api/v1/customers/319/", headers=headers)
                done += 1
                failed += answer.status_code >= 400
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        if failed:
            raise SystemExit(f"{base} {route}: {failed} failed requests")
        return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise SystemExit("redis-server is not installed (make redis)")
    directory = tempfile.mkdtemp()
    redis_port = free_port()
    redis = subprocess.Popen([binary, "--port", str(redis_port), "--bind", "127.0.0.1", "--dir", directory,
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    started: list[subprocess.Popen[bytes]] = [redis]
    try:
        time.sleep(0.5)
        memory, memory_base = serve("--no-validate-responses")
        started.append(memory)
        shared, shared_base = serve("--no-validate-responses", "--store", f"redis://127.0.0.1:{redis_port}/0",
                                    "--workers", "2")
        started.append(shared)
        rows = []
        progress = RunProgress()
        with progress:
            progress.step("2 routes x 2 servers", total=4)
            for route in ("get", "create"):
                one = asyncio.run(measure(memory_base, route, args.seconds, args.concurrency))
                progress.advance()
                two = asyncio.run(measure(shared_base, route, args.seconds, args.concurrency))
                progress.advance()
                rows.append([route, f"{one:,.0f}", f"{two:,.0f}", f"{two / one:.2f}"])
        progress.table(f"Memory vs shared Redis state over HTTP ({args.seconds:g} s per route, "
                       f"{args.concurrency} concurrent)",
                       ["route", "memory, 1 worker req/s", "redis, 2 workers req/s", "ratio"], rows)
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=20)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
