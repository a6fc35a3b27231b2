"""MOLGENIS at the root (what unmodified clients expect) and under /molgenis next to the Partners API in one
process (`make serve`): hrefs, Location and error shapes follow the mount; the two APIs keep their own state."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from apitwin.app import create_app

PREFIX = "/molgenis"


@pytest.fixture(scope="module")
def both() -> Iterator[Any]:
    with create_app().test_client() as client:
        yield client


def _token(client: Any, base: str = "") -> dict[str, str]:
    response = client.post(f"{base}/api/v1/login", json={"username": "admin", "password": "admin"})
    assert response.status_code == 200, response.text
    return {"x-molgenis-token": response.json()["token"]}


def test_under_a_prefix_every_href_and_location_carries_it(both: Any) -> None:
    headers = _token(both, PREFIX)
    row = both.get(f"{PREFIX}/api/v1/V1_API_TypeTestAPIV1/1?attributes=xxref_value", headers=headers)
    assert row.json() == {"href": "/molgenis/api/v1/V1_API_TypeTestAPIV1/1",
                          "xxref_value": {"href": "/molgenis/api/v1/V1_API_TypeTestAPIV1/1/xxref_value"}}
    listing = both.get(f"{PREFIX}/api/v1/V1_API_Items?num=2", headers=headers).json()
    assert listing["href"] == "/molgenis/api/v1/V1_API_Items"
    assert listing["nextHref"] == "/molgenis/api/v1/V1_API_Items?start=2&num=2"
    assert listing["meta"]["href"] == "/molgenis/api/v1/V1_API_Items/meta"
    created = both.post(f"{PREFIX}/api/v1/V1_API_Items", json={"value": "mounted", "label": "m"}, headers=headers)
    assert created.status_code == 201 and created.headers["location"] == "/molgenis/api/v1/V1_API_Items/mounted"
    assert both.delete(f"{PREFIX}/api/v1/V1_API_Items/mounted", headers=headers).status_code == 204


def test_under_a_prefix_errors_keep_the_molgenis_shapes(both: Any) -> None:
    unknown = both.get(f"{PREFIX}/api/v1/nope")
    assert unknown.status_code == 404 and unknown.json()["errors"][0] == {"message": "Unknown entity type 'nope'.",
                                                                          "code": "D01"}
    no_route = both.get(f"{PREFIX}/api/v1/a/b/c/d/e")
    assert no_route.status_code == 404 and no_route.headers["content-type"] == "application/problem+json"
    assert no_route.json()["title"] == "Not Found" and no_route.json()["status"] == 404
    wrong_method = both.put(f"{PREFIX}/api/v1/V1_API_Items")
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"] == "application/problem+json"
    # the Partners API next to it keeps its own error body
    partners = both.get("/partners/api/v1/customers/")
    assert partners.status_code == 401 and set(partners.json()) == {"errors", "messages"}


def test_spec_and_tokens_per_mount(both: Any) -> None:
    spec = both.get(f"{PREFIX}/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "MOLGENIS REST API v1"
    assert spec.json()["servers"][0]["url"].endswith("/molgenis/api/v1")
    headers = _token(both, PREFIX)
    # a MOLGENIS token means nothing to the Partners API
    partners = both.get("/partners/api/v1/customers/", headers={"Authorization": f"JWT {headers['x-molgenis-token']}"})
    assert partners.status_code == 401


def test_alone_it_is_served_at_the_documented_root() -> None:
    with create_app(["molgenis"]).test_client() as client:
        headers = _token(client)
        assert client.get("/api/v1/V1_API_Items/ref1", headers=headers).json()["href"] == "/api/v1/V1_API_Items/ref1"
        assert client.get("/molgenis/api/v1/V1_API_Items/ref1", headers=headers).status_code == 404


def test_every_answer_has_the_servers_json_type_and_security_headers(both: Any) -> None:
    """`application/json;charset=UTF-8` and Spring Security's cache headers, on errors too; the Partners
    API next to it is untouched."""
    for response in (both.get(f"{PREFIX}/api/v1/biobank_Sample?num=1"), both.get(f"{PREFIX}/api/v1/sys_md_EntityType"),
                     both.get(f"{PREFIX}/api/v1/nope/x")):
        assert response.headers["content-type"] == "application/json;charset=UTF-8", response.status_code
        assert response.headers["cache-control"] == "no-cache, no-store, max-age=0, must-revalidate"
        assert response.headers["pragma"] == "no-cache" and response.headers["expires"] == "0"
        assert response.headers["x-content-type-options"] == "nosniff"
    problem = both.put(f"{PREFIX}/api/v1/V1_API_Items")
    assert problem.headers["content-type"] == "application/problem+json" and problem.headers["pragma"] == "no-cache"
    partners = both.get("/partners/api/v1/customers/")
    assert partners.headers["content-type"] == "application/json" and "pragma" not in partners.headers


def test_json_is_written_like_gson_compact_and_unescaped(both: Any) -> None:
    """Production Gson writes no spaces and raw UTF-8 (no \\u escapes), errors included."""
    headers = _token(both, PREFIX)
    created = both.post(f"{PREFIX}/api/v1/V1_API_Items", json={"value": "gson", "label": "Zürich <b>"}, headers=headers)
    assert created.status_code == 201
    raw = both.get(f"{PREFIX}/api/v1/V1_API_Items/gson", headers=headers).content.decode("utf-8")
    assert raw.strip() == '{"href":"/molgenis/api/v1/V1_API_Items/gson","value":"gson","label":"Zürich <b>"}'
    error = both.get(f"{PREFIX}/api/v1/nope").content.decode("utf-8")
    assert error == '{"errors":[{"message":"Unknown entity type \'nope\'.","code":"D01"}]}'
    both.delete(f"{PREFIX}/api/v1/V1_API_Items/gson", headers=headers)


def test_under_a_prefix_the_metadata_api_links_and_problems_carry_it(both: Any) -> None:
    headers = _token(both, PREFIX)
    body = both.get(f"{PREFIX}/api/metadata/sys_md_Property", headers=headers).json()
    assert body["links"]["self"] == f"http://testserver{PREFIX}/api/metadata/sys_md_Property"
    unknown = both.get(f"{PREFIX}/api/metadata/nope", headers=headers)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["errorCode"] == "D01"
