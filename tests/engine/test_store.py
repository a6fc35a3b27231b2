"""apitwin.store: id sequences, ordering, copy-on-read/write, filters, export/load, seed/reset, thread safety."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.store import Store, clone
from tests.engine.backends import BACKENDS, Opened


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Every store test runs on each backend: memory, a SQLite state file, Redis (tests/engine/backends.py)."""
    opened = Opened(request.param, tmp_path, request)
    yield opened.new()
    opened.close()


# --- ids and ordering -------------------------------------------------------------------------------------------

def test_insert_assigns_ids_in_sequence(store: Store) -> None:
    kits = store["kits"]
    returned = [kits.insert({"sku": f"k{n}"}) for n in range(3)]
    assert ids(returned) == [1, 2, 3]
    assert ids(kits.filter()) == [1, 2, 3]
    assert len(kits) == 3
    assert kits.last_id == 3


def test_collections_have_their_own_sequences(store: Store) -> None:
    store["kits"].insert({})
    store["kits"].insert({})
    assert store["orders"].insert({})["id"] == 1
    assert store.collection("kits") is store["kits"]


def test_explicit_id_advances_the_sequence(store: Store) -> None:
    kits = store["kits"]
    assert kits.insert({"id": 10, "sku": "ten"})["id"] == 10
    assert kits.insert({"sku": "next"})["id"] == 11
    kits.insert({"id": 3})                      # a lower explicit id never moves the sequence back
    assert kits.insert({})["id"] == 12
    assert kits.insert({"id": None})["id"] == 13  # id None counts as "assign one"


def test_duplicate_explicit_id_raises_and_keeps_the_original(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"id": 7, "sku": "original"})
    with pytest.raises(KeyError):
        kits.insert({"id": 7, "sku": "intruder"})
    assert kits.filter() == [{"id": 7, "sku": "original"}]
    auto = kits.insert({})                      # and an auto id never collides with an explicit one
    assert auto["id"] == 8


def test_rows_come_back_in_ascending_id_order_when_inserted_out_of_order(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"id": 5})
    kits.insert({"id": 2})
    kits.insert({})            # 6
    kits.insert({"id": 4})
    assert ids(kits.filter()) == [2, 4, 5, 6]
    assert ids(kits.select(offset=1, limit=2)[0]) == [4, 5]
    assert ids(kits.after(3)) == [4, 5, 6]
    assert kits.first()["id"] == 2


def test_rows_loaded_out_of_order_come_back_sorted(store: Store) -> None:
    store.load({"collections": {"kits": {"rows": [{"id": 9}, {"id": 2}, {"id": 5}]}}})
    kits = store["kits"]
    assert ids(kits.filter()) == [2, 5, 9]
    assert ids(kits.after(2)) == [5, 9]
    assert kits.insert({})["id"] == 10


# --- copies -----------------------------------------------------------------------------------------------------

def test_get_returns_a_copy(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"sku": "a", "meta": {"tags": ["x"]}, "events": [{"n": 1}]})
    row = kits.get(1)
    row["sku"] = "changed"
    row["meta"]["tags"].append("y")
    row["meta"]["new"] = True
    row["events"][0]["n"] = 99
    row["events"].append({"n": 2})
    assert kits.get(1) == {"id": 1, "sku": "a", "meta": {"tags": ["x"]}, "events": [{"n": 1}]}


class Tagged(dict):
    pass


class Items(list):
    pass


def test_clone_copies_every_dict_and_list_and_shares_only_immutable_values() -> None:
    text, big, number = "é" * 3, 2**70, 1.5
    value = {"a": [1, True, None, text, {"b": [number, [big]]}], "c": {"d": {}}, "e": [], "t": (1, [2]),
             "sub": Tagged(x=Items([{"y": 1}]))}
    copied = clone(value)
    assert copied == value and list(copied) == list(value)
    assert copied is not value and copied["a"] is not value["a"] and copied["a"][4] is not value["a"][4]
    assert copied["a"][4]["b"] is not value["a"][4]["b"] and copied["a"][4]["b"][1] is not value["a"][4]["b"][1]
    assert copied["c"]["d"] is not value["c"]["d"] and copied["e"] is not value["e"]
    assert copied["a"][3] is text and copied["a"][4]["b"][1][0] is big
    assert type(copied["sub"]) is dict and type(copied["sub"]["x"]) is list        # subclasses: plain copies
    assert copied["sub"]["x"][0] is not value["sub"]["x"][0]
    assert copied["t"] is value["t"]                                               # tuples are not JSON: as before
    assert type(copied["a"][1]) is bool and clone(3) == 3 and clone(None) is None


def test_filter_first_and_export_return_copies(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"sku": "a", "meta": {"tags": ["x"]}})
    kits.filter()[0]["meta"]["tags"].append("from-filter")
    kits.first(sku="a")["meta"]["tags"].append("from-first")
    kits.select()[0][0]["meta"]["tags"].append("from-select")
    store.export()["collections"]["kits"]["rows"][0]["meta"]["tags"].append("from-export")
    assert kits.get(1)["meta"] == {"tags": ["x"]}


def test_insert_stores_a_copy_of_its_argument(store: Store) -> None:
    kits = store["kits"]
    row = {"sku": "a", "meta": {"tags": ["x"]}}
    returned = kits.insert(row)
    assert "id" not in row                      # the caller's dict is not touched
    row["sku"] = "changed"
    row["meta"]["tags"].append("y")
    returned["meta"]["tags"].append("z")        # nor is the returned row the stored one
    assert kits.get(1) == {"id": 1, "sku": "a", "meta": {"tags": ["x"]}}


def test_update_and_its_changes_are_copied(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"sku": "a", "status": "new"})
    changes = {"status": "shipped", "meta": {"tags": ["x"]}}
    updated = kits.update(1, changes)
    assert updated == {"id": 1, "sku": "a", "status": "shipped", "meta": {"tags": ["x"]}}
    changes["meta"]["tags"].append("late")
    updated["meta"]["tags"].append("returned")
    assert kits.get(1) == {"id": 1, "sku": "a", "status": "shipped", "meta": {"tags": ["x"]}}


def test_update_of_a_missing_row_raises(store: Store) -> None:
    with pytest.raises(KeyError):
        store["kits"].update(1, {"status": "x"})


def test_delete(store: Store) -> None:
    kits = store["kits"]
    for _ in range(3):
        kits.insert({})
    assert kits.delete(2) is True
    assert kits.get(2) is None
    assert ids(kits.filter()) == [1, 3]
    assert kits.delete(2) is False
    assert kits.insert({})["id"] == 4           # ids of deleted rows are not reused


# --- queries ----------------------------------------------------------------------------------------------------

@pytest.fixture
def people(store: Store) -> Any:
    people = store["people"]
    for name, city, age in [("ann", "oslo", 30), ("bob", "rome", 41), ("cid", "oslo", 52), ("dee", "oslo", 30)]:
        people.insert({"name": name, "city": city, "age": age})
    return people


def test_filter_with_equals(people: Any) -> None:
    assert [r["name"] for r in people.filter(city="oslo")] == ["ann", "cid", "dee"]
    assert [r["name"] for r in people.filter(city="oslo", age=30)] == ["ann", "dee"]
    assert people.filter(city="paris") == []
    assert people.count(city="oslo") == 3


def test_filter_with_predicate_and_equals(people: Any) -> None:
    assert [r["name"] for r in people.filter(lambda r: r["age"] > 35)] == ["bob", "cid"]
    assert [r["name"] for r in people.filter(lambda r: r["age"] > 35, city="oslo")] == ["cid"]
    assert [r["name"] for r in people.filter(lambda r: r["age"] < 50, city="oslo", age=30)] == ["ann", "dee"]
    assert people.count(lambda r: r["age"] == 30) == 2


def test_select_windows_the_matches(people: Any) -> None:
    window, total = people.select(offset=1, limit=2, city="oslo")
    assert [r["name"] for r in window] == ["cid", "dee"]
    assert total == 3


def test_first(people: Any) -> None:
    assert people.first(city="oslo")["name"] == "ann"
    assert people.first(city="rome", age=41)["name"] == "bob"
    assert people.first(city="paris") is None
    assert people.first()["id"] == 1


# --- export / load ----------------------------------------------------------------------------------------------

def populated() -> Store:
    store = Store()
    kits = store["kits"]
    for n in range(5):
        kits.insert({"sku": f"k{n}", "meta": {"n": n, "tags": ["a", n]}})
    kits.delete(5)                               # next_id (6) is now above max id + 1 (5)
    kits.delete(2)
    store["orders"].insert({"id": 40, "kit": 1})
    store["empty"]                               # an empty collection is part of the state too
    return store


def test_export_load_round_trip_is_exact() -> None:
    state = populated().export()
    assert state["collections"]["kits"]["next_id"] == 6
    copy = Store()
    copy.load(state)
    assert copy.export() == state
    assert copy["kits"].insert({})["id"] == 6
    assert copy["orders"].insert({})["id"] == 41
    assert copy["empty"].insert({})["id"] == 1


def test_load_does_not_share_rows_with_its_input() -> None:
    state = populated().export()
    store = Store()
    store.load(state)
    state["collections"]["kits"]["rows"][0]["meta"]["tags"].append("later")
    assert store["kits"].get(1)["meta"]["tags"] == ["a", 0]


def test_load_without_next_id_continues_after_the_highest_id(store: Store) -> None:
    store.load({"collections": {"kits": {"rows": [{"id": 3}, {"id": 8}]}}})
    assert store["kits"].insert({})["id"] == 9


@pytest.mark.parametrize("state", [
    [],
    "state",
    None,
    {},
    {"collections": []},
    {"collections": {"kits": []}},
    {"collections": {"kits": "rows"}},
    {"collections": {"kits": {"rows": {"id": 1}}}},
    {"collections": {"kits": {"rows": [{"sku": "no id"}]}}},
    {"collections": {"kits": {"rows": [{"id": "1"}]}}},
    {"collections": {"kits": {"rows": [{"id": 1.0}]}}},
    {"collections": {"kits": {"rows": [["id", 1]]}}},
    {"collections": {"kits": {"rows": [{"id": 1}, {"id": 1}]}}},
    {"collections": {"good": {"rows": [{"id": 1}]}, "bad": {"rows": [{}]}}},
], ids=["list", "string", "none", "no-collections", "collections-list", "collection-list", "collection-string",
        "rows-object", "row-without-id", "string-id", "float-id", "row-list", "duplicate-ids", "one-bad-of-two"])
def test_load_rejects_bad_input_and_keeps_the_previous_state(state: Any) -> None:
    store = populated()
    before = store.export()
    with pytest.raises(ValueError):
        store.load(state)
    assert store.export() == before
    assert store["kits"].insert({})["id"] == 6  # the sequence survived too


# --- seed and reset ---------------------------------------------------------------------------------------------

def test_reset_returns_to_the_seed_after_changes(store: Store) -> None:
    kits = store["kits"]
    kits.insert({"sku": "a", "meta": {"tags": ["x"]}})
    kits.insert({"sku": "b"})
    store.mark_seed()
    seeded = store.export()

    kits.insert({"sku": "c"})
    kits.update(1, {"sku": "changed"})
    kits.delete(2)
    store["orders"].insert({})
    store.reset()
    assert store.export() == seeded
    assert store["kits"].get(1) == {"id": 1, "sku": "a", "meta": {"tags": ["x"]}}
    assert store["kits"].insert({})["id"] == 3  # the sequence is back too
    assert store["orders"].filter() == []
    assert store["orders"].insert({})["id"] == 1


def test_reset_twice_and_seed_is_not_mutated_through_rows(store: Store) -> None:
    store["kits"].insert({"meta": {"tags": ["x"]}})
    store.mark_seed()
    seeded = store.export()
    store.reset()
    row = store["kits"].get(1)
    row["meta"]["tags"].append("y")
    store["kits"].update(1, {"meta": row["meta"]})
    store["kits"].insert({})
    store.reset()
    assert store.export() == seeded


def test_reset_without_seed_empties(store: Store) -> None:
    store["kits"].insert({})
    store["orders"].insert({"id": 9})
    store.reset()
    assert store.export() == {"collections": {}}
    assert store["kits"].filter() == []
    assert store["kits"].insert({})["id"] == 1
    assert store["orders"].insert({})["id"] == 1


def test_insert_listeners_get_copies_and_survive_reset(store: Store) -> None:
    seen: list[dict[str, Any]] = []

    def listener(row: dict[str, Any]) -> None:
        seen.append(row)
        row["mutated"] = True                   # must not reach the store

    store.on_insert("kits", listener)
    store["kits"].insert({"sku": "a"})
    assert "mutated" not in store["kits"].get(1)
    store.reset()
    store["kits"].insert({"sku": "b"})
    store.load({"collections": {"kits": {"rows": []}}})
    store["kits"].insert({"sku": "c"})
    assert [r["sku"] for r in seen] == ["a", "b", "c"]


# --- concurrency ------------------------------------------------------------------------------------------------

def test_concurrent_inserts_get_unique_gapless_ids(store: Store) -> None:
    threads_count, per_thread = 8, 500
    barrier = threading.Barrier(threads_count)
    returned: list[list[int]] = [[] for _ in range(threads_count)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            kits = store["kits"]
            for n in range(per_thread):
                returned[index].append(kits.insert({"thread": index, "n": n})["id"])
        except BaseException as exc:  # pragma: no cover - only on failure
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    all_ids = [i for chunk in returned for i in chunk]
    total = threads_count * per_thread
    assert sorted(all_ids) == list(range(1, total + 1))
    stored = store["kits"].filter()
    assert ids(stored) == list(range(1, total + 1))
    for index in range(threads_count):         # each thread's rows kept their own order
        assert [r["n"] for r in stored if r["thread"] == index] == list(range(per_thread))
    assert store["kits"].insert({})["id"] == total + 1


def test_transaction_is_reentrant(store: Store) -> None:
    outcome: dict[str, Any] = {}

    def work() -> None:
        with store.transaction() as outer:
            outer["kits"].insert({})
            with store.transaction() as inner:
                inner["kits"].insert({})
                with inner.transaction():
                    outcome["rows"] = ids(store["kits"].filter())
            outcome["same"] = outer is store and inner is store

    worker = threading.Thread(target=work, daemon=True)  # a deadlock would leave it alive instead of hanging us
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "nested transaction() deadlocked"
    assert outcome == {"rows": [1, 2], "same": True}


def test_view_and_uncopied_update_hand_out_the_stored_row_which_later_writes_leave_alone(store: Store) -> None:
    row = store["hooks"].insert({"status": "pending", "attempts": []})
    live = store["hooks"].view(row["id"])
    assert live == row and store["hooks"].view(999) is None
    attempts = [{"attempt": 1}]
    stored = store["hooks"].update(row["id"], {"status": "delivered", "attempts": attempts}, copy=False)
    assert stored is store["hooks"].view(row["id"]) and stored["attempts"] is attempts    # handed over, not copied
    assert live["status"] == "pending" and live["attempts"] == []                       # the old row is untouched
    assert store["hooks"].get(row["id"])["status"] == "delivered"


def test_an_uncopied_insert_stores_the_given_row_and_hands_it_back_read_only(store: Store) -> None:
    heard: list[dict[str, Any]] = []
    store.on_insert("hooks", heard.append)
    row = {"status": "pending", "attempts": [{"n": 1}]}
    stored = store["hooks"].insert(row, copy=False)
    assert stored is row and row["id"] == 1 and stored is store["hooks"].view(1)   # handed over, not copied
    assert heard == [stored] and heard[0] is not stored                            # listeners still get a copy
    assert heard[0]["attempts"] is not stored["attempts"]
    later = store["hooks"].update(1, {"status": "delivered"})
    assert stored["status"] == "pending" and later["status"] == "delivered"       # writes swap, never edit
    copied = store["hooks"].insert({"status": "new", "attempts": []})              # the default still copies
    assert copied is not store["hooks"].view(copied["id"])
    assert store.export()["collections"]["hooks"]["rows"] == [
        {"status": "delivered", "attempts": [{"n": 1}], "id": 1}, {"status": "new", "attempts": [], "id": 2}]


def test_existing_looks_without_adding_an_empty_collection(store: Store) -> None:
    assert store.existing("tombstones") is None
    assert "tombstones" not in store.export()["collections"], "looking created nothing"
    store["tombstones"].insert({"path": "/a"})
    found = store.existing("tombstones")
    assert found is not None and [row["path"] for row in found.scan()] == ["/a"]
