"""MOLGENIS fixtures: a fresh app and client per test, an admin login, the mock served over real HTTP (uvicorn on
127.0.0.1) for the real clients, and the shared client of the HTTP error tests.

The error tests (test_*_errors.py) assert that every bad input and error path answers a clear 4xx, never a 500 or a
hang. Error bodies are MOLGENIS' `{"errors":[{"message", "code"?}]}`; routing errors (unknown path 404, unmapped
method 405) are RFC 7807 `application/problem+json` with type/title/status (docs/molgenis-server.md). Messages are
asserted exactly where the server's source or the mock's core (handlers/molgenis/query.py, values.py, auth.py,
security.py, context.py, inputs.py) gives the text; server texts only inferred from framework behaviour are asserted
by their substance. They share one app for the session (building one costs about a second); every test starts from
the seed (POST /__apitwin/apis/molgenis/reset) and logs in afresh (a reset also drops issued tokens). Where the mock
differs from the server the test keeps the strict assertion and is marked `xfail(strict=True, reason="BUG: ...")`.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.molgenis.helpers import ADMIN, IT_USER, RESET, auth, molgenis_app
from tests.receiver import Receiver


@pytest.fixture
def mapp() -> Any:
    return molgenis_app()


@pytest.fixture
def mclient(mapp: Any) -> Iterator[Any]:
    with mapp.test_client() as test_client:
        yield test_client


@pytest.fixture
def admin(mclient: Any) -> dict[str, str]:
    return auth(mclient, ADMIN)


@pytest.fixture
def served_molgenis() -> Iterator[str]:
    """The mock over real HTTP; yields the base URL (`http://127.0.0.1:<port>`, which survives the py-client's
    `rstrip('/api')` quirk)."""
    server = Receiver(app=molgenis_app()).start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app_client() -> Iterator[Any]:
    """The error tests' client: one MOLGENIS app for the session."""
    with molgenis_app().test_client() as test_client:
        yield test_client


@pytest.fixture
def c(app_client: Any) -> Any:
    """The error tests' client, its API back at the seed."""
    response = app_client.post(RESET)
    assert response.status_code == 200, response.text
    return app_client


@pytest.fixture
def admin_h(c: Any) -> dict[str, str]:
    return auth(c, ADMIN)


@pytest.fixture
def it_h(c: Any) -> dict[str, str]:
    return auth(c, IT_USER)
