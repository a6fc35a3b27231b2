"""MOLGENIS fixtures: a fresh app and client per test, an admin login, and the mock served over real HTTP (uvicorn
on 127.0.0.1) for the real clients."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.molgenis.helpers import ADMIN, auth, molgenis_app
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
