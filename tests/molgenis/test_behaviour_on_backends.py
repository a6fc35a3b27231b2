"""The MOLGENIS v2 route tests once more on each state backend that keeps state — a SQLite `--state` file and a
shared Redis (issue 16: the same store contract, the same answers, the query indexes built as derived data on
top). The tests are those of test_v2_routes.py, imported; only the `app` fixture differs. Redis variants skip
LOUDLY without redis-server (`make redis`)."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.engine.redis_server import redis_url
from tests.molgenis.test_v2_routes import *  # noqa: F401,F403 (the tests, run here on other backends)


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if request.param == "sqlite":
        settings = Settings(state_path=tmp_path_factory.mktemp("state") / "state.db")
    else:
        settings = Settings(store_url=redis_url(request))
    built = create_app(["molgenis"], settings=settings)
    assert built.apitwin.runtimes["molgenis"].store.backend is not None
    return built
