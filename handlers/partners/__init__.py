"""Toolbox Genomics Partners API mock: JWT auth, tenant-scoped customers → shipments/kits → orders → reports."""
from __future__ import annotations

from typing import Any

from apitwin.errors import ApiError
from apitwin.plugin import ApiPlugin, lazy
from apitwin.resources import package_path


def render_error(error: ApiError) -> dict[str, Any]:
    """The overview's error body: field errors under `errors`, general ones under `messages`; both always present."""
    return {"errors": error.field_errors, "messages": error.messages}


def _seed(rt: Any, data_dir: Any) -> None:
    from apitwin_apis.partners.seed import load

    load(rt, data_dir)


def _event_shape(row: dict[str, Any]) -> dict[str, Any]:
    from apitwin_apis.partners.common import public

    return public(row)


def _event_matches(event: dict[str, Any], name: str) -> bool:
    """A webhook's event filter takes G1 types (kit.updated) and the G2 names (report_ready), like GET /events/."""
    from apitwin_apis.partners.events import G2_TYPES

    if name in G2_TYPES:
        g1_type, test = G2_TYPES[name]
        return event.get("type") == g1_type and test(event.get("data", {}))
    return event.get("type") == name


def _tenants(rt: Any) -> list[str]:
    return sorted({a["partner"] for a in rt.store["accounts"].filter()})


def _tick(rt: Any) -> Any:
    from apitwin_apis.partners.actions import tick

    return tick(rt)


def _actions() -> dict[str, Any]:
    from apitwin_apis.partners.actions import ACTIONS

    return ACTIONS


PLUGIN = ApiPlugin(
    name="partners",
    title="Toolbox Genomics Partners API",
    spec_file=package_path("apitwin_apis.specs", "partners.yaml"),
    mockdata_dir=package_path("apitwin_apis.mockdata", "partners"),
    render_error=render_error,
    seed=_seed,
    auth_challenge='JWT realm="api"',
    docs_base="/api/v1",
    events_collection="events",
    tenant_key="_partner",
    event_shape=_event_shape,
    event_matches=_event_matches,
    tenants=_tenants,
    tick=_tick,
)
PLUGIN.actions = _actions()


def _body_checks() -> dict[str, Any]:
    from apitwin_apis.partners import customers, orders, shipments

    return {"apitwin_apis.partners.customers.create_customer": customers.check_create,
            "apitwin_apis.partners.shipments.create_shipment": shipments.check_create,
            "apitwin_apis.partners.orders.create_order": orders.check_create}


PLUGIN.body_checks = _body_checks()

PLUGIN.seed_records = lazy("apitwin_apis.partners.review:seed_records")
PLUGIN.contract_profile = lazy("apitwin_apis.partners.contract:profile")
PLUGIN.smoke_headers = lazy("apitwin_apis.partners.review:smoke_headers")
PLUGIN.logins = lazy("apitwin_apis.partners.review:logins")
PLUGIN.quickstart = [
    "Token       curl -s -X POST {root}/api/v1/api-token-auth/ -H 'Content-Type: application/json' "
    "-d '{{\"username\": \"{username}\", \"password\": \"{password}\"}}'",
]
