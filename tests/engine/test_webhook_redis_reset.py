"""Workers sharing one state on Redis (`--workers N --store redis://`): a reset or import in one worker moves the
shared epoch (apitwin/storage_redis.py) that every other worker reads with the state, and a webhook batch another
worker had in flight across that reset records nothing. Before, it wrote its old results into the new state, whose
ids start over: the new state's delivery with the same id was marked delivered without ever being sent — lost.

Two stores on one real Redis stand for two workers (tests/engine/redis_server.py; skips LOUDLY without it); the
receiver is a real HTTP server (tests/receiver.py); every wait is a bounded poll."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from apitwin.store import Store
from apitwin.webhooks import DeliveryPolicy, WebhookDispatcher, verify_signature
from tests.engine.backends import Opened
from tests.receiver import Received, Receiver, receiver_factory  # noqa: F401 (fixture)

TENANT = "t1"


@pytest.fixture
def redis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opened]:
    found = Opened("redis", tmp_path, request)
    yield found
    found.close()


def dispatcher(store: Store) -> WebhookDispatcher:
    policy = DeliveryPolicy(timeout=5, max_attempts=3, backoff_base=0.05, backoff_max=0.1, seed=1, max_events=0,
                            max_deliveries=0, batch=8)
    return WebhookDispatcher(store, "events", "tenant", lambda row: row, lambda event, name: True, policy)


def test_the_epoch_moves_with_reset_and_import_anywhere_and_only_then(redis: Opened) -> None:
    a, b = redis.new(), redis.new()
    start = a.epoch
    assert b.epoch == start
    a["events"].insert({"tenant": TENANT})                    # ordinary writes: same epoch
    assert b["events"].filter() and b.epoch == start
    a.reset()
    assert a.epoch == start + 1
    b["events"]                                               # B's next look at the shared state
    assert b.epoch == start + 1 and b["events"].filter() == []
    b.load(a.export())                                        # an import in B
    assert b.epoch == start + 2
    assert a["events"] is not None and a.epoch == start + 2
    a.backend.seen = -1                                       # type: ignore[union-attr]  # fell behind: a reload
    a["events"]
    assert a.epoch == start + 2                               # a reload is not a replacement


def test_a_batch_in_flight_across_another_workers_reset_records_nothing(
        redis: Opened, receiver_factory: Callable[[], Receiver]) -> None:
    receiver = receiver_factory()
    receiver.behave(script=lambda request, index: (200, 1.5 if request.json["n"] == "old" else 0.0))
    worker_a, worker_b = redis.new(), redis.new()
    hooks_a, hooks_b = dispatcher(worker_a), dispatcher(worker_b)
    hooks_a.register(TENANT, receiver.url, secret="before")          # no event loop yet: A starts no sender
    worker_a["events"].insert({"tenant": TENANT, "type": "thing.happened", "n": "old"})

    async def run() -> list[dict[str, Any]]:
        hooks_b.kick_all()                                    # B's sender takes the receiver's lease
        deadline = time.monotonic() + 10
        while not receiver.requests:                          # B is sending the old delivery 1 (1.5 s)
            assert time.monotonic() < deadline, "worker B did not send"
            await asyncio.sleep(0.02)
        worker_a.reset()                                      # the admin reset, in worker A
        hooks_a.state_replaced()
        hooks_a.register(TENANT, receiver.url, secret="after")       # endpoint 1 again, new secret
        worker_a["events"].insert({"tenant": TENANT, "type": "thing.happened", "n": "new"})   # delivery 1 again
        deadline = time.monotonic() + 15
        while True:
            rows = worker_a["webhook_deliveries"].filter()
            if rows and rows[0]["status"] == "delivered" and len(receiver.requests) >= 2:
                break
            assert time.monotonic() < deadline, f"the new delivery was not sent: {rows}, {receiver.requests}"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)                              # anything further would show now
        await hooks_a.close()
        await hooks_b.close()
        return worker_a["webhook_deliveries"].filter()

    rows = asyncio.run(run())
    assert [(r["id"], r["payload"]["n"], r["status"]) for r in rows] == [(1, "new", "delivered")]
    assert [r.json["n"] for r in receiver.requests] == ["old", "new"]
    new: Received = receiver.requests[1]
    assert verify_signature("after", new.headers["x-apitwin-timestamp"], new.body, new.headers["x-apitwin-signature"])
    (attempt,) = rows[0]["attempts"]                          # the new delivery's own attempt, not the old one's
    assert attempt["ok"] and attempt["latency_ms"] < 1500
