"""What the contract suite knows about the Partners API beyond its OpenAPI document (see apitwin.contract.profiles).
Data only: importing it loads nothing of the mock."""
from __future__ import annotations

from apitwin.contract.profiles import Login, Profile, any_400
from apitwin.resources import package_path

PROFILE = Profile(
    name="partners",
    title="Toolbox Genomics Partners API",
    spec_file=package_path("apitwin_apis.specs", "partners.yaml"),
    login=Login(path="/api/v1/api-token-auth/", username="demo", password="demo-password", header="Authorization",
                prefixes=("JWT ", "Bearer "), lifetime=300),
    other_account=("acme", "acme-password"),
    # Requests valid per schema that a rule no schema can state refuses (each in docs/partners-decisions.md,
    # "What no schema states"): any 400 of these operations. Everything else the mock refuses, the spec states.
    business_rules={
        "obtainToken": any_400("wrong credentials (djangorestframework-jwt)"),
        "createShipment": any_400("an unknown or another tenant's customer"),
        "createOrder": any_400(
            "an unknown or another tenant's customer, a customer without a shipment, an unknown panel SKU"),
    },
    aliases={"customer": "customer_id", "shipment": "shipment_id", "report": "report_id"},
    list_values={"order_items": (("/api/v1/trait-panels/", "sku"), ("/api/v1/raw-panels/", "sku"))},
    shared=("/api/v1/trait-panels/", "/api/v1/raw-panels/"),
)


def profile() -> Profile:
    return PROFILE
