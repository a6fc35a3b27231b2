"""Batched webhook delivery (apitwin/webhooks.py) on every backend — memory, SQLite `--state`, Redis `--store`:
deliveries to one receiver arrive in order across batches; a failure in the middle of a batch stops the batch there
and is retried before anything after it is sent; dead letters settle the head so the rest follow; results are
written once per batch (not per delivery); and where the backend is durable, a crash between sending and recording
re-sends on restart (at least once, never lost).

The receiver is a real HTTP server on 127.0.0.1 (tests/receiver.py); the dispatcher runs on this test's own event
loop (asyncio.run); every wait is a bounded poll."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from apitwin import webhooks
from apitwin.store import Store
from apitwin.webhooks import DeliveryPolicy, WebhookDispatcher
from tests.engine.backends import Opened
from tests.receiver import Received, Receiver, receiver_factory  # noqa: F401 (fixture)

TENANT = "t1"


@pytest.fixture(params=["memory", "sqlite", "redis"])
def opened(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opened]:
    found = Opened(request.param, tmp_path, request)
    yield found
    found.close()


@pytest.fixture(params=["sqlite", "redis"])
def durable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opened]:
    """Only the backends that keep state across a restart (memory keeps nothing to re-send from)."""
    found = Opened(request.param, tmp_path, request)
    yield found
    found.close()


def policy(**changes: Any) -> DeliveryPolicy:
    base = dict(timeout=2, max_attempts=3, backoff_base=0.05, backoff_max=0.1, seed=7, max_events=0,
                max_deliveries=0, batch=16, batch_seconds=30)
    return DeliveryPolicy(**{**base, **changes})


def dispatcher(store: Store, **changes: Any) -> WebhookDispatcher:
    return WebhookDispatcher(store, "events", "tenant", lambda row: row, lambda event, name: True, policy(**changes))


def emit(store: Store, count: int) -> None:
    with store.transaction():
        for n in range(count):
            store["events"].insert({"tenant": TENANT, "type": "thing.happened", "n": n})


def delivery_ids(requests: list[Received], path: str | None = None) -> list[int]:
    return [int(r.headers["x-apitwin-delivery-id"]) for r in requests if path is None or r.path == path]


async def settled(store: Store, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Every delivery once `count` exist and none is pending or retrying (AssertionError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = store["webhook_deliveries"].filter()
        if len(rows) == count and all(r["status"] in ("delivered", "dead") for r in rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries did not settle: {[(r['id'], r['status']) for r in rows]}")
        await asyncio.sleep(0.02)


def count_commits(store: Store) -> list[int]:
    """Counts the backend's commits that wrote something from now on (memory: no backend, stays empty)."""
    calls: list[int] = []
    backend = store.backend
    if backend is not None:
        commit = backend.commit

        def counted() -> None:
            busy = bool(getattr(backend, "_rows", None) or getattr(backend, "_ops", None))
            commit()
            if busy:
                calls.append(1)
        backend.commit = counted                  # type: ignore[method-assign]
    return calls


def test_each_receiver_gets_its_deliveries_in_order_across_batches(opened: Opened,
                                                                  receiver_factory: Callable[[], Receiver]) -> None:
    first, second = receiver_factory(), receiver_factory()
    store = opened.new()

    async def run() -> tuple[list[dict[str, Any]], int]:
        hooks = dispatcher(store, batch=16)
        hooks.register(TENANT, first.url, secret="s1")
        hooks.register(TENANT, second.url, secret="s2")
        emit(store, 70)                                   # 140 deliveries: 5 batches of up to 16 per receiver
        commits = count_commits(store)
        hooks.kick_all()
        rows = await settled(store, 140)
        await hooks.close()
        return rows, len(commits)

    rows, commits = asyncio.run(run())
    assert all(r["status"] == "delivered" and len(r["attempts"]) == 1 for r in rows)
    for receiver, endpoint_id in ((first, 1), (second, 2)):
        mine = [r["id"] for r in rows if r["endpoint_id"] == endpoint_id]
        assert delivery_ids(receiver.requests) == mine == sorted(mine)       # each once, in creation order
    if opened.durable:              # results are written per batch: 2 receivers x 5 batches, not 140 commits
        assert commits <= 2 * 5 + 2, commits


def test_a_failure_mid_batch_is_retried_before_anything_after_it(opened: Opened,
                                                                 receiver_factory: Callable[[], Receiver]) -> None:
    receiver = receiver_factory()
    answered: set[int] = set()

    def script(request: Received, index: int) -> tuple[int, float]:
        delivery = int(request.headers["x-apitwin-delivery-id"])
        if delivery == 5 and delivery not in answered:      # the 5th of a batch of 10 fails once
            answered.add(delivery)
            return 503, 0.0
        return 204, 0.0
    receiver.behave(script=script)
    store = opened.new()

    async def run() -> list[dict[str, Any]]:
        hooks = dispatcher(store, batch=10)
        hooks.register(TENANT, receiver.url)
        emit(store, 10)
        hooks.kick_all()
        rows = await settled(store, 10)
        await hooks.close()
        return rows

    rows = asyncio.run(run())
    assert delivery_ids(receiver.requests) == [1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10]
    by_id = {r["id"]: r for r in rows}
    assert all(r["status"] == "delivered" for r in rows)
    assert [a["status_code"] for a in by_id[5]["attempts"]] == [503, 204]
    assert by_id[5]["attempts"][0]["error"] == "receiver answered 503"
    assert all(len(by_id[i]["attempts"]) == 1 for i in by_id if i != 5)


def test_a_dead_letter_in_a_batch_settles_the_head_and_the_rest_follow(opened: Opened,
                                                                       receiver_factory: Callable[[], Receiver]) -> None:
    receiver = receiver_factory()
    receiver.behave(script=lambda request, index: (500 if request.headers["x-apitwin-delivery-id"] == "3" else 200,
                                                   0.0))
    store = opened.new()

    async def run() -> list[dict[str, Any]]:
        hooks = dispatcher(store, batch=8, max_attempts=3)
        hooks.register(TENANT, receiver.url)
        emit(store, 6)
        hooks.kick_all()
        rows = await settled(store, 6)
        await hooks.close()
        return rows

    rows = asyncio.run(run())
    assert delivery_ids(receiver.requests) == [1, 2, 3, 3, 3, 4, 5, 6]
    assert [r["status"] for r in rows] == ["delivered", "delivered", "dead", "delivered", "delivered", "delivered"]
    assert [a["error"] for a in rows[2]["attempts"]] == ["receiver answered 500"] * 3
    if opened.durable:                                   # the dead letter is kept by the backend too
        saved = opened.peek()
        assert saved is not None
        kept = {r["id"]: r["status"] for r in saved["collections"]["webhook_deliveries"]["rows"]}
        assert kept == {1: "delivered", 2: "delivered", 3: "dead", 4: "delivered", 5: "delivered", 6: "delivered"}


def test_a_crash_before_a_batch_is_recorded_resends_it_after_the_restart(
        durable: Opened, receiver_factory: Callable[[], Receiver], monkeypatch: pytest.MonkeyPatch) -> None:
    """Deliveries 1-3 are acknowledged, 4 hangs; the process dies (its store is cut from the backend, so nothing of
    the batch is recorded). The restarted server finds all six pending and sends them again, in order: the
    receiver gets every delivery at least once, and nothing is lost."""
    opened = durable
    monkeypatch.setattr(webhooks, "SHARED_LEASE", 0.5)        # Redis: the dead process's lease expires soon
    receiver = receiver_factory()
    hangs = {"first": True}

    def script(request: Received, index: int) -> tuple[int, float]:
        if request.headers["x-apitwin-delivery-id"] == "4" and hangs.pop("first", False):
            return 204, 3.0                                # the process dies while this one is in flight
        return 204, 0.0
    receiver.behave(script=script)
    store = opened.new()

    async def crash() -> None:
        hooks = dispatcher(store, batch=16)
        hooks.register(TENANT, receiver.url)
        emit(store, 6)
        hooks.kick_all()
        deadline = time.monotonic() + 10
        while len(receiver.requests) < 4:
            assert time.monotonic() < deadline, "the batch did not reach delivery 4"
            await asyncio.sleep(0.02)
        store.close()                                      # kill -9: the backend never hears of the batch
        await hooks.close()

    asyncio.run(crash())
    saved = opened.peek()
    assert saved is not None
    assert [r["status"] for r in saved["collections"]["webhook_deliveries"]["rows"]] == ["pending"] * 6
    sent_before = len(receiver.requests)

    restarted = opened.reopened()

    async def restart() -> list[dict[str, Any]]:
        hooks = dispatcher(restarted, batch=16)
        hooks.kick_all()
        rows = await settled(restarted, 6)
        await hooks.close()
        return rows

    rows = asyncio.run(restart())
    assert all(r["status"] == "delivered" for r in rows)
    assert delivery_ids(receiver.requests[sent_before:]) == [1, 2, 3, 4, 5, 6]    # again, in order
    assert set(delivery_ids(receiver.requests)) == {1, 2, 3, 4, 5, 6}              # none lost


def test_the_unsettled_index_follows_every_write_and_equals_a_rebuild() -> None:
    """A shared-state sender refills its queue from this index instead of scanning the whole delivery log."""
    from apitwin.webhooks import UNSETTLED_INDEX, Unsettled
    store = Store()
    deliveries = store["webhook_deliveries"]
    for n in range(12):
        deliveries.insert({"endpoint_id": 1 + n % 3, "status": "pending"})
    index = deliveries.derived(UNSETTLED_INDEX, lambda: Unsettled.build(deliveries.scan()))
    deliveries.update(1, {"status": "delivered"})
    deliveries.update(5, {"status": "retrying"})
    deliveries.update(2, {"status": "dead"})
    deliveries.update(2, {"status": "pending"})                # a re-send
    deliveries.delete(4)
    deliveries.trim_oldest(9)                                  # drops the oldest rows whatever their status
    deliveries.insert({"endpoint_id": 1, "status": "pending"})
    followed = deliveries.derived(UNSETTLED_INDEX, lambda: Unsettled.build([]))
    assert followed is index                                   # kept current by the writes, not rebuilt
    rebuilt = Unsettled.build(deliveries.scan()).ids
    assert {k: v for k, v in index.ids.items() if v} == {k: v for k, v in rebuilt.items() if v}
    assert index.ids[1] == [7, 10, 13] and index.ids[2] == [5, 8, 11]
