"""Regression tests (issue 16, defects 6 and 10): a large exported state imports back (the admin API has its own body
limit; export streams), and long request targets / large header sections answer 414 / 431 in the API's own error
body instead of the HTTP server's plain-text 400."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.molgenis.helpers import assert_molgenis_error
from tests.partners.helpers import assert_error, reset_app

ADMIN = "/__apitwin/apis/partners"


@pytest.fixture
def app() -> Any:
    return reset_app()


def test_a_state_over_one_megabyte_exports_and_imports_back(client: Any) -> None:
    store = client.app.apitwin.runtimes["partners"].store
    template = store["customers"].get(319)
    for number in range(4000):
        store["customers"].insert({**template, "id": None, "first_name": f"Customer {number}",
                                   "email": f"c{number}@example.com"})
    exported = client.get(f"{ADMIN}/state")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/json")
    raw = exported.content
    assert len(raw) > 1_000_000 >= client.app.apitwin.runtimes["partners"].settings.max_body_bytes
    assert client.post(f"{ADMIN}/reset").status_code == 200
    imported = client.put(f"{ADMIN}/state", content=raw, headers={"Content-Type": "application/json"})
    assert imported.status_code == 200, imported.text[:500]
    assert imported.json()["collections"]["customers"] == len(exported.json()["collections"]["customers"]["rows"])
    assert client.get(f"{ADMIN}/state").content == raw
    client.post(f"{ADMIN}/reset")


def test_the_api_keeps_its_own_body_limit(client: Any, auth: dict[str, str]) -> None:
    body = {"first_name": "a" * 1_100_000, "last_name": "Stark"}
    assert_error(client.post("/api/v1/customers/", json=body, headers=auth), 413)


def test_the_admin_limit_still_applies() -> None:
    with create_app(["partners"], settings=Settings(max_admin_body_bytes=1000)).test_client() as client:
        response = client.put(f"{ADMIN}/state", content=b"{" + b" " * 2000 + b"}",
                              headers={"Content-Type": "application/json"})
        assert response.status_code == 413 and set(response.json()) == {"errors", "messages"}


def test_long_targets_answer_414_in_the_api_body(client: Any, auth: dict[str, str]) -> None:
    response = client.get("/api/v1/customers/?page=1&x=" + "a" * 40_000, headers=auth)
    body = assert_error(response, 414)
    assert "32768 bytes" in body["messages"][0]
    assert_error(client.get("/api/v1/customers/?x=" + "a" * 30_000, headers=auth), 400)   # under: validated


def test_large_header_sections_answer_431_in_the_api_body(client: Any, auth: dict[str, str]) -> None:
    response = client.get("/api/v1/customers/", headers={**auth, "X-Big": "a" * 70_000})
    body = assert_error(response, 431)
    assert "65536 bytes" in body["messages"][0]
    many = {f"X-Part-{n}": "b" * 100 for n in range(700)}
    assert_error(client.get("/api/v1/customers/", headers={**auth, **many}), 431)


@pytest.fixture
def molgenis() -> Iterator[Any]:
    with create_app(["molgenis"], settings=Settings(max_target_bytes=1000, max_header_bytes=2000)).test_client() \
            as client:
        yield client


def test_limits_are_settings_and_use_each_apis_error_shape(molgenis: Any) -> None:
    assert_molgenis_error(molgenis.get("/api/v1/biobank_Sample?q=" + "a" * 1000), 414)
    assert_molgenis_error(molgenis.get("/api/v1/biobank_Sample", headers={"X-Big": "a" * 2000}), 431)
    assert molgenis.get("/api/v1/biobank_Sample?num=1").status_code == 200
