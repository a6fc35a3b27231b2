"""The real molgenis-py-client 2.4.1, unmodified, against the mock over real HTTP: the v1 calls it makes
(login, logout, add, update_one, delete, the two meta reads, error messages) and the v1 expectations of its own test
suite (`tests/test_client.py`), adapted to the upstream fixture types (`V1_API_TypeTestRefAPIV1` instead of the
client's `org_molgenis_test_python_TypeTestRef`); docs/molgenis-server.md, "Real clients".

Error messages: requests formats `"<status> Client Error: <reason> for url: <url>"` and the mock (uvicorn) sends a
reason phrase where Tomcat sends none, so these tests compare the status prefix and the
`: <molgenis message>` tail only."""
from __future__ import annotations

import io
from typing import Any, Callable

import pytest
import requests
from molgenis.client import Session
from molgenis.errors import MolgenisRequestError


REF = "V1_API_TypeTestRefAPIV1"
TT = "V1_API_TypeTestAPIV1"
ITEMS = "V1_API_Items"
PERSON = "V1_API_PersonAPIV1"

ORACLE_1 = {
    "href": "/api/v1/sys_sec_User/meta/username", "fieldType": "STRING", "name": "username", "label": "Username",
    "attributes": [], "enumOptions": [], "maxLength": 255, "auto": False, "nillable": False, "readOnly": True,
    "labelAttribute": True, "unique": True, "visible": True, "lookupAttribute": True, "isAggregatable": False,
    "validationExpression": "regex('^\\\\S.+\\\\S$', {username})",
}
assert ORACLE_1["validationExpression"] == r"regex('^\\S.+\\S$', {username})"


# -- helpers --------------------------------------------------------------------------------------------------------
@pytest.fixture
def base(served_molgenis: str) -> str:
    return served_molgenis


@pytest.fixture
def session(base: str) -> Session:
    """An admin session, as in the py-client's own tests."""
    s = Session(base)
    s.login("admin", "admin")
    return s


def raw_token(base: str, username: str = "admin", password: str = "admin") -> str:
    response = requests.post(f"{base}/api/v1/login", json={"username": username, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def v1_get(base: str, path: str, token: str | None) -> requests.Response:
    headers = {"Accept": "application/json"}
    if token:
        headers["x-molgenis-token"] = token
    return requests.get(f"{base}/api/v1/{path}", headers=headers, timeout=10)


def v1_json(base: str, path: str, token: str | None) -> Any:
    response = v1_get(base, path, token)
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


def client_error(call: Callable[[], Any], status: int) -> MolgenisRequestError:
    """Runs a client call that must fail with `status`; checks the client's message is
    `<status> ... Error: ... : errors[0].message` (i.e. the body carried errors[0].message; no KeyError)."""
    with pytest.raises(MolgenisRequestError) as info:
        call()
    error = info.value
    kind = "Client" if status < 500 else "Server"
    assert error.message.startswith(f"{status} {kind} Error:"), error.message
    # MolgenisRequestError only keeps a truthy response, and an error Response is falsy: read it from the HTTPError
    response = error.__context__.response
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"errors"}, body
    detail = body["errors"][0]["message"]
    assert isinstance(detail, str) and detail
    assert error.message.endswith(f": {detail}"), (error.message, detail)
    return error


def assert_tail(error: MolgenisRequestError, message: str) -> None:
    assert error.message.endswith(f": {message}"), error.message


def required_typetest(row_id: int) -> dict[str, Any]:
    """The non-nillable V1_API_TypeTestAPIV1 attributes without a default."""
    return {"id": row_id, "xxref_value": "ref1", "xmref_value": ["ref1", "ref3"], "xstring_unique": f"str{row_id}",
            "xint_unique": row_id}


# -- login and logout -----------------------------------------------------------------------------------------------
def test_login(base: str) -> None:
    s = Session(base)
    s.login("admin", "admin")
    assert isinstance(s._token, str) and len(s._token) == 32
    assert all(c in "0123456789abcdef" for c in s._token)
    assert s.get_entity_meta_data("sys_sec_User")["name"] == "sys_sec_User"


def test_login_with_api_suffix_in_url(base: str) -> None:
    """The client strips a trailing `/api` (and `/`) from the URL it is given."""
    s = Session(f"{base}/api/")
    s.login("admin", "admin")
    assert s.get_attribute_meta_data("sys_sec_User", "username")["name"] == "username"


def test_login_bad_credentials(base: str) -> None:
    error = client_error(lambda: Session(base).login("admin", "wrong"), 401)
    assert_tail(error, "Bad credentials")


def test_logout_then_token_is_anonymous(base: str, session: Session) -> None:
    old = session._token
    assert v1_json(base, "sys_sec_User", old)["total"] >= 1
    session.logout()
    assert session._token is None
    denied = "No 'Read metadata' permission on entity type 'User' with id 'sys_sec_User'."
    # the client keeps sending the old header after logout: the mock must treat it as anonymous
    assert_tail(client_error(lambda: session.get_entity_meta_data("sys_sec_User"), 401), denied)
    response = v1_get(base, "sys_sec_User", old)
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": denied, "code": "DS04"}]}


# -- add ------------------------------------------------------------------------------------------------------------
def test_add_dict(base: str, session: Session) -> None:
    assert session.add(REF, {"value": "ref55", "label": "label55"}) == "ref55"
    assert v1_json(base, f"{REF}/ref55", session._token) == {
        "href": f"/api/v1/{REF}/ref55", "value": "ref55", "label": "label55"}


def test_add_kwargs(base: str, session: Session) -> None:
    assert session.add(REF, value="ref55", label="label55") == "ref55"
    assert v1_json(base, f"{REF}/ref55", session._token)["label"] == "label55"


def test_add_merge_dict_kwargs(base: str, session: Session) -> None:
    assert session.add(REF, {"value": "ref55"}, label="label55") == "ref55"
    assert v1_json(base, f"{REF}/ref55", session._token)["label"] == "label55"


def test_add_bools(base: str, session: Session) -> None:
    """`True`/`False` arrive as the form strings "True"/"False"."""
    assert session.add(TT, data={**required_typetest(55), "xbool": True, "xboolnillable": False}) == "55"
    row = v1_json(base, f"{TT}/55", session._token)
    assert (row["xbool"], row["xboolnillable"]) == (True, False)
    assert session.add(TT, data={**required_typetest(56), "xbool": False, "xboolnillable": True}) == "56"
    row = v1_json(base, f"{TT}/56", session._token)
    assert (row["xbool"], row["xboolnillable"]) == (False, True)


def test_add_numbers(base: str, session: Session) -> None:
    data = {**required_typetest(55), "xint": 7, "xdecimal": 2.5, "xlong": 12345678901, "xintrange": 10,
            "xlongrangenillable": 0}
    assert session.add(TT, data=data) == "55"
    row = v1_json(base, f"{TT}/55", session._token)
    assert (row["id"], row["xint"], row["xdecimal"], row["xlong"], row["xintrange"], row["xlongrangenillable"],
            row["xint_unique"]) == (55, 7, 2.5, 12345678901, 10, 0, 55)


def test_add_mref_as_repeated_keys(base: str, session: Session) -> None:
    data = {**required_typetest(55), "xcategoricalmref_value": ["ref2", "ref4", "ref5"]}
    assert session.add(TT, data=data) == "55"
    mref = v1_json(base, f"{TT}/55/xmref_value", session._token)
    assert [item["value"] for item in mref["items"]] == ["ref1", "ref3"]
    assert mref["total"] == 2
    categorical = v1_json(base, f"{TT}/55/xcategoricalmref_value", session._token)
    assert [item["value"] for item in categorical["items"]] == ["ref2", "ref4", "ref5"]


def test_add_missing_keys_get_defaults(base: str, session: Session) -> None:
    assert session.add(TT, data=required_typetest(55)) == "55"
    row = v1_json(base, f"{TT}/55", session._token)
    expected = {
        "xbool": False, "xboolnillable": True, "xcompound_int": 1, "xcompound_string": "xcompound_string",
        "xdate": "2014-08-01", "xdatenillable": "2015-04-01", "xdatetime": "1985-08-12T06:12:13Z",
        "xdecimal": 10.234, "xdecimalnillable": 15.666, "xemail": "test@x.y.z", "xemailnillable": "molgenis@gmail.com",
        "xenum": "enum1", "xenumnillable": "enum3", "xhtml": "<h1>html</h1>", "xhyperlink": "http://www.nu.nl/",
        "xint": 3, "xintnillable": 1, "xintrange": 6, "xintrangenillable": 77, "xlong": 12342151234,
        "xlongrange": 5, "xstring": "xstring", "xstringnillable": "xstringnillable", "xtext": "xtext",
        "xstring_hidden": "xstring", "xstringnillable_hidden": "xstringhidden",
    }
    assert {key: row.get(key) for key in expected} == expected
    assert v1_json(base, f"{TT}/55/xcategorical_value", session._token)["value"] == "ref1"
    assert v1_json(base, f"{TT}/55/xcategoricalnillable_value", session._token)["value"] == "ref2"
    mref = v1_json(base, f"{TT}/55/xcategoricalmref_value", session._token)
    assert [item["value"] for item in mref["items"]] == ["ref1", "ref2"]
    assert "xxrefnillable_value" not in row and "xfile" not in row       # no default: null, so absent


def test_add_auto_id(base: str, session: Session) -> None:
    first = session.add(PERSON, age=17, driverslicence=False)
    second = session.add(PERSON, data={"age": 42, "driverslicence": True})
    assert first and second and first != second
    assert v1_json(base, f"{PERSON}/{first}", session._token) == {
        "href": f"/api/v1/{PERSON}/{first}", "id": first, "age": 17, "driverslicence": False}
    assert v1_json(base, f"{PERSON}/{second}", session._token)["age"] == 42


def test_add_multipart_file(base: str, session: Session) -> None:
    content = b"file content\n"
    assert session.add("base_ApiTestFile", data={"id": "7"},
                       files={"file": ("test.txt", io.BytesIO(content), "text/plain")}) == "7"
    row = v1_json(base, "base_ApiTestFile/7?expand=file", session._token)
    file_meta = row["file"]
    assert (file_meta["filename"], file_meta["contentType"], file_meta["size"]) == ("test.txt", "text/plain",
                                                                                     len(content))
    assert file_meta["href"] == f"/api/v1/sys_FileMeta/{file_meta['id']}"


# -- update_one -----------------------------------------------------------------------------------------------------
def test_update_one(base: str, session: Session) -> None:
    session.add(REF, {"value": "ref55", "label": "label55"})
    response = session.update_one(REF, "ref55", "label", "updated-label55")
    assert response.status_code == 200
    assert v1_json(base, f"{REF}/ref55", session._token)["label"] == "updated-label55"


def test_update_one_error(base: str, session: Session) -> None:
    error = client_error(lambda: session.update_one(REF, "ref555", "label", "updated-label555"), 404)
    assert f" for url: {base}/api/v1/{REF}/ref555/label: " in error.message
    assert_tail(error, "Unknown entity with 'value label' 'ref555' of type 'TypeTestRefAPIV1'.")
    assert error.__context__.response.json()["errors"][0]["code"] == "D02"


# -- delete ---------------------------------------------------------------------------------------------------------
def test_delete_row(base: str, session: Session) -> None:
    session.add(REF, {"value": "ref55", "label": "label55"})
    response = session.delete(REF, "ref55")
    assert str(response) == "<Response [204]>"
    assert v1_get(base, f"{REF}/ref55", session._token).status_code == 404


def test_delete_data(base: str, session: Session) -> None:
    assert v1_json(base, ITEMS, session._token)["total"] == 5
    response = session.delete(ITEMS)
    assert str(response) == "<Response [204]>"
    body = v1_json(base, ITEMS, session._token)
    assert (body["total"], body["items"]) == (0, [])


# -- metadata -------------------------------------------------------------------------------------------------------
def test_get_entity_meta(session: Session) -> None:
    meta = session.get_entity_meta_data("sys_sec_User")
    assert meta["labelAttribute"] == "username"
    assert meta["idAttribute"] == "id"
    assert meta["attributes"]["username"]["fieldType"] == "STRING"     # expand=attributes: full ARs
    assert meta["attributes"]["active"]["fieldType"] == "BOOL"


def test_get_entity_meta_fixture_type(session: Session) -> None:
    meta = session.get_entity_meta_data(TT)
    assert (meta["idAttribute"], meta["labelAttribute"]) == ("id", "id")
    assert meta["attributes"]["xxref_value"]["fieldType"] == "XREF"
    assert meta["attributes"]["xmref_value"]["fieldType"] == "MREF"
    assert meta["attributes"]["xcompound"]["fieldType"] == "COMPOUND"


def test_get_attribute_meta(session: Session) -> None:
    assert session.get_attribute_meta_data("sys_sec_User", "username") == ORACLE_1


# -- token session ---------------------------------------------------------------------------------------------------
def test_token_session_and_get_user(base: str, session: Session) -> None:
    users = requests.post(f"{base}/api/v1/sys_sec_User?_method=GET", headers={"x-molgenis-token": session._token},
                          json={"q": [{"field": "username", "operator": "EQUALS", "value": "admin"}]}, timeout=10)
    admin_id = users.json()["items"][0]["id"]
    session.add("sys_sec_Token", data={"User": admin_id, "token": "token_session_test",
                                       "creationDate": "2000-01-01T01:01:01"})
    token_session = Session(base, token="token_session_test")
    assert token_session.get_entity_meta_data("sys_sec_User")["labelAttribute"] == "username"
    assert v1_json(base, "sys_sec_User", "token_session_test")["total"] >= 1
    token_session.logout()
    assert v1_get(base, "sys_sec_User", "token_session_test").status_code == 401


# -- every error status carries errors[0].message -------------------------------------------------------------------
READ_ONLY = f"Attribute 'value' of entity '{REF}' is readonly"
ERRORS: list[tuple[str, Callable[[str, Session], Any], int, str | None]] = [
    ("login-blank-400", lambda b, s: Session(b).login("", "admin"), 400, "must not be blank"),
    ("add-missing-id-400", lambda b, s: s.add(REF, label="label55"), 400, None),
    ("add-duplicate-id-400", lambda b, s: s.add(REF, value="ref1", label="again"), 400, None),
    ("update-one-bad-date-400", lambda b, s: s.update_one(TT, "1", "xdate", "notadate"), 400,
     "Failed to parse attribute [xdate] value [notadate] as date. Valid date format is [YYYY-MM-DD]."),
    ("add-anonymous-401", lambda b, s: Session(b).add(REF, value="ref55", label="label55"), 401,
     f"No 'Read metadata' permission on entity type 'TypeTestRefAPIV1' with id '{REF}'."),
    ("update-one-read-only-401", lambda b, s: s.update_one(REF, "ref1", "value", "ref9"), 401, READ_ONLY),
    ("meta-unknown-type-404", lambda b, s: s.get_entity_meta_data("sys_Nope"), 404, "Unknown entity type 'sys_Nope'."),
    ("attribute-meta-unknown-404", lambda b, s: s.get_attribute_meta_data(REF, "nope"), 404,
     f"Unknown entity type '{REF}'."),
    ("update-one-unknown-attribute-404", lambda b, s: s.update_one(REF, "ref1", "nope", "x"), 404,
     "Unknown attribute 'nope' of entity type 'TypeTestRefAPIV1'."),
    ("delete-unknown-type-404", lambda b, s: s.delete("sys_Nope", "x"), 404, "Unknown entity type 'sys_Nope'."),
    ("logout-twice-404", lambda b, s: (s.logout(), s.logout()), 404, "Invalid token"),
    ("add-without-body-415", lambda b, s: s.add(REF), 415, None),
    # the server answers 500 (NumberFormatException); the mock's documented delta is 400 (docs/molgenis-deltas.md)
    ("add-bad-int-400", lambda b, s: s.add(TT, data={**required_typetest(55), "xint": "abc"}), 400,
     f"Invalid int value 'abc' for attribute 'xint label' of entity '{TT}'."),
]


@pytest.mark.parametrize(("call", "status", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error_path_message(base: str, session: Session, call: Callable[[str, Session], Any], status: int,
                            message: str | None) -> None:
    error = client_error(lambda: call(base, session), status)
    if message is not None:
        assert_tail(error, message)


def test_delete_without_permission_error(base: str) -> None:
    s = Session(base)
    s.login("it-user", "it-password")
    error = client_error(lambda: s.delete("sys_scr_ScriptType", "R"), 401)
    assert_tail(error, "No 'Delete data' permission on entity type 'Script type' with id 'sys_scr_ScriptType'.")
