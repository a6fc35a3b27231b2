"""The Partners rules for an imported state (apitwin.state_check runs them next to the spec schemas): the internal
parts no schema covers — accounts, tenants and the references between a tenant's rows — must be what the seed loader
and the handlers themselves would have written."""
from __future__ import annotations

from typing import Any

from apitwin.runtime import ApiRuntime
from apitwin_apis.partners.common import TENANT

TENANT_OWNED = ("customers", "shipments", "kits", "orders", "registrations", "reports", "report_files", "events")
# collection → (field, referenced collection): a tenant's row may only point at that tenant's rows
REFERENCES = {
    "shipments": [("customer_id", "customers")],
    "kits": [("shipment", "shipments")],
    "orders": [("customer_id", "customers")],
    "registrations": [("customer", "customers")],
    "reports": [("customer", "customers"), ("order", "orders")],
    "report_files": [("report", "reports")],
}


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def check_state(rt: ApiRuntime) -> list[str]:
    store = rt.store
    found: list[str] = []
    usernames: set[str] = set()
    for account in store["accounts"].scan():
        label = f"accounts {account['id']}"
        for name in ("username", "email", "partner"):
            if not _text(account.get(name)):
                found.append(f"{label}: {name} must be a non-blank string")
        if not isinstance(account.get("password"), str):
            found.append(f"{label}: password must be a string")
        if not isinstance(account.get("active", True), bool):
            found.append(f"{label}: active must be true or false")
        if account.get("username") in usernames:
            found.append(f"{label}: username {account['username']!r} is taken by another account")
        if isinstance(account.get("username"), str):
            usernames.add(account["username"])
    tenants: dict[str, dict[int, Any]] = {}
    for collection in TENANT_OWNED:
        owners = tenants.setdefault(collection, {})
        for row in store[collection].scan():
            if not _text(row.get(TENANT)):
                found.append(f"{collection} {row['id']}: {TENANT} (the owning partner) must be a non-blank string")
            owners[row["id"]] = row.get(TENANT)
    for collection, references in REFERENCES.items():
        for row in store[collection].scan():
            for field, target in references:
                value = row.get(field)
                if value is None and field == "order":
                    continue
                if tenants[target].get(value, object()) != row.get(TENANT):
                    found.append(f"{collection} {row['id']}: {field} {value!r} is not a {target[:-1]} of partner "
                                 f"{row.get(TENANT)!r}")
    return found
