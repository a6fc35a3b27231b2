"""Toolbox Genomics Partners API mock: JWT auth, tenant-scoped customers → shipments/kits → orders → reports."""
from __future__ import annotations

from apitwin.plugin import ApiPlugin, Events, Simulation, StatePolicy, Tooling, Wire, lazy
from apitwin.resources import package_path

PLUGIN = ApiPlugin(
    name="partners",
    title="Toolbox Genomics Partners API",
    spec_file=package_path("apitwin_apis.specs", "partners.yaml"),
    mockdata_dir=package_path("apitwin_apis.mockdata", "partners"),
    seed=lazy("handlers.partners.seed:load"),
    wire=Wire(
        render_error=lazy("handlers.partners.errors:render_error"),
        auth_challenge='JWT realm="api"',
        body_checks={
            "handlers.partners.customers.create_customer": lazy("handlers.partners.customers:check_create"),
            "handlers.partners.shipments.create_shipment": lazy("handlers.partners.shipments:check_create"),
            "handlers.partners.orders.create_order": lazy("handlers.partners.orders:check_create"),
        },
    ),
    events=Events(
        collection="events",
        tenants=lazy("handlers.partners.events:tenants"),
        tenant_key="_partner",
        shape=lazy("handlers.partners.common:public"),
        matches=lazy("handlers.partners.events:matches_filter"),
    ),
    simulation=Simulation(
        actions=lazy("handlers.partners.actions:actions"),
        tick=lazy("handlers.partners.actions:tick"),
    ),
    tooling=Tooling(
        seed_records=lazy("handlers.partners.review:seed_records"),
        smoke_headers=lazy("handlers.partners.review:smoke_headers"),
        contract_profile=lazy("handlers.partners.contract:profile"),
        logins=lazy("handlers.partners.review:logins"),
    ),
    docs_base="/api/v1",
    state=StatePolicy(
        check=lazy("handlers.partners.state:check_state"),
        secret_fields={"accounts": ("password",)},
    ),
    quickstart=(
        "Token       curl -s -X POST {root}/api/v1/api-token-auth/ -H 'Content-Type: application/json' "
        "-d '{{\"username\": \"{username}\", \"password\": \"{password}\"}}'",
    ),
)
