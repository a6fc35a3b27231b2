"""apitwin_apis.molgenis.repository: rows of one type, O(1) get by id, an index shared and rebuilt after reset/import."""
from __future__ import annotations

import threading

import pytest

from apitwin.store import Store
from apitwin_apis.molgenis.model import Attribute, EntityType, Model
from apitwin_apis.molgenis.repository import Repository, collection_name, make_lookup


def person_type() -> EntityType:
    return EntityType(id="Person", attributes=[
        Attribute(name="id", id_attribute=True, nillable=False, unique=True),
        Attribute(name="name"),
        Attribute(name="age", type="INT"),
    ])


def number_type() -> EntityType:
    return EntityType(id="Numbered", attributes=[Attribute(name="n", type="INT", id_attribute=True),
                                                 Attribute(name="x")])


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def repo(store: Store) -> Repository:
    repository = Repository(store, person_type())
    for n in range(1, 4):
        repository.insert({"id": f"p{n}", "name": f"name{n}", "age": 20 + n})
    return repository


# --- storage layout -----------------------------------------------------------------------------------------------

def test_rows_live_in_their_own_collection_with_internal_ids_in_storage_order(store: Store, repo: Repository) -> None:
    rows = store[collection_name("Person")].filter()
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    assert rows[0]["values"] == {"id": "p1", "name": "name1", "age": 21}
    assert set(rows[0]) == {"id", "values"}


def test_insert_returns_the_entity_id_and_copies_the_values(repo: Repository) -> None:
    values = {"id": "p9", "name": "Nine"}
    assert repo.insert(values) == "p9"
    values["name"] = "changed"
    assert repo.get("p9") == {"id": "p9", "name": "Nine"}


def test_insert_duplicate_id_raises_key_error(repo: Repository) -> None:
    with pytest.raises(KeyError):
        repo.insert({"id": "p1", "name": "again"})
    assert repo.count() == 3


def test_insert_without_id_raises_value_error(repo: Repository) -> None:
    with pytest.raises(ValueError):
        repo.insert({"name": "nobody"})


# --- reads --------------------------------------------------------------------------------------------------------

def test_get_returns_a_copy_or_none(repo: Repository) -> None:
    found = repo.get("p2")
    assert found == {"id": "p2", "name": "name2", "age": 22}
    found["name"] = "mutated"
    assert repo.get("p2")["name"] == "name2"
    assert repo.get("missing") is None
    assert repo.exists("p2") and not repo.exists("missing")


def test_ids_are_typed(store: Store) -> None:
    numbers = Repository(store, number_type())
    numbers.insert({"n": 1, "x": "a"})
    assert numbers.get(1) == {"n": 1, "x": "a"}
    assert numbers.get("1") is None


def test_all_and_scan_are_in_storage_order(repo: Repository) -> None:
    assert [v["id"] for v in repo.all()] == ["p1", "p2", "p3"]
    assert [v["id"] for v in repo.scan()] == ["p1", "p2", "p3"]
    assert [v["id"] for v in repo] == ["p1", "p2", "p3"]
    assert repo.count() == 3


def test_scan_is_a_snapshot_that_later_writes_do_not_change(repo: Repository) -> None:
    snapshot = repo.scan()
    repo.replace("p1", {"id": "p1", "name": "renamed"})
    repo.delete("p2")
    assert [v.get("name") for v in snapshot] == ["name1", "name2", "name3"]
    assert [v.get("name") for v in repo.scan()] == ["renamed", "name3"]


def test_holder_of_finds_a_row_by_any_attribute(repo: Repository) -> None:
    assert repo.holder_of("name", "name3") == "p3"
    assert repo.holder_of("name", "nobody") is None
    assert repo.holder_of("id", "p2") == "p2"
    assert repo.holder_of("id", "zz") is None


# --- replace / delete ---------------------------------------------------------------------------------------------

def test_replace_is_a_full_replacement_keeping_the_position(repo: Repository) -> None:
    assert repo.replace("p2", {"id": "p2", "name": "two"}) == "p2"
    assert repo.get("p2") == {"id": "p2", "name": "two"}
    assert [v["id"] for v in repo.all()] == ["p1", "p2", "p3"]


def test_replace_can_change_the_id(repo: Repository) -> None:
    assert repo.replace("p2", {"id": "p20", "name": "moved"}) == "p20"
    assert repo.get("p2") is None
    assert repo.get("p20") == {"id": "p20", "name": "moved"}
    assert [v["id"] for v in repo.all()] == ["p1", "p20", "p3"]


def test_replace_missing_row_raises(repo: Repository) -> None:
    with pytest.raises(KeyError):
        repo.replace("nope", {"id": "nope"})


def test_replace_onto_another_rows_id_raises(repo: Repository) -> None:
    with pytest.raises(KeyError):
        repo.replace("p1", {"id": "p2", "name": "clash"})
    assert repo.get("p1")["name"] == "name1"


def test_replace_without_id_raises(repo: Repository) -> None:
    with pytest.raises(ValueError):
        repo.replace("p1", {"name": "no id"})


def test_delete_reports_whether_a_row_went(repo: Repository) -> None:
    assert repo.delete("p1") is True
    assert repo.delete("p1") is False
    assert repo.get("p1") is None
    assert repo.count() == 2


def test_delete_all_keeps_the_sequence_going(store: Store, repo: Repository) -> None:
    before = store[collection_name("Person")].last_id
    assert repo.delete_all() == 3
    assert repo.count() == 0 and repo.get("p1") is None
    repo.insert({"id": "p1", "name": "again"})
    assert store[collection_name("Person")].filter()[0]["id"] > before


def test_next_sequence_is_never_repeated(repo: Repository) -> None:
    first = repo.next_sequence()
    assert repo.next_sequence() == first + 1
    repo.insert({"id": "p4"})
    assert repo.next_sequence() > first + 1


# --- the shared index ---------------------------------------------------------------------------------------------

def test_instances_over_the_same_store_share_the_index(store: Store, repo: Repository) -> None:
    other = Repository(store, person_type())
    other.insert({"id": "p4", "name": "four"})
    other.replace("p1", {"id": "p100", "name": "one"})
    assert repo.get("p4")["name"] == "four"
    assert repo.get("p1") is None and repo.get("p100")["name"] == "one"


def test_reset_replaces_the_collection_and_the_index_follows(store: Store, repo: Repository) -> None:
    store.mark_seed()
    repo.insert({"id": "p4"})
    repo.replace("p1", {"id": "p1", "name": "changed"})
    store.reset()
    assert repo.get("p4") is None
    assert repo.get("p1")["name"] == "name1"
    assert repo.count() == 3


def test_import_of_exported_state_is_indexed(store: Store, repo: Repository) -> None:
    state = store.export()
    fresh = Store()
    fresh.load(state)
    assert Repository(fresh, person_type()).get("p3") == {"id": "p3", "name": "name3", "age": 23}


def test_writes_behind_the_repositorys_back_are_noticed(store: Store, repo: Repository) -> None:
    repo.get("p1")                                      # index built
    store[collection_name("Person")].insert({"values": {"id": "raw", "name": "direct"}})
    assert repo.get("raw")["name"] == "direct"


def test_a_stale_index_entry_heals_itself(store: Store, repo: Repository) -> None:
    collection = store[collection_name("Person")]
    internal = collection.first()["id"]
    collection.update(internal, {"values": {"id": "renamed", "name": "x"}})   # same size, different id
    assert repo.get("p1") is None
    assert repo.get("renamed") == {"id": "renamed", "name": "x"}


def test_concurrent_inserts_all_land(store: Store) -> None:
    repository = Repository(store, person_type())

    def work(offset: int) -> None:
        for n in range(200):
            repository.insert({"id": f"t{offset}-{n}"})

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert repository.count() == 800
    assert all(repository.exists(f"t{k}-{n}") for k in range(4) for n in range(200))


def test_large_repository_get_by_id(store: Store) -> None:
    repository = Repository(store, number_type())
    collection = store[collection_name("Numbered")]
    collection.load({"rows": [{"id": n, "values": {"n": n * 7, "x": str(n)}} for n in range(1, 100_001)]})
    assert repository.get(7 * 99_999) == {"n": 699_993, "x": "99999"}
    assert repository.count() == 100_000


# --- lookup -------------------------------------------------------------------------------------------------------

def test_make_lookup_resolves_types_of_the_model(store: Store, repo: Repository) -> None:
    model = Model()
    model.add(person_type())
    lookup = make_lookup(store, model)
    assert lookup("Person").get("p1")["name"] == "name1"
    assert lookup("Unknown") is None
