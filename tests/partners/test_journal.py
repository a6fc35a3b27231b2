"""The request journal on the Partners mock: a refused create is journaled with the error body's violations (JSON
pointers into the body) and the JWT masked; a query parameter's violation says `in: query`; verification finds it."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from apitwin.verify import MockJournal
from tests.partners.helpers import DEMO, TOKEN_URL, assert_error

CUSTOMERS = "/api/v1/customers/"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with create_app(["partners"], settings=Settings()).test_client() as test_client:
        yield test_client


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    client.delete("/__apitwin/requests")
    response = client.post(TOKEN_URL, json={"username": DEMO[0], "password": DEMO[1]})
    return {"Authorization": f"JWT {response.json()['token']}"}


def test_refused_create_carries_the_error_bodys_violations(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(client.post(CUSTOMERS, headers=auth, json={"first_name": 7, "gender": "x"}), 400)
    [exchange] = client.post("/__apitwin/requests/find", json={"method": "POST", "path": CUSTOMERS}).json()["requests"]
    assert exchange["api"] == "partners" and exchange["operation"] == "createCustomer"
    shown = {(v["pointer"], v["message"]) for v in exchange["violations"]}
    assert shown == {(f"/{field}", m) for field, messages in body["errors"].items() for m in messages}
    assert all(v["in"] == "body" for v in exchange["violations"])
    assert json.loads(exchange["response"]["body"]) == body
    assert ["authorization", "JWT ********"] in exchange["request"]["headers"]


def test_a_query_parameters_violation_says_so(client: Any, auth: dict[str, str]) -> None:
    body = assert_error(client.get(f"{CUSTOMERS}?page=0", headers=auth), 400)
    [exchange] = client.get("/__apitwin/requests", params={"status": "400"}).json()["items"]
    assert {(v["in"], v["field"]) for v in exchange["violations"]} == {("query", f) for f in body["errors"]}


def test_verification_over_the_partners_mock(client: Any, auth: dict[str, str]) -> None:
    client.post(CUSTOMERS, headers=auth, json={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@x.org",
                                               "gender": "female"})
    journal = MockJournal(client=client)
    [created] = journal.assert_called("POST", CUSTOMERS, body={"first_name": "Ada"})
    assert created["status"] == 201
    journal.assert_called("POST", TOKEN_URL, body={"username": "demo"})
