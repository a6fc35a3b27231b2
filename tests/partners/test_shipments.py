"""Partners API, customer shipments (G1 shipments.md; C15, C16, C20-C23) and what a shipment sets off: kits,
registrations and `kit.created` events (C41, C46)."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.settings import Settings
from tests.partners.helpers import (DATETIME, address, assert_error, assert_not_found, create_customer,
                                    create_shipment, get_json, ids, parse_dt, reset_app, shipment_body,
                                    utc_now_floor)

URL = "/api/v1/customer-shipments/"
SEEDED = [70, 71, 72, 73, 74]
SHIPMENT_KEYS = {"id", "created_at", "customer_id", "recipient_address", "recipient_phone", "sku", "quantity",
                 "is_replacement", "status", "tracking_no", "recipient_name", "notes"}


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


def post(client: Any, auth: dict[str, str], body: Any) -> Any:
    return client.post(URL, json=body, headers=auth)


# -- create --------------------------------------------------------------------------------------------------------

def test_create_with_customer_id(client: Any, auth: dict[str, str]) -> None:
    request = shipment_body(319)
    response = post(client, auth, request)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == SHIPMENT_KEYS
    assert response.headers["location"] == f"/api/v1/customer-shipments/{body['id']}/"
    assert body["id"] not in SEEDED
    assert DATETIME.match(body["created_at"])
    assert body["customer_id"] == 319
    assert body["recipient_address"] == request["recipient_address"]
    assert body["recipient_phone"] == "(415)722-4393"
    assert body["sku"] == "PT-Kit-1" and body["quantity"] == 1 and body["is_replacement"] is False
    assert body["status"] == "pending" and body["tracking_no"] is None  # in the 201 too (C20, C21)
    assert body["recipient_name"] is None and body["notes"] is None


def test_create_with_the_g2_customer_alias_and_g2_fields(client: Any, auth: dict[str, str]) -> None:
    request = shipment_body(..., customer=320, recipient_address=address(postal_code=94597, country="us"),
                            recipient_name="Sansa Stark", notes="Leave it with the front desk.", sku="pt-kit-1")
    response = post(client, auth, request)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["customer_id"] == 320 and "customer" not in body
    assert body["recipient_address"]["postal_code"] == "94597"        # integer accepted, string emitted (C22)
    assert body["recipient_address"]["country"] == "US"               # upper-cased
    assert body["recipient_name"] == "Sansa Stark" and body["notes"] == "Leave it with the front desk."
    assert body["sku"] == "pt-kit-1"                                  # echoed as sent (C44)


def test_is_replacement_defaults_to_false_and_can_be_set(client: Any, auth: dict[str, str]) -> None:
    assert post(client, auth, shipment_body(319, is_replacement=...)).json()["is_replacement"] is False
    assert post(client, auth, shipment_body(319, is_replacement=True)).json()["is_replacement"] is True


def test_line_2_is_optional(client: Any, auth: dict[str, str]) -> None:
    body = post(client, auth, shipment_body(319, recipient_address=address(line_2=...))).json()
    assert body["recipient_address"]["line_2"] is None


def test_leading_zero_postal_code_string_is_kept(client: Any, auth: dict[str, str]) -> None:
    body = post(client, auth, shipment_body(319, recipient_address=address(postal_code="01234"))).json()
    assert body["recipient_address"]["postal_code"] == "01234"


def test_postal_code_in_exponent_form_is_not_stored_as_exponent_text(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, shipment_body(319, recipient_address=address(postal_code=1e300)))
    if response.status_code == 201:
        assert response.json()["recipient_address"]["postal_code"].isdigit(), response.text
    else:
        assert_error(response, 400, fields=["recipient_address.postal_code"])


def test_get_by_id_and_list(client: Any, auth: dict[str, str]) -> None:
    created = create_shipment(client, auth, 321)
    assert get_json(client, f"{URL}{created['id']}/", auth) == created
    listed = get_json(client, URL, auth)
    assert ids(listed) == SEEDED + [created["id"]]
    assert listed[-1] == created


def test_seeded_shipment_matches_the_vendor_example(client: Any, auth: dict[str, str]) -> None:
    seventy = get_json(client, f"{URL}70/", auth)
    assert seventy["customer_id"] == 319 and seventy["sku"] == "PT-Kit-1" and seventy["status"] == "pending"
    assert seventy["recipient_address"] == address()


def test_list_filter_by_customer(client: Any, auth: dict[str, str]) -> None:
    assert ids(get_json(client, URL, auth, customer_id=322)) == [73]
    created = create_shipment(client, auth, 322)
    assert ids(get_json(client, URL, auth, customer_id=322)) == [73, created["id"]]
    assert get_json(client, URL, auth, customer_id=999999) == []


def test_list_paging(client: Any, auth: dict[str, str]) -> None:
    page = get_json(client, URL, auth, page=2, page_size=2)
    assert page["count"] == 5 and ids(page["results"]) == [72, 73]
    assert "page=3" in page["next"] and "page=1" in page["previous"]


def test_unknown_shipment_is_404(client: Any, auth: dict[str, str]) -> None:
    assert_not_found(client.get(f"{URL}424242/", headers=auth))


# -- what a shipment sets off --------------------------------------------------------------------------------------

def test_shipment_creates_quantity_kits(client: Any, auth: dict[str, str]) -> None:
    shipment = create_shipment(client, auth, 323, quantity=3)
    kits = get_json(client, "/api/v1/kits/", auth, shipment=shipment["id"])
    assert len(kits) == 3
    assert all(k["shipment"] == shipment["id"] and k["status"] == "KIT_SHIPPED" and k["sku"] == "PT-Kit-1"
               for k in kits)
    assert len({k["barcode"] for k in kits}) == 3
    all_barcodes = [k["barcode"] for k in get_json(client, "/api/v1/kits/", auth)]
    assert len(all_barcodes) == len(set(all_barcodes))
    assert all("reason" not in k or k["reason"] is None for k in kits)


def test_one_registration_per_kit(client: Any, auth: dict[str, str]) -> None:
    customer = create_customer(client, auth)
    shipment = create_shipment(client, auth, customer["id"], quantity=2)
    kits = get_json(client, "/api/v1/kits/", auth, shipment=shipment["id"])
    registrations = get_json(client, "/api/v1/customer-kit-registrations/", auth, customer=customer["id"])
    assert len(registrations) == 2
    assert sorted(r["kit"] for r in registrations) == sorted(str(k["id"]) for k in kits)
    for registration in registrations:
        assert isinstance(registration["kit"], str)
        assert registration["customer"] == customer["id"]
        assert registration["verification_date"] is None
        assert DATETIME.match(registration["created_at"]) and DATETIME.match(registration["modified_at"])


def test_one_kit_created_event_per_kit(client: Any, auth: dict[str, str]) -> None:
    last_before = get_json(client, "/api/v1/events/", auth)[-1]["id"]
    before = utc_now_floor()
    shipment = create_shipment(client, auth, 323, quantity=2)
    kits = get_json(client, "/api/v1/kits/", auth, shipment=shipment["id"])
    events = [e for e in get_json(client, "/api/v1/events/", auth) if e["id"] > last_before]
    assert len(events) == 2
    assert all(e["type"] == "kit.created" for e in events)
    assert sorted(e["data"]["kit"]["barcode"] for e in events) == sorted(k["barcode"] for k in kits)
    for event in events:
        kit = event["data"]["kit"]
        assert kit["shipment_id"] == shipment["id"] and kit["status"] == "KIT_SHIPPED"
        assert parse_dt(event["created_at"]) >= before


# -- validation ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("customer_id", [999999, 500, 501], ids=["unknown", "acme-500", "acme-501"])
def test_unknown_or_foreign_customer_is_a_field_error(client: Any, auth: dict[str, str], customer_id: int) -> None:
    body = assert_error(post(client, auth, shipment_body(customer_id)), 400, fields=["customer_id"])
    assert body["errors"]["customer_id"] == [f'Invalid pk "{customer_id}" - object does not exist.']


def test_unknown_customer_under_the_alias_is_reported_under_the_alias(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(post(client, auth, shipment_body(..., customer=999999)), 400, fields=["customer"])
    assert body["errors"]["customer"] == ['Invalid pk "999999" - object does not exist.']


@pytest.mark.parametrize("alias", [319, 320])
def test_customer_id_and_customer_together_are_400(client: Any, auth: dict[str, str], alias: int) -> None:
    """One of the two spellings, not both, even when they agree: the schema's `not: {required: [...]}` (C16)."""
    body = assert_error(post(client, auth, shipment_body(319, customer=alias)), 400, fields=["customer"])
    assert body["errors"] == {"customer": ["Conflicts with customer_id; send one of them."]}


def test_missing_customer_is_400(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(post(client, auth, shipment_body(...)), 400)
    assert set(body["errors"]) & {"customer", "customer_id"}, body


@pytest.mark.parametrize("quantity", [0, -1, 11, "2", 1.5, None])
def test_bad_quantity(client: Any, auth: dict[str, str], quantity: Any) -> None:
    assert_error(post(client, auth, shipment_body(319, quantity=quantity)), 400, fields=["quantity"])


def test_integral_float_quantity_counts_as_an_integer(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, shipment_body(319, quantity=2.0))
    assert response.status_code == 201 and response.json()["quantity"] == 2


def test_missing_address_fields_use_dotted_keys(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, shipment_body(319, recipient_address={"line_1": "1 Kingsroad"}))
    body = assert_error(response, 400, fields=["recipient_address.city", "recipient_address.state",
                                               "recipient_address.postal_code", "recipient_address.country"])
    assert body["errors"]["recipient_address.city"] == ["This field is required."]


@pytest.mark.parametrize("field", ["line_1", "city", "state", "postal_code"])
def test_blank_address_field(client: Any, auth: dict[str, str], field: str) -> None:
    response = post(client, auth, shipment_body(319, recipient_address=address(**{field: "  "})))
    assert_error(response, 400, fields=[f"recipient_address.{field}"])


@pytest.mark.parametrize("country", ["USA", "U", "1A", ""])
def test_bad_country(client: Any, auth: dict[str, str], country: str) -> None:
    response = post(client, auth, shipment_body(319, recipient_address=address(country=country)))
    assert_error(response, 400, fields=["recipient_address.country"])


def test_field_message_quoting_a_value_with_a_newline_is_whole(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, shipment_body(319, recipient_address=address(country="u\n")))
    body = assert_error(response, 400, fields=["recipient_address.country"])
    assert "expected form" in body["errors"]["recipient_address.country"][0], body


@pytest.mark.parametrize("field", ["recipient_phone", "sku", "recipient_address", "quantity"])
def test_required_fields(client: Any, auth: dict[str, str], field: str) -> None:
    body = assert_error(post(client, auth, shipment_body(319, **{field: ...})), 400, fields=[field])
    assert body["errors"][field] == ["This field is required."]


@pytest.mark.parametrize("field", ["recipient_phone", "sku"])
def test_blank_strings(client: Any, auth: dict[str, str], field: str) -> None:
    assert_error(post(client, auth, shipment_body(319, **{field: " "})), 400, fields=[field])


def test_address_must_be_an_object(client: Any, auth: dict[str, str]) -> None:
    assert_error(post(client, auth, shipment_body(319, recipient_address="2950 Buskirk Avenue")), 400,
                 fields=["recipient_address"])


def test_unknown_customer_is_reported_together_with_other_violations(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, shipment_body(999999, quantity=0))
    assert_error(response, 400, fields=["customer_id", "quantity"])


def test_rejected_shipment_creates_nothing(client: Any, auth: dict[str, str]) -> None:
    kits_before = get_json(client, "/api/v1/kits/", auth)
    events_before = get_json(client, "/api/v1/events/", auth)
    post(client, auth, shipment_body(999999, quantity=3))
    post(client, auth, shipment_body(319, quantity=0))
    assert ids(get_json(client, URL, auth)) == SEEDED
    assert get_json(client, "/api/v1/kits/", auth) == kits_before
    assert get_json(client, "/api/v1/events/", auth) == events_before


def test_unknown_body_fields_are_ignored(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, shipment_body(319, status="canceled", tracking_no="X", carrier="UPS"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending" and body["tracking_no"] is None and "carrier" not in body


def test_non_json_is_415(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.post(URL, content=b"customer_id=319", headers={**auth, "Content-Type": "text/plain"}), 415)


def test_unknown_query_parameter_on_list(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.get(URL, params={"customer": 319}, headers=auth), 400, fields=["customer"])
