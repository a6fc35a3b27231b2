"""The REST API v2 routes against RestControllerV2 (molgenis 10.2.4): oracles of RestControllerV2APIIT ported to
the fixture's V1_API_* types, every error path of the v2 handlers, and v1 and v2 sharing one state."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
REF = "V1_API_TypeTestRefAPIV1"
TT = "V1_API_TypeTestAPIV1"
V2 = "/api/v2"


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(["molgenis"], settings=Settings())


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    with app.test_client() as test_client:
        test_client.post("/__apitwin/apis/molgenis/reset").raise_for_status()
        yield test_client


def login(client: Any, user: str = "admin", password: str = "admin") -> dict[str, str]:
    response = client.post("/api/v1/login", json={"username": user, "password": password})
    assert response.status_code == 200, response.text
    return {"x-molgenis-token": response.json()["token"]}


@pytest.fixture
def admin(client: Any) -> dict[str, str]:
    return login(client)


def error(response: Any, status: int, message: str, code: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    entry: dict[str, Any] = {"message": message}
    if code is not None:
        entry["code"] = code
    assert response.json() == {"errors": [entry]}


def refs(client: Any, headers: dict[str, str]) -> list[str]:
    body = client.get(f"{V2}/{REF}?attrs=value&sort=value", headers=headers).json()
    return [item["value"] for item in body["items"]]


# -- RestControllerV2APIIT: retrieve ----------------------------------------------------------------------------------
REF_VALUE_META = {
    "href": f"{V2}/{REF}/meta/value", "fieldType": "STRING", "name": "value", "label": "value label",
    "description": "TypeTestRef value attribute", "attributes": [], "maxLength": 255, "auto": False,
    "nillable": False, "readOnly": True, "labelAttribute": False, "unique": True, "visible": True,
    "lookupAttribute": True, "isAggregatable": False, "tags": []}
REF_LABEL_META = {
    "href": f"{V2}/{REF}/meta/label", "fieldType": "STRING", "name": "label", "label": "label label",
    "description": "TypeTestRef label attribute", "attributes": [], "maxLength": 255, "auto": False,
    "nillable": False, "readOnly": False, "labelAttribute": True, "unique": False, "visible": True,
    "lookupAttribute": True, "isAggregatable": False, "tags": []}


def ref_meta(*attributes: dict[str, Any]) -> dict[str, Any]:
    return {"href": f"{V2}/{REF}", "hrefCollection": f"{V2}/{REF}", "name": REF, "label": "TypeTestRefAPIV1",
            "description": "MOLGENIS Data types test ref entity", "attributes": list(attributes),
            "labelAttribute": "label", "idAttribute": "value", "lookupAttributes": ["value", "label"],
            "isAbstract": False, "writable": True, "languageCode": "en",
            "permissions": ["READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA", "READ_DATA", "ADD_DATA", "UPDATE_DATA",
                            "DELETE_DATA", "UPDATE_METADATA", "DELETE_METADATA"]}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_RestControllerV2APIIT_testRetrieveEntity(client: Any, admin: dict[str, str], method: str) -> None:
    url = f"{V2}/{REF}/ref1" + ("?_method=GET" if method == "POST" else "")
    response = client.request(method, url, headers=admin)
    assert response.status_code == 200
    assert response.json() == {"_meta": ref_meta(REF_VALUE_META, REF_LABEL_META), "_href": f"{V2}/{REF}/ref1",
                               "value": "ref1", "label": "label1"}
    assert list(response.json()) == ["_meta", "_href", "value", "label"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_RestControllerV2APIIT_testRetrieveEntityWithAttributeFilter(client: Any, admin: dict[str, str],
                                                                     method: str) -> None:
    url = f"{V2}/{REF}/ref1?attrs=label" + ("&_method=GET" if method == "POST" else "")
    assert client.request(method, url, headers=admin).json() == {
        "_meta": ref_meta(REF_LABEL_META), "_href": f"{V2}/{REF}/ref1", "label": "label1"}


def test_RestControllerV2APIIT_testRetrieveEntityIncludingCategories(client: Any, admin: dict[str, str]) -> None:
    body = client.get(f"{V2}/{TT}/1?includeCategories=true&attrs=xcategorical_value", headers=admin).json()
    options = body["_meta"]["attributes"][0]["categoricalOptions"]
    assert {"ref1", "ref2", "ref3"} <= {option["id"] for option in options}
    assert options[0] == {"id": "ref1", "label": "label1"}
    for flag in ("false", None):
        url = f"{V2}/{TT}/1?attrs=xcategorical_value" + (f"&includeCategories={flag}" if flag else "")
        assert "categoricalOptions" not in client.get(url, headers=admin).json()["_meta"]["attributes"][0]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_RestControllerV2APIIT_testRetrieveEntityCollection(client: Any, admin: dict[str, str], method: str) -> None:
    url = f"{V2}/{REF}?sort=value" + ("&_method=GET" if method == "POST" else "")
    body = client.request(method, url, headers=admin).json()
    assert body["href"] == f"{V2}/{REF}"
    assert body["meta"] == ref_meta(REF_VALUE_META, REF_LABEL_META)
    assert (body["start"], body["num"], body["total"]) == (0, 100, 5)
    assert "prevHref" not in body and "nextHref" not in body
    assert body["items"] == [{"_href": f"{V2}/{REF}/ref{i}", "value": f"ref{i}", "label": f"label{i}"}
                             for i in range(1, 6)]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_RestControllerV2APIIT_testRetrieveEntityAttributeMeta(client: Any, admin: dict[str, str],
                                                               method: str) -> None:
    url = f"{V2}/{REF}/meta/value" + ("?_method=GET" if method == "POST" else "")
    assert client.request(method, url, headers=admin).json() == REF_VALUE_META


def test_RestControllerV2APIIT_testDeleteEntity(client: Any, admin: dict[str, str]) -> None:
    """(the IT's base_v2APITest1 has 5 rows; the fixture's base_APITest1 has more)"""
    before = client.get(f"{V2}/base_APITest1?num=0", headers=admin).json()["total"]
    assert client.delete(f"{V2}/base_APITest1/ref1", headers=admin).status_code == 204
    body = client.get(f"{V2}/base_APITest1?sort=value&num=3", headers=admin).json()
    assert body["total"] == before - 1 and [i["value"] for i in body["items"]][0] != "ref1"
    assert client.delete(f"{V2}/base_APITest1/ref1", headers=admin).status_code == 204   # gone: still 204


def test_RestControllerV2APIIT_testDeleteEntityCollection(client: Any, admin: dict[str, str]) -> None:
    before = client.get(f"{V2}/base_APITest2?num=0", headers=admin).json()["total"]
    response = client.request("DELETE", f"{V2}/base_APITest2", headers=admin,
                              json={"entityIds": ["ref1", "ref2", "ref3", "ref4", "nope"]})
    assert response.status_code == 204
    body = client.get(f"{V2}/base_APITest2?q=value=in=(ref1,ref2,ref3,ref4,ref5)", headers=admin).json()
    assert body["total"] == 1 and body["items"][0]["value"] == "ref5"
    assert client.get(f"{V2}/base_APITest2?num=0", headers=admin).json()["total"] == before - 4


# -- references, attrs and the fetch ---------------------------------------------------------------------------------
def test_references_inline_with_id_and_label(client: Any, admin: dict[str, str]) -> None:
    body = client.get(f"{V2}/{TT}/2?attrs=id,xxref_value,xmref_value,xxrefnillable_value", headers=admin).json()
    assert body["xxref_value"] == {"_href": f"{V2}/{REF}/ref2", "value": "ref2", "label": "label2"}
    assert body["xmref_value"] == [{"_href": f"{V2}/{REF}/ref2", "value": "ref2", "label": "label2"},
                                   {"_href": f"{V2}/{REF}/ref3", "value": "ref3", "label": "label3"}]
    assert [a["name"] for a in body["_meta"]["attributes"]] == ["id", "xmref_value", "xxref_value",
                                                                "xxrefnillable_value"]


def test_nested_attrs_select_referenced_attributes(client: Any, admin: dict[str, str]) -> None:
    body = client.get(f"{V2}/{TT}/2?attrs=~id,xxref_value(label)", headers=admin).json()
    assert list(body) == ["_meta", "_href", "id", "xxref_value"]
    assert body["xxref_value"] == {"_href": f"{V2}/{REF}/ref2", "label": "label2"}
    meta = body["_meta"]["attributes"][1]["refEntity"]
    assert [a["name"] for a in meta["attributes"]] == ["label"]


def test_empty_multi_reference_is_an_empty_list(client: Any, admin: dict[str, str]) -> None:
    body = client.get(f"{V2}/{TT}/3?attrs=xmrefnillable_value,xxrefnillable_value", headers=admin).json()
    assert body["xmrefnillable_value"] == [] and "xxrefnillable_value" not in body


def test_compound_selected_by_its_parts(client: Any, admin: dict[str, str]) -> None:
    body = client.get(f"{V2}/{TT}/1?attrs=xcompound(xcompound_int)", headers=admin).json()
    assert list(body) == ["_meta", "_href", "xcompound_int"]
    compound = body["_meta"]["attributes"][0]
    assert compound["name"] == "xcompound" and [a["name"] for a in compound["attributes"]] == ["xcompound_int"]


def test_unknown_attribute_in_attrs_is_D04(client: Any, admin: dict[str, str]) -> None:
    error(client.get(f"{V2}/{REF}?attrs=nope", headers=admin), 404,
          "Unknown attribute 'nope' of entity type 'TypeTestRefAPIV1'.", "D04")
    error(client.get(f"{V2}/{REF}/ref1?attrs=Label", headers=admin), 404,           # names are case-sensitive
          "Unknown attribute 'Label' of entity type 'TypeTestRefAPIV1'.", "D04")
    error(client.get(f"{V2}/{TT}/1?attrs=xcompound(nope)", headers=admin), 404,
          "Unknown attribute 'nope' of entity type 'TypeTestAPIV1'.", "D04")


# -- q, sort, paging -----------------------------------------------------------------------------------------------
def test_rsql_query_and_sort(client: Any, admin: dict[str, str]) -> None:
    body = client.get(f"{V2}/{REF}?q=value=in=(ref1,ref3,ref5)&sort=value:desc&attrs=value", headers=admin).json()
    assert body["total"] == 3 and [i["value"] for i in body["items"]] == ["ref5", "ref3", "ref1"]
    body = client.get(f"{V2}/{TT}?q=xint=ge=3;xbool==true&attrs=id&sort=id", headers=admin).json()
    assert body["total"] >= 1 and all(isinstance(i["id"], int) for i in body["items"])


def test_bad_query_and_sort_are_400(client: Any, admin: dict[str, str]) -> None:
    response = client.get(f"{V2}/{REF}?q=(((", headers=admin)
    assert response.status_code == 400 and "code" not in response.json()["errors"][0]
    assert client.get(f"{V2}/{REF}?q=nope==1", headers=admin).status_code == 400
    assert client.get(f"{V2}/{REF}?sort=nope", headers=admin).status_code == 400


def test_paging_links_are_the_absolute_request_url_with_start_replaced(client: Any, admin: dict[str, str]) -> None:
    body = client.get(f"{V2}/{REF}?start=2&num=2&sort=value&attrs=value", headers=admin).json()
    assert [i["value"] for i in body["items"]] == ["ref3", "ref4"]
    assert body["prevHref"] == f"http://testserver{V2}/{REF}?num=2&sort=value&attrs=value&start=0"
    assert body["nextHref"] == f"http://testserver{V2}/{REF}?num=2&sort=value&attrs=value&start=4"
    last = client.get(f"{V2}/{REF}?start=4&num=2", headers=admin).json()
    assert "nextHref" not in last and len(last["items"]) == 1


def test_num_zero_returns_no_items(client: Any, admin: dict[str, str]) -> None:
    body = client.get(f"{V2}/{REF}?num=0", headers=admin).json()
    assert body["total"] == 5 and body["items"] == []


def test_num_and_start_bounds(client: Any, admin: dict[str, str]) -> None:
    error(client.get(f"{V2}/{REF}?num=10001", headers=admin), 400,
          "Field 'num' of 'entityCollectionRequestV2' must be less than or equal to 10000")
    error(client.get(f"{V2}/{REF}?start=-1", headers=admin), 400,
          "Field 'start' of 'entityCollectionRequestV2' must be greater than or equal to 0")


def test_post_tunnel_reads_form_fields(client: Any, admin: dict[str, str]) -> None:
    response = client.post(f"{V2}/{REF}?_method=GET", headers=admin,
                           data={"q": "value=in=(ref1,ref2)", "attrs": "value", "num": "1", "sort": "value:desc"})
    body = response.json()
    assert response.status_code == 200 and body["total"] == 2 and body["items"] == [
        {"_href": f"{V2}/{REF}/ref2", "value": "ref2"}]
    error(client.post(f"{V2}/{REF}?_method=GET", headers=admin, data={"num": "20000"}), 400,
          "Field 'num' of 'entityCollectionRequestV2' must be less than or equal to 10000")
    error(client.post(f"{V2}/{REF}?_method=GET", headers=admin, data={"start": "x"}), 400,
          "Field 'start' of 'entityCollectionRequestV2' Failed to convert property value of type "
          "'java.lang.String' to required type 'int' for property 'start'")
    row = client.post(f"{V2}/{REF}/ref1?_method=GET", headers=admin, data={"attrs": "label"}).json()
    assert list(row) == ["_meta", "_href", "label"]


# -- permissions ---------------------------------------------------------------------------------------------------
def test_anonymous_and_count_only(client: Any) -> None:
    error(client.get(f"{V2}/sys_sec_User"), 401,
          "No 'Read metadata' permission on entity type 'User' with id 'sys_sec_User'.", "DS04")
    counter = login(client, "it-user", "it-password")                       # COUNT on sys_sec_User
    body = client.get(f"{V2}/sys_sec_User?num=0", headers=counter).json()
    assert body["total"] >= 1 and body["items"] == [] and body["meta"]["writable"] is False
    error(client.get(f"{V2}/sys_sec_User", headers=counter), 401,
          "No 'Read data' permission on entity type 'User' with id 'sys_sec_User'.", "DS04")
    assert client.get(f"{V2}/biobank_Sample?num=1").status_code == 200     # anonymous may read the demo


def test_unknown_entity_type_and_row(client: Any, admin: dict[str, str]) -> None:
    error(client.get(f"{V2}/sys_NonExistingEntity", headers=admin), 404,
          "Unknown entity type 'sys_NonExistingEntity'.", "D01")
    error(client.get(f"{V2}/{REF}/ref66", headers=admin), 404,
          "Unknown entity with 'value label' 'ref66' of type 'TypeTestRefAPIV1'.", "D02")
    error(client.get(f"{V2}/{TT}/abc", headers=admin), 404,
          "Unknown entity with 'id label' 'abc' of type 'TypeTestAPIV1'.", "D02")
    error(client.get(f"{V2}/{REF}/meta/nope", headers=admin), 404,
          "Unknown attribute 'nope' of entity type 'TypeTestRefAPIV1'.", "D04")


# -- batch create --------------------------------------------------------------------------------------------------
def test_create_entities(client: Any, admin: dict[str, str]) -> None:
    response = client.post(f"{V2}/{REF}", headers=admin, json={"entities": [
        {"value": "ref55", "label": "label55"}, {"value": "ref 57/x", "label": "label57"}]})
    assert response.status_code == 201 and "location" not in {k.lower() for k in response.headers}
    assert response.json() == {
        "location": f'{V2}/{REF}?q=value=in=("ref55","ref%2057%2Fx")',
        "resources": [{"href": f"{V2}/{REF}/ref55"}, {"href": f"{V2}/{REF}/ref%2057%2Fx"}]}
    assert client.get(f"/api/v1/{REF}/ref55", headers=admin).json()["label"] == "label55"   # one state


def test_create_is_all_or_nothing(client: Any, admin: dict[str, str]) -> None:
    response = client.post(f"{V2}/{REF}", headers=admin, json={"entities": [
        {"value": "ref55", "label": "label55"}, {"value": "ref56"}]})
    assert response.status_code == 400
    assert refs(client, admin) == ["ref1", "ref2", "ref3", "ref4", "ref5"]


@pytest.mark.parametrize(("body", "message"), [
    ({"entities": []}, "Please provide at least one entity in the entities property."),
    ({}, "Please provide at least one entity in the entities property."),
    ({"entities": [{"value": f"r{i}", "label": "x"} for i in range(1001)]}, "Number of entities cannot be more than 1000."),
    ({"entities": "ref1"}, "Invalid request body."),
    ([{"value": "ref55"}], "Invalid request body."),
    ({"entities": [["ref55"]]}, "Invalid request body."),
])
def test_create_body_errors(client: Any, admin: dict[str, str], body: Any, message: str) -> None:
    error(client.post(f"{V2}/{REF}", headers=admin, json=body), 400, message)


def test_create_without_body(client: Any, admin: dict[str, str]) -> None:
    headers = {**admin, "Content-Type": "application/json"}
    error(client.post(f"{V2}/{REF}", headers=headers), 400, "Invalid request body.")
    error(client.post(f"{V2}/{REF}", headers=admin), 415, "Content type '' not supported")


def test_create_needs_add_data(client: Any) -> None:
    counter = login(client, "it-user", "it-password")
    error(client.post(f"{V2}/sys_sec_User", headers=counter, json={"entities": [{"username": "x"}]}), 401,
          "No 'Add data' permission on entity type 'User' with id 'sys_sec_User'.", "DS04")


# -- batch update --------------------------------------------------------------------------------------------------
def test_update_entities_replaces_rows(client: Any, admin: dict[str, str]) -> None:
    response = client.put(f"{V2}/{REF}", headers=admin, json={"entities": [
        {"value": "ref1", "label": "one"}, {"value": "ref2", "label": "two"}]})
    assert response.status_code == 200 and response.content == b""
    rows = client.get(f"/api/v1/{REF}?attributes=label", headers=admin).json()["items"]
    assert {r["label"] for r in rows} >= {"one", "two"}


def test_update_is_all_or_nothing(client: Any, admin: dict[str, str]) -> None:
    error(client.put(f"{V2}/{REF}", headers=admin, json={"entities": [
        {"value": "ref1", "label": "one"}, {"value": "ref555", "label": "x"}]}), 400,
          f"Cannot update [{REF}] with id [ref555] because it does not exist")
    assert client.get(f"{V2}/{REF}/ref1?attrs=label", headers=admin).json()["label"] == "label1"
    error(client.put(f"{V2}/{REF}", headers=admin, json={"entities": [{"label": "x"}]}), 400,
          f"Cannot update [{REF}] with id [null] because it does not exist")
    error(client.put(f"{V2}/{REF}", headers=admin, json={"entities": []}), 400,
          "Please provide at least one entity in the entities property.")
    assert client.put(f"{V2}/{REF}", headers=admin, json={"entities": [{"value": "ref1"}]}).status_code == 400


# -- PUT /{e}/{attribute} ------------------------------------------------------------------------------------------
def test_update_attribute(client: Any, admin: dict[str, str]) -> None:
    response = client.put(f"{V2}/{REF}/label", headers=admin, json={"entities": [
        {"value": "ref1", "label": "relabelled1"}, {"value": "ref2", "label": "relabelled2"}]})
    assert response.status_code == 200
    assert client.get(f"/api/v1/{REF}/ref2", headers=admin).json()["label"] == "relabelled2"


def test_update_attribute_errors(client: Any, admin: dict[str, str]) -> None:
    url = f"{V2}/{REF}"
    error(client.put(f"{url}/nope", headers=admin, json={"entities": [{"value": "ref1", "nope": 1}]}), 404,
          "Unknown attribute 'nope' of entity type 'TypeTestRefAPIV1'.", "D04")
    error(client.put(f"{url}/value", headers=admin, json={"entities": [{"value": "ref1"}]}), 401,
          f"Operation failed. Attribute 'value' of entity '{REF}' is readonly")
    error(client.put(f"{url}/label", headers=admin, json={"entities": [{"value": "ref1", "label": "x", "y": 1}]}),
          400, "Operation failed. Entities must provide only an identifier and a value")
    error(client.put(f"{url}/label", headers=admin, json={"entities": [{"label": "x", "other": 1}]}), 400,
          "Operation failed. Unknown identifier on index 0")
    error(client.put(f"{url}/label", headers=admin, json={"entities": [
        {"value": "ref1", "label": "changed"}, {"value": "ref66", "label": "x"}]}), 404,
          "Unknown entity with 'value label' 'ref66' of type 'TypeTestRefAPIV1'.", "D02")
    assert client.get(f"{V2}/{REF}/ref1?attrs=label", headers=admin).json()["label"] == "label1"   # rolled back


# -- batch delete --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "message"), [
    ({"entityIds": []}, "Please provide at least one entity in the entityIds property."),
    ({"entityIds": [f"r{i}" for i in range(1001)]}, "Number of entity identifiers cannot be more than 1000."),
    ({"entityIds": "ref1"}, "Invalid request body."),
])
def test_delete_body_errors(client: Any, admin: dict[str, str], body: Any, message: str) -> None:
    error(client.request("DELETE", f"{V2}/{REF}", headers=admin, json=body), 400, message)
    assert len(refs(client, admin)) == 5


def test_delete_skips_ids_no_row_can_have(client: Any, admin: dict[str, str]) -> None:
    response = client.request("DELETE", f"{V2}/{TT}", headers=admin, json={"entityIds": ["abc", "1"]})
    assert response.status_code == 204
    error(client.get(f"{V2}/{TT}/1", headers=admin), 404,
          "Unknown entity with 'id label' '1' of type 'TypeTestAPIV1'.", "D02")


def test_delete_needs_delete_data(client: Any) -> None:
    counter = login(client, "it-user", "it-password")
    error(client.request("DELETE", f"{V2}/sys_sec_User", headers=counter, json={"entityIds": ["x"]}), 401,
          "No 'Delete data' permission on entity type 'User' with id 'sys_sec_User'.", "DS04")
    error(client.delete(f"{V2}/sys_sec_User/x", headers=counter), 401,
          "No 'Delete data' permission on entity type 'User' with id 'sys_sec_User'.", "DS04")


def test_delete_from_an_abstract_type(tmp_path: Path) -> None:
    for source in (ROOT / "mockdata" / "molgenis").glob("*.yaml"):
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "model_zz_abstract.yaml").write_text(
        "entity_types:\n  - id: base_Shape\n    package: base\n    abstract: true\n    attributes:\n"
        "      - {name: id, id_attribute: true, nillable: false, unique: true, read_only: true}\n")
    app = create_app(["molgenis"], settings=Settings(data_dirs={"molgenis": tmp_path}))
    with app.test_client() as client:
        error(client.request("DELETE", f"{V2}/base_Shape", headers=login(client), json={"entityIds": ["a"]}), 400,
              "Cannot delete entities because type [base_Shape] is abstract.")


# -- one state, two documents ----------------------------------------------------------------------------------------
def test_v1_and_v2_share_one_state(client: Any, admin: dict[str, str]) -> None:
    assert client.post(f"/api/v1/{REF}", headers=admin, json={"value": "ref77", "label": "from v1"}).status_code == 201
    assert client.get(f"{V2}/{REF}/ref77?attrs=label", headers=admin).json()["label"] == "from v1"
    client.request("DELETE", f"{V2}/{REF}", headers=admin, json={"entityIds": ["ref77"]})
    assert client.get(f"/api/v1/{REF}/ref77", headers=admin).status_code == 404


def test_both_documents_are_served(client: Any) -> None:
    v2 = client.get(f"{V2}/openapi.json").json()
    assert v2["info"]["title"] == "MOLGENIS REST API v2" and v2["servers"][0]["url"] == V2
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "MOLGENIS REST API v1"
    response = client.patch(f"{V2}/{REF}")
    assert response.status_code == 405 and response.headers["content-type"].startswith("application/problem+json")


def test_create_with_a_form_body_is_415(client: Any, admin: dict[str, str]) -> None:
    error(client.post(f"{V2}/{REF}", headers=admin, data={"value": "ref55", "label": "x"}), 415,
          "Content type 'application/x-www-form-urlencoded' not supported")


@pytest.mark.parametrize("path", [f"{V2}/{REF}", f"{V2}/{REF}/ref1", f"{V2}/{REF}/meta/value",
                                  f"{V2}/{REF}?_method=GET"])
def test_WebDataBinder_ignores_undeclared_query_parameters(client: Any, admin: dict[str, str], path: str) -> None:
    """Spring binds the declared parameters and ignores the rest (jQuery's `_=<timestamp>`), in v2 as in v1."""
    method = "POST" if "_method" in path else "GET"
    sep = "&" if "?" in path else "?"
    plain = client.request(method, path, headers=admin)
    extra = client.request(method, f"{path}{sep}_=1700000000000&unknown=x&attributes=label", headers=admin)
    assert plain.status_code == extra.status_code == 200, extra.text
    assert {k: v for k, v in extra.json().items() if not k.endswith("Href")} == \
        {k: v for k, v in plain.json().items() if not k.endswith("Href")}


def test_create_ignores_undeclared_query_parameters(client: Any, admin: dict[str, str]) -> None:
    response = client.post(f"{V2}/{REF}?_=1&attributes=label", json={"entities": [{"value": "ref77", "label": "x"}]},
                           headers=admin)
    assert response.status_code == 201, response.text
    assert client.get(f"{V2}/{REF}/ref77", headers=admin).json()["label"] == "x"
