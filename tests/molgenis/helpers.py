"""Shared pieces of the MOLGENIS tests: an app builder, logins, the error-body assertion, and what the HTTP error
tests (test_*_errors.py) share (the fixtures are in conftest.py)."""
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


# -- shared by the HTTP error tests (test_*_errors.py) -------------------------------------------------------------

V1 = API
RESET = "/__apitwin/apis/molgenis/reset"
ITEMS = "V1_API_Items"                  # label Items; id attribute `value` (label `value label`), rows ref1..ref5
TT = "V1_API_TypeTestAPIV1"             # label TypeTestAPIV1; INT id `id` (label `id label`), rows 1..38
TT_LABEL = "TypeTestAPIV1"
TT_BASE = {"id": 100, "xmref_value": ["ref1"], "xxref_value": "ref1", "xstring_unique": "u100", "xint_unique": 100}
DISEASE = "biobank_Disease"             # label Disease; anonymous holds READ (security.yaml)
ADMIN_USER_ID = "AAAAAAJY5XDXHKGAIXRE5MXZS4"
TEST_USER_ID = "AAAAAAZ246IT3IBKM37IMXS5MI"


def d02(id_label: str, raw_id: str, type_label: str) -> str:
    return f"Unknown entity with '{id_label}' '{raw_id}' of type '{type_label}'."


def messages(response: Any) -> list[str]:
    return [entry["message"] for entry in response.json()["errors"]]


def query(c: Any, headers: dict[str, str], body: Any, entity_type: str = ITEMS) -> Any:
    """The POST tunnel `POST /{e}?_method=GET` with a JSON collection request."""
    return c.post(f"{V1}/{entity_type}?_method=GET", json=body, headers=headers)


def raw(c: Any, method: str, path: str, headers: dict[str, str], content: bytes | str,
        content_type: str = "application/json") -> Any:
    return c.request(method, path, content=content, headers={**headers, "content-type": content_type})


def nested(levels: int) -> dict[str, Any]:
    rule: dict[str, Any] = {"operator": "EQUALS", "field": "label", "value": "label1"}
    for _ in range(levels):
        rule = {"operator": "NESTED", "nestedRules": [rule]}
    return rule


def expired_token(c: Any, admin_h: dict[str, str], name: str = "expired-admin-token") -> str:
    """A sys_sec_Token row of the admin whose expirationDate lies in the past (tokens created by hand count)."""
    response = c.post(f"{V1}/sys_sec_Token", json={"User": ADMIN_USER_ID, "token": name,
                                                   "expirationDate": "2000-01-01T00:00:00Z"}, headers=admin_h)
    assert response.status_code == 201, response.text
    return name


def token_of(c: Any, user: tuple[str, str]) -> str:
    return auth(c, user)["x-molgenis-token"]
