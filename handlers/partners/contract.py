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
    # The vendor's wording is DRF's, but not every message is documented: any 400 of these operations.
    business_rules={
        "apitwin_apis.partners.tokens.obtain_token": any_400("wrong credentials (djangorestframework-jwt)"),
        "apitwin_apis.partners.customers.create_customer": any_400(
            "blank names, an email rule stricter than format: email, gender/sex conflict"),
        "apitwin_apis.partners.shipments.create_shipment": any_400(
            "blank address fields, an unknown or another tenant's customer"),
        "apitwin_apis.partners.orders.create_order": any_400("unknown SKU; a customer without a shipment"),
        "apitwin_apis.partners.reports.list_reports": any_400("conflicting customer filters"),
        "apitwin_apis.partners.events.list_events": any_400("created_at__* of the right form that is no moment"),
        "apitwin_apis.partners.registrations.update_registration": any_400(
            "verification_date of the right form that is no date (2019-02-30)"),
    },
    aliases={"customer": "customer_id", "shipment": "shipment_id", "report": "report_id"},
    list_values={"order_items": (("/api/v1/trait-panels/", "sku"), ("/api/v1/raw-panels/", "sku"))},
    shared=("/api/v1/trait-panels/", "/api/v1/raw-panels/"),
)


def profile() -> Profile:
    return PROFILE
