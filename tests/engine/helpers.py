"""Assertions and app fixtures that the engine test modules share (the Partners API is their vehicle)."""
from __future__ import annotations

from typing import Any, Iterator

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.partners.helpers import DEMO, TOKEN_URL, assert_error


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    """The Partners error body: exactly `errors` (field → list of strings) and `messages` (list), saying something."""
    return assert_error(response, status)


def demo_auth(client: Any, base: str = "") -> dict[str, str]:
    response = client.post(f"{base}{TOKEN_URL}", json={"username": DEMO[0], "password": DEMO[1]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"JWT {response.json()['token']}"}


def module_client(settings: Settings) -> Iterator[Any]:
    """A client of one Partners app for a whole module (building an app costs about a second)."""
    app = create_app(["partners"], settings=settings)
    with app.test_client() as test_client:
        yield test_client
