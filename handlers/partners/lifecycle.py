"""What happens around the documented calls: kits and registrations born from shipments, reports born from
orders, and an event for every kit/report state change (the vendor's G1 event scheme, see docs/partners-decisions.md).
"""
from __future__ import annotations

from typing import Any

from apitwin.store import Row, Store
from apitwin.timeutil import now_text
from apitwin_apis.partners.common import TENANT

REASON_NO_CONSENT = "Customer consent date is not found."
REASON_NOT_REGISTERED = "Kit registration verification date is not found."


def barcode_for(kit_id: int, sku: str) -> str:
    """Deterministic, unique barcode: two letters from the kit SKU plus the kit id (e.g. PT100000071)."""
    letters = "".join(c for c in sku.upper() if c.isalpha())[:2].ljust(2, "X")
    return f"{letters}{100000000 + kit_id}"


def event_kit(kit: Row) -> dict[str, Any]:
    """Kit payload in events: the G1 keys plus the G2 keys as extras (C30)."""
    payload = {"barcode": kit["barcode"], "status": kit["status"], "shipment_id": kit["shipment"],
               "id": kit["id"], "sku": kit["sku"], "shipment": kit["shipment"],
               "created_at": kit["created_at"], "modified_at": kit["modified_at"]}
    if kit.get("reason"):
        payload["reason"] = kit["reason"]
    return payload


def event_report(report: Row) -> dict[str, Any]:
    payload = {"id": report["id"], "status": report["status"], "customer": report["customer"],
               "order": report["order"], "order_item": report["order_item"],
               "created_at": report["created_at"], "modified_at": report["modified_at"]}
    if report.get("reason"):
        payload["reason"] = report["reason"]
    return payload


def record_event(db: Store, partner: str, event_type: str, data: dict[str, Any], at: str | None = None) -> Row:
    return db["events"].insert({TENANT: partner, "created_at": at or now_text(),
                                "type": event_type, "data": data})


def record_change(db: Store, partner: str, action: str, resource: str, row_id: int, at: str | None = None) -> Row:
    """Every state change without a documented event type (customer/shipment/order created, registration
    verified) is kept in the `changes` journal: visible through the admin state export, never in /events/.
    Returns the stored row (read-only): the new row is handed to the store, not copied."""
    return db["changes"].insert({TENANT: partner, "created_at": at or now_text(), "action": action,
                                 "resource": resource, "resource_id": row_id}, copy=False)


def ship_kits(db: Store, partner: str, shipment: Row, at: str) -> list[Row]:
    """A shipment produces `quantity` kits, each with a pending registration and a 'kit out for delivery' event."""
    kits = []
    for _ in range(shipment["quantity"]):
        kit_id = db["kits"].next_id()
        kit = db["kits"].insert({
            "id": kit_id, TENANT: partner, "shipment": shipment["id"], "barcode": barcode_for(kit_id, shipment["sku"]),
            "sku": shipment["sku"], "status": "KIT_SHIPPED", "reason": None, "created_at": at, "modified_at": at,
        })
        db["registrations"].insert({
            TENANT: partner, "created_at": at, "modified_at": at, "customer": shipment["customer_id"],
            "kit": str(kit_id), "verification_date": None,
        })
        record_event(db, partner, "kit.created", {"kit": event_kit(kit)}, at)
        kits.append(kit)
    return kits


def open_reports(db: Store, partner: str, order: Row, panels: dict[str, Row], at: str) -> list[Row]:
    """One pending report per order item (C46); it becomes AVAILABLE or BLOCKED as the kit moves on."""
    reports = []
    for item in order["order_items"]:
        panel = panels.get(item["panel_sku"].lower(), {})
        reports.append(db["reports"].insert({
            TENANT: partner, "created_at": at, "modified_at": at, "customer": order["customer_id"],
            "client_id": order["customer_id"], "order": order["id"], "order_item": item["_id"],
            "status": "pending", "reason": None,
            "panel": {"name": panel.get("name") or item["panel_sku"], "sku": item["panel_sku"],
                      "description": panel.get("description") or ""},
        }))
    return reports


def set_kit_status(db: Store, kit: Row, status: str, at: str, reason: str | None = None) -> Row:
    with db.transaction():
        updated = db["kits"].update(kit["id"], {"status": status, "reason": reason, "modified_at": at})
        record_event(db, kit[TENANT], "kit.updated", {"kit": event_kit(updated)}, at)
    return updated


def set_report_status(db: Store, report: Row, status: str, at: str, reason: str | None = None) -> Row:
    with db.transaction():
        updated = db["reports"].update(report["id"], {"status": status, "reason": reason, "modified_at": at})
        record_event(db, report[TENANT], "report.updated", {"report": event_report(updated)}, at)
    return updated


# -- the lab lifecycle ---------------------------------------------------------------------------------------------
MAIN_LINE = ["KIT_SHIPPED", "KIT_RECEIVED", "KIT_PROCESSING", "DATA_AVAILABLE"]
TERMINAL = {"DATA_AVAILABLE", "KIT_FAILED", "KIT_LOST"}
FAILS_FROM = {"KIT_RECEIVED", "KIT_PROCESSING"}      # the lab can only find a sample unusable once it has it
LOST_FROM = {"KIT_SHIPPED"}                         # lost on the way to the customer or back
DEFAULT_FAIL_REASON = "Not enough DNA was extracted."
REPORT_FILE_CATEGORIES = ["health-action-plan", "practitioner-summary"]


class IllegalTransition(Exception):
    """A kit cannot move that way (e.g. a lost kit cannot be received)."""


def next_status(status: str) -> str:
    if status in TERMINAL:
        raise IllegalTransition(f"is {status}, a final state; it cannot advance.")
    return MAIN_LINE[MAIN_LINE.index(status) + 1]


def move_kit(db: Store, kit: Row, status: str, at: str, reason: str | None = None) -> list[Row]:
    """Apply one transition, emit its event, and settle the customer's reports when data became available.
    Returns the events recorded."""
    allowed = {"KIT_FAILED": FAILS_FROM, "KIT_LOST": LOST_FROM}
    if status in allowed and kit["status"] not in allowed[status]:
        raise IllegalTransition(f"is {kit['status']}; only a kit that is {' or '.join(sorted(allowed[status]))} "
                                f"can become {status}.")
    if status in MAIN_LINE and status != next_status(kit["status"]):
        raise IllegalTransition(f"is {kit['status']}; the next status is {next_status(kit['status'])}, not {status}.")
    last_event = db["events"].last_id
    with db.transaction():
        kit = set_kit_status(db, kit, status, at, reason)
        if status == "DATA_AVAILABLE":
            shipment = db["shipments"].get(kit["shipment"])
            settle_reports(db, kit[TENANT], shipment["customer_id"], at)
    return db["events"].after(last_event)


def settle_reports(db: Store, partner: str, customer_id: int, at: str) -> None:
    """The documented business rules: a report needs the kit's data, the customer's consent date and a verified
    kit registration. Pending reports (and ones blocked for a reason that no longer holds) move on accordingly."""
    kit_ids = [k["id"] for s in db["shipments"].filter(customer_id=customer_id, **{TENANT: partner})
               for k in db["kits"].filter(shipment=s["id"], status="DATA_AVAILABLE")]
    if not kit_ids:
        return
    customer = db["customers"].get(customer_id) or {}
    verified = any(r["verification_date"] for r in db["registrations"].filter(customer=customer_id)
                   if int(r["kit"]) in kit_ids)
    if not customer.get("consent_date"):
        status, reason = "BLOCKED", REASON_NO_CONSENT
    elif not verified:
        status, reason = "BLOCKED", REASON_NOT_REGISTERED
    else:
        status, reason = "AVAILABLE", None
    for report in db["reports"].filter(customer=customer_id, **{TENANT: partner}):
        if report["status"] == "AVAILABLE" or (report["status"], report["reason"]) == (status, reason):
            continue
        set_report_status(db, report, status, at, reason)
        if status == "AVAILABLE":
            for category in REPORT_FILE_CATEGORIES:
                db["report_files"].insert({TENANT: partner, "report": report["id"], "created_at": at,
                                           "category": category})
