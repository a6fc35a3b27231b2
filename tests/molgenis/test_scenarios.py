"""MOLGENIS REST API v1 scenarios of the upstream tests, ported one test per scenario id:
RestControllerV1APIIT (V1-01..V1-29), RestControllerIT (IT-01..IT-09), the v1 parts of TwoFactorAuthenticationAPIIT
(2FA-01..03) and the RestControllerTest unit oracles, adapted to the upstream fixture types (the unit tests' `Person`
type does not exist in the seed); docs/molgenis-server.md, "Upstream test fixtures and scenarios".

Read-only scenarios share one app per module (`ro`); every scenario that writes gets a fresh app (`mclient`).
Where the mock differs from the server the test is marked `xfail(strict=True, reason="BUG: ...")`."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from tests.molgenis.helpers import ADMIN, IT_USER, TEST_USER, assert_molgenis_error, molgenis_app, token

V1 = "/api/v1"
REF = "V1_API_TypeTestRefAPIV1"
TT = "V1_API_TypeTestAPIV1"
ITEMS = "V1_API_Items"

READ = {"READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA", "READ_DATA"}
WRITE = READ | {"ADD_DATA", "UPDATE_DATA", "DELETE_DATA"}
WRITEMETA = WRITE | {"UPDATE_METADATA", "DELETE_METADATA"}

ETR_KEYS = ["href", "hrefCollection", "name", "label", "description", "attributes", "labelAttribute", "idAttribute",
            "lookupAttributes", "isAbstract", "languageCode", "permissions", "writable"]
AR_KEYS = ["href", "fieldType", "name", "label", "description", "attributes", "enumOptions", "maxLength",
           "refEntity", "mappedBy", "auto", "nillable", "readOnly", "defaultValue", "labelAttribute", "unique",
           "visible", "lookupAttribute", "isAggregatable", "range", "expression", "nullableExpression",
           "visibleExpression", "validationExpression"]
EC_KEYS = ["href", "meta", "start", "num", "total", "prevHref", "nextHref", "items"]

DS04_ENTITY_TYPE = "No 'Read metadata' permission on entity type 'Entity type' with id 'sys_md_EntityType'."
DS04_SCRIPT_TYPE = "No 'Read metadata' permission on entity type 'Script type' with id 'sys_scr_ScriptType'."
MISSING_TOKEN = ("Missing molgenis token. Token should either be present in the x-molgenis-token request header "
                 "or the molgenis-token parameter.")
TWO_FACTOR = "Login using /api/v1/login is disabled, two factor authentication is enabled"
PASSWORD_RESET = ("Unable to log in because a password reset is required. Sign in to the website to reset your "
                  "password.")


# -- helpers --------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ro() -> Iterator[Any]:
    """One app for the read-only scenarios of this module (nothing here may change data)."""
    with molgenis_app().test_client() as test_client:
        yield test_client


def given(client: Any, user: tuple[str, str] | None = TEST_USER) -> dict[str, str]:
    """AbstractApiTests.given(token): `Accept: application/json` plus the user's token (none for anonymous)."""
    headers = {"Accept": "application/json"}
    if user is not None:
        headers["x-molgenis-token"] = token(client, user)
    return headers


def ordered(value: Any) -> Any:
    """Gson writes fields in declaration order: compare dicts as (key, value) lists, recursively."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def json_ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    return response.json()


def empty(response: Any, status: int) -> None:
    """A write answer: the status and no body."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.content == b"", response.content


def split_permissions(body: dict[str, Any]) -> set[str]:
    """`permissions` is a HashSet upstream: its order is not defined. Returns it as a set; the key stays in place
    (value replaced by None) so that key order can still be compared."""
    held = body["permissions"]
    assert isinstance(held, list) and len(held) == len(set(held)), held
    body["permissions"] = None
    return set(held)


def total(client: Any, entity: str, headers: dict[str, str]) -> int:
    return json_ok(client.get(f"{V1}/{entity}", headers=headers))["total"]


def ref_etr(entity: str, label: str, description: str) -> dict[str, Any]:
    """The ETR of the two V1_API types with a value/label pair, for the V1 test user (WRITE)."""
    return {
        "href": f"{V1}/{entity}/meta", "hrefCollection": f"{V1}/{entity}", "name": entity, "label": label,
        "description": description,
        "attributes": {"value": {"href": f"{V1}/{entity}/meta/value"}, "label": {"href": f"{V1}/{entity}/meta/label"}},
        "labelAttribute": "label", "idAttribute": "value", "lookupAttributes": ["value", "label"],
        "isAbstract": False, "languageCode": "en", "permissions": None, "writable": True,
    }


def assert_ref_etr(body: dict[str, Any], entity: str, label: str, description: str) -> None:
    held = split_permissions(body)
    assert ordered(body) == ordered(ref_etr(entity, label, description))
    assert held == WRITE


ORACLE_2 = {
    "href": f"{V1}/{REF}/meta/value", "fieldType": "STRING", "name": "value", "label": "value label",
    "description": "TypeTestRef value attribute", "attributes": [], "enumOptions": [], "maxLength": 255,
    "auto": False, "nillable": False, "readOnly": True, "labelAttribute": False, "unique": True, "visible": True,
    "lookupAttribute": True, "isAggregatable": False,
}


def ref_row(n: int | str, entity: str = REF, label: str | None = None) -> dict[str, Any]:
    return {"href": f"{V1}/{entity}/ref{n}", "value": f"ref{n}", "label": label or f"label{n}"}


def create_ref6_by_form(client: Any, headers: dict[str, str]) -> None:
    response = client.post(f"{V1}/{REF}", data={"value": "ref6", "label": "label6"}, headers=headers)
    empty(response, 201)
    assert response.headers["location"] == f"{V1}/{REF}/ref6"


# == RestControllerV1APIIT ===========================================================================================
def test_v1_01_exist_true(ro: Any) -> None:
    assert json_ok(ro.get(f"{V1}/{REF}/exist", headers=given(ro))) is True


def test_v1_02_exist_false(ro: Any) -> None:
    response = ro.get(f"{V1}/sys_NonExistingEntity/exist", headers=given(ro))
    assert json_ok(response) is False
    assert response.text.strip() == "false"


def test_v1_03_type_meta(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{REF}/meta", headers=given(ro)))
    assert_ref_etr(body, REF, "TypeTestRefAPIV1", "MOLGENIS Data types test ref entity")


def test_v1_04_type_meta_tunnel(ro: Any) -> None:
    body = json_ok(ro.post(f"{V1}/{REF}/meta?_method=GET", json={}, headers=given(ro)))
    assert_ref_etr(body, REF, "TypeTestRefAPIV1", "MOLGENIS Data types test ref entity")


def test_v1_05_attribute_meta(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{REF}/meta/value", headers=given(ro)))
    assert ordered(body) == ordered(ORACLE_2)


def test_v1_06_attribute_meta_tunnel(ro: Any) -> None:
    body = json_ok(ro.post(f"{V1}/{REF}/meta/value?_method=GET", json={}, headers=given(ro)))
    assert ordered(body) == ordered(ORACLE_2)


def test_v1_07_one_row(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{REF}/ref1", headers=given(ro)))
    assert ordered(body) == ordered(ref_row(1))


def test_v1_08_one_row_tunnel(ro: Any) -> None:
    body = json_ok(ro.post(f"{V1}/{REF}/ref1?_method=GET", json={}, headers=given(ro)))
    assert ordered(body) == ordered(ref_row(1))


XREF_SUB = {"href": f"{V1}/{TT}/1/xxref_value", "value": "ref1", "label": "label1"}


def test_v1_09_xref_sub_resource(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{TT}/1/xxref_value", headers=given(ro)))
    assert ordered(body) == ordered(XREF_SUB)


def test_v1_10_xref_sub_resource_tunnel(ro: Any) -> None:
    body = json_ok(ro.post(f"{V1}/{TT}/1/xxref_value?_method=GET", json={}, headers=given(ro)))
    assert ordered(body) == ordered(XREF_SUB)


def assert_items_collection(body: dict[str, Any]) -> None:
    assert list(body) == ["href", "meta", "start", "num", "total", "items"]
    assert body["href"] == f"{V1}/{ITEMS}"
    assert_ref_etr(body["meta"], ITEMS, "Items", "Items")
    assert (body["start"], body["num"], body["total"]) == (0, 100, 5)
    assert ordered(body["items"]) == ordered([ref_row(n, ITEMS) for n in range(1, 6)])


def test_v1_11_collection(ro: Any) -> None:
    assert_items_collection(json_ok(ro.get(f"{V1}/{ITEMS}", headers=given(ro))))


def test_v1_12_collection_tunnel(ro: Any) -> None:
    assert_items_collection(json_ok(ro.post(f"{V1}/{ITEMS}?_method=GET", json={}, headers=given(ro))))


ITEMS_CSV = '"value","label"\n' + "".join(f'"ref{n}","label{n}"\n' for n in range(1, 6))


def test_v1_13_csv(ro: Any) -> None:
    response = ro.get(f"{V1}/csv/{ITEMS}", headers={**given(ro), "Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv"
    assert response.text == ITEMS_CSV


def test_v1_14_create_by_form(mclient: Any) -> None:
    headers = given(mclient)
    create_ref6_by_form(mclient, headers)
    assert ordered(json_ok(mclient.get(f"{V1}/{REF}/ref6", headers=headers))) == ordered(ref_row(6))
    empty(mclient.delete(f"{V1}/{REF}/ref6", headers=headers), 204)


def test_v1_15_create_by_multipart(mclient: Any) -> None:
    headers = given(mclient)
    response = mclient.post(f"{V1}/base_ApiTestFile", data={"id": "6"},
                            files={"file": ("test.txt", b"file content\n", "text/plain")}, headers=headers)
    empty(response, 201)
    assert response.headers["location"] == f"{V1}/base_ApiTestFile/6"
    body = json_ok(mclient.get(f"{V1}/base_ApiTestFile/6", headers=headers))
    assert ordered(body) == ordered({"href": f"{V1}/base_ApiTestFile/6", "id": "6",
                                     "file": {"href": f"{V1}/base_ApiTestFile/6/file"}})


def test_v1_16_create_by_json(mclient: Any) -> None:
    headers = given(mclient)
    response = mclient.post(f"{V1}/{REF}", json={"value": "ref6", "label": "label6"}, headers=headers)
    empty(response, 201)
    assert response.headers["location"] == f"{V1}/{REF}/ref6"
    assert ordered(json_ok(mclient.get(f"{V1}/{REF}/ref6", headers=headers))) == ordered(ref_row(6))
    empty(mclient.delete(f"{V1}/{REF}/ref6", headers=headers), 204)


def test_v1_17_update_by_put(mclient: Any) -> None:
    headers = given(mclient)
    empty(mclient.put(f"{V1}/{REF}/ref1", json={"value": "ref1", "label": "label900"}, headers=headers), 200)
    assert ordered(json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))) == ordered(ref_row(1, label="label900"))
    empty(mclient.put(f"{V1}/{REF}/ref1", json={"value": "ref1", "label": "label1"}, headers=headers), 200)
    assert ordered(json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))) == ordered(ref_row(1))


def test_v1_18_update_by_json_tunnel(mclient: Any) -> None:
    headers = given(mclient)
    url = f"{V1}/{REF}/ref1?_method=PUT"
    empty(mclient.post(url, json={"value": "ref1", "label": "label900"}, headers=headers), 200)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label900"
    empty(mclient.post(url, json={"value": "ref1", "label": "label1"}, headers=headers), 200)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label1"


def test_v1_19_attribute_put_bare_word(mclient: Any) -> None:
    headers = {**given(mclient), "Content-Type": "application/json"}
    empty(mclient.put(f"{V1}/{REF}/ref1/label", content=b"label900", headers=headers), 200)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label900"
    empty(mclient.put(f"{V1}/{REF}/ref1/label", content=b"label1", headers=headers), 200)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label1"


def test_v1_20_attribute_put_no_body(mclient: Any) -> None:
    headers = {**given(mclient), "Content-Type": "application/json"}
    assert json_ok(mclient.get(f"{V1}/{TT}/1/xstringnillable", headers=headers))["xstringnillable"] == "str1"
    empty(mclient.put(f"{V1}/{TT}/1/xstringnillable", content=b"", headers=headers), 200)
    body = json_ok(mclient.get(f"{V1}/{TT}/1/xstringnillable", headers=headers))
    assert body == {"href": f"{V1}/{TT}/1/xstringnillable"}


def test_v1_21_attribute_put_tunnel(mclient: Any) -> None:
    headers = {**given(mclient), "Content-Type": "application/json"}
    url = f"{V1}/{REF}/ref1/label?_method=PUT"
    empty(mclient.post(url, content=b"label900", headers=headers), 200)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label900"
    empty(mclient.post(url, content=b"label1", headers=headers), 200)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label1"


def test_v1_22_update_by_multipart(mclient: Any) -> None:
    headers = given(mclient)
    response = mclient.post(f"{V1}/base_ApiTestFile/1?_method=PUT", data={"id": "1"},
                            files={"file": ("test.txt", b"file content\n", "text/plain")}, headers=headers)
    empty(response, 204)
    body = json_ok(mclient.get(f"{V1}/base_ApiTestFile/1", headers=headers))
    assert ordered(body) == ordered({"href": f"{V1}/base_ApiTestFile/1", "id": "1",
                                     "file": {"href": f"{V1}/base_ApiTestFile/1/file"}})


def test_v1_23_update_by_form(mclient: Any) -> None:
    headers = given(mclient)
    url = f"{V1}/{REF}/ref1?_method=PUT"
    empty(mclient.post(url, data={"value": "ref1", "label": "label900"}, headers=headers), 204)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label900"
    empty(mclient.post(url, data={"value": "ref1", "label": "label1"}, headers=headers), 204)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label1"


REF6_GONE = "Unknown entity with 'value label' 'ref6' of type 'TypeTestRefAPIV1'."


def test_v1_24_delete(mclient: Any) -> None:
    headers = given(mclient)
    create_ref6_by_form(mclient, headers)
    json_ok(mclient.get(f"{V1}/{REF}/ref6", headers=headers))
    empty(mclient.delete(f"{V1}/{REF}/ref6", headers=headers), 204)
    assert_molgenis_error(mclient.get(f"{V1}/{REF}/ref6", headers=headers), 404, REF6_GONE, "D02")


def test_v1_25_delete_by_tunnel(mclient: Any) -> None:
    headers = given(mclient)
    create_ref6_by_form(mclient, headers)
    json_ok(mclient.get(f"{V1}/{REF}/ref6", headers=headers))
    empty(mclient.post(f"{V1}/{REF}/ref6?_method=DELETE", headers=headers), 204)
    assert_molgenis_error(mclient.get(f"{V1}/{REF}/ref6", headers=headers), 404, REF6_GONE, "D02")


def test_v1_26_delete_all(mclient: Any) -> None:
    headers = given(mclient)
    assert total(mclient, "base_APITest1", headers) == 40
    empty(mclient.delete(f"{V1}/base_APITest1", headers=headers), 204)
    body = json_ok(mclient.get(f"{V1}/base_APITest1", headers=headers))
    assert (body["total"], body["items"]) == (0, [])
    assert body["meta"]["name"] == "base_APITest1"          # the metadata is kept


def test_v1_27_delete_all_by_tunnel(mclient: Any) -> None:
    headers = given(mclient)
    assert total(mclient, "base_APITest2", headers) == 40
    empty(mclient.post(f"{V1}/base_APITest2?_method=DELETE", headers=headers), 204)
    assert total(mclient, "base_APITest2", headers) == 0


def test_v1_28_delete_meta(mclient: Any) -> None:
    admin = given(mclient, ADMIN)
    assert total(mclient, "base_APITest3", admin) == 40
    empty(mclient.delete(f"{V1}/base_APITest3/meta", headers=admin), 204)
    assert_molgenis_error(mclient.get(f"{V1}/base_APITest3", headers=given(mclient)), 404,
                          "Unknown entity type 'base_APITest3'.", "D01")


def test_v1_29_delete_meta_by_tunnel(mclient: Any) -> None:
    admin = given(mclient, ADMIN)
    assert total(mclient, "base_APITest4", admin) == 40
    empty(mclient.post(f"{V1}/base_APITest4/meta?_method=DELETE", headers=admin), 204)
    assert_molgenis_error(mclient.get(f"{V1}/base_APITest4", headers=given(mclient)), 404,
                          "Unknown entity type 'base_APITest4'.", "D01")


# == RestControllerIT ================================================================================================
def test_it_01_anonymous_denied(ro: Any) -> None:
    anonymous = given(ro, None)
    assert_molgenis_error(ro.get(f"{V1}/sys_md_EntityType", headers=anonymous), 401, DS04_ENTITY_TYPE, "DS04")
    assert_molgenis_error(ro.get(f"{V1}/sys_scr_ScriptType", headers=anonymous), 401, DS04_SCRIPT_TYPE, "DS04")


def test_it_02_token_allows(ro: Any) -> None:
    headers = given(ro, IT_USER)
    templates = json_ok(ro.get(f"{V1}/sys_FreemarkerTemplate", headers=headers))
    assert templates["href"] == f"{V1}/sys_FreemarkerTemplate" and templates["total"] == 2
    scripts = json_ok(ro.get(f"{V1}/sys_scr_ScriptType", headers=headers))
    assert scripts["href"] == f"{V1}/sys_scr_ScriptType"
    assert "R" in [item["name"] for item in scripts["items"]]


def test_it_03_delete_missing_row(mclient: Any) -> None:
    empty(mclient.delete(f"{V1}/sys_FileMeta/non-existing-entity_id", headers=given(mclient, IT_USER)), 204)


def test_it_04_delete_without_permission(mclient: Any) -> None:
    headers = given(mclient, IT_USER)
    assert_molgenis_error(mclient.delete(f"{V1}/sys_scr_ScriptType/R", headers=headers), 401,
                          "No 'Delete data' permission on entity type 'Script type' with id 'sys_scr_ScriptType'.",
                          "DS04")
    assert json_ok(mclient.get(f"{V1}/sys_scr_ScriptType/R", headers=headers))["name"] == "R"   # still there


def test_it_05_logout_without_token(ro: Any) -> None:
    assert_molgenis_error(ro.post(f"{V1}/logout", headers={"Accept": "application/json"}), 400, MISSING_TOKEN)


def test_it_06_logout_invalidates_token(mclient: Any) -> None:
    headers = given(mclient, IT_USER)
    assert json_ok(mclient.get(f"{V1}/sys_scr_ScriptType", headers=headers))["total"] == 4   # usable before
    empty(mclient.post(f"{V1}/logout", headers=headers), 200)
    assert_molgenis_error(mclient.get(f"{V1}/sys_md_EntityType", headers=headers), 401, DS04_ENTITY_TYPE, "DS04")
    assert_molgenis_error(mclient.get(f"{V1}/sys_scr_ScriptType", headers=headers), 401, DS04_SCRIPT_TYPE, "DS04")
    assert_molgenis_error(mclient.get(f"{V1}/sys_md_EntityType", headers={"Accept": "application/json"}), 401,
                          DS04_ENTITY_TYPE, "DS04")


def test_it_07_dotted_id_is_an_id(ro: Any) -> None:
    assert_molgenis_error(ro.get(f"{V1}/sys_FreemarkerTemplate/test.csv", headers=given(ro, IT_USER)), 404,
                          "Unknown entity with 'Id' 'test.csv' of type 'Freemarker template'.", "D02")


def test_it_08_anonymous_meta_denied(ro: Any) -> None:
    assert_molgenis_error(ro.get(f"{V1}/sys_App/meta", headers=given(ro, None)), 401,
                          "No 'Read metadata' permission on entity type 'App' with id 'sys_App'.", "DS04")


def test_it_09_meta_with_count(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/sys_sec_User/meta", headers=given(ro, IT_USER)))
    assert body["name"] == "sys_sec_User"
    assert split_permissions(body) == {"READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA"}
    assert body["writable"] is False


# == TwoFactorAuthenticationAPIIT (v1 parts) ==========================================================================
def set_two_factor(client: Any, admin: dict[str, str], mode: str) -> None:
    response = client.put(f"{V1}/sys_set_auth/auth/sign_in_2fa", content=mode.encode(),
                          headers={**admin, "Content-Type": "application/json"})
    empty(response, 200)


def create_user(client: Any, admin: dict[str, str], username: str, password: str) -> None:
    """RestTestUtils.createUser: a v1 JSON create of a sys_sec_User row."""
    response = client.post(f"{V1}/sys_sec_User", headers=admin, json={
        "active": True, "username": username, "password_": password, "superuser": False, "changePassword": False,
        "Email": f"{username}@example.org"})
    empty(response, 201)


def test_2fa_01_setting(mclient: Any) -> None:
    admin = given(mclient, ADMIN)
    for mode in ("Enforced", "Enabled", "Disabled"):
        set_two_factor(mclient, admin, mode)
        assert json_ok(mclient.get(f"{V1}/sys_set_auth/auth", headers=admin))["sign_in_2fa"] == mode


def test_2fa_02_enforced(mclient: Any) -> None:
    admin = given(mclient, ADMIN)
    create_user(mclient, admin, "twofa-user", "twofa-password")
    set_two_factor(mclient, admin, "Enforced")
    response = mclient.post(f"{V1}/login", json={"username": "twofa-user", "password": "twofa-password"})
    assert_molgenis_error(response, 401, TWO_FACTOR)


def test_2fa_03_enabled(mclient: Any) -> None:
    admin = given(mclient, ADMIN)
    create_user(mclient, admin, "twofa-user", "twofa-password")
    set_two_factor(mclient, admin, "Enabled")
    response = mclient.post(f"{V1}/login", json={"username": "twofa-user", "password": "twofa-password"})
    body = json_ok(response)
    assert list(body) == ["token", "username"] and body["username"] == "twofa-user"   # no names: keys omitted
    assert len(body["token"]) == 32 and all(c in "0123456789abcdef" for c in body["token"])


def test_2fa_03_enabled_refuses_user_with_2fa(mclient: Any) -> None:
    """Login: with Enabled, a user who has 2FA on (seeded `twofactor`) is refused."""
    set_two_factor(mclient, given(mclient, ADMIN), "Enabled")
    response = mclient.post(f"{V1}/login", json={"username": "twofactor", "password": "twofactor-password"})
    assert_molgenis_error(response, 401, TWO_FACTOR)


# == RestControllerTest oracles (adapted to the fixture types) ========================================================
def test_unit_create_json_location(mclient: Any) -> None:
    response = mclient.post(f"{V1}/{REF}", content=b"{value:'ref6', label:'label6'}",
                            headers={**given(mclient), "Content-Type": "application/json"})
    empty(response, 201)
    assert response.headers["location"] == f"{V1}/{REF}/ref6"


def test_unit_create_form_location(mclient: Any) -> None:
    create_ref6_by_form(mclient, given(mclient))


def test_unit_delete_non_existing_row(mclient: Any) -> None:
    headers = given(mclient)
    empty(mclient.delete(f"{V1}/{REF}/does-not-exist", headers=headers), 204)
    empty(mclient.post(f"{V1}/{REF}/does-not-exist?_method=DELETE", headers=headers), 204)
    assert total(mclient, REF, headers) == 5


def test_unit_delete_tunnel_method_in_form_body(mclient: Any) -> None:
    """`_method` is read from the query string or the form body (the R client's delete)."""
    headers = given(mclient)
    empty(mclient.post(f"{V1}/{REF}/ref5", data={"_method": "DELETE"}, headers=headers), 204)
    assert_molgenis_error(mclient.get(f"{V1}/{REF}/ref5", headers=headers), 404,
                          "Unknown entity with 'value label' 'ref5' of type 'TypeTestRefAPIV1'.", "D02")


def test_unit_update_tunnel_method_in_form_body(mclient: Any) -> None:
    headers = given(mclient)
    empty(mclient.post(f"{V1}/{REF}/ref1", data={"_method": "PUT", "value": "ref1", "label": "label900"},
                       headers=headers), 204)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["label"] == "label900"


def test_unit_get_meta_key_order(ro: Any) -> None:
    """Full ETR in declaration order (description present)."""
    body = json_ok(ro.get(f"{V1}/{REF}/meta", headers=given(ro)))
    assert list(body) == ETR_KEYS


def test_unit_get_meta_key_order_read_only(ro: Any) -> None:
    """A READ grant: `writable` false; no description → key absent, the others in declaration order."""
    body = json_ok(ro.get(f"{V1}/sys_scr_ScriptType/meta", headers=given(ro, IT_USER)))
    assert list(body) == [k for k in ETR_KEYS if k != "description"]
    assert split_permissions(body) == READ
    assert (body["href"], body["hrefCollection"], body["name"], body["label"]) == (
        f"{V1}/sys_scr_ScriptType/meta", f"{V1}/sys_scr_ScriptType", "sys_scr_ScriptType", "Script type")
    assert body["attributes"] == {"name": {"href": f"{V1}/sys_scr_ScriptType/meta/name"}}
    assert (body["idAttribute"], body["labelAttribute"]) == ("name", "name")
    assert (body["isAbstract"], body["languageCode"], body["writable"]) == (False, "en", False)


def test_unit_json_content_type(ro: Any) -> None:
    """JSON answers carry `application/json;charset=UTF-8` (the unit tests assert APPLICATION_JSON_UTF8)."""
    response = ro.get(f"{V1}/{REF}/meta", headers=given(ro))
    assert response.headers["content-type"].replace(" ", "").lower() == "application/json;charset=utf-8"


def test_unit_meta_attributes_name(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{REF}/meta?attributes=name", headers=given(ro)))
    held = split_permissions(body)
    assert ordered(body) == ordered({"href": f"{V1}/{REF}/meta", "hrefCollection": f"{V1}/{REF}", "name": REF,
                                     "languageCode": "en", "permissions": None, "writable": True})
    assert held == WRITE


def test_unit_meta_expand_attributes(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{REF}/meta?expand=attributes", headers=given(ro)))
    assert list(body) == ETR_KEYS
    assert list(body["attributes"]) == ["value", "label"]
    assert ordered(body["attributes"]["value"]) == ordered(ORACLE_2)
    assert ordered(body["attributes"]["label"]) == ordered({
        "href": f"{V1}/{REF}/meta/label", "fieldType": "STRING", "name": "label", "label": "label label",
        "description": "TypeTestRef label attribute", "attributes": [], "enumOptions": [], "maxLength": 255,
        "auto": False, "nillable": False, "readOnly": False, "labelAttribute": True, "unique": False,
        "visible": True, "lookupAttribute": True, "isAggregatable": False})


def test_unit_meta_expand_attributes_ref_entity(ro: Any) -> None:
    """ETR: with expand=attributes a reference AR's refEntity is an ETR restricted to idAttribute."""
    body = json_ok(ro.get(f"{V1}/{TT}/meta?expand=attributes", headers=given(ro)))
    xref = body["attributes"]["xxref_value"]
    assert [k for k in AR_KEYS if k in xref] == list(xref)
    assert (xref["fieldType"], xref["name"]) == ("XREF", "xxref_value")
    ref_entity = xref["refEntity"]
    held = split_permissions(ref_entity)
    assert ordered(ref_entity) == ordered({"href": f"{V1}/{REF}/meta", "hrefCollection": f"{V1}/{REF}",
                                           "idAttribute": "value", "languageCode": "en", "permissions": None,
                                           "writable": True})
    assert held == WRITE
    # the compound is a top-level attribute, its children are not
    assert "xcompound" in body["attributes"] and "xcompound_int" not in body["attributes"]


def test_unit_row_attributes_unknown_gives_only_href(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{REF}/ref1?attributes=notname", headers=given(ro)))
    assert body == {"href": f"{V1}/{REF}/ref1"}


Q_EXPECTED = {"href": f"{V1}/{ITEMS}", "start": 0, "num": 10, "total": 1, "items": [ref_row(2, ITEMS)]}


def test_unit_q_get_vs_post_tunnel_identical(ro: Any) -> None:
    headers = given(ro)
    got = json_ok(ro.get(f"{V1}/{ITEMS}?start=0&num=10&q[0].field=label&q[0].operator=EQUALS&q[0].value=label2",
                         headers=headers))
    posted = json_ok(ro.post(f"{V1}/{ITEMS}?_method=GET", headers=headers, json={
        "start": 0, "num": 10, "q": [{"field": "label", "operator": "EQUALS", "value": "label2"}]}))
    assert ordered(got) == ordered(posted)
    assert list(got) == ["href", "meta", "start", "num", "total", "items"]
    assert ordered({k: v for k, v in got.items() if k != "meta"}) == ordered(Q_EXPECTED)


def test_unit_q_post_tunnel_lenient_body(ro: Any) -> None:
    headers = {**given(ro), "Content-Type": "application/json"}
    posted = json_ok(ro.post(f"{V1}/{ITEMS}?_method=GET", headers=headers,
                             content=b"{start:0, num:10, q:[{operator:EQUALS,field:label,value:label2}]}"))
    assert ordered({k: v for k, v in posted.items() if k != "meta"}) == ordered(Q_EXPECTED)


def test_unit_attribute_sub_resource_plain(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{REF}/ref1/label", headers=given(ro)))
    assert ordered(body) == ordered({"href": f"{V1}/{REF}/ref1/label", "label": "label1"})


def test_unit_attribute_sub_resource_mref(ro: Any) -> None:
    body = json_ok(ro.get(f"{V1}/{TT}/2/xmref_value", headers=given(ro)))
    assert ordered(body) == ordered({"href": f"{V1}/{TT}/2/xmref_value", "start": 0, "num": 100, "total": 2,
                                     "items": [ref_row(2), ref_row(3)]})


def test_unit_attribute_sub_resource_unknown_attribute_before_row(ro: Any) -> None:
    assert_molgenis_error(ro.get(f"{V1}/{REF}/nope/nothere", headers=given(ro)), 404,
                          "Unknown attribute 'nothere' of entity type 'TypeTestRefAPIV1'.", "D04")


def test_unit_put_lenient_json(mclient: Any) -> None:
    headers = {**given(mclient), "Content-Type": "application/json"}
    empty(mclient.put(f"{V1}/{REF}/ref1", content=b"{value:ref1, label:Klaas}", headers=headers), 200)
    assert ordered(json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))) == ordered(ref_row(1, label="Klaas"))


@pytest.mark.parametrize(("body", "expected"), [(b'"x"', "x"), (b"null", None), (b"", None)],
                         ids=["string", "null", "empty"])
def test_unit_attribute_put_values(mclient: Any, body: bytes, expected: str | None) -> None:
    headers = {**given(mclient), "Content-Type": "application/json"}
    empty(mclient.put(f"{V1}/{TT}/1/xstringnillable", content=body, headers=headers), 200)
    row = json_ok(mclient.get(f"{V1}/{TT}/1", headers=headers))
    assert row.get("xstringnillable", None) == expected
    assert ("xstringnillable" in row) is (expected is not None)


def test_unit_form_put_204_json_put_200(mclient: Any) -> None:
    headers = given(mclient)
    url = f"{V1}/{REF}/ref2?_method=PUT"
    empty(mclient.post(url, data={"value": "ref2", "label": "by-form"}, headers=headers), 204)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref2", headers=headers))["label"] == "by-form"
    empty(mclient.post(url, json={"value": "ref2", "label": "by-json"}, headers=headers), 200)
    assert json_ok(mclient.get(f"{V1}/{REF}/ref2", headers=headers))["label"] == "by-json"


def test_unit_read_only_attribute_put_401(mclient: Any) -> None:
    headers = {**given(mclient), "Content-Type": "application/json"}
    assert_molgenis_error(mclient.put(f"{V1}/{REF}/ref1/value", content=b'"ref9"', headers=headers), 401,
                          f"Attribute 'value' of entity '{REF}' is readonly")
    assert json_ok(mclient.get(f"{V1}/{REF}/ref1", headers=headers))["value"] == "ref1"


def test_unit_data_exception_on_update_400(mclient: Any) -> None:
    headers = {**given(mclient), "Content-Type": "application/json"}
    assert_molgenis_error(mclient.put(f"{V1}/{TT}/1/xdate", content=b'"notadate"', headers=headers), 400,
                          "Failed to parse attribute [xdate] value [notadate] as date. "
                          "Valid date format is [YYYY-MM-DD].")


def test_unit_logout_with_header(mclient: Any) -> None:
    headers = given(mclient)
    empty(mclient.post(f"{V1}/logout", headers=headers), 200)
    assert_molgenis_error(mclient.get(f"{V1}/{REF}", headers=headers), 401,
                          f"No 'Read metadata' permission on entity type 'TypeTestRefAPIV1' with id '{REF}'.", "DS04")


def test_unit_logout_with_parameter(mclient: Any) -> None:
    value = token(mclient, TEST_USER)
    empty(mclient.post(f"{V1}/logout?molgenis-token={value}"), 200)
    assert_molgenis_error(mclient.get(f"{V1}/{REF}", headers={"x-molgenis-token": value}), 401,
                          f"No 'Read metadata' permission on entity type 'TypeTestRefAPIV1' with id '{REF}'.", "DS04")


def test_unit_logout_without_token(ro: Any) -> None:
    assert_molgenis_error(ro.post(f"{V1}/logout"), 400, MISSING_TOKEN)


def test_unit_logout_unknown_token(ro: Any) -> None:
    assert_molgenis_error(ro.post(f"{V1}/logout", headers={"x-molgenis-token": "0" * 32}), 404, "Invalid token")


def test_unit_login_response(ro: Any) -> None:
    """Login: keys in order token, username, firstname, lastname; null names omitted (admin has no first name)."""
    body = json_ok(ro.post(f"{V1}/login", json={"username": "test", "password": "test"}))
    assert list(body) == ["token", "username", "firstname", "lastname"]
    assert (body["username"], body["firstname"], body["lastname"]) == ("test", "V1", "Tester")
    body = json_ok(ro.post(f"{V1}/login", json={"username": "admin", "password": "admin"}))
    assert list(body) == ["token", "username", "lastname"]


def test_unit_login_password_reset_required(ro: Any) -> None:
    response = ro.post(f"{V1}/login", json={"username": "reset-me", "password": "reset-password"})
    assert_molgenis_error(response, 401, PASSWORD_RESET)


def test_unit_csv_rsql_query(ro: Any) -> None:
    response = ro.get(f"{V1}/csv/{ITEMS}?q=label==label2", headers=given(ro))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv"
    assert response.text == '"value","label"\n"ref2","label2"\n'


def test_unit_csv_sort_desc(ro: Any) -> None:
    response = ro.get(f"{V1}/csv/{ITEMS}?sortColumn=label&sortOrder=DESC", headers=given(ro))
    assert response.status_code == 200, response.text
    assert response.text == '"value","label"\n' + "".join(f'"ref{n}","label{n}"\n' for n in range(5, 0, -1))


def test_unit_csv_sort_desc_null_cells(ro: Any) -> None:
    """Null cells are empty and unquoted (`"Klaas","p2",,"2"` upstream); references are written as labels."""
    response = ro.get(f"{V1}/csv/{TT}?q=id=le=3&attributes=id,xstringnillable,xxrefnillable_value"
                      f"&sortColumn=id&sortOrder=DESC", headers=given(ro))
    assert response.status_code == 200, response.text
    assert response.text == ('"id","xstringnillable","xxrefnillable_value"\n'
                             '"3",,\n'
                             '"2","str2","label2"\n'
                             '"1","str1","label1"\n')


PAGER = [
    # start, num, prevHref query, nextHref query (EntityPagerTest oracles, on the 40 rows of base_APITest1)
    (0, 10, None, "start=10&num=10"),
    (10, 10, "start=0&num=10", "start=20&num=10"),
    (0, 40, None, None),
    (15, 15, "start=0&num=15", "start=30&num=15"),
    (30, 15, "start=15&num=15", None),
    (10, 15, "start=0&num=15", "start=25&num=15"),
]


@pytest.mark.parametrize(("start", "num", "prev", "next_"), PAGER,
                         ids=[f"start{s}-num{n}" for s, n, _, _ in PAGER])
def test_unit_pager(ro: Any, start: int, num: int, prev: str | None, next_: str | None) -> None:
    body = json_ok(ro.get(f"{V1}/base_APITest1?start={start}&num={num}", headers=given(ro)))
    href = f"{V1}/base_APITest1"
    expected_keys = [k for k in EC_KEYS if (k != "prevHref" or prev) and (k != "nextHref" or next_)]
    assert list(body) == expected_keys
    assert (body["href"], body["start"], body["num"], body["total"]) == (href, start, num, 40)
    assert body.get("prevHref") == (f"{href}?{prev}" if prev else None)
    assert body.get("nextHref") == (f"{href}?{next_}" if next_ else None)
    assert [item["value"] for item in body["items"]] == [f"ref{n}" for n in range(start + 1, min(start + num, 40) + 1)]


def test_unit_pager_tunnel(ro: Any) -> None:
    body = json_ok(ro.post(f"{V1}/base_APITest1?_method=GET", json={"start": 10, "num": 15}, headers=given(ro)))
    assert body["prevHref"] == f"{V1}/base_APITest1?start=0&num=15"
    assert body["nextHref"] == f"{V1}/base_APITest1?start=25&num=15"


def test_unit_pager_num_zero_means_all(ro: Any) -> None:
    """num=0 returns every row; quirk: nextHref then points at ?start=<start>&num=0."""
    body = json_ok(ro.get(f"{V1}/base_APITest1?start=0&num=0", headers=given(ro)))
    assert (body["start"], body["num"], body["total"], len(body["items"])) == (0, 0, 40, 40)
    assert body["nextHref"] == f"{V1}/base_APITest1?start=0&num=0"
    assert "prevHref" not in body


HREF_IDS = [("a/b", "a%2Fb"), ("a b", "a%20b"), ("a?b", "a%3Fb"), ("a\\b", "a%5Cb"), ("a=b;c*d", "a=b;c*d")]


@pytest.mark.parametrize(("value", "segment"), HREF_IDS, ids=["slash", "space", "question", "backslash", "subdelims"])
def test_unit_href_encoding(mclient: Any, value: str, segment: str) -> None:
    headers = given(mclient)
    response = mclient.post(f"{V1}/{REF}", json={"value": value, "label": "odd id"}, headers=headers)
    empty(response, 201)
    assert response.headers["location"] == f"{V1}/{REF}/{segment}"
    found = json_ok(mclient.post(f"{V1}/{REF}?_method=GET", headers=headers,
                                 json={"q": [{"field": "value", "operator": "EQUALS", "value": value}]}))
    assert found["total"] == 1
    assert ordered(found["items"]) == ordered([{"href": f"{V1}/{REF}/{segment}", "value": value,
                                                "label": "odd id"}])


@pytest.mark.parametrize(("value", "segment"), [("a b", "a%20b"), ("a?b", "a%3Fb")], ids=["space", "question"])
def test_unit_href_encoded_path_round_trip(mclient: Any, value: str, segment: str) -> None:
    headers = given(mclient)
    empty(mclient.post(f"{V1}/{REF}", json={"value": value, "label": "odd id"}, headers=headers), 201)
    body = json_ok(mclient.get(f"{V1}/{REF}/{segment}", headers=headers))
    assert ordered(body) == ordered({"href": f"{V1}/{REF}/{segment}", "value": value, "label": "odd id"})
    body = json_ok(mclient.get(f"{V1}/{REF}/{segment}/label", headers=headers))
    assert body == {"href": f"{V1}/{REF}/{segment}/label", "label": "odd id"}
