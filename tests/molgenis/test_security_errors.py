"""Permissions and tokens (handlers/molgenis/security.py) over HTTP: 401 DS04 for anonymous and logged-in callers
alike; an unusable token (garbage, unknown, expired, logged out, blank) is anonymous, never a 401 by itself."""
from __future__ import annotations

from typing import Any

import pytest

from tests.molgenis.helpers import (
    ADMIN, DISEASE, IT_USER, ITEMS, TEST_USER, TEST_USER_ID, V1, assert_molgenis_error, auth, expired_token, token_of,
)


def ds04(permission: str, label: str, entity_type_id: str) -> str:
    return f"No '{permission}' permission on entity type '{label}' with id '{entity_type_id}'."


# -- permissions: 401 DS04 for anonymous and logged-in callers alike ---------------------------------------------------

DISEASE_ROW = {"code": "C50", "name": "Breast cancer"}
ANONYMOUS_DENIED = [
    # anonymous holds READ on the biobank demo types: every write is refused with its own permission
    ("POST", f"{V1}/{DISEASE}", {"code": "X99", "name": "x"}, ds04("Add data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}", None, ds04("Add data", "Disease", DISEASE)),                      # form
    ("PUT", f"{V1}/{DISEASE}/C50", {**DISEASE_ROW, "name": "x"}, ds04("Update data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}/C50?_method=PUT", {**DISEASE_ROW, "name": "x"},
     ds04("Update data", "Disease", DISEASE)),
    ("PUT", f"{V1}/{DISEASE}/C50/name", "x", ds04("Update data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}/C50/name?_method=PUT", "x", ds04("Update data", "Disease", DISEASE)),
    ("DELETE", f"{V1}/{DISEASE}/C50", None, ds04("Delete data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}/C50?_method=DELETE", None, ds04("Delete data", "Disease", DISEASE)),
    ("DELETE", f"{V1}/{DISEASE}", None, ds04("Delete data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}?_method=DELETE", None, ds04("Delete data", "Disease", DISEASE)),
    ("DELETE", f"{V1}/{DISEASE}/meta", None, ds04("Delete metadata", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}/meta?_method=DELETE", None, ds04("Delete metadata", "Disease", DISEASE)),
    # anonymous holds nothing on system types: even reading the metadata is refused (IT-01, IT-08)
    ("GET", f"{V1}/sys_md_EntityType", None, ds04("Read metadata", "Entity type", "sys_md_EntityType")),
    ("GET", f"{V1}/sys_scr_ScriptType", None, ds04("Read metadata", "Script type", "sys_scr_ScriptType")),
    ("GET", f"{V1}/sys_App/meta", None, ds04("Read metadata", "App", "sys_App")),
    ("GET", f"{V1}/sys_App/meta/label", None, ds04("Read metadata", "App", "sys_App")),
    ("POST", f"{V1}/sys_App/meta?_method=GET", {}, ds04("Read metadata", "App", "sys_App")),
    ("GET", f"{V1}/sys_scr_ScriptType/R", None, ds04("Read metadata", "Script type", "sys_scr_ScriptType")),
    ("GET", f"{V1}/sys_scr_ScriptType/R/name", None, ds04("Read metadata", "Script type", "sys_scr_ScriptType")),
    ("POST", f"{V1}/sys_App?_method=GET", {}, ds04("Read metadata", "App", "sys_App")),
    ("GET", f"{V1}/csv/sys_App", None, ds04("Read metadata", "App", "sys_App")),
    ("GET", f"{V1}/{ITEMS}", None, ds04("Read metadata", "Items", ITEMS)),
    ("PUT", f"{V1}/sys_set_auth/auth/sign_in_2fa", "Disabled",
     ds04("Read metadata", "Authentication settings", "sys_set_auth")),
]


def _send(c: Any, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    if body is None and method == "POST" and "_method" not in path:
        return c.post(path, data={"code": "X98", "name": "y"}, headers=headers)     # a form create
    if body is None:
        return c.request(method, path, headers=headers)
    return c.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("method, path, body, message", ANONYMOUS_DENIED,
                         ids=[f"{m} {p}" for m, p, _, _ in ANONYMOUS_DENIED])
def test_anonymous_is_refused_with_ds04(c: Any, admin_h: dict[str, str], method: str, path: str, body: Any,
                                        message: str) -> None:
    before = c.get(f"{V1}/{DISEASE}", headers=admin_h).json()["items"]
    assert_molgenis_error(_send(c, method, path, body, {}), 401, message, "DS04")
    assert "www-authenticate" not in {k.lower() for k in _send(c, method, path, body, {}).headers}
    assert c.get(f"{V1}/{DISEASE}", headers=admin_h).json()["items"] == before      # nothing changed


def test_anonymous_may_read_the_demo_types(c: Any) -> None:
    """The positive side of the table above: READ is enough to list, read a row and export CSV."""
    assert c.get(f"{V1}/{DISEASE}").json()["total"] == 8
    assert c.get(f"{V1}/{DISEASE}/C50").json() == {"href": f"{V1}/{DISEASE}/C50", **DISEASE_ROW}
    assert c.get(f"{V1}/csv/{DISEASE}?q=code==C50").text == '"code","name"\n"C50","Breast cancer"\n'


NON_ADMIN_DENIED = [
    # RestControllerIT's user: READ on sys_scr_ScriptType, COUNT on sys_sec_User (mockdata/molgenis/security.yaml)
    (IT_USER, "DELETE", f"{V1}/sys_scr_ScriptType/R", None, ds04("Delete data", "Script type", "sys_scr_ScriptType")),
    (IT_USER, "POST", f"{V1}/sys_scr_ScriptType/R?_method=DELETE", None,
     ds04("Delete data", "Script type", "sys_scr_ScriptType")),
    (IT_USER, "DELETE", f"{V1}/sys_scr_ScriptType", None, ds04("Delete data", "Script type", "sys_scr_ScriptType")),
    (IT_USER, "POST", f"{V1}/sys_scr_ScriptType", {"name": "Q"}, ds04("Add data", "Script type",
                                                                      "sys_scr_ScriptType")),
    (IT_USER, "PUT", f"{V1}/sys_scr_ScriptType/R", {"name": "R"}, ds04("Update data", "Script type",
                                                                       "sys_scr_ScriptType")),
    (IT_USER, "PUT", f"{V1}/sys_scr_ScriptType/R/name", "R", ds04("Update data", "Script type",
                                                                  "sys_scr_ScriptType")),
    (IT_USER, "DELETE", f"{V1}/sys_scr_ScriptType/meta", None, ds04("Delete metadata", "Script type",
                                                                    "sys_scr_ScriptType")),
    (IT_USER, "GET", f"{V1}/sys_sec_User", None, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "POST", f"{V1}/sys_sec_User?_method=GET", {}, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "GET", f"{V1}/sys_sec_User/{TEST_USER_ID}", None, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "GET", f"{V1}/sys_sec_User/{TEST_USER_ID}/username", None, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "GET", f"{V1}/csv/sys_sec_User", None, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "GET", f"{V1}/sys_App", None, ds04("Read metadata", "App", "sys_App")),
    # RestControllerV1APIIT's user: WRITE (not WRITEMETA) on the V1_API types, nothing on settings
    (TEST_USER, "DELETE", f"{V1}/{ITEMS}/meta", None, ds04("Delete metadata", "Items", ITEMS)),
    (TEST_USER, "POST", f"{V1}/{ITEMS}/meta?_method=DELETE", None, ds04("Delete metadata", "Items", ITEMS)),
    (TEST_USER, "GET", f"{V1}/sys_App/meta", None, ds04("Read metadata", "App", "sys_App")),
    (TEST_USER, "PUT", f"{V1}/sys_set_auth/auth/sign_in_2fa", "Enforced",
     ds04("Read metadata", "Authentication settings", "sys_set_auth")),
    (TEST_USER, "POST", f"{V1}/sys_sec_User", {"username": "x", "password_": "x", "Email": "x@example.org"},
     ds04("Read metadata", "User", "sys_sec_User")),
]


@pytest.mark.parametrize("user, method, path, body, message", NON_ADMIN_DENIED,
                         ids=[f"{u[0]} {m} {p}" for u, m, p, _, _ in NON_ADMIN_DENIED])
def test_logged_in_user_is_refused_with_ds04_too(c: Any, admin_h: dict[str, str], user: tuple[str, str],
                                                 method: str, path: str, body: Any, message: str) -> None:
    """Permission failures are 401 (never 403) for logged-in users as well (upstream test
    deleteWithoutWritePermissionFails)."""
    headers = auth(c, user)
    assert_molgenis_error(_send(c, method, path, body, headers), 401, message, "DS04")
    assert c.get(f"{V1}/sys_scr_ScriptType/R", headers=admin_h).status_code == 200
    assert c.get(f"{V1}/{ITEMS}/meta", headers=admin_h).status_code == 200


def test_count_permission_reads_metadata_only(c: Any, it_h: dict[str, str]) -> None:
    """IT-09: COUNT implies READ_METADATA, so the meta succeeds where the rows are refused (above)."""
    response = c.get(f"{V1}/sys_sec_User/meta", headers=it_h)
    assert response.status_code == 200 and response.json()["name"] == "sys_sec_User"


# -- tokens: an unusable token is anonymous, never a 401 by itself ---------------------------------------------------


@pytest.mark.parametrize("kind", ["garbage", "hex-unknown", "expired", "logged-out", "blank"])
@pytest.mark.parametrize("transport", ["header", "parameter"])
def test_unusable_token_is_anonymous(c: Any, admin_h: dict[str, str], kind: str, transport: str) -> None:
    if kind == "expired":
        value = expired_token(c, admin_h)
    elif kind == "logged-out":
        value = token_of(c, ADMIN)
        assert c.post(f"{V1}/logout", headers={"x-molgenis-token": value}).status_code == 200
    else:
        value = {"garbage": "not-a-token!", "hex-unknown": "0" * 32, "blank": " "}[kind]
    headers = {"x-molgenis-token": value} if transport == "header" else {}
    suffix = "" if transport == "header" else "?molgenis-token=" + value.replace(" ", "%20")
    # anonymous may read the demo types: the token alone causes no 401 ...
    readable = c.get(f"{V1}/{DISEASE}/C50{suffix}", headers=headers)
    assert readable.status_code == 200, readable.text
    assert readable.json()["code"] == "C50"
    # ... but anonymous holds nothing on sys_App: the anonymous DS04
    assert_molgenis_error(c.get(f"{V1}/sys_App{suffix}", headers=headers), 401,
                          ds04("Read metadata", "App", "sys_App"), "DS04")


def test_header_token_wins_over_the_parameter(c: Any, admin_h: dict[str, str]) -> None:
    response = c.get(f"{V1}/sys_App?molgenis-token=garbage", headers=admin_h)
    assert response.status_code == 200, response.text
