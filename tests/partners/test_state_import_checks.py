"""Regression tests (issue 16, defect 5): a state import is checked row by row against the API's own schemas and
rules (what seeding enforces) and is all-or-nothing; before, data that broke later requests (500s) got in."""
from __future__ import annotations

import copy
from typing import Any, Callable, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.molgenis.helpers import auth as molgenis_auth
from tests.partners.helpers import reset_app

PARTNERS = "/__apitwin/apis/partners"
MOLGENIS = "/__apitwin/apis/molgenis"


@pytest.fixture
def app() -> Any:
    return reset_app()


def rows(state: dict[str, Any], collection: str) -> list[dict[str, Any]]:
    return state["collections"][collection]["rows"]


def first_customer(state: dict[str, Any]) -> dict[str, Any]:
    return rows(state, "customers")[0]


PARTNER_BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "integer password": (lambda s: rows(s, "accounts")[0].update(password=12345), "password must be a string"),
    "customer missing fields": (lambda s: [first_customer(s).pop(k) for k in ("first_name", "created_at")],
                                "does not match Customer"),
    "huge next_id": (lambda s: s["collections"]["customers"].update(next_id=10**30), "next_id"),
    "huge row id": (lambda s: first_customer(s).update(id=2**60), "integer id"),
    "boolean row id": (lambda s: first_customer(s).update(id=True), "integer"),
    "unknown kit status": (lambda s: rows(s, "kits")[0].update(status="LOST"), "does not match Kit"),
    "shipment of another partner's customer": (lambda s: rows(s, "shipments")[0].update(customer_id=500),
                                               "is not a customer of partner"),
    "duplicate username": (lambda s: rows(s, "accounts")[1].update(username=rows(s, "accounts")[0]["username"]),
                           "is taken"),
    "webhook endpoint without url": (lambda s: rows(s, "webhook_endpoints").append(
        {"id": 1, "tenant": "demo-partner", "secret": "s" * 10, "event_types": [], "active": True,
         "created_at": "2026-01-01T00:00:00+00:00"}), "does not match WebhookEndpoint"),
}


@pytest.mark.parametrize("case", list(PARTNER_BREAKAGES))
def test_partner_states_that_would_break_requests_are_refused(client: Any, case: str) -> None:
    token = {"X-Apitwin-Admin-Token": client.app.apitwin.runtimes["partners"].settings.admin_token}
    before = client.get(f"{PARTNERS}/state", headers=token).json()
    broken = copy.deepcopy(before)
    breakage, expected = PARTNER_BREAKAGES[case]
    breakage(broken)
    response = client.put(f"{PARTNERS}/state", json=broken)
    assert response.status_code == 400, response.text
    body = response.json()
    said = " ".join(body["messages"] + sum(body["errors"].values(), []))
    assert expected in said, body
    assert client.get(f"{PARTNERS}/state", headers=token).json() == before          # nothing changed
    login = client.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    assert login.status_code == 200


def test_every_problem_is_listed_up_to_a_bound(client: Any) -> None:
    state = client.get(f"{PARTNERS}/state").json()
    for customer in rows(state, "customers"):
        customer["first_name"] = 7
    for kit in rows(state, "kits"):
        kit["status"] = "LOST"
    messages = client.put(f"{PARTNERS}/state", json=state).json()["messages"]
    assert "15 problem(s)" in messages[0] and len(messages) == 16


@pytest.fixture
def molgenis() -> Iterator[Any]:
    with create_app(["molgenis"], settings=Settings()).test_client() as client:
        yield client


def _model_row(state: dict[str, Any]) -> dict[str, Any]:
    return rows(state, "model")[0]


def _donor(state: dict[str, Any]) -> dict[str, Any]:
    return rows(state, "rows:biobank_Donor")[0]["values"]


MOLGENIS_BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "garbage model": (lambda s: _model_row(s).update(model={"entity_types": [{"nonsense": True}]}),
                      "entity model cannot be read"),
    "model not an object": (lambda s: _model_row(s).update(model=[1, 2]), "entity model object"),
    "type without id attribute": (lambda s: _model_row(s)["model"]["entity_types"].append(
        {"id": "x_Broken", "label": "Broken", "attributes": [{"name": "a"}]}), "no id attribute"),
    "text in an INT attribute": (lambda s: _donor(s).update(birth_year="nineteen"), "Invalid int value 'nineteen'"),
    "unknown enum value": (lambda s: _donor(s).update(sex="unknown-value"), "Value must be one of"),
    "dangling reference": (lambda s: rows(s, "rows:biobank_Sample")[0]["values"].update(donor="nobody"),
                           "nobody"),
    "rows of an unknown type": (lambda s: s["collections"].update({"rows:nope_Type": {"rows": [
        {"id": 1, "values": {"id": "a"}}]}}), "rows of an entity type the model does not have"),
    "integer password": (lambda s: rows(s, "users")[0].update(password=1), "password must be a string"),
    "unknown grant level": (lambda s: rows(s, "grants")[0].update(level="ALL"), "level"),
    "unknown row grant level": (lambda s: rows(s, "row_grants")[0].update(level="OWN"), "row_grants"),
    "row grant without a row": (lambda s: rows(s, "row_grants")[0].pop("row"), "row_grants"),
}


@pytest.mark.parametrize("case", list(MOLGENIS_BREAKAGES))
def test_molgenis_states_that_would_break_requests_are_refused(molgenis: Any, case: str) -> None:
    token = {"X-Apitwin-Admin-Token": molgenis.app.apitwin.runtimes["molgenis"].settings.admin_token}
    before = molgenis.get(f"{MOLGENIS}/state", headers=token).json()
    broken = copy.deepcopy(before)
    breakage, expected = MOLGENIS_BREAKAGES[case]
    breakage(broken)
    response = molgenis.put(f"{MOLGENIS}/state", json=broken)
    assert response.status_code == 400, response.text
    assert expected in " ".join(response.json()["messages"]), response.json()
    assert molgenis.get(f"{MOLGENIS}/state", headers=token).json() == before
    headers = molgenis_auth(molgenis)
    assert molgenis.get("/api/v1/biobank_Donor?num=1", headers=headers).status_code == 200


def test_valid_changes_still_import(molgenis: Any) -> None:
    state = molgenis.get(f"{MOLGENIS}/state").json()
    _donor(state)["birth_year"] = 1950
    assert molgenis.put(f"{MOLGENIS}/state", json=state).status_code == 200
    donor_id = _donor(state)["id"]
    response = molgenis.get(f"/api/v1/biobank_Donor/{donor_id}", headers=molgenis_auth(molgenis))
    assert response.json()["birth_year"] == 1950
