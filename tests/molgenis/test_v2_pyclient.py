"""molgenis-py-client 2.4.1's own test suite (tests/test_client.py), its v2 cases ported to strict pytest cases: the
real client, unmodified, against the mock over real HTTP, with the data its suite uploads first (all_datatypes.zip,
as tests/molgenis/pyclient_data/).

The suite itself runs unmodified in tests/molgenis/pyclient_suite/ (its zip uploaded through the mock's import
wizard). This port stays because upstream's error cases assert only inside `except` (a call that wrongly succeeds
passes there); here every expected failure must happen (`pytest.raises`). Other differences: the data is seeded,
each case starts from the seed (the admin reset endpoint), and the cases that test the import wizard, the Metadata
API (`get_meta`, `uploadable=True`) or `import_data` are left out. Error texts are compared whole, Tomcat's empty
reason phrase included (`404 Client Error:  for url: ...`; the mock served with `ReasonPhraseH11Protocol`).
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from molgenis.client import Session
from molgenis.errors import MolgenisRequestError

from apitwin.app import create_app
from apitwin.reason_phrase import ReasonPhraseH11Protocol
from apitwin.settings import Settings
from tests.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "pyclient_data"
USER_ENTITY = "sys_sec_User"
REF_ENTITY = "org_molgenis_test_python_TypeTestRef"
ENTITY = "org_molgenis_test_python_TypeTest"
EXPECTED_REF_DATA = [{"_href": f"/api/v2/{REF_ENTITY}/ref{i}", "value": f"ref{i}", "label": f"label{i}"}
                     for i in range(1, 6)]
LOCATION_5 = {"_href": "/api/v2/org_molgenis_test_python_Location/5", "Chromosome": "str1", "Position": 5}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("molgenis_pyclient")
    for source in [*(ROOT / "mockdata" / "molgenis").glob("*.yaml"), *DATA.glob("*.yaml")]:
        shutil.copy(source, data / source.name)
    app = create_app(["molgenis"], settings=Settings(data_dirs={"molgenis": data}))
    running = Receiver(app=app, http=ReasonPhraseH11Protocol).start()
    try:
        yield f"http://127.0.0.1:{running.port}"
    finally:
        running.stop()


@pytest.fixture
def api_url(server: str) -> str:
    requests.post(f"{server}/__apitwin/apis/molgenis/reset", timeout=10).raise_for_status()
    return server


@pytest.fixture
def session(api_url: str) -> Session:
    s = Session(api_url)
    s.login("admin", "admin")
    return s


def failure(call: Any) -> MolgenisRequestError:
    with pytest.raises(MolgenisRequestError) as info:
        call()
    return info.value


def assert_error(error: MolgenisRequestError, status: int, url: str, message: str) -> None:
    assert error.args[0] == f"{status} Client Error:  for url: {url}: {message}"


# -- sessions ---------------------------------------------------------------------------------------------------
def test_login_logout_and_get_MolgenisUser(api_url: str) -> None:
    s = Session(api_url)
    s.login("admin", "admin")
    assert s.get(USER_ENTITY)
    s.logout()
    error = failure(lambda: s._get_batch(USER_ENTITY))
    assert error.args[1].status_code == 401


def test_token_session_and_get_MolgenisUser(api_url: str, session: Session) -> None:
    token = "token_session_test"
    admin = session.get("sys_sec_User", q="username==admin", attributes="id")
    session.add("sys_sec_Token", data={"User": admin[0]["id"], "token": token, "creationDate": "2000-01-01T01:01:01"})
    token_session = Session(api_url, token=token)
    assert token_session.get(USER_ENTITY)
    token_session.logout()
    error = failure(lambda: token_session._get_batch(USER_ENTITY))
    assert error.args[1].status_code == 401


def test_no_login_and_get_MolgenisUser(api_url: str) -> None:
    error = failure(lambda: Session(api_url)._get_batch(USER_ENTITY))
    assert error.args[1].status_code == 401


# -- writes -----------------------------------------------------------------------------------------------------
def test_delete_row(session: Session) -> None:
    session.add_all(REF_ENTITY, [{"value": "ref55", "label": "label55"}])
    response = session.delete(REF_ENTITY, "ref55")
    assert str(response) == "<Response [204]>"
    assert len(session.get(REF_ENTITY)) == 5
    assert len(session.get(REF_ENTITY, q="value=in=(ref55)")) == 0


def test_delete_data(session: Session) -> None:
    """(test_delete_data deletes the uploaded sightings table; the same on the seeded TypeTest rows.)"""
    session.delete(ENTITY)
    assert session.get(ENTITY, raw=True)["total"] == 0


def test_add_all(session: Session) -> None:
    response = session.add_all(REF_ENTITY, [{"value": "ref55", "label": "label55"},
                                            {"value": "ref57", "label": "label57"}])
    assert response == ["ref55", "ref57"]
    item55 = session.get(REF_ENTITY, q="value==ref55")[0]
    assert item55 == {"value": "ref55", "label": "label55", "_href": "/api/v2/" + REF_ENTITY + "/ref55"}
    session.delete(REF_ENTITY, "ref55")
    session.delete(REF_ENTITY, "ref57")


def test_add_all_error(api_url: str, session: Session) -> None:
    """The client's expectation, "The attribute 'label' of entity '...TypeTestRef' can not be null.", is the
    server's not-null text; the mock's v2 batch answers exactly what its v1 create answers for the same row."""
    error = failure(lambda: session.add_all(REF_ENTITY, [{"value": "ref55"}]))
    v1 = requests.post(f"{api_url}/api/v1/{REF_ENTITY}", json={"value": "ref55"},
                       headers={"x-molgenis-token": session._token}, timeout=10)
    assert v1.status_code == 400
    message = v1.json()["errors"][0]["message"]
    assert message.startswith(f"The attribute 'label' of entity '{REF_ENTITY}' can not be null.")
    assert_error(error, 400, f"{api_url}/api/v2/{REF_ENTITY}", message)
    assert session.get(REF_ENTITY, q="value==ref55") == []


def test_delete_list(session: Session) -> None:
    session.add_all(REF_ENTITY, [{"value": "ref55", "label": "label55"}, {"value": "ref57", "label": "label57"}])
    response = session.delete_list(REF_ENTITY, ["ref55", "ref57"])
    assert str(response) == "<Response [204]>"
    assert len(session.get(REF_ENTITY)) == 5
    assert len(session.get(REF_ENTITY, q="value=in=(ref55,ref57)")) == 0


def test_add_dict(session: Session) -> None:
    assert session.add(REF_ENTITY, {"value": "ref55", "label": "label55"}) == "ref55"
    session.delete(REF_ENTITY, "ref55")


def test_update_one(session: Session) -> None:
    assert session.add(REF_ENTITY, {"value": "ref55", "label": "label55"}) == "ref55"
    session.update_one(REF_ENTITY, "ref55", "label", "updated-label55")
    assert session.get_by_id(REF_ENTITY, "ref55", "label")["label"] == "updated-label55"
    session.delete(REF_ENTITY, "ref55")


def test_update_one_error(api_url: str, session: Session) -> None:
    error = failure(lambda: session.update_one(REF_ENTITY, "ref555", "label", "updated-label555"))
    assert_error(error, 404, f"{api_url}/api/v1/{REF_ENTITY}/ref555/label",
                 "Unknown entity with 'value' 'ref555' of type 'TypeTestRef'.")


def test_get_by_id_error(api_url: str, session: Session) -> None:
    """(from test_import_data and test_upsert: get_by_id of a row that does not exist)"""
    error = failure(lambda: session.get_by_id(REF_ENTITY, "ref66", "label"))
    assert_error(error, 404, f"{api_url}/api/v2/{REF_ENTITY}/ref66?attrs=label",
                 "Unknown entity with 'value' 'ref66' of type 'TypeTestRef'.")


def test_update_all(session: Session) -> None:
    assert session.add_all(REF_ENTITY, [{"value": "ref55", "label": "label55"},
                                        {"value": "ref66", "label": "label66"}]) == ["ref55", "ref66"]
    session.update_all(REF_ENTITY, [{"value": "ref55", "label": "updated-label55"},
                                    {"value": "ref66", "label": "updated-label66"}])
    assert session.get_by_id(REF_ENTITY, "ref55", "label")["label"] == "updated-label55"
    assert session.get_by_id(REF_ENTITY, "ref66", "label")["label"] == "updated-label66"
    session.delete_list(REF_ENTITY, ["ref55", "ref66"])


def test_update_all_error(api_url: str, session: Session) -> None:
    error = failure(lambda: session.update_all(REF_ENTITY, [{"value": "ref555", "label": "updated-label555"},
                                                            {"value": "ref666", "label": "updated-label666"}]))
    assert_error(error, 400, f"{api_url}/api/v2/{REF_ENTITY}",
                 f"Cannot update [{REF_ENTITY}] with id [ref555] because it does not exist")


def test_upsert(session: Session) -> None:
    assert session.add(REF_ENTITY, {"value": "ref55", "label": "label55"}) == "ref55"
    session.upsert(REF_ENTITY, [{"value": "ref55", "label": "updated-label55"}, {"value": "ref66", "label": "label66"}])
    assert session.get_by_id(REF_ENTITY, "ref55", "label")["label"] == "updated-label55"
    assert session.get_by_id(REF_ENTITY, "ref66", "label")["label"] == "label66"
    session.delete_list(REF_ENTITY, ["ref55", "ref66"])


def test_add_kwargs(session: Session) -> None:
    assert session.add(REF_ENTITY, value="ref55", label="label55") == "ref55"
    item55 = session.get(REF_ENTITY, q="value==ref55")[0]
    assert item55 == {"value": "ref55", "label": "label55", "_href": "/api/v2/" + REF_ENTITY + "/ref55"}
    session.delete(REF_ENTITY, "ref55")


def test_add_merge_dict_kwargs(session: Session) -> None:
    assert session.add(REF_ENTITY, {"value": "ref55"}, label="label55") == "ref55"
    item55 = session.get(REF_ENTITY, q="value==ref55")[0]
    assert item55 == {"value": "ref55", "label": "label55", "_href": "/api/v2/" + REF_ENTITY + "/ref55"}
    session.delete(REF_ENTITY, "ref55")


# -- reads ------------------------------------------------------------------------------------------------------
def test_get(session: Session) -> None:
    assert session.get(REF_ENTITY) == EXPECTED_REF_DATA


def test_get_raw(session: Session) -> None:
    data = session.get(REF_ENTITY, raw=True)
    assert "meta" in data
    assert "items" in data


def test_get_query(session: Session) -> None:
    assert session.get(REF_ENTITY, q="value==ref1") == [EXPECTED_REF_DATA[0]]


def test_get_num(session: Session) -> None:
    assert len(session.get(REF_ENTITY, num=2)) == 2


def test_get_batch(session: Session) -> None:
    assert session.get(REF_ENTITY, batch_size=2) == EXPECTED_REF_DATA


def test_get_expand(session: Session) -> None:
    first_item = session.get(ENTITY, expand="xcomputedxref")[0]
    assert len(first_item) == 47
    assert first_item["xcomputedxref"] == LOCATION_5


def test_get_expand_attrs(session: Session) -> None:
    first_item = session.get(ENTITY, expand="xcomputedxref", attributes="id,xcomputedxref")[0]
    assert len(first_item) == 3
    assert first_item["xcomputedxref"] == LOCATION_5


def test_get_entity_meta(session: Session) -> None:
    assert session.get_entity_meta_data(USER_ENTITY)["labelAttribute"] == "username"


def test_get_by_id(session: Session) -> None:
    data = session.get_by_id(REF_ENTITY, "ref1")
    del data["_meta"]
    assert data == EXPECTED_REF_DATA[0]


def test_get_by_id_expand(session: Session) -> None:
    assert session.get_by_id(ENTITY, "1", expand="xcomputedxref")["xcomputedxref"] == LOCATION_5


def test_get_by_id_no_expand(session: Session) -> None:
    data = session.get_by_id(ENTITY, "1")
    assert data["xcomputedxref"] == {"_href": "/api/v2/org_molgenis_test_python_Location/5", "Position": 5}
