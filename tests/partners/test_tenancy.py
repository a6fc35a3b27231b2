"""Partners API, tenancy: every partner account sees only its own data; other partners' ids answer 404 (never 403,
never data); two users of one partner see the same data."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.settings import Settings
from tests.partners.helpers import (ACME, DEMO, DEMO_OPS, assert_error, assert_not_found, create_customer,
                                    create_order, create_shipment, get_json, ids, reset_app, shipment_body)

LISTS = ["/api/v1/customers/", "/api/v1/customer-shipments/", "/api/v1/customer-panel-orders/", "/api/v1/kits/",
         "/api/v1/customer-kit-registrations/", "/api/v1/reports/", "/api/v1/report-files/", "/api/v1/events/"]
DEMO_OWNED = [("/api/v1/customers/", 319), ("/api/v1/customer-shipments/", 70), ("/api/v1/customer-panel-orders/", 101),
              ("/api/v1/kits/", 1), ("/api/v1/customer-kit-registrations/", 1), ("/api/v1/reports/", 1),
              ("/api/v1/report-files/", 1), ("/report-files/", 1)]
ACME_OWNED = [("/api/v1/customers/", 500), ("/api/v1/customer-shipments/", 75), ("/api/v1/customer-panel-orders/", 105),
              ("/api/v1/kits/", 7), ("/api/v1/customer-kit-registrations/", 7), ("/api/v1/reports/", 7)]


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


@pytest.fixture
def ops_auth(login: Any) -> dict[str, str]:
    return {"Authorization": f"JWT {login(DEMO_OPS)}"}


def item_path(base: str, item_id: int) -> str:
    return f"/report-files/{item_id}/download/" if base == "/report-files/" else f"{base}{item_id}/"


@pytest.mark.parametrize("path", LISTS)
def test_partners_see_disjoint_data(client: Any, auth: dict[str, str], acme_auth: dict[str, str], path: str) -> None:
    demo_ids = set(ids(get_json(client, path, auth)))
    acme_ids = set(ids(get_json(client, path, acme_auth)))
    assert demo_ids, path
    assert not demo_ids & acme_ids, path


def test_seeded_partitions(client: Any, auth: dict[str, str], acme_auth: dict[str, str]) -> None:
    assert ids(get_json(client, "/api/v1/customers/", acme_auth)) == [500, 501]
    assert ids(get_json(client, "/api/v1/customer-shipments/", acme_auth)) == [75, 76]
    assert ids(get_json(client, "/api/v1/customer-panel-orders/", acme_auth)) == [105]
    assert get_json(client, "/api/v1/report-files/", acme_auth) == []
    assert {r["customer"] for r in get_json(client, "/api/v1/reports/", acme_auth)} == {500}
    assert {r["customer"] for r in get_json(client, "/api/v1/customer-kit-registrations/", acme_auth)} == {500, 501}
    acme_shipments = {75, 76}
    assert all(e["data"]["kit"]["shipment_id"] in acme_shipments
               for e in get_json(client, "/api/v1/events/", acme_auth) if "kit" in e["data"])


@pytest.mark.parametrize("base,item_id", DEMO_OWNED)
def test_acme_cannot_see_demo_objects(client: Any, auth: dict[str, str], acme_auth: dict[str, str], base: str,
                                      item_id: int) -> None:
    path = item_path(base, item_id)
    assert client.get(path, headers=auth).status_code == 200, path        # it does exist
    response = client.get(path, headers=acme_auth)
    body = assert_not_found(response)
    assert str(item_id) not in str(body["messages"])


@pytest.mark.parametrize("base,item_id", ACME_OWNED)
def test_demo_cannot_see_acme_objects(client: Any, auth: dict[str, str], acme_auth: dict[str, str], base: str,
                                      item_id: int) -> None:
    path = item_path(base, item_id)
    assert client.get(path, headers=acme_auth).status_code == 200, path
    assert_not_found(client.get(path, headers=auth))


def test_foreign_404_is_indistinguishable_from_a_missing_id(client: Any, acme_auth: dict[str, str]) -> None:
    foreign = client.get("/api/v1/customers/319/", headers=acme_auth)
    missing = client.get("/api/v1/customers/999999/", headers=acme_auth)
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())


def test_acme_cannot_patch_a_demo_registration(client: Any, auth: dict[str, str], acme_auth: dict[str, str]) -> None:
    before = get_json(client, "/api/v1/customer-kit-registrations/2/", auth)
    response = client.patch("/api/v1/customer-kit-registrations/2/", json={"verification_date": "2019-11-24"},
                            headers=acme_auth)
    assert_not_found(response)
    assert get_json(client, "/api/v1/customer-kit-registrations/2/", auth) == before
    assert {r["status"] for r in get_json(client, "/api/v1/reports/", auth, customer_id=320)} == {"BLOCKED"}


@pytest.mark.parametrize("field", ["customer_id", "customer"])
def test_acme_cannot_ship_to_a_demo_customer(client: Any, auth: dict[str, str], acme_auth: dict[str, str],
                                             field: str) -> None:
    body = shipment_body(...) | {field: 319}
    response = client.post("/api/v1/customer-shipments/", json=body, headers=acme_auth)
    errors = assert_error(response, 400, fields=[field])["errors"]
    assert errors[field] == ['Invalid pk "319" - object does not exist.']
    assert ids(get_json(client, "/api/v1/customer-shipments/", auth)) == [70, 71, 72, 73, 74]


def test_acme_cannot_order_for_a_demo_customer(client: Any, auth: dict[str, str], acme_auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customer-panel-orders/", json={"customer_id": 319, "order_items": ["apoe-1"]},
                           headers=acme_auth)
    assert_error(response, 400, fields=["customer_id"])
    assert ids(get_json(client, "/api/v1/reports/", auth, customer_id=319)) == [1, 2]


def test_filters_do_not_reach_into_another_partner(client: Any, acme_auth: dict[str, str]) -> None:
    assert get_json(client, "/api/v1/customer-shipments/", acme_auth, customer_id=319) == []
    assert get_json(client, "/api/v1/kits/", acme_auth, shipment=70) == []
    assert get_json(client, "/api/v1/customer-kit-registrations/", acme_auth, customer=319) == []
    assert get_json(client, "/api/v1/reports/", acme_auth, customer_id=319) == []
    assert get_json(client, "/api/v1/report-files/", acme_auth, report_id=1) == []


def test_new_objects_stay_with_their_partner(client: Any, auth: dict[str, str], acme_auth: dict[str, str]) -> None:
    customer = create_customer(client, acme_auth, consent_date="2019-10-02")
    shipment = create_shipment(client, acme_auth, customer["id"], quantity=2)
    order = create_order(client, acme_auth, customer["id"], ["apoe-1"])
    (kit, _) = get_json(client, "/api/v1/kits/", acme_auth, shipment=shipment["id"])
    for path in (f"/api/v1/customers/{customer['id']}/", f"/api/v1/customer-shipments/{shipment['id']}/",
                 f"/api/v1/customer-panel-orders/{order['id']}/", f"/api/v1/kits/{kit['id']}/"):
        assert client.get(path, headers=acme_auth).status_code == 200
        assert_not_found(client.get(path, headers=auth))
    demo_events = get_json(client, "/api/v1/events/", auth)
    assert shipment["id"] not in {e["data"].get("kit", {}).get("shipment_id") for e in demo_events}
    acme_events = get_json(client, "/api/v1/events/", acme_auth)
    assert [e["data"]["kit"]["shipment_id"] for e in acme_events[-2:]] == [shipment["id"]] * 2


def test_ids_are_never_reused_across_partners(client: Any, auth: dict[str, str], acme_auth: dict[str, str]) -> None:
    demo_customer = create_customer(client, auth)
    acme_customer = create_customer(client, acme_auth)
    assert demo_customer["id"] != acme_customer["id"]
    assert_not_found(client.get(f"/api/v1/customers/{demo_customer['id']}/", headers=acme_auth))


@pytest.mark.parametrize("path", LISTS + ["/api/v1/trait-panels/", "/api/v1/raw-panels/"])
def test_second_user_of_a_partner_sees_the_same_data(client: Any, auth: dict[str, str], ops_auth: dict[str, str],
                                                     path: str) -> None:
    assert get_json(client, path, ops_auth) == get_json(client, path, auth)


def test_second_user_works_on_the_same_data(client: Any, auth: dict[str, str], ops_auth: dict[str, str]) -> None:
    customer = create_customer(client, ops_auth)
    assert get_json(client, f"/api/v1/customers/{customer['id']}/", auth) == customer
    shipment = create_shipment(client, auth, customer["id"])
    assert get_json(client, f"/api/v1/customer-shipments/{shipment['id']}/", ops_auth) == shipment
    assert client.get("/report-files/1/download/", headers=ops_auth).status_code == 200


def test_token_of_each_account_names_its_own_user(login: Any) -> None:
    import jwt
    seen = {jwt.decode(login(account), options={"verify_signature": False})["user_id"]
            for account in (DEMO, DEMO_OPS, ACME)}
    assert len(seen) == 3
