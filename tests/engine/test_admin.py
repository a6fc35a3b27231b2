"""The admin API under /__apitwin/ over HTTP, with the Partners API as the vehicle: health, the list of mounted
APIs, reset to seed, state export and import (all or nothing), and id sequences after an import."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.partners.helpers import DEMO
from tests.engine.helpers import assert_error_shape


def load_yaml(text: str) -> Any:
    """libyaml when available (the spec is large; the pure-Python loader costs ~0.25 s a parse)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


MOCKDATA = Path(__file__).resolve().parents[2] / "mockdata" / "partners"


def seed_rows(key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(MOCKDATA.glob("*.yaml")):
        rows += (load_yaml(path.read_text(encoding="utf-8")) or {}).get(key) or []
    return rows


SEED_CUSTOMER_IDS = sorted(row["id"] for row in seed_rows("customers"))


@pytest.fixture(scope="module")
def shared() -> Iterator[Any]:
    """One app for the module (~1 s each); every test starts from the seed (reset through the runtime, not HTTP)."""
    app = create_app(["partners"], settings=Settings())
    with app.test_client() as test_client:
        test_client.app_runtime = app.apitwin.runtimes["partners"]  # type: ignore[attr-defined]
        yield test_client


@pytest.fixture
def client(shared: Any) -> Any:  # overrides conftest's per-test app for this module
    shared.app_runtime.reset()
    return shared


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    response = client.post("/api/v1/api-token-auth/", json={"username": DEMO[0], "password": DEMO[1]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"JWT {response.json()['token']}"}


def export(client: Any) -> dict[str, Any]:
    response = client.get("/__apitwin/apis/partners/state")
    assert response.status_code == 200, response.text
    return response.json()


def create_customer(client: Any, auth: dict[str, str], first: str = "Rickon") -> dict[str, Any]:
    response = client.post("/api/v1/customers/", headers=auth, json={"first_name": first, "last_name": "Stark"})
    assert response.status_code == 201, response.text
    return response.json()


def customer_ids(client: Any, auth: dict[str, str]) -> list[int]:
    response = client.get("/api/v1/customers/", headers=auth)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


# -- health and listing ---------------------------------------------------------------------------------------------
def test_health(client: Any) -> None:
    response = client.get("/__apitwin/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_apis_lists_partners_with_mount_and_sizes(client: Any) -> None:
    response = client.get("/__apitwin/apis")
    assert response.status_code == 200
    apis = response.json()
    assert [a["name"] for a in apis] == ["partners"]
    info = apis[0]
    assert info["prefix"] == ""
    assert info["spec"] == "/openapi.json"
    assert info["ui"] == "/ui/"
    assert info["title"]
    sizes = info["collections"]
    assert sizes["customers"] == len(SEED_CUSTOMER_IDS)
    assert sizes["accounts"] == len(seed_rows("accounts"))
    assert sizes["trait_panels"] == len(seed_rows("trait_panels"))
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
    assert client.get("/api/v1/customers/").status_code == 401  # the mocked API does
    assert client.get("/__apitwin/apis").status_code == 200
    assert client.get("/__apitwin/apis/partners/state").status_code == 200
    assert client.post("/__apitwin/apis/partners/reset").status_code == 200
    state = export(client)
    assert client.put("/__apitwin/apis/partners/state", json=state).status_code == 200


# -- state export and reset -----------------------------------------------------------------------------------------
def test_state_contains_a_created_customer(client: Any, auth: dict[str, str]) -> None:
    customer = create_customer(client, auth)
    state = export(client)
    rows = state["collections"]["customers"]["rows"]
    stored = next((r for r in rows if r["id"] == customer["id"]), None)
    assert stored is not None, [r["id"] for r in rows]
    assert stored["first_name"] == "Rickon"
    assert state["collections"]["customers"]["next_id"] > customer["id"]


def test_reset_returns_to_the_seed(client: Any, auth: dict[str, str]) -> None:
    seed_sizes = client.get("/__apitwin/apis").json()[0]["collections"]
    seed_state = export(client)
    customer = create_customer(client, auth)
    assert client.get("/__apitwin/apis").json()[0]["collections"]["customers"] == len(SEED_CUSTOMER_IDS) + 1

    response = client.post("/__apitwin/apis/partners/reset")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "partners"
    assert response.json()["collections"] == seed_sizes
    assert client.get(f"/api/v1/customers/{customer['id']}/", headers=auth).status_code == 404
    assert client.get("/__apitwin/apis").json()[0]["collections"] == seed_sizes
    assert export(client) == seed_state


def test_reset_restarts_id_sequences(client: Any, auth: dict[str, str]) -> None:
    first = create_customer(client, auth)
    assert client.post("/__apitwin/apis/partners/reset").status_code == 200
    again = create_customer(client, auth)
    assert again["id"] == first["id"]


def test_export_change_import_restores_exactly(client: Any, auth: dict[str, str]) -> None:
    create_customer(client, auth, "Before")
    snapshot = export(client)
    changed = create_customer(client, auth, "After")
    assert export(client) != snapshot

    response = client.put("/__apitwin/apis/partners/state", json=snapshot)
    assert response.status_code == 200, response.text
    assert response.json()["collections"]["customers"] == len(snapshot["collections"]["customers"]["rows"])
    assert client.get(f"/api/v1/customers/{changed['id']}/", headers=auth).status_code == 404
    assert export(client) == snapshot


def test_reset_after_import_goes_back_to_the_seed_not_the_import(client: Any, auth: dict[str, str]) -> None:
    seed_state = export(client)
    create_customer(client, auth)
    assert client.put("/__apitwin/apis/partners/state", json=export(client)).status_code == 200
    assert client.post("/__apitwin/apis/partners/reset").status_code == 200
    assert export(client) == seed_state


# -- invalid imports change nothing ---------------------------------------------------------------------------------
INVALID_STATES = {
    "array": [],
    "string": "state",
    "number": 5,
    "null": None,
    "no_collections": {},
    "collections_array": {"collections": []},
    "collection_not_object": {"collections": {"customers": []}},
    "rows_not_array": {"collections": {"customers": {"rows": {"id": 1}}}},
    "row_without_id": {"collections": {"customers": {"rows": [{"first_name": "Jon"}]}}},
    "row_string_id": {"collections": {"customers": {"rows": [{"id": "7"}]}}},
    "row_fraction_id": {"collections": {"customers": {"rows": [{"id": 1.5}]}}},
    "row_not_object": {"collections": {"customers": {"rows": [7]}}},
    "next_id_zero": {"collections": {"customers": {"rows": [], "next_id": 0}}},
    "next_id_string": {"collections": {"customers": {"rows": [], "next_id": "9"}}},
    "one_bad_among_good": {"collections": {"customers": {"rows": [{"id": 1}]},
                                           "accounts": {"rows": [{"id": None}]}}},
}


@pytest.mark.parametrize("state", list(INVALID_STATES.values()), ids=list(INVALID_STATES))
def test_invalid_state_is_400_and_changes_nothing(client: Any, auth: dict[str, str], state: Any) -> None:
    create_customer(client, auth)  # a non-seed state that must survive
    before = export(client)
    raw = json.dumps(state).encode()  # (json=None would send no body at all)
    response = client.put("/__apitwin/apis/partners/state", headers={"Content-Type": "application/json"}, content=raw)
    assert_error_shape(response, 400)
    assert export(client) == before


def test_malformed_json_state_is_400_and_changes_nothing(client: Any) -> None:
    before = export(client)
    response = client.put("/__apitwin/apis/partners/state", headers={"Content-Type": "application/json"},
                          content=b'{"collections": {')
    assert_error_shape(response, 400)
    assert export(client) == before


def test_duplicate_row_ids_are_400_and_change_nothing(client: Any) -> None:
    before = export(client)
    state = copy.deepcopy(before)
    rows = state["collections"]["customers"]["rows"]
    rows.append({**rows[0], "first_name": "Duplicate"})
    response = client.put("/__apitwin/apis/partners/state", json=state)
    assert_error_shape(response, 400)
    assert export(client) == before


# -- unknown API ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,path", [
    ("GET", "/__apitwin/apis/nope/state"),
    ("PUT", "/__apitwin/apis/nope/state"),
    ("POST", "/__apitwin/apis/nope/reset"),
])
def test_unknown_api_is_404_in_error_shape(client: Any, method: str, path: str) -> None:
    kwargs = {"json": {"collections": {}}} if method == "PUT" else {}
    body = assert_error_shape(client.request(method, path, **kwargs), 404)
    assert any("nope" in m for m in body["messages"]), body


def test_unknown_admin_path_and_method(client: Any) -> None:
    assert_error_shape(client.get("/__apitwin/nothing-here"), 404)
    response = client.delete("/__apitwin/health")
    assert_error_shape(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD"}


def test_admin_query_is_strict(client: Any) -> None:
    body = assert_error_shape(client.get("/__apitwin/apis?verbose=1"), 400)
    assert "verbose" in body["errors"]


# -- id sequences after import --------------------------------------------------------------------------------------
def _state_with_customer_id(client: Any, new_id: int, next_id: int | None) -> dict[str, Any]:
    state = export(client)
    customers = state["collections"]["customers"]
    template = next(r for r in customers["rows"] if r["id"] == SEED_CUSTOMER_IDS[0])
    customers["rows"].append({**copy.deepcopy(template), "id": new_id, "first_name": "Imported"})
    if next_id is None:
        customers.pop("next_id", None)
    else:
        customers["next_id"] = next_id
    return state


@pytest.mark.parametrize("next_id", [None, 2, 5])
def test_ids_continue_after_the_highest_imported_id(client: Any, auth: dict[str, str], next_id: int | None) -> None:
    response = client.put("/__apitwin/apis/partners/state", json=_state_with_customer_id(client, 900, next_id))
    assert response.status_code == 200, response.text
    imported = client.get("/api/v1/customers/900/", headers=auth)
    assert imported.status_code == 200
    assert imported.json()["first_name"] == "Imported"
    created = create_customer(client, auth)
    assert created["id"] == 901
    assert client.get("/api/v1/customers/901/", headers=auth).json()["first_name"] == "Rickon"


def test_explicit_next_id_above_the_rows_is_kept(client: Any, auth: dict[str, str]) -> None:
    response = client.put("/__apitwin/apis/partners/state", json=_state_with_customer_id(client, 900, 2000))
    assert response.status_code == 200, response.text
    assert create_customer(client, auth)["id"] == 2000


def test_imported_rows_are_listed_in_id_order(client: Any, auth: dict[str, str]) -> None:
    state = _state_with_customer_id(client, 900, None)
    rows = state["collections"]["customers"]["rows"]
    rows.reverse()
    assert client.put("/__apitwin/apis/partners/state", json=state).status_code == 200
    ids = customer_ids(client, auth)
    assert ids == sorted(ids)
    assert 900 in ids
