"""Regression tests (issue 16, defects 3 and 12): the JWT secret is generated per app unless set, so a token of one
mock never opens another; text with a NUL character is refused as DRF refuses it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jwt
import pytest

from apitwin import tokens
from apitwin.app import create_app
from apitwin.settings import Settings
from tests.partners.helpers import TOKEN_URL, assert_error, reset_app

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = {"user_id": 3, "username": "demo", "email": "demo@partner.example"}


@pytest.fixture
def app() -> Any:
    return reset_app()


def _token(client: Any) -> str:
    response = client.post(TOKEN_URL, json={"username": "demo", "password": "demo-password"})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def test_each_app_generates_its_own_secret() -> None:
    first, second = (create_app(["partners"], settings=Settings()) for _ in range(2))
    secrets = [a.apitwin.runtimes["partners"].settings.jwt_secret for a in (first, second)]
    assert all(isinstance(s, str) and len(s) >= 32 for s in secrets) and secrets[0] != secrets[1]
    with first.test_client() as one, second.test_client() as two:
        token = _token(one)
        assert one.get("/api/v1/customers/", headers={"Authorization": f"JWT {token}"}).status_code == 200
        assert two.get("/api/v1/customers/", headers={"Authorization": f"JWT {token}"}).status_code == 401


def test_a_token_minted_with_a_guessed_secret_is_refused(client: Any) -> None:
    for guess in ("apitwin-mock-secret-change-me-0123456789abcdef", "x" * 32):
        forged = jwt.encode({**CLAIMS, "exp": 4_000_000_000}, guess, algorithm="HS256")
        assert client.get("/api/v1/customers/", headers={"Authorization": f"JWT {forged}"}).status_code == 401


def test_a_set_secret_is_used_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APITWIN_JWT_SECRET", "a-team-wide-secret-0123456789abcdef")
    app = create_app(["partners"], settings=Settings.from_env())
    token = tokens.issue(CLAIMS, "a-team-wide-secret-0123456789abcdef", 300)
    with app.test_client() as client:
        assert client.get("/api/v1/customers/", headers={"Authorization": f"JWT {token}"}).status_code == 200


def test_no_jwt_secret_literal_in_the_engine_or_handlers() -> None:
    """The old constant is gone, and Settings carries no default secret."""
    assert Settings().jwt_secret is None
    found = subprocess.run(["git", "grep", "-n", "change-me", "--", "apitwin", "handlers"], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    assert found.stdout == "", found.stdout


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/customers/", {"first_name": "Ar\x00ya", "last_name": "Stark"}, "first_name"),
    ("/api/v1/customers/", {"first_name": "Arya", "last_name": "Stark", "reference_id": "\x00"}, "reference_id"),
    ("/api/v1/customer-shipments/", {
        "customer_id": 319, "sku": "PT-Kit-1", "quantity": 1, "recipient_phone": "(415)722-4393",
        "recipient_address": {"line_1": "2950\x00Buskirk", "city": "Walnut Creek", "state": "CA",
                              "postal_code": "94597", "country": "US"}}, "recipient_address.line_1"),
])
def test_null_characters_are_refused(client: Any, auth: dict[str, str], path: str, body: dict[str, Any],
                                     field: str) -> None:
    before = client.get(path, headers=auth).json()
    response = client.post(path, json=body, headers=auth)
    assert_error(response, 400, fields=[field])
    assert "Null characters are not allowed." in response.json()["errors"][field]
    assert client.get(path, headers=auth).json() == before


def test_cli_has_a_jwt_secret_option() -> None:
    out = subprocess.run([sys.executable, "-m", "apitwin", "serve", "--help"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert "--jwt-secret" in out


def test_null_characters_in_unknown_fields_are_ignored_as_drf_ignores_the_fields(client: Any,
                                                                                 auth: dict[str, str]) -> None:
    """DRF never reads an undeclared field, so its NUL check never sees it; the spec's patterns are on the declared
    fields only."""
    response = client.post("/api/v1/customers/", json={"first_name": "Arya", "last_name": "Stark", "m.": "\x00",
                                                       "nested": {"x": ["\x00"]}}, headers=auth)
    assert response.status_code == 201, response.text


def test_the_drf_wording_replaces_the_generic_pattern_message(client: Any, auth: dict[str, str]) -> None:
    body = client.post("/api/v1/customers/", json={"first_name": "Ar\x00ya", "last_name": " \t"}, headers=auth).json()
    assert body["errors"] == {"first_name": ["Null characters are not allowed."],
                              "last_name": ["This field may not be blank."]}
