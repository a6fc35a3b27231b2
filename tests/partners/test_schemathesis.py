"""schemathesis against the in-process Partners mock: every operation, positive and negative data, all default
checks, and the stateful phase through the spec's links. The mock must pass its own contract with 0 failures.

Bounded for `make test` (APITWIN_CONTRACT_EXAMPLES, default 25 per operation; APITWIN_STATEFUL_EXAMPLES, default 15).
"""
from __future__ import annotations

import logging
import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from apitwin.app import create_app
from apitwin.contract.profiles import get as get_profile
from apitwin.settings import Settings

PARTNERS = get_profile("partners")

logging.getLogger("connexion").setLevel(logging.ERROR)
logging.getLogger("apitwin").setLevel(logging.CRITICAL)  # 500s fail the checks; the log would only repeat them

MAX_EXAMPLES = int(os.environ.get("APITWIN_CONTRACT_EXAMPLES", "25"))
STATEFUL_EXAMPLES = int(os.environ.get("APITWIN_STATEFUL_EXAMPLES", "15"))

# Requests that are valid per schema but refused by a documented business rule (no schema can say "this customer
# must exist"): the positive-data check accepts 400 for exactly these operations, and stays strict elsewhere. The
# list (with the reasons) is the contract suite's Partners profile, so `apitwin contract` and this test agree.
BUSINESS_RULE_400 = sorted(PARTNERS.business_rules)
CONFIG = {
    "generation": {"mode": "all"},
    "operations": [
        {"include-operation-id": op, "checks": {"positive_data_acceptance": {"expected-statuses": [
            "200", "201", "400", "401", "403", "404"]}}}
        for op in BUSINESS_RULE_400
    ],
}

APP = create_app(["partners"], settings=Settings(seed=0))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=schemathesis.Config.from_dict(CONFIG))


@schema.auth()
class PartnerLogin:
    """Logs in through the API itself, like a partner's client would (JWT prefix, the documented default)."""

    def get(self, case: Any, ctx: Any) -> str:
        client = schemathesis.python.asgi.get_client(ctx.app)
        response = client.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
        return response.json()["token"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"JWT {data}"}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_operation_conforms(case: Any) -> None:
    case.call_and_validate()


Workflow = schema.as_state_machine()
Workflow.TestCase.settings = settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=8, deadline=None,
                                      suppress_health_check=list(HealthCheck), derandomize=True)
TestStatefulWorkflows = Workflow.TestCase
