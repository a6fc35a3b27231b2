"""MOLGENIS data derived from the store (apitwin.store `derived`): the parsed model, the repository's indexes and
the security indexes follow every write, reset and import, and are not rebuilt without one."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apitwin.store import Store
from apitwin_apis.molgenis import seed
from apitwin_apis.molgenis.model import Attribute, EntityType
from apitwin_apis.molgenis.model_store import edit_model, model_of, save_model
from apitwin_apis.molgenis.repository import Repository, collection_name
from apitwin_apis.molgenis.security import ALL_PERMISSIONS, USER_TYPE, Security

SEED = Path(__file__).resolve().parents[2] / "mockdata" / "molgenis"


@pytest.fixture(scope="module")
def seeded_state() -> dict[str, Any]:
    store = Store()
    seed.load(store, SEED)
    return store.export()


@pytest.fixture
def store(seeded_state: dict[str, Any]) -> Store:
    fresh = Store()
    fresh.load(seeded_state)
    fresh.mark_seed()
    return fresh


# --- the parsed model ---------------------------------------------------------------------------------------------

def test_the_model_is_parsed_once_per_stored_version(store: Store) -> None:
    model = model_of(store)
    assert model_of(store) is model
    store["users"].insert({"username": "x"})                  # another collection: still the same model
    assert model_of(store) is model


def test_a_saved_model_is_parsed_again_and_reset_brings_the_seeded_one_back(store: Store) -> None:
    before = model_of(store)
    edited = edit_model(store)
    assert edited is not before and edited.get(USER_TYPE) is not None
    edited.remove(USER_TYPE)
    save_model(store, edited)
    assert model_of(store).get(USER_TYPE) is None
    assert before.get(USER_TYPE) is not None                  # the shared model was never touched
    store.reset()
    assert model_of(store).get(USER_TYPE) is not None


def test_an_empty_store_has_an_empty_model() -> None:
    assert model_of(Store()).entity_types == {}


# --- repository indexes -------------------------------------------------------------------------------------------

def tagged_type() -> EntityType:
    return EntityType(id="Tagged", attributes=[Attribute(name="id", id_attribute=True, nillable=False),
                                               Attribute(name="tag")])


@pytest.fixture
def tagged() -> Repository:
    repository = Repository(Store(), tagged_type())
    for n, tag in enumerate(["red", "blue", "red"], start=1):
        repository.insert({"id": f"t{n}", "tag": tag})
    return repository


def test_holder_of_follows_inserts_replaces_and_deletes(tagged: Repository) -> None:
    assert tagged.holder_of("tag", "red") == "t1"                # the first row holding the value
    tagged.insert({"id": "t4", "tag": "green"})
    assert tagged.holder_of("tag", "green") == "t4"
    assert tagged.holder_of("tag", "red") == "t1"                # an insert never takes over an earlier holder
    tagged.replace("t1", {"id": "t1", "tag": "black"})
    assert tagged.holder_of("tag", "red") == "t3"
    assert tagged.holder_of("tag", "black") == "t1"
    tagged.delete("t3")
    assert tagged.holder_of("tag", "red") is None
    tagged.replace("t2", {"id": "t20", "tag": "blue"})
    assert tagged.holder_of("tag", "blue") == "t20"
    assert tagged.holder_of("tag", None) is None                 # every row has a tag
    tagged.insert({"id": "t5"})
    assert tagged.holder_of("tag", None) == "t5"                 # an absent value is held by the rows without it


def test_holder_of_an_unhashable_value_scans(tagged: Repository) -> None:
    tagged.insert({"id": "t9", "tag": ["a", "b"]})
    assert tagged.holder_of("tag", ["a", "b"]) == "t9"
    assert tagged.holder_of("tag", ["c"]) is None
    assert tagged.holder_of("id", ["t9"]) is None


def test_ids_follow_writes_made_behind_the_repositorys_back(tagged: Repository) -> None:
    collection = tagged.store[collection_name("Tagged")]
    tagged.get("t1")                                             # index built
    internal = collection.first()["id"]
    collection.update(internal, {"values": {"id": "renamed", "tag": "red"}})
    assert tagged.get("t1") is None and tagged.get("renamed") == {"id": "renamed", "tag": "red"}
    assert tagged.holder_of("tag", "red") == "renamed"


def test_the_repository_version_moves_with_its_writes_only(tagged: Repository) -> None:
    version = tagged.version
    tagged.get("t1"), tagged.scan(), tagged.holder_of("tag", "red"), tagged.exists("t2")
    assert tagged.version == version
    tagged.insert({"id": "t4"})
    assert tagged.version != version


def test_a_derived_value_of_the_rows_is_rebuilt_only_after_a_write(tagged: Repository) -> None:
    builds: list[int] = []

    def tags() -> list[Any]:
        builds.append(1)
        return [values.get("tag") for values in tagged.scan()]
    assert tagged.derived("tags", tags) == ["red", "blue", "red"]
    assert tagged.derived("tags", tags) == ["red", "blue", "red"] and len(builds) == 1
    tagged.delete("t2")
    assert tagged.derived("tags", tags) == ["red", "red"] and len(builds) == 2


# --- security indexes ---------------------------------------------------------------------------------------------

def test_permissions_follow_changes_to_the_user_rows(store: Store) -> None:
    security = Security(store)
    assert "READ_DATA" not in security.permissions("test", "sys_sec_User")
    users = Repository(store, model_of(store).get(USER_TYPE))
    entity_id = users.holder_of("username", "test")
    users.replace(entity_id, {**users.get(entity_id), "superuser": True})
    assert security.permissions("test", "sys_sec_User") == list(ALL_PERMISSIONS)
    store.reset()
    assert "READ_DATA" not in security.permissions("test", "sys_sec_User")


def test_permissions_follow_new_grants_and_imports(store: Store) -> None:
    security = Security(store)
    assert security.permissions("test", "sys_sec_User") == []
    store["grants"].insert({"principal": "test", "entity_type": "sys_sec_User", "level": "COUNT"})
    assert security.permissions("test", "sys_sec_User") == ["READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA"]
    state = store.export()
    state["collections"]["grants"]["rows"] = []
    store.load(state)
    assert security.permissions("test", "sys_sec_User") == []


def test_users_are_found_from_the_account_file_and_the_rows(store: Store) -> None:
    security = Security(store)
    assert security.user("admin")["superuser"] is True
    assert security.user("anonymous") is not None              # a row without an account: the row's password
    assert security.user("nobody") is None
    assert security.user(["not", "a", "name"]) is None         # type: ignore[arg-type]
    store["users"].insert({"username": "file-only", "password": "p", "active": True})
    assert security.user("file-only")["password"] == "p"
    found = security.user("admin")
    found["superuser"] = False                                  # a copy: the index is not changed through it
    assert security.user("admin")["superuser"] is True


def test_a_deactivated_user_row_turns_the_token_anonymous(store: Store) -> None:
    security = Security(store)
    token = security.issue_token("test")
    assert security.username_for(token) == "test"
    users = Repository(store, model_of(store).get(USER_TYPE))
    entity_id = users.holder_of("username", "test")
    users.replace(entity_id, {**users.get(entity_id), "active": False})
    assert security.username_for(token) is None
