"""Webhook delivery throughput: signed deliveries per second to 1 receiver and spread over 10, on each storage
backend (memory, SQLite `--state` with fsync per commit, Redis `--store`), before and after, from ONE run.

    .venv/bin/python bench/bench_webhooks.py [--events 2000] [--receivers 10] [--backends memory,sqlite,redis]
                                             [--baseline-ref 8cad555] [--limit 15] [--rounds 1] [--profile]

Named baselines, measured in the same run:
- "before": apitwin/webhooks.py as it was at --baseline-ref (loaded from git; httpx client shared by every receiver,
  one store write and one commit per delivery), driven exactly like the current one;
- "ceiling": the receivers' raw capacity for strictly ordered delivery — the same keep-alive connection sending
  one request after the other with no store, no signing, no JSON (what no store-backed sender can beat).
The receivers are ONE lean process (bench/webhook_receiver.py: asyncio + httptools) listening on N ports of
127.0.0.1; it checks that every port and path saw ascending delivery ids, and the bench prints that check.
Each run is bounded: --events events (x receivers deliveries) and --limit seconds; a run that hits the limit reports
what it delivered by then. Logs are sized to hold the run (retention trimming is not what is measured).
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib.util
import io
import json
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apitwin.store import Store  # noqa: E402
from apitwin.webhook_client import ReceiverConnection  # noqa: E402
from apitwin import webhooks as current  # noqa: E402

TENANT = "bench"
EVENT = {"type": "kit.updated", "data": {"kit": {"barcode": "PT100000001", "status": "KIT_RECEIVED",
                                                 "shipment_id": 70}}}


def load_before(ref: str) -> Any:
    """apitwin/webhooks.py at `ref`, as a module of its own (its imports resolve to today's apitwin)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:apitwin/webhooks.py"], capture_output=True,
                            text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("webhooks_before", loader=None)
    module = importlib.util.module_from_spec(spec)          # type: ignore[arg-type]
    sys.modules["webhooks_before"] = module                 # dataclasses look their module up
    exec(compile(source, f"{ref}:apitwin/webhooks.py", "exec"), module.__dict__)
    return module


class Receivers:
    """The receiver process: ports, per-(port, path) counts and order violations."""

    def __init__(self, count: int, seconds: float) -> None:
        self.process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "webhook_receiver.py"), "--ports",
                                         str(count), "--seconds", str(seconds)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()               # type: ignore[union-attr]
        assert line and line[0] == "ports", line
        self.ports = [int(p) for p in line[1:]]

    async def stats(self) -> dict[str, Any]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.ports[0])
        writer.write(b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        data = await reader.readexactly(length)
        writer.close()
        return json.loads(data)

    def close(self) -> None:
        self.process.stdin.close()                                  # type: ignore[union-attr]
        self.process.wait(timeout=10)


class Redis:
    """A throwaway redis-server on 127.0.0.1 (none: the Redis rows are skipped with the reason)."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.why = ""
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            self.why = "redis-server is not installed (`make redis`)"
            return
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", self.dir,
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        import redis
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                self.url = f"redis://127.0.0.1:{port}/0"
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        self.why = "redis-server did not start"

    def fresh(self) -> str:
        import redis
        redis.Redis.from_url(self.url).flushdb()                    # type: ignore[arg-type]
        return self.url                                             # type: ignore[return-value]

    def close(self) -> None:
        if self.url:
            self.process.kill()
            self.process.wait()
            shutil.rmtree(self.dir, ignore_errors=True)


def open_store(backend: str, tmp: Path, redis: Redis, run: int) -> Store:
    store = Store()
    store.mark_seed()
    if backend == "sqlite":
        from apitwin.storage_sqlite import SqliteBackend
        store.attach(SqliteBackend.open(tmp / f"state-{run}.db", "bench"))        # synchronous=FULL, as served
    elif backend == "redis":
        from apitwin.storage_redis import RedisBackend
        store.attach(RedisBackend.open(redis.fresh(), "bench"))
    return store


async def deliver(module: Any, backend: str, ports: list[int], events: int, limit: float, tmp: Path, redis: Redis,
                  run: int, profile: cProfile.Profile | None = None) -> tuple[int, float]:
    """(deliveries delivered, seconds) for `events` events fanned out to one endpoint per port."""
    store = open_store(backend, tmp, redis, run)
    policy = module.DeliveryPolicy(timeout=5, max_attempts=6, max_events=0, max_deliveries=0)
    dispatcher = module.WebhookDispatcher(store, "events", "tenant", lambda row: row, lambda event, name: True, policy)
    for port in ports:
        dispatcher.register(TENANT, f"http://127.0.0.1:{port}/run-{run}", secret="bench-secret")
    with store.transaction():              # enqueue (not measured): one commit; senders start at the first await
        for _ in range(events):
            store["events"].insert({"tenant": TENANT, **EVENT})
    total = events * len(ports)
    deliveries = store["webhook_deliveries"]
    if profile:
        profile.enable()
    last = [row["id"] for row in deliveries.scan()[-len(ports):]]   # each endpoint's last delivery
    started = time.perf_counter()
    dispatcher.kick_all()
    while time.perf_counter() - started < limit:                    # a cheap poll: 10 lookups, not a scan
        await asyncio.sleep(0.02)
        if all(deliveries.get(i)["status"] == "delivered" for i in last):   # each receiver's are in order
            break
    elapsed = time.perf_counter() - started
    done = deliveries.count(status="delivered")
    if profile:
        profile.disable()
    await dispatcher.close()
    store.close()
    return done, elapsed


async def ceiling(ports: list[int], requests: int) -> tuple[int, float]:
    """Strictly ordered requests per receiver (one keep-alive connection each, all receivers at once)."""
    body = json.dumps({"id": 1, **EVENT}, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "X-Apitwin-Delivery-Id": "0"}

    async def one(port: int) -> None:
        connection = ReceiverConnection(f"http://127.0.0.1:{port}/ceiling")
        for _ in range(requests):
            await connection.request("POST", headers, body, 5)
        connection.close()
    started = time.perf_counter()
    await asyncio.gather(*(one(port) for port in ports))
    return requests * len(ports), time.perf_counter() - started


def say(*parts: Any) -> None:
    print(*parts, flush=True)                    # a long run shows its rows as they come


def rate(done: int, seconds: float) -> float:
    return done / seconds if seconds else 0.0


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000, help="events per run (deliveries = events x receivers)")
    parser.add_argument("--receivers", type=int, default=10)
    parser.add_argument("--backends", default="memory,sqlite,redis")
    parser.add_argument("--baseline-ref", default="8cad555", help="git ref of the 'before' webhooks.py")
    parser.add_argument("--limit", type=float, default=15.0, help="seconds per run at most")
    parser.add_argument("--rounds", type=int, default=1, help="alternating before/after rounds (median shown)")
    parser.add_argument("--profile", action="store_true", help="cProfile the 'after' runs (top functions printed)")
    parser.add_argument("--profile-callers", default=None, help="with --profile: callers of functions matching this")
    parser.add_argument("--asyncio-loop", action="store_true", help="the stdlib event loop instead of uvloop")
    parser.add_argument("--fans", default=None, help="receiver counts to run, e.g. 10 (default: 1 and --receivers)")
    args = parser.parse_args()
    before = load_before(args.baseline_ref)
    fans = [int(f) for f in args.fans.split(",")] if args.fans else [1, args.receivers]
    receivers = Receivers(max([args.receivers, *fans]), seconds=600)
    redis = Redis() if "redis" in args.backends else None
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    run = 0
    try:
        say(f"receivers: 1 process, {args.receivers} ports on 127.0.0.1; before = webhooks.py at "
              f"{args.baseline_ref}, after = this tree")
        ceilings = {fan: rate(*await ceiling(receivers.ports[:fan], max(500, args.events // 2)))
                    for fan in sorted(set(fans))}
        for fan, value in ceilings.items():
            say(f"ceiling (receiver raw capacity, ordered, {fan} receiver(s)): {value:,.0f} req/s")
        say(f"{'backend':8} {'receivers':>9} {'deliveries':>10} {'before /s':>10} {'after /s':>10} "
              f"{'after/before':>12} {'after/ceiling':>13}")
        for backend in args.backends.split(","):
            if backend == "redis" and (redis is None or redis.url is None):
                say(f"redis    SKIPPED: {redis.why if redis else 'not asked'}")
                continue
            for fan in fans:
                ports = receivers.ports[:fan]
                samples: dict[str, list[tuple[float, int]]] = {"before": [], "after": []}
                for _ in range(args.rounds):            # alternating rounds: a load spike hits both sides
                    for name, module in (("before", before), ("after", current)):
                        run += 1
                        profile = cProfile.Profile() if args.profile and name == "after" else None
                        done, seconds = await deliver(module, backend, ports, args.events, args.limit, tmp, redis,
                                                      run, profile)
                        samples[name].append((rate(done, seconds), done))
                    if profile:
                        out = io.StringIO()
                        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(14)
                        if args.profile_callers:
                            pstats.Stats(profile, stream=out).sort_stats("tottime").print_callers(args.profile_callers)
                        say(f"-- profile: after, {backend}, {fan} receiver(s) --")
                        say("\n".join(line for line in out.getvalue().splitlines()[:26 if not args.profile_callers else 80] if line.strip()))
                rates = {name: sorted(found)[len(found) // 2] for name, found in samples.items()}   # median
                total = args.events * fan
                capped = "" if all(d >= total for _, d in rates.values()) else \
                    f"  (limit {args.limit:g} s: before {rates['before'][1]:,}, after {rates['after'][1]:,} delivered)"
                say(f"{backend:8} {fan:>9} {total:>10,} {rates['before'][0]:>10,.0f} {rates['after'][0]:>10,.0f} "
                      f"{rates['after'][0] / max(rates['before'][0], 1e-9):>11.2f}x "
                      f"{rates['after'][0] / ceilings[fan]:>12.0%}{capped}")
        stats = await receivers.stats()
        disorder = sum(stats["out_of_order"].values())
        say(f"receiver check: {sum(stats['received'].values()):,} requests, "
              f"{disorder} out of order per receiver ({'OK' if not disorder else 'VIOLATED: ' + str(stats['out_of_order'])})")
    finally:
        receivers.close()
        if redis:
            redis.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if "--asyncio-loop" not in sys.argv:         # `apitwin serve` runs on uvloop (apitwin/serving.py): so does the bench
        import uvloop
        uvloop.install()
    asyncio.run(main())
