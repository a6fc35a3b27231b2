"""Customer panel orders: panels (by SKU) ordered for a customer (G1 orders.md). Each order item opens a report."""
from __future__ import annotations

from typing import Any

from apitwin.errors import FieldErrorCollector
from apitwin.timeutil import now_text
from apitwin_apis.partners.common import (TENANT, created, customer_reference, listing, mine, owned, public,
                                      refuse_null_characters, store)
from apitwin_apis.partners.lifecycle import open_reports, record_change, settle_reports

NEEDS_SHIPMENT = "The customer must have an existing customer shipment before a panel order can be placed."


def panel_catalogue() -> dict[str, dict[str, Any]]:
    """Trait and raw panels by lower-cased SKU (SKUs compare case-insensitively, C44)."""
    db = store()
    panels = db["trait_panels"].filter() + db["raw_panels"].filter()
    return {p["sku"].lower(): p for p in panels}


def check_create(body: Any, token_info: dict[str, Any], problems: FieldErrorCollector) -> Any:
    """The rules beyond the schema: the caller's customer, with a shipment (G1), and known panel SKUs. Tolerates
    any input (the engine also runs it next to schema errors). Returns (customer row, SKUs, catalogue)."""
    refuse_null_characters(body, problems, {"customer_id": None, "customer": None, "order_items": None})
    customer = customer_reference(body, token_info, problems)
    catalogue = panel_catalogue()
    items = body.get("order_items") if isinstance(body.get("order_items"), list) else []
    skus = []
    for index, item in enumerate(items):
        sku = item if isinstance(item, str) else item.get("panel_sku") if isinstance(item, dict) else None
        if not isinstance(sku, str) or not sku.strip():
            continue  # the schema reports it
        skus.append(sku.strip())
        if sku.strip().lower() not in catalogue:
            problems.add(f"order_items.{index}", f'Unknown panel SKU "{sku.strip()}".')
    if customer is not None and not mine("shipments", token_info, customer_id=customer["id"]):
        field = "customer_id" if "customer_id" in body else "customer"
        problems.add(field, NEEDS_SHIPMENT)
    return customer, skus, catalogue


async def create_order(body: dict[str, Any], token_info: dict[str, Any]) -> Any:
    problems = FieldErrorCollector()
    customer, skus, catalogue = check_create(body, token_info, problems)
    problems.raise_if_any()
    assert customer is not None
    db = store()
    at = now_text()
    with db.transaction():
        items = [{"_id": db["order_items"].next_id(), "panel_sku": sku} for sku in skus]
        order = db["orders"].insert({TENANT: token_info["partner"], "created_at": at,
                                     "customer_id": customer["id"], "order_items": items})
        record_change(db, token_info["partner"], "created", "order", order["id"], at)
        open_reports(db, token_info["partner"], order, catalogue, at)
        settle_reports(db, token_info["partner"], customer["id"], at)  # the kit's data may already be there
    return created(shape(order), f"/api/v1/customer-panel-orders/{order['id']}/")


def shape(order: dict[str, Any]) -> dict[str, Any]:
    out = public(order)
    out["order_items"] = [{"panel_sku": item["panel_sku"]} for item in order["order_items"]]
    return out


async def list_orders(token_info: dict[str, Any], customer_id: int | None = None, page: int | None = None,
                      page_size: int | None = None) -> Any:
    filters = {"customer_id": customer_id} if customer_id is not None else {}
    return listing("orders", token_info, page, page_size, shape=shape, link_params=filters, **filters)


async def get_order(order_id: int, token_info: dict[str, Any]) -> Any:
    return shape(owned("orders", order_id, token_info))
