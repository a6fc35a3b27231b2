"""Swagger UI in a real browser: Playwright drives Debian's Chromium (`make browser` installs it) against the mock
over real HTTP. Each UI lists its operations, authorizes with the API's own scheme, runs "Try it out" on a GET and
shows the mock's 200; a screenshot of each lands in reports/screenshots/. Without the browser the tests skip and
say why (pytest -rs prints it)."""
from __future__ import annotations

import json
import os
import re
import shutil
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.receiver import Receiver

CHROMIUM = os.environ.get("APITWIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("APITWIN_SCREENSHOTS", Path(__file__).resolve().parents[2] / "reports" / "screenshots"))
TIMEOUT_MS = 60_000      # generous: the machine may be busy; a passing run waits only as long as the page needs


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"browser tests need the test extra's playwright package ({exc}); pip install -e '.[test]'")
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}: `make browser` installs Debian's chromium with apt-get "
                    "(needs root and the Debian mirror); APITWIN_CHROMIUM names another binary")
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Both APIs under their prefixes (as `make serve`), over real HTTP."""
    receiver = Receiver(app=create_app(settings=Settings(), mount="prefix")).start()
    try:
        yield f"http://127.0.0.1:{receiver.port}"
    finally:
        receiver.stop()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page that records every request leaving for another host (there must be none: offline UI)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.foreign = []  # type: ignore[attr-defined]
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else page.foreign.append(r.url))
    try:
        yield page
    finally:
        context.close()


def operation(page: Any, method: str, path: str) -> Any:
    summary = page.locator(".opblock-summary-path", has_text=re.compile(f"^{re.escape(path)}$"))
    return page.locator(f".opblock-{method}", has=summary)


def try_it_out(page: Any, op: Any, params: dict[str, str] | None = None, body: Any = None) -> Any:
    """Expand the operation, fill it, Execute; returns the locator of the live response's status cell."""
    op.locator(".opblock-summary").click()
    op.locator("button.try-out__btn").click()
    for name, value in (params or {}).items():
        op.locator(f'tr[data-param-name="{name}"] input').fill(value)
    if body is not None:
        op.locator("textarea.body-param__text").fill(json.dumps(body))
    op.locator("button.execute").click()
    status = op.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    return status


def authorize(page: Any, scheme: str, value: str) -> None:
    """Paste a token into the Authorize dialog for one security scheme."""
    page.locator(".auth-wrapper button.authorize").click()
    container = page.locator(".modal-ux .auth-container", has=page.locator("h4", has_text=re.compile(rf"^{scheme}\W*\(")))
    container.locator("input").fill(value)
    container.locator("button.authorize").click()
    page.locator(".modal-ux button.close-modal").click()


def shoot(page: Any, name: str, anchor: Any) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    anchor.scroll_into_view_if_needed()
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def http_json(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def open_ui(page: Any, url: str, minimum: int) -> None:
    page.goto(url)
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= minimum
    assert page.locator(".errors-wrapper").count() == 0, page.locator(".errors-wrapper").inner_text()


def test_partners_ui_login_authorizes_and_try_it_out(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    open_ui(page, f"{server}/partners/ui/", minimum=20)
    expect(page.locator(".info .title")).to_contain_text("Partners API")
    customers = operation(page, "get", "/api/v1/customers/")
    # not authorized yet: the mock's own 401
    expect(try_it_out(page, customers)).to_have_text("401")
    login = operation(page, "post", "/api/v1/api-token-auth/")
    expect(try_it_out(page, login, body={"username": "demo", "password": "demo-password"})).to_have_text("200")
    expect(page.locator(".auth-wrapper button.authorize")).to_have_class(re.compile(r"\blocked\b"))
    customers.locator("button.execute").click()
    status = customers.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text("200")
    expect(customers.locator(".curl-command")).to_contain_text("Authorization: JWT ey")
    expect(customers.locator(".live-responses-table .response .response-col_description")).to_contain_text('"count"')
    shoot(page, "partners-ui", status)
    assert page.foreign == []


def test_partners_ui_pasted_token(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    token = http_json(f"{server}/partners/api/v1/api-token-auth/", {"username": "acme", "password": "acme-password"})
    open_ui(page, f"{server}/partners/ui/", minimum=20)
    authorize(page, "jwtAuth", f"Bearer {token['token']}")
    panels = operation(page, "get", "/api/v1/trait-panels/")
    expect(try_it_out(page, panels)).to_have_text("200")
    expect(panels.locator(".curl-command")).to_contain_text("Authorization: Bearer ey")
    shoot(page, "partners-ui-pasted-token", panels.locator(".live-responses-table"))
    assert page.foreign == []


def test_molgenis_ui_authorize_and_try_it_out(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    token = http_json(f"{server}/molgenis/api/v1/login", {"username": "admin", "password": "admin"})["token"]
    open_ui(page, f"{server}/molgenis/api/v1/ui/", minimum=15)
    expect(page.locator(".info .title")).to_contain_text("MOLGENIS")
    authorize(page, "molgenisToken", token)
    rows = operation(page, "get", "/{entityTypeId}/{id}")
    status = try_it_out(page, rows, params={"entityTypeId": "V1_API_Items", "id": "ref1"})
    expect(status).to_have_text("200")
    expect(rows.locator(".curl-command")).to_contain_text(f"x-molgenis-token: {token}")
    expect(rows.locator(".live-responses-table .response .response-col_description")).to_contain_text("label1")
    shoot(page, "molgenis-ui", status)
    assert page.foreign == []


def test_molgenis_v2_ui_authorize_and_try_it_out(page: Any, server: str) -> None:
    """The second document of the MOLGENIS API has its own UI: the same token authorizes it."""
    from playwright.sync_api import expect

    token = http_json(f"{server}/molgenis/api/v1/login", {"username": "admin", "password": "admin"})["token"]
    open_ui(page, f"{server}/molgenis/api/v2/ui/", minimum=8)
    expect(page.locator(".info .title")).to_contain_text("MOLGENIS")
    rows = operation(page, "get", "/{entityTypeId}")
    # anonymous may not read V1_API_Items: the mock's own 401 before Authorize
    expect(try_it_out(page, rows, params={"entityTypeId": "V1_API_Items"})).to_have_text("401")
    authorize(page, "molgenisToken", token)
    rows.locator("button.execute").click()
    status = rows.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text("200")
    expect(rows.locator(".curl-command")).to_contain_text(f"x-molgenis-token: {token}")
    expect(rows.locator(".live-responses-table .response .response-col_description")).to_contain_text("label1")
    shoot(page, "molgenis-v2-ui", status)
    assert page.foreign == []


def test_admin_ui_try_it_out(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    open_ui(page, f"{server}/__apitwin/ui/", minimum=10)
    apis = operation(page, "get", "/apis")
    status = try_it_out(page, apis)
    expect(status).to_have_text("200")
    expect(apis.locator(".live-responses-table .response .response-col_description")).to_contain_text('"partners"')
    shoot(page, "admin-ui", status)
    assert page.foreign == []


def test_landing_page_leads_to_each_ui(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server}/")
    expect(page.locator("h1")).to_have_text("apitwin mock server")
    expect(page.locator("#partners")).to_contain_text("demo / demo-password")
    expect(page.locator("#molgenis")).to_contain_text("admin / admin")
    shoot(page, "landing", page.locator("h1"))
    # every document's UI: MOLGENIS has four (v1, v2, the import wizard and the Metadata API)
    for section, title, uis in (("partners", "Partners API", 1), ("molgenis", "MOLGENIS", 4), ("admin", "admin", 1)):
        expect(page.locator(f"#{section} a", has_text="/ui/")).to_have_count(uis)
        for number in range(uis):
            page.locator(f"#{section} a", has_text="/ui/").nth(number).click()
            expect(page.locator(".info .title")).to_contain_text(title)
            page.locator(".apitwin-bar a", has_text="all APIs").click()
            expect(page.locator("h1")).to_have_text("apitwin mock server")
    assert page.foreign == []
