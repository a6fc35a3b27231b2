"""The store contract on durable and shared backends (`apitwin/storage.py`): every write kind is found again by a
store opened afterwards on the same state (a restart, another worker); a transaction's writes arrive together;
reset still returns to the seed. Runs on every backend that keeps state (SQLite, Redis)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.store import Store
from tests.engine.backends import Opened


def seed(store: Store) -> None:
    store["kits"].insert({"sku": "seeded"})


@pytest.fixture(params=["sqlite", "redis"])
def opened(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opened]:
    found = Opened(request.param, tmp_path, request)
    yield found
    found.close()


def test_a_fresh_backend_takes_the_seed_and_a_restart_keeps_it(opened: Opened) -> None:
    first = opened.new(seed)
    assert first["kits"].filter()[0]["sku"] == "seeded"
    assert opened.reopened().export() == first.export()


def test_every_kind_of_write_survives_a_restart(opened: Opened) -> None:
    store = opened.new(seed)
    kits, logs = store["kits"], store["logs"]
    second = kits.insert({"sku": "a", "tags": ["x"]})
    kits.update(second["id"], {"sku": "b"})
    third = kits.insert({"sku": "gone"})
    kits.delete(third["id"])
    kits.insert({"sku": "handed over", "tags": ["y"]}, copy=False)   # stored as given: kept the same
    kits.insert({"id": 40, "sku": "explicit"})
    for n in range(5):
        logs.insert({"n": n})
    logs.trim_oldest(3)
    logs.drop_oldest_while(lambda row: row["n"] < 3)
    store["scratch"].insert({})
    store.drop("scratch")
    expected = store.export()
    again = opened.reopened()
    assert again.export() == expected
    assert again["kits"].insert({})["id"] == 41            # the id sequence came back too
    assert [r["n"] for r in again["logs"].filter()] == [3, 4]


def test_sequences_survive_even_past_deleted_rows(opened: Opened) -> None:
    store = opened.new()
    for _ in range(3):
        store["kits"].insert({})
    store["kits"].delete(3)
    assert opened.reopened()["kits"].insert({})["id"] == 4   # never a reused id


def test_load_and_reset_replace_the_kept_state(opened: Opened) -> None:
    store = opened.new(seed)
    store.load({"collections": {"other": {"next_id": 9, "rows": [{"id": 2, "x": 1}]}}})
    assert opened.reopened().export() == {"collections": {"other": {"next_id": 9, "rows": [{"id": 2, "x": 1}]}}}
    again = opened.stores[-1]
    again["other"].insert({})
    again.reset()                                          # back to the seed, not to what the file held
    after = opened.reopened()
    assert after.export() == again.export()
    assert [r["sku"] for r in after["kits"].filter()] == ["seeded"] and "other" not in after.export()["collections"]


def test_a_transaction_arrives_whole_at_its_end(opened: Opened) -> None:
    store = opened.new()
    with store.transaction():
        store["kits"].insert({"n": 1})
        with store.transaction():
            store["kits"].insert({"n": 2})
        store["events"].insert({"n": 3})
        assert opened.peek() == {"collections": {}}          # another process sees nothing of it yet
    assert opened.new().export() == store.export()


def test_a_transaction_ended_by_an_exception_keeps_what_the_memory_keeps(opened: Opened) -> None:
    store = opened.new()
    with pytest.raises(RuntimeError):
        with store.transaction():
            store["kits"].insert({"n": 1})
            raise RuntimeError("handler failed")
    assert opened.reopened().export() == store.export()


def test_insert_listeners_commit_with_their_row(opened: Opened) -> None:
    store = opened.new()
    seen: list[Any] = []
    store.on_insert("events", lambda row: seen.append(store["deliveries"].insert({"event": row["id"]})))
    store["events"].insert({"type": "x"})
    assert opened.reopened().export()["collections"]["deliveries"]["rows"] == [{"id": 1, "event": 1}]


def test_a_failed_commit_is_an_error_not_a_silent_loss(opened: Opened, monkeypatch: pytest.MonkeyPatch) -> None:
    store = opened.new()
    backend = store.backend
    assert backend is not None

    def broken() -> None:
        raise OSError("disk full")
    monkeypatch.setattr(backend, "commit", broken)
    with pytest.raises(OSError, match="disk full"):
        store["kits"].insert({})


# -- shared backends: two stores on one Redis are two worker processes ---------------------------------------------
@pytest.fixture
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opened]:
    found = Opened("redis", tmp_path, request)
    yield found
    found.close()


def test_concurrent_inserts_through_two_workers_are_neither_lost_nor_duplicated(shared: Opened) -> None:
    import threading
    first, second = shared.new(), shared.new()
    made: list[int] = []

    def work(store: Store, tag: str) -> None:
        for n in range(150):
            made.append(store["kits"].insert({"by": tag, "n": n})["id"])
    threads = [threading.Thread(target=work, args=(store, tag)) for store, tag in ((first, "a"), (second, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(made) == list(range(1, 301))
    assert first.export() == second.export() and len(first["kits"]) == 300
    assert shared.reopened().export() == first.export()


def test_a_write_in_one_worker_is_read_by_the_other_and_its_derived_data_follows(shared: Opened) -> None:
    first, second = shared.new(), shared.new()
    built: list[int] = []

    def names() -> set[str]:
        built.append(1)
        return {row["name"] for row in second["people"].scan()}
    second["people"].insert({"name": "ann"})
    assert second["people"].derived("names", names) == {"ann"}
    first["people"].insert({"name": "bob"})
    first["people"].update(1, {"name": "amy"})
    assert second["people"].derived("names", names) == {"amy", "bob"}     # the version moved: rebuilt
    assert second["people"].get(2) == {"id": 2, "name": "bob"}
    first["people"].delete(2)
    assert second["people"].get(2) is None and len(built) == 2


def test_a_transaction_is_seen_whole_by_the_other_worker(shared: Opened) -> None:
    first, second = shared.new(), shared.new()
    with first.transaction():
        first["kits"].insert({})
        first["events"].insert({})
        assert len(second["kits"]) == 0 and len(second["events"]) == 0
    assert len(second["kits"]) == 1 and len(second["events"]) == 1


def test_reset_and_import_in_one_worker_replace_the_state_of_the_other(shared: Opened) -> None:
    first = shared.new(seed)
    second = shared.new(seed)
    second["kits"].insert({"sku": "extra"})
    assert len(first["kits"]) == 2
    first.reset()
    assert [row["sku"] for row in second["kits"].filter()] == ["seeded"]
    second.load({"collections": {"x": {"rows": [{"id": 5}]}}})
    assert first.export() == {"collections": {"x": {"next_id": 6, "rows": [{"id": 5}]}}}


def test_a_lease_is_held_by_one_worker_at_a_time(shared: Opened) -> None:
    first, second = shared.new(), shared.new()
    a, b = first.backend, second.backend
    assert a.lease("clock", 0.2) and a.lease("clock", 0.2)           # taken, then renewed by its holder
    assert not b.lease("clock", 0.2)
    import time
    time.sleep(0.3)                                                   # its holder died: the lease expires
    assert b.lease("clock", 0.2) and not a.lease("clock", 0.2)


def test_a_commit_refused_by_redis_puts_the_memory_back_to_the_shared_state(shared: Opened) -> None:
    import redis
    first, second = shared.new(), shared.new()
    first["kits"].insert({"n": 1})
    backend = first.backend
    original = backend.client.pipeline

    def failing_pipeline(*args: Any, **kwargs: Any) -> Any:
        pipe = original(*args, **kwargs)
        pipe.execute = lambda *a, **k: (_ for _ in ()).throw(redis.ConnectionError("Redis went away"))
        return pipe
    backend.client.pipeline = failing_pipeline
    with pytest.raises(redis.ConnectionError):
        first["kits"].insert({"n": 2})                  # not acknowledged: no 2xx would have left
    backend.client.pipeline = original
    assert [row["n"] for row in first["kits"].filter()] == [1] == [row["n"] for row in second["kits"].filter()]


def test_the_simulated_clock_ticks_once_for_all_workers(shared: Opened) -> None:
    import asyncio
    from types import SimpleNamespace

    from apitwin.clock import Clock
    ticked: list[str] = []

    def runtime(name: str) -> Any:
        return SimpleNamespace(name=name, store=shared.new(),
                               plugin=SimpleNamespace(simulation=SimpleNamespace(tick=lambda rt: ticked.append(name))))

    async def run() -> None:
        clocks = [Clock(runtime("a"), 0.05), Clock(runtime("b"), 0.05)]
        for clock in clocks:
            clock.start()
        await asyncio.sleep(1.0)
        for clock in clocks:
            clock.stop()
    asyncio.run(run())
    assert 5 <= len(ticked) <= 21                      # about one tick per interval, not two
    assert len(set(ticked)) == 1                       # all by the holder of the clock's lease
