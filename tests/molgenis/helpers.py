"""Shared pieces of the MOLGENIS tests: an app builder, logins and the error-body assertion (the fixtures are in
conftest.py)."""
from __future__ import annotations

from typing import Any

from apitwin.app import create_app
from apitwin.settings import Settings

API = "/api/v1"
ADMIN = ("admin", "admin")
TEST_USER = ("test", "test")           # RestControllerV1APIIT's user: WRITE on V1_API_*, WRITEMETA on base_*
IT_USER = ("it-user", "it-password")   # RestControllerIT's user


def molgenis_app(**settings: Any) -> Any:
    return create_app(["molgenis"], settings=Settings(**settings))


def token(client: Any, user: tuple[str, str] = ADMIN, base: str = "") -> str:
    response = client.post(f"{base}{API}/login", json={"username": user[0], "password": user[1]})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def auth(client: Any, user: tuple[str, str] = ADMIN, base: str = "") -> dict[str, str]:
    return {"x-molgenis-token": token(client, user, base)}


def assert_molgenis_error(response: Any, status: int, message: str | None = None,
                          code: str | None = None) -> list[dict[str, Any]]:
    """`{"errors":[{"message", "code"?}]}` with the status; optionally the first message and code exactly."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    for entry in body["errors"]:
        assert set(entry) <= {"message", "code"} and isinstance(entry["message"], str) and entry["message"], entry
    if message is not None:
        assert body["errors"][0]["message"] == message, body
    if code is not None:
        assert body["errors"][0].get("code") == code, body
    else:
        assert all("code" not in e for e in body["errors"]) or message is None, body
    return body["errors"]
