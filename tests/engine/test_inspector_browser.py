"""The inspector page (`/__apitwin/`, apitwin/inspector.*) in a real browser: Playwright drives Debian's Chromium (as
tests/engine/test_ui_browser.py does) against both APIs over real HTTP. A bad body appears in the live list, opens
with its violation; a reset from the page empties a collection; a dead letter is re-sent from the page and
delivered; the latest contract run shows coverage and a reproduction. Screenshots land in $APITWIN_SCREENSHOTS
(default reports/screenshots/). Without the browser the tests skip and say why."""
from __future__ import annotations

import json
import re
import time
import urllib.request
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.engine.test_ui_browser import TIMEOUT_MS, browser, shoot  # noqa: F401  (browser is a fixture)
from tests.receiver import Receiver

SETTINGS = Settings(webhook_backoff_base=0.05, webhook_backoff_max=0.1, webhook_timeout=1.0, webhook_max_attempts=1)
DEMO_SHIPPED_KIT = 6       # seed: demo kit KIT_SHIPPED; advancing it records one event for demo-partner


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    receiver = Receiver(app=create_app(settings=SETTINGS, mount="prefix")).start()
    try:
        yield f"http://127.0.0.1:{receiver.port}"
    finally:
        receiver.stop()


@pytest.fixture(scope="module")
def hooks() -> Iterator[Receiver]:
    receiver = Receiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.foreign = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else page.foreign.append(r.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    try:
        yield page
    finally:
        context.close()


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def partners_auth(server: str) -> dict[str, str]:
    status, body = http("POST", f"{server}/partners/api/v1/api-token-auth/",
                        {"username": "demo", "password": "demo-password"})
    assert status == 200, body
    return {"Authorization": f"JWT {body['token']}"}


def test_a_bad_body_shows_up_live_with_its_violation(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    auth = partners_auth(server)
    page.goto(f"{server}/__apitwin/")
    expect(page.locator("h1")).to_have_text("apitwin inspector")
    expect(page.locator("#req-api option[value=partners]")).to_have_count(1)
    sent = time.monotonic()
    status, error = http("POST", f"{server}/partners/api/v1/customers/", {"first_name": 7}, auth)
    assert status == 400
    row = page.locator("#req-rows tr", has=page.locator("td.path", has_text="/partners/api/v1/customers/")).first
    expect(row).to_be_visible()
    print(f"the bad request appeared in the list {time.monotonic() - sent:.2f} s after it was answered")
    expect(row).to_have_class(re.compile(r"\bs4\b"))
    expect(row.locator("td.status")).to_have_text("400")
    row.click()
    detail = page.locator("#req-detail")
    expect(detail.locator("h3")).to_contain_text("POST /partners/api/v1/customers/ → 400")
    violations = detail.locator(".violations .violation")
    expect(violations.first).to_be_visible()
    expected = {f"/{field}" for field in error["errors"]}
    shown = {violations.nth(i).locator("code").inner_text() for i in range(violations.count())}
    assert shown == expected, (shown, error)
    expect(detail.locator(".violations")).to_contain_text("/first_name")
    expect(detail.locator("pre.curl")).to_contain_text("curl -X POST")
    expect(detail.locator("pre.curl")).to_contain_text("authorization: JWT ********")
    expect(detail.locator("pre.request-body")).to_contain_text('"first_name": 7')
    shoot(page, "inspector-requests", detail)
    assert page.foreign == [] and page.errors == []


def test_reset_from_the_page_empties_the_collection(page: Any, server: str, hooks: Receiver) -> None:
    from playwright.sync_api import expect

    status, _ = http("POST", f"{server}/__apitwin/apis/partners/webhooks",
                     {"tenant": "demo-partner", "url": hooks.url})
    assert status == 201
    page.goto(f"{server}/__apitwin/#state")
    page.locator("#state-api").select_option("partners")
    collection = page.locator("#state-collection")
    expect(collection.locator("option[value=webhook_endpoints]")).to_have_count(1)
    collection.select_option("webhook_endpoints")
    expect(page.locator("#state-table tbody tr")).to_have_count(1)
    expect(page.locator("#state-table")).to_contain_text(hooks.url)
    page.locator("#state-json").check()
    expect(page.locator("pre.state-json")).to_contain_text('"tenant": "demo-partner"')
    page.locator("#state-json").uncheck()
    page.locator("#state-reset").click()
    expect(page.locator("#notice")).to_contain_text("partners: reset to its seed data.")
    expect(page.locator("#state-view .empty")).to_have_text("This collection is empty.")
    expect(page.locator("#state-summary")).to_have_text("0 row(s) in webhook_endpoints")
    assert page.locator("#state-view").inner_text().strip() == "This collection is empty."
    shoot(page, "inspector-state", page.locator("#state-view"))
    status, apis = http("GET", f"{server}/__apitwin/apis")
    assert next(a for a in apis if a["name"] == "partners")["collections"]["webhook_endpoints"] == 0
    assert page.foreign == [] and page.errors == []


def test_export_and_import_from_the_page(page: Any, server: str, tmp_path: Any) -> None:
    from playwright.sync_api import expect

    http("POST", f"{server}/__apitwin/apis/partners/reset")
    page.goto(f"{server}/__apitwin/#state")
    page.locator("#state-api").select_option("partners")
    page.locator("#state-collection").select_option("customers")
    expect(page.locator("#state-table tbody tr").first).to_be_visible()
    with page.expect_download() as download:
        page.locator("#state-export").click()
    exported = tmp_path / "partners-state.json"
    download.value.save_as(exported)
    assert download.value.suggested_filename == "partners-state.json"
    state = json.loads(exported.read_text())
    rows = state["collections"]["customers"]["rows"]
    rows[0]["first_name"] = "Imported-From-Page"
    exported.write_text(json.dumps(state))
    page.locator("#state-import").set_input_files(str(exported))
    expect(page.locator("#notice")).to_contain_text("partners: state imported from partners-state.json.")
    expect(page.locator("#state-table")).to_contain_text("Imported-From-Page")
    expect(page.locator("#state-table tbody tr")).to_have_count(len(rows))
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"collections": {"customers": {"rows": [{"id": "x"}]}}}))
    page.locator("#state-import").set_input_files(str(broken))
    expect(page.locator("#notice")).to_contain_text("400: ")
    expect(page.locator("#state-table tbody tr")).to_have_count(len(rows))     # invalid input changed nothing
    assert page.foreign == []
    assert page.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]


def open_simulation(page: Any, server: str, api: str) -> None:
    """The simulation view showing `api`, with no load still in flight: the page's first load (its default API) is
    waited for, then the one the selection starts, so the forms the test fills are not redrawn under it."""
    from playwright.sync_api import expect

    page.goto(f"{server}/__apitwin/#simulation")
    expect(page.locator("#actions > *")).not_to_have_count(0)
    with page.expect_response(lambda response: response.url.endswith(f"/apis/{api}/actions")):
        page.locator("#sim-api").select_option(api)


def test_clock_from_the_page(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    open_simulation(page, server, "partners")
    expect(page.locator("#clock-state")).to_contain_text("stopped")
    page.locator("#clock-interval").fill("3600")
    page.locator("#clock-set").click()
    expect(page.locator("#clock-state")).to_contain_text("running · every 3600 s")
    shoot(page, "inspector-simulation", page.locator("main"))
    page.locator("#clock-interval").fill("0")
    page.locator("#clock-set").click()
    expect(page.locator("#clock-state")).to_contain_text("stopped")
    assert page.foreign == [] and page.errors == []


def test_a_dead_letter_is_resent_from_the_page(page: Any, server: str, hooks: Receiver) -> None:
    from playwright.sync_api import expect

    http("POST", f"{server}/__apitwin/apis/partners/reset")
    hooks.behave(status=500)
    status, _ = http("POST", f"{server}/__apitwin/apis/partners/webhooks", {"tenant": "demo-partner", "url": hooks.url})
    assert status == 201
    open_simulation(page, server, "partners")
    action = page.locator("#action-advance-kit")
    action.locator("textarea").fill(json.dumps({"kit_id": DEMO_SHIPPED_KIT}))
    action.locator("button", has_text="Run advance-kit").click()
    expect(action.locator("pre.action-result")).to_contain_text('"events"')
    expect(page.locator("#clock-state")).to_contain_text("stopped")

    page.locator("#tabs button[data-tab=webhooks]").click()
    page.locator("#wh-api").select_option("partners")
    page.locator("#wh-status").select_option("dead")
    dead = page.locator("#wh-delivery-table tr.delivery.dead").first
    for _ in range(50):                               # the one attempt fails, then it is dead-lettered
        if dead.count():
            break
        page.locator("#wh-reload").click()
        page.wait_for_timeout(200)
    expect(dead.locator(".badge")).to_have_text("dead letter")
    shoot(page, "inspector-webhooks-dead", page.locator("#wh-deliveries"))
    delivery_id = dead.get_attribute("data-id")
    hooks.behave(status=200)
    dead.locator("button.resend").click()
    expect(page.locator("#notice")).to_contain_text(f"Delivery {delivery_id} queued again.")
    page.locator("#wh-status").select_option("")
    delivered = page.locator(f"#wh-delivery-table tr[data-id='{delivery_id}']")
    for _ in range(50):
        if "delivered" in (delivered.get_attribute("class") or ""):
            break
        page.locator("#wh-reload").click()
        page.wait_for_timeout(200)
    expect(delivered.locator(".badge")).to_have_text("delivered")
    assert hooks.requests[-1].answered == 200
    shoot(page, "inspector-webhooks-resent", page.locator("#wh-deliveries"))
    assert page.foreign == [] and page.errors == []


def test_latest_contract_run_shows_coverage_and_reproductions(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    report = {"tool": "apitwin contract", "api": "partners", "target": server, "passed": False,
              "verdict": "1 failure", "cases": 12, "duration_seconds": 1.5,
              "failures": [{"check": "status_code_conformance", "operation": "GET /api/v1/customers/",
                            "title": "Undocumented status 418", "message": "got 418", "status": 418,
                            "curl": "curl -X GET 'http://x/api/v1/customers/'", "phase": "examples", "response": ""}],
              "errors": [],
              "coverage": {"percent": 50.0, "exercised": 1, "counted": 2, "operations": [
                  {"operation": "GET /api/v1/customers/", "documented": ["200", "401"], "exercised": ["200"],
                   "missing": ["401"]}]}}
    status, _ = http("POST", f"{server}/__apitwin/contract-runs", report)
    assert status == 201
    page.goto(f"{server}/__apitwin/#contract")
    box = page.locator("#contract")
    expect(box.locator(".verdict")).to_have_text("FAILED")
    expect(box.locator(".failure h3")).to_have_text("GET /api/v1/customers/: Undocumented status 418")
    expect(box.locator(".failure pre.curl")).to_have_text("curl -X GET 'http://x/api/v1/customers/'")
    expect(page.locator("#coverage-table tbody tr")).to_have_count(1)
    expect(page.locator("#coverage-table tbody tr")).to_contain_text("50 %")
    shoot(page, "inspector-contract", box)
    page.locator("#tabs button[data-tab=apis]").click()
    expect(page.locator("#api-partners a").first).to_have_attribute("href", "/partners/ui/")
    assert page.foreign == [] and page.errors == []
