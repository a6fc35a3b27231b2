"""POST /api/v1/login and POST /api/v1/logout (handlers/molgenis/auth.py) over HTTP: every refusal with the
server's status and message, two-factor modes, and passwords that are not ASCII."""
from __future__ import annotations

from typing import Any

import pytest

from tests.molgenis.helpers import (
    ADMIN, TEST_USER, TEST_USER_ID, V1, assert_molgenis_error, expired_token, messages, raw, token_of,
)


MISSING_TOKEN = ("Missing molgenis token. Token should either be present in the x-molgenis-token request header "
                 "or the molgenis-token parameter.")

TWO_FACTOR = "Login using /api/v1/login is disabled, two factor authentication is enabled"
PASSWORD_RESET = ("Unable to log in because a password reset is required. Sign in to the website to reset your "
                  "password.")


# -- logout ------------------------------------------------------------------------------------------------------------

def test_logout_without_token(c: Any) -> None:
    assert_molgenis_error(c.post(f"{V1}/logout"), 400, MISSING_TOKEN)


@pytest.mark.parametrize("value", ["0" * 32, "garbage"])
def test_logout_with_unknown_token(c: Any, value: str) -> None:
    assert_molgenis_error(c.post(f"{V1}/logout", headers={"x-molgenis-token": value}), 404, "Invalid token")
    assert_molgenis_error(c.post(f"{V1}/logout?molgenis-token={value}"), 404, "Invalid token")


def test_logout_twice(c: Any) -> None:
    value = token_of(c, TEST_USER)
    assert c.post(f"{V1}/logout?molgenis-token={value}").status_code == 200
    assert_molgenis_error(c.post(f"{V1}/logout", headers={"x-molgenis-token": value}), 404, "Invalid token")


def test_logout_with_expired_token(c: Any, admin_h: dict[str, str]) -> None:
    """Logout with an unknown or expired token → 404 (an expired token used to be revoked with 200)."""
    value = expired_token(c, admin_h)
    assert_molgenis_error(c.post(f"{V1}/logout", headers={"x-molgenis-token": value}), 404, "Invalid token")


# -- login -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, count", [
    ({"username": "", "password": ""}, 2),
    ({"username": "admin", "password": "  "}, 1),
    ({"username": " \t", "password": "admin"}, 1),
])
def test_login_with_blank_fields(c: Any, body: dict[str, Any], count: int) -> None:
    response = c.post(f"{V1}/login", json=body)
    assert_molgenis_error(response, 400)
    assert messages(response) == ["must not be blank"] * count


@pytest.mark.parametrize("body, count", [({}, 2), ({"username": "admin"}, 1),
                                         ({"username": None, "password": None}, 2), ({"password": 5}, 2)])
def test_login_with_missing_fields(c: Any, body: dict[str, Any], count: int) -> None:
    """Login: @NotBlank also fails on missing and null (these used to get the generic `This field is required.`)."""
    response = c.post(f"{V1}/login", json=body)
    assert_molgenis_error(response, 400)
    assert messages(response) == ["must not be blank"] * count


@pytest.mark.parametrize("username, password", [("admin", "wrong"), ("nobody", "admin"), ("ADMIN", "admin"),
                                                ("test", "admin")])
def test_login_with_bad_credentials(c: Any, username: str, password: str) -> None:
    assert_molgenis_error(c.post(f"{V1}/login", json={"username": username, "password": password}), 401,
                          "Bad credentials")


def test_login_of_an_inactive_user(c: Any) -> None:
    response = c.post(f"{V1}/login", json={"username": "inactive", "password": "inactive-password"})
    assert_molgenis_error(response, 401, "User is not active: inactive")


def test_login_of_a_user_deactivated_through_the_api(c: Any, admin_h: dict[str, str]) -> None:
    assert c.put(f"{V1}/sys_sec_User/{TEST_USER_ID}/active", json=False, headers=admin_h).status_code == 200
    response = c.post(f"{V1}/login", json={"username": "test", "password": "test"})
    assert_molgenis_error(response, 401)
    assert messages(response)[0].startswith("User is not active")


def test_login_requiring_a_password_reset(c: Any) -> None:
    response = c.post(f"{V1}/login", json={"username": "reset-me", "password": "reset-password"})
    assert_molgenis_error(response, 401, PASSWORD_RESET)


def test_login_wrong_password_beats_the_account_state(c: Any) -> None:
    response = c.post(f"{V1}/login", json={"username": "inactive", "password": "wrong"})
    assert_molgenis_error(response, 401, "Bad credentials")


def _set_2fa(c: Any, headers: dict[str, str], mode: str) -> Any:
    """2FA-01: the setting is a single-attribute PUT with the bare word as JSON body."""
    return raw(c, "PUT", f"{V1}/sys_set_auth/auth/sign_in_2fa", headers, mode)


def test_two_factor_enforced_refuses_every_login(c: Any, admin_h: dict[str, str]) -> None:
    assert _set_2fa(c, admin_h, "Enforced").status_code == 200
    for user in (TEST_USER, ADMIN, ("twofactor", "twofactor-password")):
        response = c.post(f"{V1}/login", json={"username": user[0], "password": user[1]})
        assert_molgenis_error(response, 401, TWO_FACTOR)
    # bad credentials are still bad credentials
    assert_molgenis_error(c.post(f"{V1}/login", json={"username": "test", "password": "nope"}), 401,
                          "Bad credentials")
    # tokens issued before keep working; switching back restores login
    assert _set_2fa(c, admin_h, "Disabled").status_code == 200
    assert c.post(f"{V1}/login", json={"username": "test", "password": "test"}).status_code == 200


def test_two_factor_enabled_refuses_users_with_2fa(c: Any, admin_h: dict[str, str]) -> None:
    assert _set_2fa(c, admin_h, "Enabled").status_code == 200
    response = c.post(f"{V1}/login", json={"username": "twofactor", "password": "twofactor-password"})
    assert_molgenis_error(response, 401, TWO_FACTOR)
    assert c.post(f"{V1}/login", json={"username": "test", "password": "test"}).status_code == 200


def test_two_factor_setting_outside_its_options(c: Any, admin_h: dict[str, str]) -> None:
    response = _set_2fa(c, admin_h, "Sometimes")
    assert_molgenis_error(response, 400, "Invalid [enum] value [Sometimes] for attribute [Two Factor Authentication] "
                                         "of entity [auth] with type [sys_set_auth]. Value must be one of [Disabled, "
                                         "Enabled, Enforced]")
    assert c.post(f"{V1}/login", json={"username": "test", "password": "test"}).status_code == 200


def test_login_with_a_non_object_body(c: Any) -> None:
    for body in (["admin", "admin"], "admin"):
        assert_molgenis_error(c.post(f"{V1}/login", json=body), 400)


@pytest.mark.parametrize("password", ["é", "пароль", "admin\u0000"])
def test_login_with_a_non_ascii_password_is_refused_not_a_500(c: Any, password: str) -> None:
    """Found by the contract suite's fuzzing: hmac.compare_digest on non-ASCII str raised a TypeError (500)."""
    assert_molgenis_error(c.post(f"{V1}/login", json={"username": "admin", "password": password}), 401,
                          "Bad credentials")
