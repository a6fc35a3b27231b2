"""The app factory over HTTP, on the fixture API (tests/engine/fixtures/): root and prefix mounts, the 3.1 document
and Swagger UI it serves, factory argument checks, independent apps, HEAD."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
import yaml

from apitwin.app import create_app
from tests.engine.helpers import (FAKE_LOGIN, FAKE_PLUGIN, FAKE_USER, NOTES, assert_fake_error, assert_neutral_error,
                                  fake_app, fake_auth)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


SPEC = load_yaml(FAKE_PLUGIN.spec_file.read_text(encoding="utf-8"))
NEW_NOTE = {"title": "Rickon", "text": "Stark"}


@pytest.fixture(scope="module")
def root_client() -> Iterator[Any]:
    with fake_app().test_client() as test_client:
        yield test_client


@pytest.fixture(scope="module")
def prefix_client() -> Iterator[Any]:
    with fake_app(mount="prefix").test_client() as test_client:
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
    response = root_client.post(NOTES, headers=fake_auth(root_client), json=NEW_NOTE)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{NOTES}{response.json()['id']}/"


def test_head_on_a_get_route(root_client: Any) -> None:
    auth = fake_auth(root_client)
    get = root_client.get(NOTES, headers=auth)
    head = root_client.head(NOTES, headers=auth)
    assert get.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) == len(get.content)


def test_head_needs_a_token_too(root_client: Any) -> None:
    response = root_client.head(NOTES)
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
    auth = fake_auth(prefix_client, "/fakeapi")
    response = prefix_client.get(f"/fakeapi{NOTES}", headers=auth)
    assert response.status_code == 200
    assert response.json()


def test_prefix_unprefixed_paths_are_404_in_neutral_shape(prefix_client: Any) -> None:
    auth = fake_auth(prefix_client, "/fakeapi")
    for response in (prefix_client.get(NOTES, headers=auth),
                     prefix_client.post(FAKE_LOGIN, json={"username": FAKE_USER[0], "password": FAKE_USER[1]}),
                     prefix_client.get("/openapi.json")):
        assert assert_neutral_error(response, 404) == {"errors": {}, "messages": response.json()["messages"]}


def test_prefix_location_header(prefix_client: Any) -> None:
    auth = fake_auth(prefix_client, "/fakeapi")
    response = prefix_client.post(f"/fakeapi{NOTES}", headers=auth, json=NEW_NOTE)
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location == f"/fakeapi{NOTES}{response.json()['id']}/"
    assert prefix_client.get(location, headers=auth).json() == response.json()


def test_prefix_spec_and_ui(prefix_client: Any) -> None:
    doc = prefix_client.get("/fakeapi/openapi.json")
    assert doc.status_code == 200
    assert doc.json()["servers"][0]["url"] == "/fakeapi"
    assert doc.json()["openapi"] == "3.1.0"
    assert load_yaml(prefix_client.get("/fakeapi/openapi.yaml").text)["servers"][0]["url"] == "/fakeapi"
    ui = prefix_client.get("/fakeapi/ui/")
    assert ui.status_code == 200
    assert '"/fakeapi/openapi.json"' in ui.text


def test_prefix_errors_keep_the_api_shape_and_allow(prefix_client: Any) -> None:
    assert_fake_error(prefix_client.get(f"/fakeapi{NOTES}"), 401)
    response = prefix_client.delete(f"/fakeapi{NOTES}")
    assert_fake_error(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "POST", "HEAD"}
    assert_fake_error(prefix_client.get("/fakeapi/nope"), 404)


def test_prefix_admin_listing(prefix_client: Any) -> None:
    info = prefix_client.get("/__apitwin/apis").json()[0]
    assert info["prefix"] == "/fakeapi"
    assert info["spec"] == "/fakeapi/openapi.json"
    assert info["ui"] == "/fakeapi/ui/"
    assert prefix_client.get(info["spec"]).status_code == 200


# -- factory arguments ----------------------------------------------------------------------------------------------
def test_unknown_api_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no-such-api"):
        create_app(["no-such-api"])


def test_unknown_mount_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        fake_app(mount="sideways")


def test_several_apis_cannot_share_the_root() -> None:
    with pytest.raises(ValueError):
        create_app([FAKE_PLUGIN, FAKE_PLUGIN], mount="root")


def test_duplicate_api_names_do_not_split_the_state() -> None:
    try:
        app = create_app([FAKE_PLUGIN, FAKE_PLUGIN], mount="prefix")
    except ValueError:
        return
    with app.test_client() as test_client:
        created = test_client.post(f"/fakeapi{NOTES}", headers=fake_auth(test_client, "/fakeapi"), json=NEW_NOTE)
        assert created.status_code == 201, created.text
        assert len(test_client.get("/__apitwin/apis").json()) == 1
        rows = test_client.get("/__apitwin/apis/fakeapi/state").json()["collections"]["notes"]["rows"]
        assert created.json()["id"] in [r["id"] for r in rows]


# -- independence ---------------------------------------------------------------------------------------------------
def test_two_apps_have_independent_stores(root_client: Any) -> None:
    auth = fake_auth(root_client)
    made_here = root_client.post(NOTES, headers=auth, json={"title": "OnlyInRoot", "text": "S"})
    assert made_here.status_code == 201
    with fake_app().test_client() as other_client:
        other_auth = fake_auth(other_client)
        titles = [n["title"] for n in other_client.get(NOTES, headers=other_auth).json()]
        assert "OnlyInRoot" not in titles
        made_there = other_client.post(NOTES, headers=other_auth, json={"title": "OnlyInOther", "text": "S"})
        assert made_there.status_code == 201
        assert other_client.get(f"{NOTES}{made_there.json()['id']}/", headers=other_auth).status_code == 200
    titles = [n["title"] for n in root_client.get(NOTES, headers=auth).json()]
    assert "OnlyInRoot" in titles
    assert "OnlyInOther" not in titles
