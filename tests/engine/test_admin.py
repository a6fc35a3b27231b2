"""The admin API under /__apitwin/ over HTTP, on the fixture API (tests/engine/fixtures/): health, the list of mounted
APIs, reset to seed, state export and import (all or nothing), and id sequences after an import."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from tests.engine.helpers import FAKE_PLUGIN, NOTES, assert_neutral_error


def seed_rows(key: str) -> list[dict[str, Any]]:
    seed = yaml.safe_load((FAKE_PLUGIN.mockdata_dir / "fakeapi.yaml").read_text(encoding="utf-8"))
    return seed.get(key) or []


SEED_NOTE_IDS = sorted(row["id"] for row in seed_rows("notes"))
STATE = "/__apitwin/apis/fakeapi/state"
RESET = "/__apitwin/apis/fakeapi/reset"


@pytest.fixture
def client(fake: Any) -> Any:
    """The module's fixture-API client (conftest), back at the seed."""
    return fake


@pytest.fixture
def auth(fake_headers: dict[str, str]) -> dict[str, str]:
    return fake_headers


def export(client: Any) -> dict[str, Any]:
    response = client.get(STATE)
    assert response.status_code == 200, response.text
    return response.json()


def create_note(client: Any, auth: dict[str, str], title: str = "Rickon") -> dict[str, Any]:
    response = client.post(NOTES, headers=auth, json={"title": title, "text": "Stark"})
    assert response.status_code == 201, response.text
    return response.json()


def note_ids(client: Any, auth: dict[str, str]) -> list[int]:
    response = client.get(NOTES, headers=auth)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


# -- health and listing ---------------------------------------------------------------------------------------------
def test_health(client: Any) -> None:
    response = client.get("/__apitwin/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_apis_lists_the_api_with_mount_and_sizes(client: Any) -> None:
    response = client.get("/__apitwin/apis")
    assert response.status_code == 200
    apis = response.json()
    assert [a["name"] for a in apis] == ["fakeapi"]
    info = apis[0]
    assert info["prefix"] == ""
    assert info["spec"] == "/openapi.json"
    assert info["ui"] == "/ui/"
    assert info["title"]
    sizes = info["collections"]
    assert sizes["notes"] == len(SEED_NOTE_IDS)
    assert sizes["users"] == len(seed_rows("users"))
    assert all(isinstance(n, int) for n in sizes.values())


def test_listed_spec_and_ui_are_served(client: Any) -> None:
    info = client.get("/__apitwin/apis").json()[0]
    spec = client.get(info["spec"])
    assert spec.status_code == 200
    assert spec.json()["openapi"] == "3.1.0"
    ui = client.get(info["ui"])
    assert ui.status_code == 200
    assert "text/html" in ui.headers["content-type"]


def test_admin_needs_no_token(client: Any) -> None:
    assert client.get(NOTES).status_code == 401  # the mocked API does
    assert client.get("/__apitwin/apis").status_code == 200
    assert client.get(STATE).status_code == 200
    assert client.post(RESET).status_code == 200
    state = export(client)
    assert client.put(STATE, json=state).status_code == 200


# -- state export and reset -----------------------------------------------------------------------------------------
def test_state_contains_a_created_note(client: Any, auth: dict[str, str]) -> None:
    note = create_note(client, auth)
    state = export(client)
    rows = state["collections"]["notes"]["rows"]
    stored = next((r for r in rows if r["id"] == note["id"]), None)
    assert stored is not None, [r["id"] for r in rows]
    assert stored["title"] == "Rickon"
    assert state["collections"]["notes"]["next_id"] > note["id"]


def test_reset_returns_to_the_seed(client: Any, auth: dict[str, str]) -> None:
    seed_sizes = client.get("/__apitwin/apis").json()[0]["collections"]
    seed_state = export(client)
    note = create_note(client, auth)
    assert client.get("/__apitwin/apis").json()[0]["collections"]["notes"] == len(SEED_NOTE_IDS) + 1

    response = client.post(RESET)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "fakeapi"
    assert response.json()["collections"] == seed_sizes
    assert client.get(f"{NOTES}{note['id']}/", headers=auth).status_code == 404
    assert client.get("/__apitwin/apis").json()[0]["collections"] == seed_sizes
    assert export(client) == seed_state


def test_reset_restarts_id_sequences(client: Any, auth: dict[str, str]) -> None:
    first = create_note(client, auth)
    assert client.post(RESET).status_code == 200
    again = create_note(client, auth)
    assert again["id"] == first["id"]


def test_export_change_import_restores_exactly(client: Any, auth: dict[str, str]) -> None:
    create_note(client, auth, "Before")
    snapshot = export(client)
    changed = create_note(client, auth, "After")
    assert export(client) != snapshot

    response = client.put(STATE, json=snapshot)
    assert response.status_code == 200, response.text
    assert response.json()["collections"]["notes"] == len(snapshot["collections"]["notes"]["rows"])
    assert client.get(f"{NOTES}{changed['id']}/", headers=auth).status_code == 404
    assert export(client) == snapshot


def test_reset_after_import_goes_back_to_the_seed_not_the_import(client: Any, auth: dict[str, str]) -> None:
    seed_state = export(client)
    create_note(client, auth)
    assert client.put(STATE, json=export(client)).status_code == 200
    assert client.post(RESET).status_code == 200
    assert export(client) == seed_state


# -- invalid imports change nothing ---------------------------------------------------------------------------------
INVALID_STATES = {
    "array": [],
    "string": "state",
    "number": 5,
    "null": None,
    "no_collections": {},
    "collections_array": {"collections": []},
    "collection_not_object": {"collections": {"notes": []}},
    "rows_not_array": {"collections": {"notes": {"rows": {"id": 1}}}},
    "row_without_id": {"collections": {"notes": {"rows": [{"title": "Jon"}]}}},
    "row_string_id": {"collections": {"notes": {"rows": [{"id": "7"}]}}},
    "row_fraction_id": {"collections": {"notes": {"rows": [{"id": 1.5}]}}},
    "row_not_object": {"collections": {"notes": {"rows": [7]}}},
    "next_id_zero": {"collections": {"notes": {"rows": [], "next_id": 0}}},
    "next_id_string": {"collections": {"notes": {"rows": [], "next_id": "9"}}},
    "one_bad_among_good": {"collections": {"notes": {"rows": [{"id": 1}]},
                                           "users": {"rows": [{"id": None}]}}},
}


@pytest.mark.parametrize("state", list(INVALID_STATES.values()), ids=list(INVALID_STATES))
def test_invalid_state_is_400_and_changes_nothing(client: Any, auth: dict[str, str], state: Any) -> None:
    create_note(client, auth)  # a non-seed state that must survive
    before = export(client)
    raw = json.dumps(state).encode()  # (json=None would send no body at all)
    response = client.put(STATE, headers={"Content-Type": "application/json"}, content=raw)
    assert_neutral_error(response, 400)
    assert export(client) == before


def test_malformed_json_state_is_400_and_changes_nothing(client: Any) -> None:
    before = export(client)
    response = client.put(STATE, headers={"Content-Type": "application/json"},
                          content=b'{"collections": {')
    assert_neutral_error(response, 400)
    assert export(client) == before


def test_duplicate_row_ids_are_400_and_change_nothing(client: Any) -> None:
    before = export(client)
    state = copy.deepcopy(before)
    rows = state["collections"]["notes"]["rows"]
    rows.append({**rows[0], "title": "Duplicate"})
    response = client.put(STATE, json=state)
    assert_neutral_error(response, 400)
    assert export(client) == before


# -- unknown API ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,path", [
    ("GET", "/__apitwin/apis/nope/state"),
    ("PUT", "/__apitwin/apis/nope/state"),
    ("POST", "/__apitwin/apis/nope/reset"),
])
def test_unknown_api_is_404_in_error_shape(client: Any, method: str, path: str) -> None:
    kwargs = {"json": {"collections": {}}} if method == "PUT" else {}
    body = assert_neutral_error(client.request(method, path, **kwargs), 404)
    assert any("nope" in m for m in body["messages"]), body


def test_unknown_admin_path_and_method(client: Any) -> None:
    assert_neutral_error(client.get("/__apitwin/nothing-here"), 404)
    response = client.delete("/__apitwin/health")
    assert_neutral_error(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD"}


def test_admin_query_is_strict(client: Any) -> None:
    body = assert_neutral_error(client.get("/__apitwin/apis?verbose=1"), 400)
    assert "verbose" in body["errors"]


# -- id sequences after import --------------------------------------------------------------------------------------
def _state_with_note_id(client: Any, new_id: int, next_id: int | None) -> dict[str, Any]:
    state = export(client)
    notes = state["collections"]["notes"]
    template = next(r for r in notes["rows"] if r["id"] == SEED_NOTE_IDS[0])
    notes["rows"].append({**copy.deepcopy(template), "id": new_id, "title": "Imported"})
    if next_id is None:
        notes.pop("next_id", None)
    else:
        notes["next_id"] = next_id
    return state


@pytest.mark.parametrize("next_id", [None, 2, 5])
def test_ids_continue_after_the_highest_imported_id(client: Any, auth: dict[str, str], next_id: int | None) -> None:
    response = client.put(STATE, json=_state_with_note_id(client, 900, next_id))
    assert response.status_code == 200, response.text
    imported = client.get(f"{NOTES}900/", headers=auth)
    assert imported.status_code == 200
    assert imported.json()["title"] == "Imported"
    created = create_note(client, auth)
    assert created["id"] == 901
    assert client.get(f"{NOTES}901/", headers=auth).json()["title"] == "Rickon"


def test_explicit_next_id_above_the_rows_is_kept(client: Any, auth: dict[str, str]) -> None:
    response = client.put(STATE, json=_state_with_note_id(client, 900, 2000))
    assert response.status_code == 200, response.text
    assert create_note(client, auth)["id"] == 2000


def test_imported_rows_are_listed_in_id_order(client: Any, auth: dict[str, str]) -> None:
    state = _state_with_note_id(client, 900, None)
    rows = state["collections"]["notes"]["rows"]
    rows.reverse()
    assert client.put(STATE, json=state).status_code == 200
    ids = note_ids(client, auth)
    assert ids == sorted(ids)
    assert 900 in ids
