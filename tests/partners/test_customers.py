"""Partners API, customers (G1 customers.md; C9-C14) and the request handling every create shares: content types,
malformed bodies, size limit, unknown fields and query parameters, opt-in paging (C4)."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.settings import Settings
from tests.partners.helpers import (DATETIME, LIMITED, assert_error, assert_not_found, create_customer, get_json,
                                    ids, reset_app)

URL = "/api/v1/customers/"
SEEDED = [319, 320, 321, 322, 323]
JON = {"reference_id": "cs7010", "first_name": "Jon", "last_name": "Snow", "email": "jon.snow@winterfell.com",
       "date_of_birth": "1996-01-28", "consent_date": "2019-10-01", "gender": "male", "ethnicity": ["asian", "african"],
       "caffeine_consumption": "yes", "diet": ["no_meat", "no_gluten"]}
CUSTOMER_KEYS = {"id", "created_at", "first_name", "last_name", "reference_id", "email", "date_of_birth",
                 "consent_date", "gender", "ethnicity", "caffeine_consumption", "diet"}


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


def post(client: Any, auth: dict[str, str], body: Any) -> Any:
    return client.post(URL, json=body, headers=auth)


# -- create, get, list ---------------------------------------------------------------------------------------------

def test_create_echoes_every_field_with_id_created_at_and_location(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, JON)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CUSTOMER_KEYS
    assert {k: body[k] for k in JON} == JON
    assert isinstance(body["id"], int) and body["id"] not in SEEDED
    assert DATETIME.match(body["created_at"]), body["created_at"]
    assert response.headers["location"] == f"/api/v1/customers/{body['id']}/"


def test_get_by_id_returns_exactly_what_create_returned(client: Any, auth: dict[str, str]) -> None:
    created = post(client, auth, JON).json()
    assert get_json(client, f"{URL}{created['id']}/", auth) == created


def test_location_header_leads_to_the_customer(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, {"first_name": "Arya", "last_name": "Stark"})
    assert get_json(client, response.headers["location"], auth) == response.json()


def test_list_is_a_bare_array_ascending_with_the_new_customer_last(client: Any, auth: dict[str, str]) -> None:
    before = get_json(client, URL, auth)
    assert isinstance(before, list) and ids(before) == SEEDED
    first = create_customer(client, auth, first_name="One")
    second = create_customer(client, auth, first_name="Two")
    after = get_json(client, URL, auth)
    assert ids(after) == SEEDED + [first["id"], second["id"]]
    assert ids(after) == sorted(ids(after))
    assert after[-1] == second and after[-2] == first


def test_seeded_customer_matches_the_vendor_example(client: Any, auth: dict[str, str]) -> None:
    jon = get_json(client, f"{URL}319/", auth)
    assert {k: jon[k] for k in JON} == JON
    assert jon["created_at"] == "2019-10-01T10:00:00+00:00"


def test_minimal_customer_gets_nulls_and_empty_lists(client: Any, auth: dict[str, str]) -> None:
    body = create_customer(client, auth, first_name="Arya", last_name="Stark")
    assert body["reference_id"] is None and body["email"] is None and body["date_of_birth"] is None
    assert body["consent_date"] is None and body["gender"] is None and body["caffeine_consumption"] is None
    assert body["ethnicity"] == [] and body["diet"] == []


def test_names_are_trimmed(client: Any, auth: dict[str, str]) -> None:
    body = create_customer(client, auth, first_name="  Ann ", last_name=" Lee ")
    assert (body["first_name"], body["last_name"]) == ("Ann", "Lee")


def test_reference_id_need_not_be_unique(client: Any, auth: dict[str, str]) -> None:
    first = create_customer(client, auth, reference_id="cs7010")
    assert first["reference_id"] == "cs7010"  # 319 and 320 already use it (C14)


# -- G2 and case variants (C9-C12) ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fields,expected", [
    ({"sex": "female"}, {"gender": "female"}),
    ({"sex": "Male"}, {"gender": "male"}),
    ({"gender": "Male"}, {"gender": "male"}),
    ({"gender": "FEMALE"}, {"gender": "female"}),
    ({"caffeine_consumption": True}, {"caffeine_consumption": "yes"}),
    ({"caffeine_consumption": False}, {"caffeine_consumption": "no"}),
    ({"caffeine_consumption": "YES"}, {"caffeine_consumption": "yes"}),
    ({"caffeine_consumption": "No"}, {"caffeine_consumption": "no"}),
    ({"ethnicity": ["african"]}, {"ethnicity": ["african"]}),
    ({"ethnicity": ["black"]}, {"ethnicity": ["black"]}),
    ({"ethnicity": ["asian", "african", "black", "latino", "caucasian"]},
     {"ethnicity": ["asian", "african", "black", "latino", "caucasian"]}),
], ids=lambda v: str(v))
def test_variants_are_accepted_and_answered_in_the_g1_form(client: Any, auth: dict[str, str],
                                                           fields: dict[str, Any], expected: dict[str, Any]) -> None:
    response = post(client, auth, {"first_name": "Sansa", "last_name": "Stark", **fields})
    assert response.status_code == 201, response.text
    body = response.json()
    assert "sex" not in body
    for key, value in expected.items():
        assert body[key] == value
    assert get_json(client, f"{URL}{body['id']}/", auth) == body


def test_vendor_g2_create_example(client: Any, auth: dict[str, str]) -> None:
    g2 = {**JON, "caffeine_consumption": True}
    g2["sex"] = g2.pop("gender")
    body = post(client, auth, g2).json()
    assert body["gender"] == "male" and body["caffeine_consumption"] == "yes"


@pytest.mark.parametrize("pair", [{"gender": "male", "sex": "female"}, {"gender": "male", "sex": "MALE"},
                                  {"gender": None, "sex": "female"}])
def test_gender_and_sex_together_are_a_field_error(client: Any, auth: dict[str, str], pair: dict[str, Any]) -> None:
    """One of the two spellings, not both: the schema's `not: {required: [gender, sex]}` (C9), worded as DRF would."""
    body = assert_error(post(client, auth, {"first_name": "a", "last_name": "b", **pair}), 400, fields=["sex"])
    assert body["errors"] == {"sex": ["Conflicts with gender; send one of them."]}


def test_unknown_body_fields_are_ignored(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, {"first_name": "a", "last_name": "b", "nickname": "x", "id": 1, "created_at": "x"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert "nickname" not in body and body["id"] != 1 and DATETIME.match(body["created_at"])


# -- validation ----------------------------------------------------------------------------------------------------

def test_missing_first_and_last_name_are_reported_together(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(post(client, auth, {"email": "x@example.com"}), 400, fields=["first_name", "last_name"])
    assert body["errors"]["first_name"] == ["This field is required."]
    assert body["errors"]["last_name"] == ["This field is required."]


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_first_name(client: Any, auth: dict[str, str], blank: str) -> None:
    body = assert_error(post(client, auth, {"first_name": blank, "last_name": "Snow"}), 400, fields=["first_name"])
    assert body["errors"]["first_name"] == ["This field may not be blank."]


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "@example.com", "a b@example.com", ""])
def test_bad_email(client: Any, auth: dict[str, str], email: str) -> None:
    body = assert_error(post(client, auth, {"first_name": "a", "last_name": "b", "email": email}), 400,
                        fields=["email"])
    assert body["errors"]["email"] == ["Enter a valid email address."]


@pytest.mark.parametrize("field,value", [
    ("date_of_birth", "1990-13-01"), ("consent_date", "1990-13-01"), ("date_of_birth", "2019-02-30"),
    ("consent_date", "01/02/2019"), ("date_of_birth", "1990-01-01T00:00:00+00:00"),
])
def test_bad_dates(client: Any, auth: dict[str, str], field: str, value: str) -> None:
    assert_error(post(client, auth, {"first_name": "a", "last_name": "b", field: value}), 400, fields=[field])


def test_every_violation_is_reported_at_once(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, {
        "first_name": "", "email": "bad", "date_of_birth": "1990-13-01", "ethnicity": ["martian"],
        "diet": ["no_meat", "no_meat"], "gender": "other", "caffeine_consumption": "maybe"})
    body = assert_error(response, 400)
    errors = body["errors"]
    expected = {"first_name", "last_name", "email", "date_of_birth", "gender", "caffeine_consumption", "diet"}
    assert expected <= set(errors), errors
    assert any(key == "ethnicity" or key.startswith("ethnicity.") for key in errors), errors
    assert body["messages"] == []


def test_blank_name_is_reported_together_with_schema_violations(client: Any, auth: dict[str, str]) -> None:
    response = post(client, auth, {"first_name": "   ", "last_name": "Snow", "date_of_birth": "1990-13-01"})
    assert_error(response, 400, fields=["first_name", "date_of_birth"])


@pytest.mark.parametrize("fields", [{"gender": "male\n"}, {"sex": "female\n"}, {"caffeine_consumption": "yes\n"},
                                    {"email": "jon.snow@winterfell.com\n"}], ids=lambda v: str(v))
def test_trailing_newline_in_checked_fields_is_a_field_error(client: Any, auth: dict[str, str],
                                                             fields: dict[str, Any]) -> None:
    assert_error(post(client, auth, {"first_name": "a", "last_name": "b", **fields}), 400, fields=list(fields))


@pytest.mark.parametrize("fields,bad", [
    ({"first_name": 5}, "first_name"),
    ({"last_name": ["Snow"]}, "last_name"),
    ({"reference_id": 7010}, "reference_id"),
    ({"ethnicity": "asian"}, "ethnicity"),
    ({"diet": "no_meat"}, "diet"),
    ({"gender": 1}, "gender"),
    ({"caffeine_consumption": 1}, "caffeine_consumption"),
    ({"email": 5}, "email"),
], ids=lambda v: str(v))
def test_wrong_types_are_field_errors(client: Any, auth: dict[str, str], fields: dict[str, Any], bad: str) -> None:
    body = {"first_name": "a", "last_name": "b", **fields}
    assert_error(post(client, auth, body), 400, fields=[bad])


@pytest.mark.parametrize("fields", [{"ethnicity": ["martian"]}, {"diet": ["vegan"]}, {"diet": ["no_meat", "no_meat"]},
                                    {"ethnicity": ["asian", "asian"]}, {"gender": "other"}, {"sex": "x"},
                                    {"caffeine_consumption": "sometimes"}], ids=lambda v: str(v))
def test_enum_and_duplicate_violations(client: Any, auth: dict[str, str], fields: dict[str, Any]) -> None:
    body = assert_error(post(client, auth, {"first_name": "a", "last_name": "b", **fields}), 400)
    (name,) = fields
    assert all(key == name or key.startswith(name + ".") for key in body["errors"]), body


def test_nothing_is_created_by_a_rejected_request(client: Any, auth: dict[str, str]) -> None:
    post(client, auth, {"first_name": "a", "last_name": "b", "email": "bad"})
    assert ids(get_json(client, URL, auth)) == SEEDED


# -- body handling -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_non_json_content_type_is_415(client: Any, auth: dict[str, str], content_type: str) -> None:
    response = client.post(URL, content=b'{"first_name": "a", "last_name": "b"}',
                           headers={**auth, "Content-Type": content_type})
    assert_error(response, 415)


def test_missing_content_type_is_415(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, content=b'{"first_name": "a", "last_name": "b"}', headers=auth)
    assert_error(response, 415)


def test_json_with_charset_is_accepted(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, content='{"first_name": "Zoë", "last_name": "b"}'.encode(),
                           headers={**auth, "Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 201 and response.json()["first_name"] == "Zoë"


@pytest.mark.parametrize("raw", [b'{"first_name": "a",', b"{'first_name': 'a'}", b"nope", b'{"a": 1} trailing'])
def test_malformed_json_is_400(client: Any, auth: dict[str, str], raw: bytes) -> None:
    body = assert_error(client.post(URL, content=raw, headers={**auth, "Content-Type": "application/json"}), 400)
    assert body["messages"], body


def test_non_utf8_body_is_400(client: Any, auth: dict[str, str]) -> None:
    response = client.post(URL, content=b'{"first_name": "\xff\xfe", "last_name": "b"}',
                           headers={**auth, "Content-Type": "application/json"})
    assert_error(response, 400)


def test_empty_body_is_400(client: Any, auth: dict[str, str]) -> None:
    assert_error(client.post(URL, content=b"", headers={**auth, "Content-Type": "application/json"}), 400)


@pytest.mark.parametrize("payload", [[{"first_name": "a", "last_name": "b"}], "customer", 5, None],
                         ids=["array", "string", "number", "null"])
def test_json_that_is_not_an_object_is_400(client: Any, auth: dict[str, str], payload: Any) -> None:
    assert_error(post(client, auth, payload), 400)


def test_body_over_the_default_limit_is_413(client: Any, auth: dict[str, str]) -> None:
    big = b'{"first_name": "' + b"a" * 1_000_001 + b'", "last_name": "b"}'
    response = client.post(URL, content=big, headers={**auth, "Content-Type": "application/json"})
    assert_error(response, 413)


def test_body_over_a_configured_limit_is_413_and_under_it_is_accepted() -> None:
    app = reset_app(LIMITED)
    with app.test_client() as client:
        token = client.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
        auth = {"Authorization": f"JWT {token.json()['token']}"}
        assert_error(client.post(URL, json={"first_name": "a" * 600, "last_name": "b"}, headers=auth), 413)
        chunked = client.post(URL, content=iter([b'{"first_name": "', b"a" * 600, b'", "last_name": "b"}']),
                              headers={**auth, "Content-Type": "application/json"})
        assert_error(chunked, 413)
        assert client.post(URL, json={"first_name": "a" * 100, "last_name": "b"}, headers=auth).status_code == 201


# -- query parameters and paging (C4) ------------------------------------------------------------------------------

def test_unknown_query_parameter_is_a_field_error(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(client.get(URL, params={"first_name": "Jon"}, headers=auth), 400, fields=["first_name"])
    assert body["messages"] == []


def test_first_page(client: Any, auth: dict[str, str]) -> None:
    page = get_json(client, URL, auth, page=1, page_size=2)
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 5
    assert ids(page["results"]) == [319, 320]
    assert page["previous"] is None
    assert page["next"].startswith("http://testserver/api/v1/customers/?")
    assert "page=2" in page["next"] and "page_size=2" in page["next"]


def test_following_next_and_previous_links(client: Any, auth: dict[str, str]) -> None:
    first = get_json(client, URL, auth, page=1, page_size=2)
    second = client.get(first["next"], headers=auth).json()
    assert ids(second["results"]) == [321, 322]
    assert "page=1" in second["previous"] and second["previous"].startswith("http://testserver/")
    third = client.get(second["next"], headers=auth).json()
    assert ids(third["results"]) == [323] and third["next"] is None
    back = client.get(third["previous"], headers=auth).json()
    assert back == second


def test_page_size_alone_asks_for_page_one(client: Any, auth: dict[str, str]) -> None:
    page = get_json(client, URL, auth, page_size=3)
    assert ids(page["results"]) == [319, 320, 321] and page["count"] == 5


def test_page_alone_uses_the_default_size(client: Any, auth: dict[str, str]) -> None:
    page = get_json(client, URL, auth, page=1)
    assert ids(page["results"]) == SEEDED and page["next"] is None and page["previous"] is None


def test_page_beyond_the_end_is_empty(client: Any, auth: dict[str, str]) -> None:
    page = get_json(client, URL, auth, page=99, page_size=2)
    assert page["results"] == [] and page["count"] == 5 and page["next"] is None


def test_paging_counts_new_customers(client: Any, auth: dict[str, str]) -> None:
    created = create_customer(client, auth)
    page = get_json(client, URL, auth, page=3, page_size=2)
    assert page["count"] == 6 and ids(page["results"]) == [323, created["id"]]


@pytest.mark.parametrize("params,field", [
    ({"page": 0}, "page"), ({"page": -1}, "page"), ({"page": "abc"}, "page"),
    ({"page_size": 0}, "page_size"), ({"page_size": 1001}, "page_size"), ({"page_size": "x"}, "page_size"),
])
def test_invalid_paging_parameters(client: Any, auth: dict[str, str], params: dict[str, Any], field: str) -> None:
    assert_error(client.get(URL, params=params, headers=auth), 400, fields=[field])


# -- not found -----------------------------------------------------------------------------------------------------

def test_unknown_customer_is_404(client: Any, auth: dict[str, str]) -> None:
    assert_not_found(client.get(f"{URL}999999/", headers=auth))


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1.5"])
def test_malformed_customer_id_is_404_or_400_in_the_error_shape(client: Any, auth: dict[str, str], raw: str) -> None:
    response = client.get(f"{URL}{raw}/", headers=auth)
    assert response.status_code in (400, 404), response.text
    assert_error(response, response.status_code)


def test_method_not_allowed_is_405_in_the_error_shape(client: Any, auth: dict[str, str]) -> None:
    response = client.delete(f"{URL}319/", headers=auth)
    assert_error(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET"}
    assert get_json(client, f"{URL}319/", auth)["id"] == 319


def test_unknown_path_is_404_in_the_error_shape(client: Any, auth: dict[str, str]) -> None:
    assert_not_found(client.get("/api/v1/clients/", headers=auth))
