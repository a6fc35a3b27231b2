"""Engine fixtures: the fixture API (tests/engine/fixtures/, a few operations with their own error body) served the
way a real API is, so engine behaviour is tested without leaning on Partners or MOLGENIS."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from apitwin.settings import Settings
from tests.engine.helpers import fake_app, fake_auth


@pytest.fixture(scope="module")
def fake_shared() -> Iterator[Any]:
    """One fixture-API app for the module; `fake` puts its store back to the seed before every test."""
    app = fake_app(Settings())
    with app.test_client() as test_client:
        test_client.app_runtime = app.apitwin.runtimes["fakeapi"]  # type: ignore[attr-defined]
        yield test_client


@pytest.fixture
def fake(fake_shared: Any) -> Any:
    fake_shared.app_runtime.reset()
    return fake_shared


@pytest.fixture
def fake_headers(fake: Any) -> dict[str, str]:
    """Authorization header of the fixture API's only user."""
    return fake_auth(fake)
