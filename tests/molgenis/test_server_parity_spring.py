"""Spring MVC and the query layer as the server runs them: binding of query parameters to
`EntityCollectionRequest` (unknown parameters ignored, field errors with their codes), default `OPTIONS` handling,
`PostgreSqlQueryGenerator#getSqlSort` (rows ordered by id), the order of checks in `RestController`, and
`IdGeneratorImpl`. Test names follow the server class and method they copy."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.molgenis.helpers import IT_USER, TEST_USER, assert_molgenis_error, auth

V1 = "/api/v1"
RESET = "/__apitwin/apis/molgenis/reset"
ITEMS = "V1_API_Items"
TT = "V1_API_TypeTestAPIV1"
REF = "V1_API_TypeTestRefAPIV1"
FIELD = "Field '{}' of 'entityCollectionRequest' "
MISMATCH = ("Failed to convert property value of type 'java.lang.String' to required type 'int' for property '{}'; "
            "nested exception is java.lang.NumberFormatException: For input string: \"{}\"")


# -- WebDataBinder: unknown parameters are ignored ------------------------------------------------------------------

@pytest.mark.parametrize("path", [f"{V1}/{ITEMS}", f"{V1}/{ITEMS}/ref1", f"{V1}/{ITEMS}/meta",
                                  f"{V1}/{ITEMS}/meta/label", f"{V1}/{TT}/1/xmref_value", f"{V1}/csv/{ITEMS}"])
def test_WebDataBinder_ignores_jquery_cache_buster(c: Any, admin_h: dict[str, str], path: str) -> None:
    """jQuery's `cache: false` appends `_=<timestamp>` to every GET."""
    assert c.get(f"{path}?_=1700000000000", headers=admin_h).status_code == 200
    assert c.get(f"{path}?_=1700000000000&unknown=x&q[0].foo=1", headers=admin_h).status_code == 200


def test_RestController_retrieveEntityCollectionPost_reads_the_body_only(c: Any, admin_h: dict[str, str]) -> None:
    """The legacy JavaScript RestClient sends `attributes` in the query string of `POST ?_method=GET`; the mapping
    binds the JSON body only, so the query-string value changes nothing."""
    response = c.post(f"{V1}/{ITEMS}?_method=GET&attributes=label&_=1", json={"num": 2}, headers=admin_h)
    assert response.status_code == 200, response.text
    assert [set(item) for item in response.json()["items"]] == [{"href", "value", "label"}] * 2


def test_RestController_create_ignores_query_parameters(c: Any, admin_h: dict[str, str]) -> None:
    response = c.post(f"{V1}/{ITEMS}?attributes=label&_=1", json={"value": "ref9", "label": "x"}, headers=admin_h)
    assert response.status_code == 201, response.text


# -- binding errors of EntityCollectionRequest (@Min, @Max, typeMismatch) -------------------------------------------

@pytest.mark.parametrize("query, message, code", [
    ("num=10001", FIELD.format("num") + "No more than 10000 rows can be requested", "Max"),
    ("num=-1", FIELD.format("num") + "must be greater than or equal to 0", "Min"),
    ("start=-1", FIELD.format("start") + "must be greater than or equal to 0", "Min"),
    ("num=abc", FIELD.format("num") + MISMATCH.format("num", "abc"), "typeMismatch"),
    ("num=1.5", FIELD.format("num") + MISMATCH.format("num", "1.5"), "typeMismatch"),
    ("start=x", FIELD.format("start") + MISMATCH.format("start", "x"), "typeMismatch"),
    ("start=99999999999", FIELD.format("start") + MISMATCH.format("start", "99999999999"), "typeMismatch"),
])
@pytest.mark.parametrize("route", [f"{V1}/{ITEMS}", f"{V1}/{TT}/1/xmref_value"])
def test_ErrorMessagesResponseGenerator_field_errors_of_the_binding(c: Any, admin_h: dict[str, str], route: str,
                                                                    query: str, message: str, code: str) -> None:
    """A BindException's field error: `Field '<field>' of '<object>' <message>` with the field error's code."""
    assert_molgenis_error(c.get(f"{route}?{query}", headers=admin_h), 400, message, code)


def test_EntityCollectionRequest_sort_cannot_be_bound_from_a_string(c: Any, admin_h: dict[str, str]) -> None:
    errors = assert_molgenis_error(c.get(f"{V1}/{ITEMS}?sort=label", headers=admin_h), 400, None)
    assert errors[0]["code"] == "typeMismatch"
    assert errors[0]["message"].startswith("Field 'sort' of 'entityCollectionRequest' Failed to convert property "
                                           "value of type 'java.lang.String' to required type "
                                           "'org.molgenis.api.data.v1.SortV1' for property 'sort'")


def test_RestController_retrieveEntityCollectionPost_binding_errors_carry_no_code(c: Any,
                                                                                 admin_h: dict[str, str]) -> None:
    """The POST tunnel's MethodArgumentNotValidException goes to RestController's own handler: default messages,
    no code."""
    response = c.post(f"{V1}/{ITEMS}?_method=GET", json={"num": 10001}, headers=admin_h)
    assert_molgenis_error(response, 400, "No more than 10000 rows can be requested")


# -- HttpOptionsHandler -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, allowed", [
    (f"{V1}/{ITEMS}", {"GET", "HEAD", "POST", "DELETE", "OPTIONS"}),
    (f"{V1}/{ITEMS}/ref1", {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}),
    (f"{V1}/{ITEMS}/ref1/label", {"GET", "HEAD", "POST", "PUT", "OPTIONS"}),
])
def test_HttpOptionsHandler_answers_options(c: Any, path: str, allowed: set[str]) -> None:
    """Spring MVC answers OPTIONS itself: 200, `Allow`, no body; no token needed (`/api/**` is permitAll)."""
    response = c.options(path)
    assert response.status_code == 200, response.text
    assert set(response.headers["allow"].split(",")) == allowed
    assert response.content == b""


def test_HttpOptionsHandler_leaves_cors_preflights_to_cors(c: Any) -> None:
    response = c.options(f"{V1}/{ITEMS}", headers={"Origin": "http://example.org",
                                                   "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert "access-control-allow-origin" in response.headers


def test_other_methods_still_answer_405(c: Any, admin_h: dict[str, str]) -> None:
    response = c.patch(f"{V1}/{ITEMS}/ref1", json={}, headers=admin_h)
    assert response.status_code == 405
    assert "OPTIONS" not in response.headers["allow"]


# -- PostgreSqlQueryGenerator#getSqlSort ------------------------------------------------------------------------------

def test_PostgreSqlQueryGenerator_getSqlSort_orders_by_id_without_a_sort(c: Any, admin_h: dict[str, str]) -> None:
    for value in ("ref10", "ref0", "ref11"):
        assert c.post(f"{V1}/{ITEMS}", json={"value": value, "label": value}, headers=admin_h).status_code == 201
    expected = ["ref0", "ref1", "ref10", "ref11", "ref2", "ref3", "ref4", "ref5"]
    listed = c.get(f"{V1}/{ITEMS}", headers=admin_h).json()["items"]
    assert [item["value"] for item in listed] == expected
    tunnel = c.post(f"{V1}/{ITEMS}?_method=GET", json={}, headers=admin_h).json()["items"]
    assert [item["value"] for item in tunnel] == expected
    page = c.get(f"{V1}/{ITEMS}?start=2&num=3", headers=admin_h).json()["items"]
    assert [item["value"] for item in page] == expected[2:5]
    csv = c.get(f"{V1}/csv/{ITEMS}", headers=admin_h).text.splitlines()[1:]
    assert [line.split(",")[0].strip('"') for line in csv] == expected


def test_PostgreSqlQueryGenerator_getSqlSort_numeric_ids_and_filters(c: Any, admin_h: dict[str, str]) -> None:
    ids = [item["id"] for item in c.get(f"{V1}/{TT}?num=0", headers=admin_h).json()["items"]]
    assert ids == sorted(ids)
    filtered = c.get(f"{V1}/{ITEMS}?q[0].field=label&q[0].operator=LIKE&q[0].value=label", headers=admin_h).json()
    assert [item["value"] for item in filtered["items"]] == sorted(item["value"] for item in filtered["items"])


def test_PostgreSqlQueryGenerator_getSqlSort_adds_the_id_after_a_non_unique_sort(c: Any,
                                                                                 admin_h: dict[str, str]) -> None:
    for value in ("ref9", "ref8"):
        assert c.post(f"{V1}/{ITEMS}", json={"value": value, "label": "same"}, headers=admin_h).status_code == 201
    body = {"sort": {"orders": [{"property": "label", "direction": "DESC"}]}, "q": [
        {"field": "label", "operator": "EQUALS", "value": "same"}]}
    items = c.post(f"{V1}/{ITEMS}?_method=GET", json=body, headers=admin_h).json()["items"]
    assert [item["value"] for item in items] == ["ref8", "ref9"]


# -- RestController#updateAttribute: the row before the attribute ---------------------------------------------------

def test_RestController_updateAttribute_checks_the_row_before_the_attribute(c: Any, admin_h: dict[str, str]) -> None:
    for method, path in (("PUT", f"{V1}/{ITEMS}/nope/nothing"), ("POST", f"{V1}/{ITEMS}/nope/nothing?_method=PUT")):
        response = c.request(method, path, json="x", headers=admin_h)
        errors = assert_molgenis_error(response, 404, None, "D02")
        assert "nope" in errors[0]["message"]
    response = c.put(f"{V1}/{ITEMS}/ref1/nothing", json="x", headers=admin_h)
    assert_molgenis_error(response, 404, "Unknown attribute 'nothing' of entity type 'Items'.", "D04")


def test_RestController_retrieveEntityAttribute_checks_the_attribute_first(c: Any, admin_h: dict[str, str]) -> None:
    """Reading keeps the other order (getEntityAttributeInternal looks up the attribute first)."""
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}/nope/nothing", headers=admin_h), 404, None, "D04")


def test_RestController_updateAttribute_read_only_before_the_update_permission(c: Any) -> None:
    """it-user may read sys_scr_ScriptType but not update it: the read-only check (401, no code) comes first."""
    headers = auth(c, IT_USER)
    assert_molgenis_error(c.put(f"{V1}/sys_scr_ScriptType/R/name", json="R", headers=headers), 401,
                          "Attribute 'name' of entity 'sys_scr_ScriptType' is readonly")


def test_RestController_updateInternal_missing_row_before_the_update_permission(c: Any) -> None:
    """A reader updating a row that does not exist learns that it does not exist (404 D02), as the server's
    findOneById runs before the write."""
    headers = auth(c, IT_USER)
    assert_molgenis_error(c.put(f"{V1}/sys_scr_ScriptType/nope", json={"name": "nope"}, headers=headers), 404,
                          None, "D02")


def test_RestController_updateAttribute_update_permission_after_conversion(c: Any, admin_h: dict[str, str]) -> None:
    """A value that cannot be converted is a 400 even for a caller without UPDATE_DATA."""
    assert c.post(RESET).status_code == 200
    headers = auth(c, TEST_USER)
    response = c.put(f"{V1}/{TT}/1/xint", json="abc", headers=headers)
    assert response.status_code == 400, response.text


# -- IdGeneratorImpl --------------------------------------------------------------------------------------------------

def test_IdGeneratorImpl_generateId_lower_case_base32(c: Any, admin_h: dict[str, str]) -> None:
    location = c.post(f"{V1}/V1_API_PersonAPIV1", json={"age": 17}, headers=admin_h).headers["location"]
    new_id = location.rsplit("/", 1)[1]
    assert re.fullmatch(r"[a-z2-7]{26}", new_id), new_id
    assert c.get(location, headers=admin_h).status_code == 200


def test_RestController_createInternal_converts_before_the_add_permission(c: Any) -> None:
    """it-user sees sys_sec_User's metadata (COUNT) but may not add users: a value that cannot be converted is
    reported first (400); a convertible body meets the permission check (401 DS04)."""
    headers = auth(c, IT_USER)
    response = c.post(f"{V1}/sys_sec_User", json={"username": "x", "active": 5}, headers=headers)
    assert_molgenis_error(response, 400, "Attribute [active] value is of type [Double] instead of [String] or "
                                         "[Boolean]")
    response = c.post(f"{V1}/sys_sec_User", json={"username": "x", "active": True}, headers=headers)
    assert_molgenis_error(response, 401, "No 'Add data' permission on entity type 'User' with id 'sys_sec_User'.",
                          "DS04")


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "application/json"}])
def test_RestController_retrieveEntityAttributeMetaPost_requires_a_body(c: Any, admin_h: dict[str, str],
                                                                        headers: dict[str, str]) -> None:
    """`@RequestBody` without `required = false`: Spring's `HttpMessageNotReadableException` text; the spec states
    it (`requestBody.required: true`, the text as its `x-apitwin-message`)."""
    response = c.post(f"{V1}/{ITEMS}/meta/label?_method=GET", headers={**admin_h, **headers})
    assert response.status_code == 400, response.text
    assert response.json() == {"errors": [{"message": "Required request body is missing"}]}
    assert c.post(f"{V1}/{ITEMS}/meta/label?_method=GET", json={}, headers=admin_h).status_code == 200
