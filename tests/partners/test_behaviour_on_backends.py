"""The Partners HTTP behaviour suite (customers, shipments, tenancy) once more on each state backend that keeps
state — a SQLite `--state` file and a shared Redis (issue 16: the same store contract, the same answers). The tests
are those of the three modules, imported; only the `settings` fixture differs. Redis variants skip LOUDLY without
redis-server (`make redis`)."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.settings import Settings
from tests.engine.redis_server import redis_url
from tests.partners.test_customers import *  # noqa: F401,F403 (the tests, run here on other backends)
from tests.partners.test_shipments import *  # noqa: F401,F403
from tests.partners.test_tenancy import *  # noqa: F401,F403


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def backend_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if request.param == "sqlite":
        return Settings(state_path=tmp_path_factory.mktemp("state") / "state.db")
    return Settings(store_url=redis_url(request))


@pytest.fixture
def settings(backend_settings: Settings) -> Any:
    return backend_settings


def test_these_tests_run_on_the_backend(app: Any, backend_settings: Settings) -> None:
    backend = app.apitwin.runtimes["partners"].store.backend
    assert type(backend).__name__ == ("SqliteBackend" if backend_settings.state_path else "RedisBackend")
