"""Toolbox Genomics Partners API mock: JWT auth, tenant-scoped customers → shipments/kits → orders → reports."""
from __future__ import annotations

from typing import Any

from apitwin.errors import ApiError
from apitwin.plugin import PROJECT_ROOT, ApiPlugin


def render_error(error: ApiError) -> dict[str, Any]:
    """The overview's error body: field errors under `errors`, general ones under `messages`; both always present."""
    return {"errors": error.field_errors, "messages": error.messages}


def _seed(rt: Any, data_dir: Any) -> None:
    from handlers.partners.seed import load

    load(rt, data_dir)


PLUGIN = ApiPlugin(
    name="partners",
    title="Toolbox Genomics Partners API",
    spec_file=PROJECT_ROOT / "specs" / "partners.yaml",
    mockdata_dir=PROJECT_ROOT / "mockdata" / "partners",
    render_error=render_error,
    seed=_seed,
    auth_challenge='JWT realm="api"',
    docs_base="/api/v1",
)
PLUGIN.quickstart = [
    "Login       demo / demo-password  (second partner: acme / acme-password)",
    "Token       curl -s -X POST {root}/api/v1/api-token-auth/ -H 'Content-Type: application/json' "
    "-d '{{\"username\": \"demo\", \"password\": \"demo-password\"}}'",
]
