"""The app factory over HTTP, with the Partners API as the vehicle: root and prefix mounts, the 3.1 document and
Swagger UI it serves, factory argument checks, independent apps, HEAD."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.partners.helpers import DEMO
from tests.engine.helpers import assert_error_shape, demo_auth


def load_yaml(text: str) -> Any:
    """libyaml when available (the spec is large; the pure-Python loader costs ~0.25 s a parse)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


SPEC_FILE = Path(__file__).resolve().parents[2] / "specs" / "partners.yaml"
SPEC = load_yaml(SPEC_FILE.read_text(encoding="utf-8"))
NEW_CUSTOMER = {"first_name": "Rickon", "last_name": "Stark"}


@pytest.fixture(scope="module")
def root_client() -> Iterator[Any]:
    app = create_app(["partners"], settings=Settings())
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture(scope="module")
def prefix_client() -> Iterator[Any]:
    app = create_app(["partners"], settings=Settings(), mount="prefix")
    with app.test_client() as test_client:
        yield test_client


# -- root mount -----------------------------------------------------------------------------------------------------
def test_openapi_json_is_the_31_document(root_client: Any) -> None:
    response = root_client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    doc = response.json()
    assert doc["openapi"] == "3.1.0"
    assert "webhooks" in doc and doc["webhooks"]
    assert doc["servers"][0]["url"] == "/"


def test_openapi_yaml_is_the_same_document(root_client: Any) -> None:
    response = root_client.get("/openapi.yaml")
    assert response.status_code == 200
    assert "yaml" in response.headers["content-type"]
    doc = load_yaml(response.text)
    assert doc["openapi"] == "3.1.0"
    assert "webhooks" in doc
    assert doc["servers"][0]["url"] == "/"
    assert doc == root_client.get("/openapi.json").json()


def test_served_document_is_the_file_apart_from_servers(root_client: Any) -> None:
    served = root_client.get("/openapi.json").json()
    original = json.loads(json.dumps(SPEC))
    assert {k: v for k, v in served.items() if k != "servers"} == {k: v for k, v in original.items() if k != "servers"}
    assert served["servers"][1:] == original.get("servers", [])  # the documented servers follow this mock


def test_swagger_ui_is_served(root_client: Any) -> None:
    response = root_client.get("/ui/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger" in response.text.lower()
    assert '"/openapi.json"' in response.text


def test_root_location_header_has_no_prefix(root_client: Any) -> None:
    response = root_client.post("/api/v1/customers/", headers=demo_auth(root_client), json=NEW_CUSTOMER)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/api/v1/customers/{response.json()['id']}/"


def test_head_on_a_get_route(root_client: Any) -> None:
    auth = demo_auth(root_client)
    get = root_client.get("/api/v1/trait-panels/", headers=auth)
    head = root_client.head("/api/v1/trait-panels/", headers=auth)
    assert get.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) == len(get.content)


def test_head_needs_a_token_too(root_client: Any) -> None:
    response = root_client.head("/api/v1/customers/")
    assert response.status_code == 401
    assert response.content == b""


def test_head_on_the_spec(root_client: Any) -> None:
    get = root_client.get("/openapi.json")
    head = root_client.head("/openapi.json")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(get.content)


def test_admin_document_and_ui(root_client: Any) -> None:
    doc = root_client.get("/__apitwin/openapi.json")
    assert doc.status_code == 200
    assert "/health" in doc.json()["paths"]
    assert doc.json()["servers"][0]["url"] == "/__apitwin"
    assert root_client.get("/__apitwin/ui/").status_code == 200


# -- prefix mount ---------------------------------------------------------------------------------------------------
def test_prefix_token_and_api(prefix_client: Any) -> None:
    auth = demo_auth(prefix_client, "/partners")
    response = prefix_client.get("/partners/api/v1/customers/", headers=auth)
    assert response.status_code == 200
    assert response.json()


def test_prefix_unprefixed_paths_are_404_in_neutral_shape(prefix_client: Any) -> None:
    auth = demo_auth(prefix_client, "/partners")
    for response in (prefix_client.get("/api/v1/customers/", headers=auth),
                     prefix_client.post("/api/v1/api-token-auth/", json={"username": DEMO[0], "password": DEMO[1]}),
                     prefix_client.get("/openapi.json")):
        assert assert_error_shape(response, 404) == {"errors": {}, "messages": response.json()["messages"]}


def test_prefix_location_header(prefix_client: Any) -> None:
    auth = demo_auth(prefix_client, "/partners")
    response = prefix_client.post("/partners/api/v1/customers/", headers=auth, json=NEW_CUSTOMER)
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location == f"/partners/api/v1/customers/{response.json()['id']}/"
    assert prefix_client.get(location, headers=auth).json() == response.json()


def test_prefix_download_links(prefix_client: Any) -> None:
    auth = demo_auth(prefix_client, "/partners")
    files = prefix_client.get("/partners/api/v1/report-files/", headers=auth)
    assert files.status_code == 200, files.text
    assert files.json()
    for row in files.json():
        assert "/partners/report-files/" in row["download_link"], row
    link = files.json()[0]["download_link"]
    download = prefix_client.get(link, headers=auth)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/pdf")


def test_prefix_spec_and_ui(prefix_client: Any) -> None:
    doc = prefix_client.get("/partners/openapi.json")
    assert doc.status_code == 200
    assert doc.json()["servers"][0]["url"] == "/partners"
    assert doc.json()["openapi"] == "3.1.0"
    assert load_yaml(prefix_client.get("/partners/openapi.yaml").text)["servers"][0]["url"] == "/partners"
    ui = prefix_client.get("/partners/ui/")
    assert ui.status_code == 200
    assert '"/partners/openapi.json"' in ui.text


def test_prefix_errors_keep_the_api_shape_and_allow(prefix_client: Any) -> None:
    assert_error_shape(prefix_client.get("/partners/api/v1/customers/"), 401)
    response = prefix_client.delete("/partners/api/v1/customers/")
    assert_error_shape(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "POST", "HEAD"}
    assert_error_shape(prefix_client.get("/partners/nope"), 404)


def test_prefix_admin_listing(prefix_client: Any) -> None:
    info = prefix_client.get("/__apitwin/apis").json()[0]
    assert info["prefix"] == "/partners"
    assert info["spec"] == "/partners/openapi.json"
    assert info["ui"] == "/partners/ui/"
    assert prefix_client.get(info["spec"]).status_code == 200


# -- factory arguments ----------------------------------------------------------------------------------------------
def test_unknown_api_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no-such-api"):
        create_app(["no-such-api"])


def test_unknown_mount_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        create_app(["partners"], mount="sideways")


def test_several_apis_cannot_share_the_root() -> None:
    with pytest.raises(ValueError):
        create_app(["partners", "partners"], mount="root")


def test_duplicate_api_names_do_not_split_the_state() -> None:
    try:
        app = create_app(["partners", "partners"], mount="prefix")
    except ValueError:
        return
    with app.test_client() as test_client:
        created = test_client.post("/partners/api/v1/customers/", headers=demo_auth(test_client, "/partners"),
                                   json=NEW_CUSTOMER)
        assert created.status_code == 201, created.text
        assert len(test_client.get("/__apitwin/apis").json()) == 1
        rows = test_client.get("/__apitwin/apis/partners/state").json()["collections"]["customers"]["rows"]
        assert created.json()["id"] in [r["id"] for r in rows]


# -- independence ---------------------------------------------------------------------------------------------------
def test_two_apps_have_independent_stores(root_client: Any) -> None:
    auth = demo_auth(root_client)
    made_here = root_client.post("/api/v1/customers/", headers=auth, json={"first_name": "OnlyInRoot", "last_name": "S"})
    assert made_here.status_code == 201
    other = create_app(["partners"], settings=Settings())
    with other.test_client() as other_client:
        other_auth = demo_auth(other_client)
        names = [c["first_name"] for c in other_client.get("/api/v1/customers/", headers=other_auth).json()]
        assert "OnlyInRoot" not in names
        made_there = other_client.post("/api/v1/customers/", headers=other_auth,
                                       json={"first_name": "OnlyInOther", "last_name": "S"})
        assert made_there.status_code == 201
        assert other_client.get(f"/api/v1/customers/{made_there.json()['id']}/", headers=other_auth).status_code == 200
    names = [c["first_name"] for c in root_client.get("/api/v1/customers/", headers=auth).json()]
    assert "OnlyInRoot" in names
    assert "OnlyInOther" not in names
