"""Loads mockdata/partners/*.yaml into the store and replays the seeded history (kits, registrations, reports,
report files and their events) so the seed state is exactly what the live handlers would have produced."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from apitwin.mockdata import plain, read_mapping
from apitwin.runtime import ApiRuntime
from apitwin.store import Store
from apitwin.timeutil import format_datetime, parse_datetime
from apitwin_apis.partners.common import TENANT
from apitwin_apis.partners.events import event_types
from apitwin_apis.partners.lifecycle import (REASON_NO_CONSENT, REASON_NOT_REGISTERED, open_reports, record_event,
                                         set_kit_status, set_report_status, ship_kits)
from apitwin_apis.partners.shipments import address

# How a kit reaches each status: the steps after KIT_SHIPPED.
KIT_PATHS = {
    "KIT_SHIPPED": [],
    "KIT_RECEIVED": ["KIT_RECEIVED"],
    "KIT_PROCESSING": ["KIT_RECEIVED", "KIT_PROCESSING"],
    "DATA_AVAILABLE": ["KIT_RECEIVED", "KIT_PROCESSING", "DATA_AVAILABLE"],
    "KIT_FAILED": ["KIT_RECEIVED", "KIT_PROCESSING", "KIT_FAILED"],
    "KIT_LOST": ["KIT_LOST"],
}
BLOCK_REASONS = {"no_consent": REASON_NO_CONSENT, "not_registered": REASON_NOT_REGISTERED}




def read(data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(Path(data_dir).glob("*.yaml")):
        for key, rows in read_mapping(path).items():
            merged.setdefault(key, []).extend(plain(rows or [], format_datetime))
    return merged


def at_offset(start: str, days: float) -> str:
    return format_datetime(parse_datetime(start) + timedelta(days=days))


def load(rt: ApiRuntime, data_dir: Path) -> None:
    if not any(Path(data_dir).glob("*.yaml")):
        raise ValueError(f"{data_dir}: no seed files (*.yaml: accounts, panels, customers, shipments, orders)")
    data = read(data_dir)
    if not data.get("accounts"):
        raise ValueError(f"{data_dir}: no partner accounts (accounts.yaml, `accounts:`); every route needs a login")
    db = rt.store
    for account in data.get("accounts", []):
        db["accounts"].insert(account)
    for panel in data.get("trait_panels", []):
        db["trait_panels"].insert({"name": None, "phenotype_groups": [], **panel})
    for panel in data.get("raw_panels", []):
        db["raw_panels"].insert({"name": None, "snps": [], **panel})
    for customer in data.get("customers", []):
        row = {"reference_id": None, "email": None, "date_of_birth": None, "consent_date": None, "gender": None,
               "ethnicity": [], "caffeine_consumption": None, "diet": [], **customer}
        row[TENANT] = row.pop("partner")
        db["customers"].insert(row)
    for shipment in data.get("shipments", []):
        _seed_shipment(db, shipment)
    for order in data.get("orders", []):
        _seed_order(db, order)
    for event in data.get("extra_events", []):
        record_event(db, event["partner"], event["type"], event["data"], event["created_at"])
    for hook in data.get("webhooks", []):  # receivers configured with the seed (only new events are sent)
        unknown = [name for name in hook.get("event_types") or [] if name not in event_types(rt)]
        if unknown:
            raise ValueError(f"{data_dir}: webhook {hook.get('url')!r}: unknown event types {', '.join(map(repr, unknown))}"
                             f" (they match no event; known: {', '.join(event_types(rt))})")
        rt.webhooks.register(hook["tenant"], hook["url"], hook.get("event_types"), hook.get("secret"),
                             hook.get("description"))


def _seed_shipment(db: Store, spec: dict[str, Any]) -> None:
    kits = spec.pop("kits", [])
    partner = spec.pop("partner")
    row = {"quantity": len(kits) or 1, "is_replacement": False, "status": "pending", "tracking_no": None,
           "recipient_name": None, "notes": None, **spec, TENANT: partner}
    row["recipient_address"] = address(row["recipient_address"])
    shipment = db["shipments"].insert(row)
    created = ship_kits(db, partner, shipment, shipment["created_at"])
    for kit, plan in zip(created, kits):
        for step, status in enumerate(KIT_PATHS[plan.get("status", "KIT_SHIPPED")], start=1):
            reason = plan.get("reason") if status == "KIT_FAILED" else None
            kit = set_kit_status(db, kit, status, at_offset(shipment["created_at"], 2 * step), reason)
        if plan.get("verified_at"):
            registration = db["registrations"].first(kit=str(kit["id"]))
            db["registrations"].update(registration["id"], {"verification_date": plan["verified_at"],
                                                            "modified_at": plan["verified_at"]})


def _seed_order(db: Store, spec: dict[str, Any]) -> None:
    partner = spec["partner"]
    items = [{"_id": db["order_items"].next_id(), "panel_sku": item["panel_sku"]} for item in spec["order_items"]]
    order = db["orders"].insert({"id": spec.get("id"), TENANT: partner, "created_at": spec["created_at"],
                                 "customer_id": spec["customer_id"], "order_items": items})
    panels = {p["sku"].lower(): p for p in db["trait_panels"].filter() + db["raw_panels"].filter()}
    reports = open_reports(db, partner, order, panels, order["created_at"])
    for report, item in zip(reports, spec["order_items"]):
        plan = item.get("report") or {}
        status = plan.get("status", "pending")
        if status == "pending":
            continue
        when = plan.get("at") or at_offset(order["created_at"], 10)
        report = set_report_status(db, report, status, when, BLOCK_REASONS.get(plan.get("blocked")))
        for category in plan.get("files", []):
            db["report_files"].insert({TENANT: partner, "report": report["id"], "created_at": when,
                                       "category": category})
