"""Assertions and requests that many test modules share."""
from __future__ import annotations

from typing import Any

DEMO = ("demo", "demo-password")


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    """The Partners error body: exactly `errors` (field → list of strings) and `messages` (list), saying something."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].strip() == "application/json"
    body = response.json()
    assert set(body) == {"errors", "messages"}, body
    for field, messages in body["errors"].items():
        assert isinstance(field, str)
        assert isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
    assert isinstance(body["messages"], list)
    assert body["errors"] or body["messages"], "an error body must say something"
    return body


def demo_auth(client: Any, base: str = "") -> dict[str, str]:
    response = client.post(f"{base}/api/v1/api-token-auth/", json={"username": DEMO[0], "password": DEMO[1]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"JWT {response.json()['token']}"}
