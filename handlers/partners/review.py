"""What `apitwin check-drift` needs from the Partners mock: every seeded row as the API shows it, named by its spec
schema, and a logged-in client for the smoke run. Accounts and order items are internal (no resource of their own)."""
from __future__ import annotations

from typing import Any, Iterator

from apitwin.runtime import ApiRuntime
from apitwin_apis.partners import kits, orders
from apitwin_apis.partners.common import public

# store collection → (components/schemas name, how the API shapes a row)
RESOURCES = {
    "customers": ("Customer", public),
    "shipments": ("Shipment", public),
    "orders": ("Order", orders.shape),
    "trait_panels": ("TraitPanel", public),
    "raw_panels": ("RawPanel", public),
    "kits": ("Kit", kits.shape),
    "registrations": ("KitRegistration", public),
    "reports": ("Report", public),
    "report_files": ("ReportFile", public),
    "events": ("Event", public),
}
SERVER = "https://partners.toolboxgenomics.com"


def seed_records(rt: ApiRuntime) -> Iterator[tuple[str, str, Any]]:
    for collection, (schema, shape) in RESOURCES.items():
        for row in rt.store[collection].filter():
            record = shape(row)
            if collection == "report_files":  # handlers build the link from the request's host; use the documented one
                record["download_link"] = f"{SERVER}/report-files/{row['id']}/download/"
            yield f"{collection} {row['id']}", schema, record


def logins(rt: ApiRuntime) -> list[tuple[str, str, str]]:
    """For the banner: the first active account of each partner (tenant), in seed order."""
    found: dict[str, tuple[str, str, str]] = {}
    for account in rt.store["accounts"].filter():
        if account.get("active", True) and account.get("password") is not None:
            found.setdefault(account["partner"], (account["username"], str(account["password"]), account["partner"]))
    return list(found.values())


def smoke_headers(client: Any) -> dict[str, str]:
    response = client.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    response.raise_for_status()
    return {"Authorization": f"JWT {response.json()['token']}"}
