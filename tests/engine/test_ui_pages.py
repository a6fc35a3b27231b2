"""The Swagger UI pages, their local assets and the landing page over HTTP (the browser tests drive them for real)."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from apitwin.swagger_ui import ASSETS, login_operations


@pytest.fixture(scope="module")
def prefix_client() -> Iterator[Any]:
    with create_app(settings=Settings(), mount="prefix").test_client() as client:
        yield client


@pytest.fixture(scope="module")
def root_client() -> Iterator[Any]:
    with create_app(["molgenis"], settings=Settings()).test_client() as client:
        yield client


def test_bundled_swagger_ui_is_version_5() -> None:
    # 4.x cannot render OpenAPI 3.1: every page was blank
    assert re.search(r"swagger-ui-5\.\d+\.\d+$", str(ASSETS)), ASSETS
    assert (ASSETS / "swagger-ui-bundle.js").is_file()


@pytest.mark.parametrize("root", ["/partners", "/molgenis/api/v1", "/molgenis/api/v2", "/__apitwin"])
def test_every_document_has_a_ui_page_with_local_assets(prefix_client: Any, root: str) -> None:
    page = prefix_client.get(f"{root}/ui/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert f'"url": "{root}/openapi.json"' in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources   # nothing from another host
    for asset in (s for s in sources if s.startswith(f"{root}/ui/")):
        answer = prefix_client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.content == (ASSETS / asset.rpartition("/")[2]).read_bytes()


def test_asset_media_types(prefix_client: Any) -> None:
    js = prefix_client.get("/partners/ui/swagger-ui-bundle.js")
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert prefix_client.get("/partners/ui/swagger-ui.css").headers["content-type"] == "text/css; charset=utf-8"
    assert prefix_client.get("/__apitwin/ui/favicon-32x32.png").headers["content-type"] == "image/png"


def test_ui_without_slash_redirects(prefix_client: Any) -> None:
    answer = prefix_client.get("/partners/ui", follow_redirects=False)
    assert answer.status_code == 308
    assert answer.headers["location"] == "/partners/ui/"


def test_index_html_and_head(prefix_client: Any) -> None:
    page = prefix_client.get("/partners/ui/")
    assert prefix_client.get("/partners/ui/index.html").content == page.content
    head = prefix_client.head("/partners/ui/")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(page.content)


@pytest.mark.parametrize("name", ["nothing.js", ".js", "index.j2", "swagger-initializer"])
def test_unknown_asset_is_the_apis_own_404(prefix_client: Any, name: str) -> None:
    answer = prefix_client.get(f"/partners/ui/{name}")
    assert answer.status_code == 404
    assert answer.json()["messages"]                  # the Partners error body, not an empty page


def test_post_to_a_ui_path_is_not_served_as_the_page(prefix_client: Any) -> None:
    assert prefix_client.post("/partners/ui/").status_code in (404, 405)


def test_login_operations_name_the_served_path(prefix_client: Any) -> None:
    partners = prefix_client.get("/partners/ui/").text
    assert '"path": "/partners/api/v1/api-token-auth/", "token": "token", "scheme": "jwtAuth", "prefix": "JWT "' \
        in partners
    molgenis = prefix_client.get("/molgenis/api/v1/ui/").text
    assert '"path": "/molgenis/api/v1/login", "token": "token", "scheme": "molgenisToken"' in molgenis


def test_login_operations_read_only_marked_operations() -> None:
    spec = {"paths": {"/login": {"post": {"x-apitwin-login": {"token": "t", "scheme": "s"}}, "get": {}},
                      "/other": {"get": {}, "parameters": []}}}
    assert login_operations(spec, "/x") == [
        {"method": "POST", "path": "/x/login", "token": "t", "scheme": "s", "prefix": ""}]


def test_ui_page_escapes_the_title() -> None:
    from apitwin.swagger_ui import UiDocument, page

    text = page(UiDocument("/x", "<script>alert(1)</script>")).decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


# -- landing page ---------------------------------------------------------------------------------------------------
def test_landing_page_names_every_api_and_the_admin_api(prefix_client: Any) -> None:
    page = prefix_client.get("/", headers={"host": "mock.test:8000"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    text = page.text
    for link in ("/partners/api/v1/", "/partners/ui/", "/partners/openapi.json", "/partners/openapi.yaml",
                 "/molgenis/api/v1/", "/molgenis/api/v1/ui/", "/molgenis/api/v1/openapi.json",
                 "/molgenis/api/v2/ui/", "/molgenis/api/v2/openapi.json", "/molgenis/api/v2/openapi.yaml",
                 "/__apitwin/ui/", "/__apitwin/openapi.json", "/__apitwin/health", "/__apitwin/apis"):
        assert f'href="http://mock.test:8000{link}"' in text, link
    assert "demo / demo-password" in text and "admin / admin" in text   # seeded logins
    assert "Toolbox Genomics Partners API" in text and "MOLGENIS REST API v1" in text


def test_landing_page_at_the_root_mount(root_client: Any) -> None:
    text = root_client.get("/", headers={"host": "h:1"}).text
    assert 'href="http://h:1/api/v1/ui/"' in text
    assert 'href="http://h:1/__apitwin/ui/"' in text
    assert "Partners" not in text


def test_landing_page_escapes_the_host(prefix_client: Any) -> None:
    text = prefix_client.get("/", headers={"host": 'x"><script>alert(1)</script>'}).text
    assert "<script>alert(1)</script>" not in text


def test_landing_page_head(prefix_client: Any) -> None:
    head = prefix_client.head("/")
    assert head.status_code == 200 and head.content == b""
