"""Customer shipments: orders to mail DNA collection kits to a customer (G1 shipments.md). Each kit shipped
gets a kit registration and a `kit.created` event."""
from __future__ import annotations

from typing import Any

from apitwin.errors import FieldErrorCollector
from apitwin.timeutil import now_text
from apitwin_apis.partners.common import (TENANT, created, customer_reference, listing, owned_public,
                                      refuse_null_characters, store)
from apitwin_apis.partners.lifecycle import record_change, ship_kits


def address(raw: dict[str, Any]) -> dict[str, Any]:
    postal = raw["postal_code"]
    return {
        "line_1": raw["line_1"].strip(),
        "line_2": raw.get("line_2"),
        "city": raw["city"].strip(),
        "state": raw["state"].strip(),
        "postal_code": str(postal).strip(),   # G2 sent integers; stored as the G1 string
        "country": raw["country"].upper(),
    }


# ShipmentCreate's fields, AddressInput's in recipient_address (unknown fields are ignored, as DRF ignores them)
FIELDS = {**dict.fromkeys(("customer_id", "customer", "recipient_phone", "recipient_name", "notes", "sku", "quantity",
                           "is_replacement")),
          "recipient_address": dict.fromkeys(("line_1", "line_2", "city", "state", "postal_code", "country"))}


def check_create(body: Any, token_info: dict[str, Any], problems: FieldErrorCollector) -> Any:
    """The rules beyond the schema (customer exists and is the caller's; no blank text). Tolerates any input: the
    engine also runs it next to schema errors. Returns the customer row when it resolved."""
    refuse_null_characters(body, problems, FIELDS)
    customer = customer_reference(body, token_info, problems)
    address_in = body.get("recipient_address") if isinstance(body.get("recipient_address"), dict) else {}
    for name in ("line_1", "city", "state", "postal_code"):
        value = address_in.get(name)
        if isinstance(value, str) and not value.strip():
            problems.add(f"recipient_address.{name}", "This field may not be blank.")
    for name in ("recipient_phone", "sku"):
        if isinstance(body.get(name), str) and not body[name].strip():
            problems.add(name, "This field may not be blank.")
    return customer


async def create_shipment(body: dict[str, Any], token_info: dict[str, Any]) -> Any:
    problems = FieldErrorCollector()
    customer = check_create(body, token_info, problems)
    problems.raise_if_any()
    assert customer is not None
    at = now_text()
    row = {
        TENANT: token_info["partner"], "created_at": at, "customer_id": customer["id"],
        "recipient_address": address(body["recipient_address"]), "recipient_phone": body["recipient_phone"].strip(),
        "sku": body["sku"].strip(), "quantity": body["quantity"], "is_replacement": bool(body.get("is_replacement", False)),
        "status": "pending", "tracking_no": None, "recipient_name": body.get("recipient_name"),
        "notes": body.get("notes"),
    }
    db = store()
    with db.transaction():
        shipment = db["shipments"].insert(row)
        record_change(db, token_info["partner"], "created", "shipment", shipment["id"], at)
        ship_kits(db, token_info["partner"], shipment, at)
    return created(shipment, f"/api/v1/customer-shipments/{shipment['id']}/")


async def list_shipments(token_info: dict[str, Any], customer_id: int | None = None, page: int | None = None,
                         page_size: int | None = None) -> Any:
    filters = {"customer_id": customer_id} if customer_id is not None else {}
    return listing("shipments", token_info, page, page_size, link_params=filters, **filters)


async def get_shipment(shipment_id: int, token_info: dict[str, Any]) -> Any:
    return owned_public("shipments", shipment_id, token_info)
