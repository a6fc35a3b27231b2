"""Partners API, customer panel orders (G1 orders.md; C16-C19, C44) with the reports they open (C46), and the
panel catalogues orders draw on (G2 panels.md; C42)."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.settings import Settings
from tests.partners.helpers import (DATETIME, assert_error, assert_not_found, create_customer, create_order,
                                    create_shipment, get_json, ids, reset_app)

URL = "/api/v1/customer-panel-orders/"
SEEDED = [101, 102, 103, 104]


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


def post(client: Any, auth: dict[str, str], body: Any) -> Any:
    return client.post(URL, json=body, headers=auth)


@pytest.fixture
def shipped_customer(client: Any, auth: dict[str, str]) -> dict[str, Any]:
    """A new customer (with consent) who has a shipment, so orders are allowed; kits still KIT_SHIPPED."""
    customer = create_customer(client, auth, consent_date="2019-10-01")
    create_shipment(client, auth, customer["id"])
    return customer


# -- create --------------------------------------------------------------------------------------------------------

def test_create_with_sku_strings(client: Any, auth: dict[str, str], shipped_customer: dict[str, Any]) -> None:
    response = post(client, auth, {"customer_id": shipped_customer["id"],
                                   "order_items": ["cardiometabolic-1", "nutri-opt-1"]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "created_at", "customer_id", "order_items"}
    assert response.headers["location"] == f"/api/v1/customer-panel-orders/{body['id']}/"
    assert body["id"] not in SEEDED and DATETIME.match(body["created_at"])
    assert body["customer_id"] == shipped_customer["id"]
    assert body["order_items"] == [{"panel_sku": "cardiometabolic-1"}, {"panel_sku": "nutri-opt-1"}]


def test_create_with_objects_and_mixed_items(client: Any, auth: dict[str, str],
                                             shipped_customer: dict[str, Any]) -> None:
    response = post(client, auth, {"customer_id": shipped_customer["id"],
                                   "order_items": [{"panel_sku": "weight-management-1"}, "hormone-1",
                                                   {"panel_sku": "raw-panel-1"}]})
    assert response.status_code == 201, response.text
    assert response.json()["order_items"] == [{"panel_sku": "weight-management-1"}, {"panel_sku": "hormone-1"},
                                              {"panel_sku": "raw-panel-1"}]


def test_create_with_the_customer_alias(client: Any, auth: dict[str, str], shipped_customer: dict[str, Any]) -> None:
    response = post(client, auth, {"customer": shipped_customer["id"], "order_items": ["apoe-1"]})
    assert response.status_code == 201, response.text
    assert response.json()["customer_id"] == shipped_customer["id"] and "customer" not in response.json()


def test_skus_compare_case_insensitively_and_are_echoed_as_sent(client: Any, auth: dict[str, str],
                                                                shipped_customer: dict[str, Any]) -> None:
    response = post(client, auth, {"customer_id": shipped_customer["id"],
                                   "order_items": ["CardioMetabolic-1", {"panel_sku": "APOE-1"}]})
    assert response.status_code == 201, response.text
    assert response.json()["order_items"] == [{"panel_sku": "CardioMetabolic-1"}, {"panel_sku": "APOE-1"}]


def test_get_by_id_and_list(client: Any, auth: dict[str, str], shipped_customer: dict[str, Any]) -> None:
    created = create_order(client, auth, shipped_customer["id"], ["detox-1"])
    assert get_json(client, f"{URL}{created['id']}/", auth) == created
    listed = get_json(client, URL, auth)
    assert ids(listed) == SEEDED + [created["id"]] and listed[-1] == created
    assert all(isinstance(item, dict) and set(item) == {"panel_sku"} for o in listed for item in o["order_items"])


def test_seeded_order_matches_the_vendor_example(client: Any, auth: dict[str, str]) -> None:
    order = get_json(client, f"{URL}101/", auth)
    assert order["customer_id"] == 319
    assert order["order_items"] == [{"panel_sku": "cardiometabolic-1"}, {"panel_sku": "nutri-opt-1"}]


def test_list_filter_by_customer(client: Any, auth: dict[str, str]) -> None:
    assert ids(get_json(client, URL, auth, customer_id=320)) == [102]
    assert get_json(client, URL, auth, customer_id=500) == []


def test_unknown_order_is_404(client: Any, auth: dict[str, str]) -> None:
    assert_not_found(client.get(f"{URL}999999/", headers=auth))


# -- reports opened by an order ------------------------------------------------------------------------------------

def test_each_order_item_opens_a_pending_report(client: Any, auth: dict[str, str],
                                                shipped_customer: dict[str, Any]) -> None:
    customer_id = shipped_customer["id"]
    assert get_json(client, "/api/v1/reports/", auth, customer_id=customer_id) == []
    order = create_order(client, auth, customer_id, ["cardiometabolic-1", {"panel_sku": "raw-panel-1"}])
    reports = get_json(client, "/api/v1/reports/", auth, customer_id=customer_id)
    assert len(reports) == 2
    for report, sku in zip(reports, ["cardiometabolic-1", "raw-panel-1"]):
        assert report["status"] == "pending" and report["reason"] is None
        assert report["order"] == order["id"]
        assert report["customer"] == customer_id and report["client_id"] == customer_id
        assert isinstance(report["order_item"], int)
        assert report["panel"]["sku"] == sku
    assert reports[0]["order_item"] != reports[1]["order_item"]
    assert get_json(client, "/api/v1/report-files/", auth, report_id=reports[0]["id"]) == []


def test_order_for_a_customer_whose_data_is_ready_settles_at_once(client: Any, auth: dict[str, str]) -> None:
    """Jon Snow (319) has consent, a DATA_AVAILABLE kit and a verified registration: new reports are AVAILABLE
    right away, with their files (decision: 'or an order arrives after that')."""
    order = create_order(client, auth, 319, ["apoe-1"])
    (report,) = [r for r in get_json(client, "/api/v1/reports/", auth, customer_id=319) if r["order"] == order["id"]]
    assert report["status"] == "AVAILABLE"
    files = get_json(client, "/api/v1/report-files/", auth, report_id=report["id"])
    assert len(files) == 2


# -- validation ----------------------------------------------------------------------------------------------------

def test_unknown_sku_is_reported_under_its_index(client: Any, auth: dict[str, str],
                                                 shipped_customer: dict[str, Any]) -> None:
    response = post(client, auth, {"customer_id": shipped_customer["id"],
                                   "order_items": ["cardiometabolic-1", "nutri-opt-9", {"panel_sku": "nope"}]})
    body = assert_error(response, 400, fields=["order_items.1", "order_items.2"])
    assert body["errors"]["order_items.1"] == ['Unknown panel SKU "nutri-opt-9".']


def test_multi_trait_panels_are_not_orderable(client: Any, auth: dict[str, str],
                                              shipped_customer: dict[str, Any]) -> None:
    response = post(client, auth, {"customer_id": shipped_customer["id"], "order_items": ["health-report-1"]})
    assert_error(response, 400, fields=["order_items.0"])


@pytest.mark.parametrize("items,fields", [
    ([], ["order_items"]),
    ("cardiometabolic-1", ["order_items"]),
    ([""], ["order_items.0"]),
    ([{"panel_sku": ""}], ["order_items.0"]),
    ([{"sku": "apoe-1"}], ["order_items.0"]),
    ([5], ["order_items.0"]),
    (["apoe-1"] * 51, ["order_items"]),
], ids=["empty", "string", "blank-string", "blank-object", "object-without-panel_sku", "number", "too-many"])
def test_malformed_order_items(client: Any, auth: dict[str, str], shipped_customer: dict[str, Any],
                               items: Any, fields: list[str]) -> None:
    assert_error(post(client, auth, {"customer_id": shipped_customer["id"], "order_items": items}), 400,
                 fields=fields)


def test_missing_order_items(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(post(client, auth, {"customer_id": 319}), 400, fields=["order_items"])
    assert body["errors"]["order_items"] == ["This field is required."]


def test_customer_without_a_shipment_is_a_field_error_on_customer_id(client: Any, auth: dict[str, str]) -> None:
    customer = create_customer(client, auth)
    body = assert_error(post(client, auth, {"customer_id": customer["id"], "order_items": ["apoe-1"]}), 400,
                        fields=["customer_id"])
    assert "shipment" in body["errors"]["customer_id"][0]
    create_shipment(client, auth, customer["id"])  # once shipped, the same order goes through
    assert post(client, auth, {"customer_id": customer["id"], "order_items": ["apoe-1"]}).status_code == 201


def test_shipment_precondition_and_unknown_sku_are_reported_together(client: Any, auth: dict[str, str]) -> None:
    customer = create_customer(client, auth)
    response = post(client, auth, {"customer_id": customer["id"], "order_items": ["apoe-1", "nope-1"]})
    assert_error(response, 400, fields=["customer_id", "order_items.1"])


@pytest.mark.parametrize("customer_id", [999999, 500])
def test_unknown_or_foreign_customer(client: Any, auth: dict[str, str], customer_id: int) -> None:
    body = assert_error(post(client, auth, {"customer_id": customer_id, "order_items": ["apoe-1"]}), 400,
                        fields=["customer_id"])
    assert body["errors"]["customer_id"] == [f'Invalid pk "{customer_id}" - object does not exist.']


@pytest.mark.parametrize("alias", [319, 320])
def test_customer_id_and_customer_together(client: Any, auth: dict[str, str], alias: int) -> None:
    """One of the two spellings, not both (C16); the other problems of the body are named in the same answer."""
    body = assert_error(post(client, auth, {"customer_id": 319, "customer": alias, "order_items": ["nope-1"]}), 400)
    assert body["errors"]["customer"] == ["Conflicts with customer_id; send one of them."]
    assert body["errors"]["order_items.0"] == ['Unknown panel SKU "nope-1".']


def test_missing_customer(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(post(client, auth, {"order_items": ["apoe-1"]}), 400)
    assert set(body["errors"]) & {"customer", "customer_id"}


def test_string_customer_id_is_a_type_error(client: Any, auth: dict[str, str]) -> None:
    assert_error(post(client, auth, {"customer_id": "319", "order_items": ["apoe-1"]}), 400, fields=["customer_id"])


def test_unknown_customer_is_reported_together_with_a_malformed_item(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, {"customer_id": 999999, "order_items": ["cardiometabolic-1", ""]})
    assert_error(response, 400, fields=["customer_id", "order_items.1"])


def test_rejected_order_opens_no_report(client: Any, auth: dict[str, str]) -> None:
    reports_before = get_json(client, "/api/v1/reports/", auth)
    post(client, auth, {"customer_id": 319, "order_items": ["apoe-1", "nope-1"]})
    assert get_json(client, "/api/v1/reports/", auth) == reports_before
    assert ids(get_json(client, URL, auth)) == SEEDED


def test_unknown_body_fields_are_ignored(client: Any, auth: dict[str, str], shipped_customer: dict[str, Any]) -> None:
    response = post(client, auth, {"customer_id": shipped_customer["id"], "order_items": ["apoe-1"],
                                   "genetic_data": [{"rsid": "rs936940", "allele": "AC"}]})
    assert response.status_code == 201 and "genetic_data" not in response.json()


# -- panels --------------------------------------------------------------------------------------------------------

def test_trait_panels(client: Any, auth: dict[str, str]) -> None:
    panels = get_json(client, "/api/v1/trait-panels/", auth)
    assert panels and ids(panels) == sorted(ids(panels))
    skus = {p["sku"] for p in panels}
    assert {"cardiometabolic-1", "detox-1", "nutri-opt-1", "weight-management-1", "hormone-1"} <= skus
    assert not {"raw-panel-1", "apoe-1", "health-report-1", "health-report-2"} & skus
    for panel in panels:
        assert set(panel) >= {"id", "sku", "name", "is_license_required", "phenotype_groups"}
        assert isinstance(panel["is_license_required"], bool)
        assert isinstance(panel["phenotype_groups"], list)
    cardio = next(p for p in panels if p["sku"] == "cardiometabolic-1")
    assert cardio["is_license_required"] is False and "Oxidative Stress" in cardio["phenotype_groups"]


def test_raw_panels(client: Any, auth: dict[str, str]) -> None:
    panels = get_json(client, "/api/v1/raw-panels/", auth)
    assert {p["sku"] for p in panels} == {"raw-panel-1", "apoe-1"}
    for panel in panels:
        assert set(panel) >= {"id", "sku", "name", "is_license_required", "snps"}
        assert panel["snps"] and all(s.startswith("rs") for s in panel["snps"])
    apoe = next(p for p in panels if p["sku"] == "apoe-1")
    assert apoe["is_license_required"] is True


def test_panel_catalogue_is_shared_by_every_partner(client: Any, auth: dict[str, str],
                                                    acme_auth: dict[str, str]) -> None:
    for path in ("/api/v1/trait-panels/", "/api/v1/raw-panels/"):
        assert get_json(client, path, auth) == get_json(client, path, acme_auth)


def test_panel_paging(client: Any, auth: dict[str, str]) -> None:
    page = get_json(client, "/api/v1/trait-panels/", auth, page=1, page_size=3)
    assert len(page["results"]) == 3 and page["count"] >= 5 and "page=2" in page["next"]


def test_panels_take_no_filters(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get("/api/v1/trait-panels/", params={"sku": "apoe-1"}, headers=auth), 400, fields=["sku"])


def test_every_catalogue_sku_is_orderable(client: Any, auth: dict[str, str], shipped_customer: dict[str, Any]) -> None:
    skus = [p["sku"] for p in get_json(client, "/api/v1/trait-panels/", auth) + get_json(client, "/api/v1/raw-panels/",
                                                                                         auth)]
    order = create_order(client, auth, shipped_customer["id"], skus)
    assert [i["panel_sku"] for i in order["order_items"]] == skus
