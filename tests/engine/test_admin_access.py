"""Regression tests (issue 16, defect 2): the admin API is not open to other machines or other web origins, and
does not hand out secrets without the admin token."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.cli import admin_notice
from apitwin.settings import Settings

ADMIN = "/__apitwin/apis/partners"
STATE_CHANGES = [("POST", f"{ADMIN}/reset"), ("PUT", f"{ADMIN}/state"), ("GET", f"{ADMIN}/state"),
                 ("POST", f"{ADMIN}/webhooks"), ("GET", "/__apitwin/apis")]


def _client(settings: Settings) -> Iterator[Any]:
    app = create_app(["partners"], settings=settings)
    with app.test_client() as client:
        yield client


@pytest.fixture(scope="module")
def exposed() -> Iterator[Any]:
    """Bound to every interface: the token is required."""
    yield from _client(Settings(host="0.0.0.0"))


@pytest.fixture(scope="module")
def local() -> Iterator[Any]:
    """In-process (as under test) or on loopback without a set token: open to same-origin callers."""
    yield from _client(Settings())


def token_of(client: Any) -> str:
    return client.app.apitwin.runtimes["partners"].settings.admin_token


def assert_neutral_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors", "messages"} and body["messages"], body
    return body


@pytest.mark.parametrize(("method", "path"), STATE_CHANGES)
def test_non_loopback_bind_requires_the_admin_token(exposed: Any, method: str, path: str) -> None:
    response = exposed.request(method, path, json={})
    assert_neutral_error(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="apitwin-admin"'
    assert_neutral_error(exposed.request(method, path, json={}, headers={"Authorization": "Bearer wrong"}), 401)


def test_the_token_opens_the_admin_api_in_either_header(exposed: Any) -> None:
    token = token_of(exposed)
    assert len(token) >= 24
    assert exposed.get("/__apitwin/apis", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert exposed.post(f"{ADMIN}/reset", headers={"X-Apitwin-Admin-Token": token}).status_code == 200


def test_health_and_the_admin_documents_need_no_token(exposed: Any) -> None:
    for path in ("/__apitwin/health", "/__apitwin/openapi.json", "/__apitwin/ui/"):
        assert exposed.get(path).status_code == 200, path


def test_mocked_apis_are_not_behind_the_admin_token(exposed: Any) -> None:
    response = exposed.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    assert response.status_code == 200


def test_a_set_token_is_required_on_loopback_too() -> None:
    for client in _client(Settings(host="127.0.0.1", admin_token="team-token-0123456789")):
        assert_neutral_error(client.get("/__apitwin/apis", headers={"Host": "127.0.0.1:8000"}), 401)
        assert client.get("/__apitwin/apis", headers={"Authorization": "Bearer team-token-0123456789"}).status_code \
            == 200


def test_admin_open_lifts_the_requirement() -> None:
    settings = Settings(host="0.0.0.0", admin_open=True).with_secrets()
    assert settings.admin_required is False
    for client in _client(settings):
        assert client.get("/__apitwin/apis").status_code == 200
    notice = admin_notice(settings)
    assert "WARNING: bound to 0.0.0.0" in notice and "WARNING: --admin-open" in notice
    required = Settings(host="0.0.0.0").with_secrets()
    assert required.admin_required is True and required.admin_token in admin_notice(required)


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site"}, {"Origin": "null"}])
@pytest.mark.parametrize(("method", "path"), STATE_CHANGES)
def test_browser_requests_from_other_origins_are_refused(local: Any, headers: dict[str, str], method: str,
                                                        path: str) -> None:
    before = local.get(f"{ADMIN}/state").json()
    response = local.request(method, path, json={}, headers=headers)
    assert_neutral_error(response, 403)
    assert "access-control-allow-origin" not in response.headers
    assert local.get(f"{ADMIN}/state").json() == before


def test_same_origin_browser_requests_are_served(local: Any) -> None:
    own = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert local.post(f"{ADMIN}/reset", headers=own).status_code == 200
    assert local.get("/__apitwin/apis", headers={"Sec-Fetch-Site": "none"}).status_code == 200


def test_no_cors_on_admin_paths_but_on_the_mocked_api(local: Any) -> None:
    preflight = {"Origin": "http://evil.example", "Access-Control-Request-Method": "PUT"}
    response = local.options(f"{ADMIN}/state", headers=preflight)
    assert response.status_code == 403 and "access-control-allow-origin" not in response.headers
    api = local.options("/api/v1/customers/", headers={**preflight, "Access-Control-Request-Method": "GET"})
    assert api.status_code == 200 and api.headers["access-control-allow-origin"] == "*"


def test_loopback_bind_refuses_foreign_host_names() -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 is same-origin to the browser."""
    for client in _client(Settings(host="127.0.0.1")):
        assert_neutral_error(client.post(f"{ADMIN}/reset", headers={"Host": "evil.example:8000"}), 403)
        assert client.post(f"{ADMIN}/reset", headers={"Host": "localhost:8000"}).status_code == 200
        assert client.post(f"{ADMIN}/reset", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_exported_state_masks_secrets_without_the_token(local: Any) -> None:
    secret = local.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner", "url": "http://127.0.0.1:9/h",
                                                  "secret": "whsec-visible-once"}).json()["secret"]
    assert secret == "whsec-visible-once"                      # the registration answer shows it, once
    masked = local.get(f"{ADMIN}/state").json()["collections"]
    assert {row["password"] for row in masked["accounts"]["rows"]} == {"********"}
    assert {row["secret"] for row in masked["webhook_endpoints"]["rows"]} == {"********"}
    assert "demo-password" not in local.get(f"{ADMIN}/state").text
    assert [e["secret"] for e in local.get(f"{ADMIN}/webhooks").json()] == ["********"]
    full = local.get(f"{ADMIN}/state", headers={"X-Apitwin-Admin-Token": token_of(local)}).json()["collections"]
    assert "demo-password" in {row["password"] for row in full["accounts"]["rows"]}
    assert [row["secret"] for row in full["webhook_endpoints"]["rows"]] == ["whsec-visible-once"]
    local.post(f"{ADMIN}/reset")


def test_a_masked_export_imports_back_keeping_the_held_secrets(local: Any) -> None:
    masked = local.get(f"{ADMIN}/state").json()
    assert local.put(f"{ADMIN}/state", json=masked).status_code == 200
    login = local.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    assert login.status_code == 200, login.text
    masked["collections"]["accounts"]["rows"].append({**masked["collections"]["accounts"]["rows"][0], "id": 99,
                                                      "username": "new-user"})
    response = local.put(f"{ADMIN}/state", json=masked)
    body = assert_neutral_error(response, 400)
    assert "masked" in body["messages"][0] and "row 99" in body["messages"][0]


def test_molgenis_passwords_and_tokens_are_masked() -> None:
    app = create_app(["molgenis"], settings=Settings())
    with app.test_client() as client:
        token = client.post("/api/v1/login", json={"username": "admin", "password": "admin"}).json()["token"]
        text = client.get("/__apitwin/apis/molgenis/state").text
        assert token not in text and '"password": "admin"' not in text


def test_the_contract_suite_resets_a_protected_mock_with_the_env_token(exposed: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from apitwin.contract.target import AppTarget

    target = AppTarget(exposed.app, "")
    monkeypatch.delenv("APITWIN_ADMIN_TOKEN", raising=False)
    assert target.reset("partners") is False
    monkeypatch.setenv("APITWIN_ADMIN_TOKEN", token_of(exposed))
    assert target.reset("partners") is True
