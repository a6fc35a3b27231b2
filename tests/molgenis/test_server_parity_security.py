"""Authentication as the server's security configuration does it: `MolgenisWebAppSecurityConfig` (HTTP Basic on every
path), `BasicAuthenticationFilter` before `TokenAuthenticationFilter` (a valid token wins), `TokenExtractor` (blank
values skipped), `MolgenisUserDetailsChecker` (the disabled-user message, before the password). Test names follow
the server class and method they copy."""
from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.molgenis.helpers import ADMIN, IT_USER, TEST_USER, assert_molgenis_error, auth, token

V1 = "/api/v1"
ITEMS = "V1_API_Items"
TEST_USER_ID = "AAAAAAZ246IT3IBKM37IMXS5MI"
DISABLED = ("User is disabled org.springframework.security.core.userdetails.User [Username={}, Password=[PROTECTED], "
            "Enabled=false, AccountNonExpired=true, credentialsNonExpired=true, AccountNonLocked=true, "
            "Granted Authorities=[{}]]")
DS04_ITEMS = "No 'Read metadata' permission on entity type 'Items' with id 'V1_API_Items'."


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


# -- BasicAuthenticationFilter ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("user", [ADMIN, TEST_USER])
def test_BasicAuthenticationFilter_authenticates_every_route(c: Any, user: tuple[str, str]) -> None:
    headers = basic(*user)
    assert c.get(f"{V1}/{ITEMS}", headers=headers).status_code == 200
    assert c.get(f"{V1}/{ITEMS}/ref1", headers=headers).status_code == 200
    assert c.get(f"{V1}/csv/{ITEMS}", headers=headers).status_code == 200
    response = c.post(f"{V1}/{ITEMS}", json={"value": f"ref-{user[0]}", "label": "x"}, headers=headers)
    assert response.status_code == 201, response.text


def test_BasicAuthenticationFilter_permissions_are_the_users(c: Any) -> None:
    """it-user holds nothing on the V1 types: Basic credentials authenticate, permissions still decide (DS04)."""
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}", headers=basic(*IT_USER)), 401, DS04_ITEMS, "DS04")


@pytest.mark.parametrize("header, message", [
    (basic("admin", "wrong"), "Bad credentials"),
    (basic("nobody", "admin"), "Bad credentials"),
    (basic("inactive", "inactive-password"), DISABLED.format("inactive", "ROLE_USER")),
    (basic("inactive", "wrong"), DISABLED.format("inactive", "ROLE_USER")),
    ({"Authorization": "Basic !!!"}, "Failed to decode basic authentication token"),
    ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, "Invalid basic authentication token"),
])
def test_BasicAuthenticationFilter_refuses_wrong_credentials(c: Any, header: dict[str, str], message: str) -> None:
    """Failed Basic authentication ends the request, even on routes anonymous may read."""
    assert_molgenis_error(c.get(f"{V1}/biobank_Disease", headers=header), 401, message)


def test_BasicAuthenticationFilter_ignores_other_schemes(c: Any) -> None:
    assert c.get(f"{V1}/biobank_Disease", headers={"Authorization": "Bearer abc"}).status_code == 200


def test_TokenAuthenticationFilter_a_valid_token_wins_over_basic(c: Any) -> None:
    headers = {**basic(*IT_USER), "x-molgenis-token": token(c, ADMIN)}
    assert c.get(f"{V1}/{ITEMS}", headers=headers).status_code == 200


def test_TokenAuthenticationFilter_an_unusable_token_leaves_the_basic_user(c: Any) -> None:
    headers = {**basic(*ADMIN), "x-molgenis-token": "not-a-token"}
    assert c.get(f"{V1}/{ITEMS}", headers=headers).status_code == 200


# -- TokenExtractor ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("blank", ["", "   "])
def test_TokenExtractor_skips_a_blank_header(c: Any, blank: str) -> None:
    admin_token = token(c, ADMIN)
    response = c.get(f"{V1}/{ITEMS}", params={"molgenis-token": admin_token}, headers={"x-molgenis-token": blank})
    assert response.status_code == 200, response.text


def test_TokenExtractor_header_wins_when_both_are_set(c: Any) -> None:
    response = c.get(f"{V1}/{ITEMS}", params={"molgenis-token": token(c, ADMIN)},
                     headers={"x-molgenis-token": token(c, IT_USER)})
    assert_molgenis_error(response, 401, DS04_ITEMS, "DS04")


def test_TokenExtractor_logout_with_a_blank_header_uses_the_parameter(c: Any) -> None:
    admin_token = token(c, ADMIN)
    response = c.post(f"{V1}/logout", params={"molgenis-token": admin_token}, headers={"x-molgenis-token": " "})
    assert response.status_code == 200, response.text
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}", headers={"x-molgenis-token": admin_token}), 401, DS04_ITEMS, "DS04")


# -- MolgenisUserDetailsChecker ---------------------------------------------------------------------------------------

def test_MolgenisUserDetailsChecker_check_disabled_user(c: Any) -> None:
    for password in ("inactive-password", "wrong"):
        response = c.post(f"{V1}/login", json={"username": "inactive", "password": password})
        assert_molgenis_error(response, 401, DISABLED.format("inactive", "ROLE_USER"))


def test_MolgenisUserDetailsChecker_check_deactivated_superuser(c: Any) -> None:
    headers = auth(c, ADMIN)
    admin_id = c.get(f"{V1}/sys_sec_User?q[0].field=username&q[0].operator=EQUALS&q[0].value=admin",
                     headers=headers).json()["items"][0]["id"]
    assert c.put(f"{V1}/sys_sec_User/{admin_id}/active", json=False, headers=headers).status_code == 200
    response = c.post(f"{V1}/login", json={"username": "admin", "password": "admin"})
    assert_molgenis_error(response, 401, DISABLED.format("admin", "ROLE_SU, ROLE_USER"))


# -- EntityTypeRepositorySecurityDecorator (row-level security on sys_md_EntityType) -------------------------------

@pytest.mark.parametrize("how", ["DELETE", "POST"])
def test_EntityTypeRepositorySecurityDecorator_deleteById_without_delete_metadata_is_silent(c: Any, how: str) -> None:
    """The V1 test user may delete sys_md_EntityType rows (WRITE there) but holds only WRITE on V1_API_Items: the
    row-level decorator skips the delete — 204, and the type is still there."""
    headers = auth(c, TEST_USER)
    path = f"{V1}/{ITEMS}/meta" + ("?_method=DELETE" if how == "POST" else "")
    response = c.request(how, path, headers=headers)
    assert response.status_code == 204, response.text
    assert c.get(f"{V1}/{ITEMS}/meta", headers=headers).status_code == 200
    assert c.get(f"{V1}/{ITEMS}", headers=headers).json()["total"] == 5


def test_EntityTypeRepositorySecurityDecorator_deleteById_with_delete_metadata(c: Any) -> None:
    """base_APITest3: the test user holds WRITEMETA (RestControllerV1APIIT#testDeleteMeta)."""
    headers = auth(c, TEST_USER)
    assert c.delete(f"{V1}/base_APITest3/meta", headers=headers).status_code == 204
    assert_molgenis_error(c.get(f"{V1}/base_APITest3/meta", headers=auth(c, ADMIN)), 404,
                          "Unknown entity type 'base_APITest3'.", "D01")


def test_RepositorySecurityDecorator_deleteById_needs_delete_data_on_sys_md_EntityType(c: Any) -> None:
    response = c.delete(f"{V1}/biobank_Disease/meta")
    assert_molgenis_error(response, 401, "No 'Delete data' permission on entity type 'Entity type' with id "
                                         "'sys_md_EntityType'.", "DS04")
