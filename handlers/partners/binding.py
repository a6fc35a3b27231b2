"""How the Partners documents reach their Python: operationId (the API's own name) → handler, security scheme →
token check. Data only (nothing is imported until the app resolves it); the engine's side is apitwin.binding."""
from __future__ import annotations

from apitwin.binding import Binding

HANDLERS = {
    "obtainToken": "apitwin_apis.partners.tokens:obtain_token",
    "listCustomers": "apitwin_apis.partners.customers:list_customers",
    "createCustomer": "apitwin_apis.partners.customers:create_customer",
    "getCustomer": "apitwin_apis.partners.customers:get_customer",
    "listShipments": "apitwin_apis.partners.shipments:list_shipments",
    "createShipment": "apitwin_apis.partners.shipments:create_shipment",
    "getShipment": "apitwin_apis.partners.shipments:get_shipment",
    "listOrders": "apitwin_apis.partners.orders:list_orders",
    "createOrder": "apitwin_apis.partners.orders:create_order",
    "getOrder": "apitwin_apis.partners.orders:get_order",
    "listTraitPanels": "apitwin_apis.partners.panels:list_trait_panels",
    "listRawPanels": "apitwin_apis.partners.panels:list_raw_panels",
    "listKits": "apitwin_apis.partners.kits:list_kits",
    "getKit": "apitwin_apis.partners.kits:get_kit",
    "listRegistrations": "apitwin_apis.partners.registrations:list_registrations",
    "getRegistration": "apitwin_apis.partners.registrations:get_registration",
    "updateRegistration": "apitwin_apis.partners.registrations:update_registration",
    "listReports": "apitwin_apis.partners.reports:list_reports",
    "getReport": "apitwin_apis.partners.reports:get_report",
    "listReportFiles": "apitwin_apis.partners.report_files:list_report_files",
    "getReportFile": "apitwin_apis.partners.report_files:get_report_file",
    "downloadReportFile": "apitwin_apis.partners.report_files:download_report_file",
    "listEvents": "apitwin_apis.partners.events:list_events",
}

BINDING = Binding(
    handlers=HANDLERS,
    security={"jwtAuth": "apitwin_apis.partners.tokens:verify_token"},
)
