"""Toolbox Genomics Partners API mock: JWT auth, tenant-scoped customers → shipments/kits → orders → reports."""
from __future__ import annotations

from apitwin.plugin import ApiPlugin, Events, Simulation, StatePolicy, Tooling, Wire, lazy
from apitwin.resources import package_path
from apitwin_apis.partners.binding import BINDING

PLUGIN = ApiPlugin(
    name="partners",
    title="Toolbox Genomics Partners API",
    spec_file=package_path("apitwin_apis.specs", "partners.yaml"),
    mockdata_dir=package_path("apitwin_apis.mockdata", "partners"),
    seed=lazy("apitwin_apis.partners.seed:load"),
    binding=BINDING,
    wire=Wire(
        render_error=lazy("apitwin_apis.partners.errors:render_error"),
        auth_challenge='JWT realm="api"',
        body_checks={
            "createCustomer": lazy("apitwin_apis.partners.customers:check_create"),
            "createShipment": lazy("apitwin_apis.partners.shipments:check_create"),
            "createOrder": lazy("apitwin_apis.partners.orders:check_create"),
        },
    ),
    events=Events(
        collection="events",
        tenants=lazy("apitwin_apis.partners.events:tenants"),
        tenant_key="_partner",
        shape=lazy("apitwin_apis.partners.common:public"),
        matches=lazy("apitwin_apis.partners.events:matches_filter"),
        event_types=lazy("apitwin_apis.partners.events:event_types"),
    ),
    simulation=Simulation(
        actions=lazy("apitwin_apis.partners.actions:actions"),
        tick=lazy("apitwin_apis.partners.actions:tick"),
    ),
    tooling=Tooling(
        seed_records=lazy("apitwin_apis.partners.review:seed_records"),
        smoke_headers=lazy("apitwin_apis.partners.review:smoke_headers"),
        contract_profile=lazy("apitwin_apis.partners.contract:profile"),
        logins=lazy("apitwin_apis.partners.review:logins"),
    ),
    docs_base="/api/v1",
    state=StatePolicy(
        check=lazy("apitwin_apis.partners.state:check_state"),
        secret_fields={"accounts": ("password",)},
    ),
    quickstart=(
        "Token       curl -s -X POST {root}/api/v1/api-token-auth/ -H 'Content-Type: application/json' "
        "-d '{{\"username\": \"{username}\", \"password\": \"{password}\"}}'",
    ),
)
