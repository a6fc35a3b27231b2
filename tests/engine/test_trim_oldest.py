"""Collection.trim_oldest with a predicate (webhook delivery retention): it drops exactly the rows the documented rule
names — the oldest (lowest ids) the predicate accepts, until `keep` rows remain or none is droppable — while its
heap of droppable ids follows inserts, updates (a row becoming droppable, or ceasing to be: a re-send), deletes,
trims and loads. Checked against the rule itself, written out as a scan, over a seeded random history."""
from __future__ import annotations

import random
from typing import Any

from apitwin.store import Store

Row = dict[str, Any]


def settled(row: Row) -> bool:
    return row["status"] == "delivered" or (row["status"] == "dead" and row.get("ack") is True)


def by_the_rule(rows: list[Row], keep: int) -> list[int]:
    """The documented rule as a plain scan: the ids trim_oldest must drop."""
    excess = len(rows) - keep
    return [row["id"] for row in rows if settled(row)][:max(0, excess)]


def test_trim_drops_the_oldest_droppable_rows_and_keeps_the_rest() -> None:
    store = Store()
    log = store["log"]
    for status in ("pending", "delivered", "dead", "delivered", "retrying", "delivered"):
        log.insert({"status": status})
    assert log.trim_oldest(4, settled) == 2                       # 2 and 4; the dead letter 3 is not acknowledged
    assert [r["id"] for r in log.filter()] == [1, 3, 5, 6]
    log.update(3, {"ack": True})                                   # acknowledged: now droppable, and the oldest
    log.update(6, {"status": "pending"})                           # re-sent: no longer droppable
    assert log.trim_oldest(2, settled) == 1
    assert [r["id"] for r in log.filter()] == [1, 5, 6]
    assert log.trim_oldest(0, settled) == 0                        # nothing droppable left: more than `keep` stay
    log.update(5, {"status": "delivered"})
    log.update(6, {"status": "delivered"})
    assert log.trim_oldest(1, settled) == 2
    assert [r["id"] for r in log.filter()] == [1]


def test_trim_follows_every_kind_of_write_exactly_as_the_rule_says() -> None:
    rng = random.Random(12)
    store = Store()
    log = store["log"]
    statuses = ["pending", "retrying", "delivered", "dead"]
    for step in range(3000):
        rows = log.scan()
        action = rng.random()
        if action < 0.45 or not rows:
            log.insert({"status": rng.choice(statuses), "ack": rng.random() < 0.5})
        elif action < 0.8:
            row = rng.choice(rows)
            log.update(row["id"], {"status": rng.choice(statuses), "ack": rng.random() < 0.5})
        elif action < 0.85:
            log.delete(rng.choice(rows)["id"])
        elif action < 0.86:                                          # reset/import: the heap starts over
            store.load(store.export())
            log = store["log"]
        keep = rng.randrange(0, 40)
        expected = by_the_rule(log.scan(), keep)
        before = {r["id"] for r in log.scan()}
        assert log.trim_oldest(keep, settled) == len(expected), step
        assert before - {r["id"] for r in log.scan()} == set(expected), step


def test_another_predicate_object_gets_its_own_answer() -> None:
    """The heap belongs to one predicate: a caller passing another one is answered by that one (a rebuild)."""
    store = Store()
    log = store["log"]
    for status in ("keep", "drop", "keep", "drop"):
        log.insert({"status": status})
    assert log.trim_oldest(3, lambda row: row["status"] == "drop") == 1
    assert log.trim_oldest(2, lambda row: row["status"] == "keep") == 1
    assert [r["id"] for r in log.filter()] == [3, 4]


def test_stale_entries_do_not_pile_up_below_the_cap() -> None:
    """A row re-sent and delivered over and over while the log is below its cap leaves stale heap entries; the heap
    is compacted so it stays within a small multiple of the rows."""
    store = Store()
    log = store["log"]
    for _ in range(11):
        log.insert({"status": "delivered"})
    assert log.trim_oldest(10, settled) == 1                        # builds the heap, drops row 1
    for _ in range(1000):
        log.update(2, {"status": "pending"})
        log.update(2, {"status": "delivered"})
    index = log.derived("apitwin.store.trim_oldest", lambda: None)
    assert index is not None and len(index.heap) <= 2 * len(log) + 65
    assert log.trim_oldest(5, settled) == 5
    assert [r["id"] for r in log.filter()] == [7, 8, 9, 10, 11]
