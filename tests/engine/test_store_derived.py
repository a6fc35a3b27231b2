"""apitwin.store's extension point: Collection.version, scan(), derived() with followers, and Store.derived()."""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import pytest

from apitwin.store import Change, Collection, Store


@pytest.fixture
def store() -> Store:
    return Store()


def counting(build: Callable[[], Any]) -> tuple[Callable[[], Any], list[int]]:
    """`build` wrapped so the test can see how often it ran."""
    calls: list[int] = []

    def wrapped() -> Any:
        calls.append(1)
        return build()
    return wrapped, calls


def names_of(collection: Collection) -> Callable[[], list[str]]:
    return lambda: [row["name"] for row in collection.scan()]


# --- version ------------------------------------------------------------------------------------------------------

def test_every_write_moves_the_version(store: Store) -> None:
    kits = store["kits"]
    seen = [kits.version]
    kits.insert({"name": "a"})
    seen.append(kits.version)
    kits.update(1, {"name": "b"})
    seen.append(kits.version)
    kits.delete(1)
    seen.append(kits.version)
    kits.load({"rows": [{"id": 7, "name": "c"}]})
    seen.append(kits.version)
    assert len(set(seen)) == len(seen)


def test_reads_and_misses_leave_the_version_alone(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"name": "a"})
    before = kits.version
    kits.get(1), kits.filter(), kits.select(), kits.count(), kits.first(name="a"), kits.scan(), kits.export()
    assert kits.delete(99) is False
    assert kits.version == before


def test_a_failed_insert_leaves_the_version_alone(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"id": 1})
    before = kits.version
    with pytest.raises(KeyError):
        kits.insert({"id": 1})
    assert kits.version == before


def test_reset_and_import_put_collections_with_new_versions_in_place(store: Store) -> None:
    store["kits"].insert({"name": "a"})
    store.mark_seed()
    seeded = store["kits"].version
    store.reset()
    after_reset = store["kits"].version
    assert after_reset != seeded
    store.load(store.export())
    assert store["kits"].version not in (seeded, after_reset)


def test_versions_are_never_reused_across_collections_or_stores() -> None:
    first, second = Store(), Store()
    versions = {first["a"].version, first["b"].version, second["a"].version}
    assert len(versions) == 3


# --- scan ---------------------------------------------------------------------------------------------------------

def test_scan_hands_out_the_live_rows_in_id_order_without_copying(store: Store) -> None:
    kits = store["kits"]
    for name in ("b", "c"):
        kits.insert({"name": name})
    kits.insert({"id": 0, "name": "a"})
    rows = kits.scan()
    assert [row["name"] for row in rows] == ["a", "b", "c"]
    assert kits.scan()[0] is rows[0]                  # the same dicts, not copies
    assert kits.get(0) is not rows[0]                 # while get still copies


def test_rows_from_a_scan_stay_as_they_were_after_later_writes(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"name": "a"})
    kits.insert({"name": "b"})
    rows = kits.scan()
    kits.update(1, {"name": "changed"})
    kits.delete(2)
    kits.insert({"name": "new"})
    assert [row["name"] for row in rows] == ["a", "b"]
    assert [row["name"] for row in kits.scan()] == ["changed", "new"]


# --- derived ------------------------------------------------------------------------------------------------------

def test_derived_is_built_once_while_nothing_is_written(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"name": "a"})
    build, calls = counting(names_of(kits))
    first = kits.derived("names", build)
    assert first == ["a"]
    kits.get(1), kits.filter(), kits.count()          # reads are not writes
    assert kits.derived("names", build) is first
    assert len(calls) == 1


@pytest.mark.parametrize("write", [
    lambda c: c.insert({"name": "z"}),
    lambda c: c.update(1, {"name": "z"}),
    lambda c: c.delete(1),
    lambda c: c.load({"rows": [{"id": 5, "name": "z"}]}),
], ids=["insert", "update", "delete", "load"])
def test_derived_is_rebuilt_after_a_write(store: Store, write: Callable[[Collection], Any]) -> None:
    kits = store["kits"]
    kits.insert({"name": "a"})
    build, calls = counting(names_of(kits))
    before = kits.derived("names", build)
    write(kits)
    after = kits.derived("names", build)
    assert len(calls) == 2
    assert after == names_of(kits)() and after != before


def test_derived_values_are_kept_per_key(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"name": "a"})
    assert kits.derived("count", lambda: len(kits)) == 1
    assert kits.derived("names", names_of(kits)) == ["a"]
    assert kits.derived("count", lambda: -1) == 1     # still current: the other build is not called


def test_derived_data_follows_reset_and_import(store: Store) -> None:
    store["kits"].insert({"name": "seeded"})
    store.mark_seed()
    store["kits"].insert({"name": "later"})
    assert store["kits"].derived("names", names_of(store["kits"])) == ["seeded", "later"]
    store.reset()
    assert store["kits"].derived("names", names_of(store["kits"])) == ["seeded"]
    store.load({"collections": {"kits": {"rows": [{"id": 1, "name": "imported"}]}}})
    assert store["kits"].derived("names", names_of(store["kits"])) == ["imported"]


def test_a_failing_build_keeps_nothing(store: Store) -> None:
    kits = store["kits"]

    def broken() -> Any:
        raise RuntimeError("no")
    with pytest.raises(RuntimeError):
        kits.derived("x", broken)
    assert kits.derived("x", lambda: "built") == "built"


def test_concurrent_readers_share_one_build(store: Store) -> None:
    kits = store["kits"]
    for n in range(100):
        kits.insert({"name": str(n)})
    build, calls = counting(names_of(kits))
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(kits.derived("names", build))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(result is results[0] for result in results)


# --- following writes ---------------------------------------------------------------------------------------------

class Names:
    """A derived value that follows writes: the names in id order, and every change it was offered."""

    def __init__(self, collection: Collection) -> None:
        self.names = [row["name"] for row in collection.scan()]
        self.changes: list[Change] = []
        self.give_up = False

    def follow(self, change: Change) -> "Names | None":
        self.changes.append(change)
        if self.give_up:
            return None
        old, new = change
        if old is None:
            self.names.append(new["name"])
        elif new is None:
            self.names.remove(old["name"])
        else:
            self.names[self.names.index(old["name"])] = new["name"]
        return self


def test_a_follower_is_kept_across_writes_and_sees_each_change(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"name": "a"})
    build, calls = counting(lambda: Names(kits))
    names = kits.derived("names", build)
    kits.insert({"name": "b"})
    kits.update(1, {"name": "A"})
    kits.delete(2)
    assert kits.derived("names", build) is names and len(calls) == 1
    assert names.names == ["A"]
    inserted, updated, deleted = names.changes
    assert inserted == Change(None, {"id": 2, "name": "b"})
    assert updated == Change({"id": 1, "name": "a"}, {"id": 1, "name": "A"})
    assert deleted == Change({"id": 2, "name": "b"}, None)


def test_a_follower_that_gives_up_is_rebuilt(store: Store) -> None:
    kits = store["kits"]
    build, calls = counting(lambda: Names(kits))
    kits.derived("names", build).give_up = True
    kits.insert({"name": "a"})
    assert kits.derived("names", build).names == ["a"]
    assert len(calls) == 2


@pytest.mark.parametrize("write", [
    lambda c: c.insert({"id": 0, "name": "first"}),                 # not after every row: positions moved
    lambda c: c.load({"rows": [{"id": 5, "name": "z"}]}),
], ids=["insert-out-of-order", "load"])
def test_writes_a_follower_cannot_follow_rebuild_it(store: Store, write: Callable[[Collection], Any]) -> None:
    kits = store["kits"]
    kits.insert({"id": 3, "name": "a"})
    build, calls = counting(lambda: Names(kits))
    names = kits.derived("names", build)
    write(kits)
    assert names.changes == []
    assert kits.derived("names", build).names == names_of(kits)()
    assert len(calls) == 2


def test_a_failing_follower_is_rebuilt_and_the_write_stands(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    kits = store["kits"]
    build, calls = counting(lambda: Names(kits))
    names = kits.derived("names", build)
    names.follow = lambda change: 1 / 0                  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="apitwin.store"):   # other tests quieten the `apitwin` loggers
        kits.insert({"name": "a"})
    assert kits.get(1) == {"id": 1, "name": "a"}
    assert kits.derived("names", build).names == ["a"] and len(calls) == 2
    assert "could not follow a write" in caplog.text


def test_a_failed_write_offers_nothing(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"id": 1, "name": "a"})
    names = kits.derived("names", lambda: Names(kits))
    with pytest.raises(KeyError):
        kits.insert({"id": 1, "name": "again"})
    assert kits.delete(9) is False
    with pytest.raises(ValueError):
        kits.update(1, {"id": 2})
    assert names.changes == []


# --- derived over several collections -----------------------------------------------------------------------------

def pairs(store: Store) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [(k["name"], o["name"]) for k in store["kits"].scan() for o in store["orders"].scan()]


def test_store_derived_is_rebuilt_when_any_named_collection_changes(store: Store) -> None:
    store["kits"].insert({"name": "k"})
    store["orders"].insert({"name": "o"})
    build, calls = counting(pairs(store))
    assert store.derived("pairs", ["kits", "orders"], build) == [("k", "o")]
    store["other"].insert({"name": "unrelated"})
    assert store.derived("pairs", ["kits", "orders"], build) == [("k", "o")]
    assert len(calls) == 1
    store["orders"].insert({"name": "p"})
    assert store.derived("pairs", ["kits", "orders"], build) == [("k", "o"), ("k", "p")]
    assert len(calls) == 2


def test_store_derived_follows_reset_drop_and_import(store: Store) -> None:
    store["kits"].insert({"name": "k"})
    store["orders"].insert({"name": "o"})
    store.mark_seed()
    build, calls = counting(pairs(store))
    store.derived("pairs", ["kits", "orders"], build)
    store.reset()
    store.derived("pairs", ["kits", "orders"], build)
    assert len(calls) == 2
    store.drop("orders")
    assert store.derived("pairs", ["kits", "orders"], build) == []
    store.load({"collections": {"kits": {"rows": [{"id": 1, "name": "x"}]},
                                "orders": {"rows": [{"id": 1, "name": "y"}]}}})
    assert store.derived("pairs", ["kits", "orders"], build) == [("x", "y")]
    assert len(calls) == 4


def test_store_derived_does_not_create_collections(store: Store) -> None:
    assert store.derived("nothing", ["absent"], lambda: 0) == 0
    assert store.export() == {"collections": {}}
    store["absent"].insert({"name": "now there"})
    assert store.derived("nothing", ["absent"], lambda: 1) == 1
