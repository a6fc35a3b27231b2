"""Partners API, authentication (G2 tokens.md; C2, C3): POST /api/v1/api-token-auth/ and the token check."""
from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from apitwin import tokens
from apitwin.settings import Settings
from tests.partners.helpers import (ACME, BAD_CREDENTIALS, DEMO, DEMO_OPS, LIMITED, RETIRED, TOKEN_URL,
                                    assert_error, assert_unauthorized, reset_app)

ACCOUNTS = {"demo": (3, "demo@partner.example"), "demo-ops": (4, "ops@partner.example"),
            "acme": (7, "api@acme-genetics.example")}


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


@pytest.fixture
def secret(app: Any) -> str:
    """The app's JWT secret: generated when the app was built (settings leave it unset)."""
    return app.apitwin.runtimes["partners"].settings.jwt_secret


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# -- token endpoint ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("account", [DEMO, DEMO_OPS, ACME], ids=lambda a: a[0])
def test_token_has_the_djangorestframework_jwt_claims(client: Any, account: tuple[str, str]) -> None:
    before = time.time()
    response = client.post(TOKEN_URL, json={"username": account[0], "password": account[1]})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"token"}
    token = body["token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = claims_of(token)
    user_id, email = ACCOUNTS[account[0]]
    assert claims["username"] == account[0]
    assert claims["user_id"] == user_id
    assert claims["email"] == email
    assert isinstance(claims["exp"], int)
    assert abs(claims["exp"] - before - 300) <= 3  # djangorestframework-jwt's default lifetime


def test_token_is_signed_with_the_apps_secret(client: Any, secret: str) -> None:
    token = client.post(TOKEN_URL, json={"username": "demo", "password": "demo-password"}).json()["token"]
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert claims["username"] == "demo"


def test_token_lifetime_is_configurable() -> None:
    app = reset_app(LIMITED)
    with app.test_client() as client:
        before = time.time()
        response = client.post(TOKEN_URL, json={"username": "demo", "password": "demo-password"})
        assert response.status_code == 200, response.text
        exp = claims_of(response.json()["token"])["exp"]
        assert abs(exp - before - 60) <= 3
        # and the short-lived token works
        listed = client.get("/api/v1/customers/", headers={"Authorization": f"JWT {response.json()['token']}"})
        assert listed.status_code == 200


def test_unknown_body_fields_on_the_token_request_are_ignored(client: Any) -> None:
    response = client.post(TOKEN_URL, json={"username": "demo", "password": "demo-password", "remember": True})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("credentials", [
    {"username": "demo", "password": "wrong-password"},
    {"username": "nobody", "password": "demo-password"},
    {"username": "DEMO", "password": "demo-password"},          # usernames are case-sensitive (Django)
    {"username": "demo", "password": "acme-password"},          # another account's password
    {"username": RETIRED[0], "password": RETIRED[1]},            # inactive account, right password
    {"username": "demo", "password": "démo-password"},           # non-ASCII (hmac on str raised a TypeError: 500)
], ids=["wrong-password", "unknown-user", "upper-case-username", "other-accounts-password", "inactive", "non-ascii"])
def test_bad_credentials_answer_400_with_the_general_message(client: Any, credentials: dict[str, str]) -> None:
    response = client.post(TOKEN_URL, json=credentials)
    body = assert_error(response, 400, fields=[], messages=[BAD_CREDENTIALS])
    assert body == {"errors": {}, "messages": [BAD_CREDENTIALS]}


@pytest.mark.parametrize("body,fields", [
    ({"password": "demo-password"}, ["username"]),
    ({"username": "demo"}, ["password"]),
    ({}, ["username", "password"]),
    ({"username": "", "password": ""}, ["username", "password"]),
    ({"username": "demo", "password": 5}, ["password"]),
    ({"username": ["demo"], "password": "demo-password"}, ["username"]),
], ids=["no-username", "no-password", "empty-object", "blank-both", "password-not-string", "username-list"])
def test_token_request_field_errors(client: Any, body: dict[str, Any], fields: list[str]) -> None:
    result = assert_error(client.post(TOKEN_URL, json=body), 400, fields=fields)
    if "username" in fields and "username" not in body:
        assert result["errors"]["username"] == ["This field is required."]


def test_token_request_needs_json(client: Any) -> None:
    response = client.post(TOKEN_URL, content=b"username=demo&password=demo-password",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(response, 415)


def test_token_request_malformed_json(client: Any) -> None:
    response = client.post(TOKEN_URL, content=b'{"username": "demo",', headers={"Content-Type": "application/json"})
    assert_error(response, 400)


def test_token_endpoint_only_takes_post(client: Any) -> None:
    response = client.get(TOKEN_URL)
    assert_error(response, 405)
    assert "POST" in response.headers.get("allow", "")


# -- using the token -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["JWT", "jwt", "Bearer", "bEaReR"])
def test_both_prefixes_are_accepted_in_any_case(client: Any, login: Any, prefix: str) -> None:
    token = login(DEMO)
    response = client.get("/api/v1/customers/", headers={"Authorization": f"{prefix} {token}"})
    assert response.status_code == 200, response.text
    assert [c["id"] for c in response.json()] == [319, 320, 321, 322, 323]


def test_missing_authorization_header_is_401(client: Any) -> None:
    assert_unauthorized(client.get("/api/v1/customers/"))


@pytest.mark.parametrize("header", ["Token {t}", "Basic {t}", "{t}", "JWT", "JWT ", "Bearer", "JWT {t} extra"],
                         ids=["token-prefix", "basic-prefix", "no-prefix", "prefix-only", "prefix-space",
                              "bearer-only", "trailing-garbage"])
def test_malformed_authorization_headers_are_401(client: Any, login: Any, header: str) -> None:
    token = login(DEMO)
    assert_unauthorized(client.get("/api/v1/customers/", headers={"Authorization": header.format(t=token)}))


def test_token_signed_with_another_secret_is_401(client: Any) -> None:
    forged = tokens.issue({"user_id": 3, "username": "demo", "email": "demo@partner.example"},
                          "an-entirely-different-secret-0123456789abcdef", 300)
    assert_unauthorized(client.get("/api/v1/customers/", headers={"Authorization": f"JWT {forged}"}))


def test_alg_none_token_is_401(client: Any) -> None:
    payload = {"user_id": 3, "username": "demo", "email": "demo@partner.example", "exp": int(time.time()) + 300}
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."
    assert_unauthorized(client.get("/api/v1/customers/", headers={"Authorization": f"JWT {unsigned}"}))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_hs512_token_with_the_right_secret_is_401(client: Any, secret: str) -> None:
    payload = {"user_id": 3, "username": "demo", "email": "demo@partner.example", "exp": int(time.time()) + 300}
    other_alg = jwt.encode(payload, secret, algorithm="HS512")
    assert_unauthorized(client.get("/api/v1/customers/", headers={"Authorization": f"JWT {other_alg}"}))


def test_tampered_payload_is_401(client: Any, login: Any) -> None:
    header, _, signature = login(DEMO).split(".")
    claims = {"user_id": 7, "username": "acme", "email": "api@acme-genetics.example", "exp": int(time.time()) + 300}
    tampered = f"{header}.{b64(claims)}.{signature}"
    assert_unauthorized(client.get("/api/v1/customers/", headers={"Authorization": f"JWT {tampered}"}))


def test_expired_token_is_401(client: Any, secret: str) -> None:
    expired = tokens.issue({"user_id": 3, "username": "demo", "email": "demo@partner.example"},
                           secret, 300, now=time.time() - 1000)
    body = assert_unauthorized(client.get("/api/v1/customers/", headers={"Authorization": f"JWT {expired}"}))
    assert any("expired" in m.lower() for m in body["messages"]), body


def test_a_token_still_inside_its_lifetime_works(client: Any, secret: str) -> None:
    recent = tokens.issue({"user_id": 3, "username": "demo", "email": "demo@partner.example"},
                          secret, 300, now=time.time() - 200)
    assert client.get("/api/v1/customers/", headers={"Authorization": f"JWT {recent}"}).status_code == 200


@pytest.mark.parametrize("claims", [
    {"user_id": 999, "username": "ghost", "email": "ghost@example.com"},
    {"user_id": 9, "username": "retired", "email": "old@partner.example"},     # inactive account
    {"user_id": 3, "username": "acme", "email": "demo@partner.example"},       # id and name disagree
    {"user_id": "3", "username": "demo", "email": "demo@partner.example"},     # id of the wrong type
    {"username": "demo", "email": "demo@partner.example"},                     # no user_id
], ids=["unknown-user", "inactive-user", "mismatched-username", "string-user-id", "no-user-id"])
def test_validly_signed_token_for_no_usable_account_is_401(client: Any, secret: str,
                                                           claims: dict[str, Any]) -> None:
    token = tokens.issue(claims, secret, 300)
    assert_unauthorized(client.get("/api/v1/customers/", headers={"Authorization": f"JWT {token}"}))


def test_token_without_exp_is_401(client: Any, secret: str) -> None:
    token = jwt.encode({"user_id": 3, "username": "demo", "email": "demo@partner.example"}, secret,
                       algorithm="HS256")
    assert_unauthorized(client.get("/api/v1/customers/", headers={"Authorization": f"JWT {token}"}))


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/customers/319/"),
    ("POST", "/api/v1/customers/"),
    ("GET", "/api/v1/customer-shipments/"),
    ("POST", "/api/v1/customer-shipments/"),
    ("GET", "/api/v1/customer-panel-orders/"),
    ("GET", "/api/v1/trait-panels/"),
    ("GET", "/api/v1/raw-panels/"),
    ("GET", "/api/v1/kits/"),
    ("GET", "/api/v1/customer-kit-registrations/"),
    ("PATCH", "/api/v1/customer-kit-registrations/1/"),
    ("GET", "/api/v1/reports/"),
    ("GET", "/api/v1/report-files/"),
    ("GET", "/report-files/1/download/"),
    ("GET", "/api/v1/events/"),
])
def test_every_operation_but_the_token_endpoint_needs_a_token(client: Any, method: str, path: str) -> None:
    body = {"verification_date": None} if method == "PATCH" else ({"first_name": "a", "last_name": "b"}
                                                                  if method == "POST" else None)
    response = client.request(method, path, json=body)
    assert_unauthorized(response)


def test_bad_token_is_401_even_when_the_request_is_also_invalid(client: Any) -> None:
    """Authentication comes before validation: no field errors leak to anonymous callers."""
    response = client.post("/api/v1/customers/", json={"first_name": ""}, headers={"Authorization": "JWT nope"})
    assert_unauthorized(response)
