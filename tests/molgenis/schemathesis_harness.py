"""What the MOLGENIS v1 and v2 schemathesis runs share (tests/molgenis/test_schemathesis.py, test_v2_schemathesis.py):
every case starts from a reset with a fresh admin token (a reset drops issued tokens, so the auth provider puts a
placeholder on the case and the run swaps in a token from a login made after the reset), the DOCUMENTED table of
each run drops exactly the failures it describes, and both runs are derandomized and bounded for `make test`."""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable

from hypothesis import HealthCheck, settings

from tests.molgenis.helpers import ADMIN, API

MAX_EXAMPLES = int(os.environ.get("APITWIN_CONTRACT_EXAMPLES", "50"))
STATEFUL_EXAMPLES = int(os.environ.get("APITWIN_STATEFUL_EXAMPLES", "30"))
RESET = "/__apitwin/apis/molgenis/reset"
TOKEN_PLACEHOLDER = "contract-admin-token"   # replaced by a real token after each reset


def fresh_state_of(client: Any) -> Callable[[], str]:
    """A function that puts the API back at the seed and returns a new admin token."""
    def fresh_state() -> str:
        assert client.post(RESET).status_code == 200
        response = client.post(f"{API}/login", json={"username": ADMIN[0], "password": ADMIN[1]})
        assert response.status_code == 200, response.text
        return response.json()["token"]
    return fresh_state


def with_token(case: Any, token: str) -> None:
    if case.headers and case.headers.get("x-molgenis-token") == TOKEN_PLACEHOLDER:
        case.headers["x-molgenis-token"] = token


def install_admin_auth(schema: Any) -> None:
    @schema.auth()
    class AdminToken:
        def get(self, case: Any, ctx: Any) -> str:
            return TOKEN_PLACEHOLDER

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "x-molgenis-token": data}


def runs(schema: Any, fresh_state: Callable[[], str], documented: Iterable[Any]) -> tuple[Any, Any]:
    """(test_operation_conforms, TestStatefulWorkflows) over `schema`, with `documented` entries (each with
    `matches(failure, case, response)`) dropping the failures they describe."""
    @schema.hook
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        return not any(entry.matches(failure, case, response) for entry in documented)

    @schema.parametrize()
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def test_operation_conforms(case: Any) -> None:
        with_token(case, fresh_state())
        case.call_and_validate()

    class _Workflow(schema.as_state_machine()):  # type: ignore[misc]
        """Scenarios along the spec's links, each from the seed with its own admin token."""

        def setup(self) -> None:
            self.token = fresh_state()

        def before_call(self, case: Any) -> None:
            with_token(case, self.token)

    _Workflow.TestCase.settings = settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=8, deadline=None,
                                           suppress_health_check=list(HealthCheck), derandomize=True)
    return test_operation_conforms, _Workflow.TestCase
