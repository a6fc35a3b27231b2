"""Partners fixtures: a fresh Partners app per test (own store; modules override `app` with the faster
`helpers.reset_app`), a client, and login helpers."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.partners.helpers import ACME, DEMO


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def app(settings: Settings) -> Any:
    return create_app(["partners"], settings=settings)


@pytest.fixture
def client(app: Any) -> Any:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def login(client: Any) -> Callable[..., str]:
    def _login(account: tuple[str, str] = DEMO) -> str:
        response = client.post("/api/v1/api-token-auth/", json={"username": account[0], "password": account[1]})
        assert response.status_code == 200, response.text
        return response.json()["token"]
    return _login


@pytest.fixture
def auth(login: Callable[..., str]) -> dict[str, str]:
    """Authorization header of the demo partner."""
    return {"Authorization": f"JWT {login(DEMO)}"}


@pytest.fixture
def acme_auth(login: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"JWT {login(ACME)}"}
