"""The Partners kit lifecycle driven through the admin actions and the simulated clock: resource changes, the
documented event sequence (polled and delivered as webhooks), the report business rules, and clear 4xx answers
for unknown kits, illegal transitions and bad bodies."""
from __future__ import annotations

import time
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest

from apitwin.settings import Settings
from apitwin.webhooks import verify_signature
from tests.partners.helpers import (assert_error, create_customer, create_order, create_shipment, get_json, ids,
                                    stopped_clock_app, utc_now_floor)
from tests.receiver import Receiver, receiver, receiver_factory, wait_until  # noqa: F401 (fixtures)

FAST = Settings(webhook_backoff_base=0.05, webhook_backoff_max=0.2, webhook_timeout=0.5, webhook_max_attempts=3)
ADMIN = "/__apitwin/apis/partners"
EVENTS = "/api/v1/events/"
REGS = "/api/v1/customer-kit-registrations/"
NO_CONSENT = "Customer consent date is not found."
NOT_REGISTERED = "Kit registration verification date is not found."
DEFAULT_FAIL_REASON = "Not enough DNA was extracted."
ACTIONS = {"advance-kit", "complete-kit", "fail-kit", "lose-kit", "tick"}
SEED_DEMO_TERMINAL = {1: "DATA_AVAILABLE", 4: "KIT_FAILED"}
SEED_ACME_LOST = 8


@pytest.fixture
def app() -> Any:
    yield from stopped_clock_app(FAST)


# -- helpers -------------------------------------------------------------------------------------------------------

def run(client: Any, name: str, body: Any = None) -> Any:
    return client.post(f"{ADMIN}/actions/{name}", json=body) if body is not None else client.post(
        f"{ADMIN}/actions/{name}")


def ok(client: Any, name: str, **body: Any) -> dict[str, Any]:
    response = run(client, name, body)
    assert response.status_code == 200, response.text
    return response.json()


def kit_status(client: Any, auth: dict[str, str], kit_id: int) -> str:
    return get_json(client, f"/api/v1/kits/{kit_id}/", auth)["status"]


def summary(event: dict[str, Any]) -> tuple[str, str, str | None]:
    """(type, status, reason) of an event's kit or report."""
    resource = event["data"].get("kit") or event["data"]["report"]
    return event["type"], resource["status"], resource.get("reason")


def new_customer_with_kit(client: Any, auth: dict[str, str], consent: str | None = "2019-10-01",
                          panels: tuple[str, ...] = ("cardiometabolic-1",)) -> dict[str, Any]:
    """customer → shipment (1 kit) → order; the kit, its registration and the order's reports."""
    fields = {"consent_date": consent} if consent else {}
    customer = create_customer(client, auth, **fields)
    shipment = create_shipment(client, auth, customer["id"])
    (kit,) = get_json(client, "/api/v1/kits/", auth, shipment=shipment["id"])
    order = create_order(client, auth, customer["id"], list(panels))
    (registration,) = get_json(client, REGS, auth, customer=customer["id"])
    assert registration["kit"] == str(kit["id"]) and registration["verification_date"] is None
    return {"customer": customer, "shipment": shipment, "kit": kit, "order": order, "registration": registration}


def reports_of(client: Any, auth: dict[str, str], customer_id: int) -> list[dict[str, Any]]:
    return get_json(client, "/api/v1/reports/", auth, customer_id=customer_id)


def verify(client: Any, auth: dict[str, str], registration_id: int, when: str = "2019-11-24") -> dict[str, Any]:
    response = client.patch(f"{REGS}{registration_id}/", json={"verification_date": when}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def register(client: Any, url: str, tenant: str) -> dict[str, Any]:
    response = client.post(f"{ADMIN}/webhooks", json={"tenant": tenant, "url": url})
    assert response.status_code == 201, response.text
    return response.json()


def event_count(client: Any, auth: dict[str, str]) -> int:
    return len(get_json(client, EVENTS, auth))


# -- the happy path ------------------------------------------------------------------------------------------------

def test_full_lifecycle_changes_resources_and_emits_the_documented_events(
        client: Any, auth: dict[str, str], acme_auth: dict[str, str],
        receiver_factory: Callable[[], Receiver]) -> None:
    demo_hook, acme_hook = receiver_factory(), receiver_factory()
    demo_endpoint = register(client, demo_hook.url, "demo-partner")
    acme_endpoint = register(client, acme_hook.url, "acme-genetics")
    before = utc_now_floor().isoformat()
    last_seed_event = max(ids(get_json(client, EVENTS, auth)))

    flow = new_customer_with_kit(client, auth)
    kit_id, customer_id = flow["kit"]["id"], flow["customer"]["id"]
    assert flow["kit"]["status"] == "KIT_SHIPPED"
    (report,) = reports_of(client, auth, customer_id)
    assert report["status"] == "pending" and report["reason"] is None

    returned: list[dict[str, Any]] = []
    for expected in ("KIT_RECEIVED", "KIT_PROCESSING", "DATA_AVAILABLE"):
        result = ok(client, "advance-kit", kit_id=kit_id)
        assert result["kit"]["status"] == expected and result["kit"]["id"] == kit_id
        assert kit_status(client, auth, kit_id) == expected
        returned += result["events"]
    (report,) = reports_of(client, auth, customer_id)
    assert (report["status"], report["reason"]) == ("BLOCKED", NOT_REGISTERED)
    assert get_json(client, "/api/v1/report-files/", auth, report_id=report["id"]) == []

    verify(client, auth, flow["registration"]["id"])
    (report,) = reports_of(client, auth, customer_id)
    assert report["status"] == "AVAILABLE" and report["reason"] is None
    files = get_json(client, "/api/v1/report-files/", auth, report_id=report["id"])
    assert len(files) == 2 and all(f["report"] == report["id"] for f in files)
    for item in files:
        download = client.get(urlsplit(item["download_link"]).path, headers=auth)
        assert download.status_code == 200
        assert download.headers["content-type"].split(";")[0] == "application/pdf"
        assert download.content.startswith(b"%PDF-")

    # polling: exactly this run's events, ascending, each type as documented
    polled = get_json(client, EVENTS, auth, created_at__gte=before)
    assert [summary(e) for e in polled] == [
        ("kit.created", "KIT_SHIPPED", None),
        ("kit.updated", "KIT_RECEIVED", None),
        ("kit.updated", "KIT_PROCESSING", None),
        ("kit.updated", "DATA_AVAILABLE", None),
        ("report.updated", "BLOCKED", NOT_REGISTERED),
        ("report.updated", "AVAILABLE", None),
    ]
    assert ids(polled) == list(range(last_seed_event + 1, last_seed_event + 7))
    assert polled[1:5] == returned                                 # the actions report the events they recorded
    assert all(e["data"]["kit"]["id"] == kit_id for e in polled[:4])
    assert all(e["data"]["report"]["id"] == report["id"] for e in polled[4:])
    assert get_json(client, EVENTS, auth, created_at__gte=before, type="kit_received_by_lab") == [polled[1]]
    assert get_json(client, EVENTS, auth, created_at__gte=before, type="report_ready") == [polled[5]]
    assert get_json(client, EVENTS, acme_auth, created_at__gte=before) == []          # tenant isolation

    # webhooks: the same sequence, in order, each signed with the demo endpoint's secret; acme gets nothing
    received = demo_hook.wait_for(6)
    assert [r.json for r in received] == polled
    for request in received:
        assert verify_signature(demo_endpoint["secret"], request.headers["x-apitwin-timestamp"], request.body,
                                request.headers["x-apitwin-signature"])
        assert request.headers["x-apitwin-event-id"] == str(request.json["id"])
    wait_until(lambda: all(d["status"] == "delivered" for d in client.get(f"{ADMIN}/deliveries").json()),
               what="every delivery to be settled")
    assert client.get(f"{ADMIN}/deliveries", params={"endpoint_id": acme_endpoint["id"]}).json() == []
    assert acme_hook.requests == []


def test_missing_consent_blocks_the_report_even_once_registered(client: Any, auth: dict[str, str]) -> None:
    before = utc_now_floor().isoformat()
    flow = new_customer_with_kit(client, auth, consent=None)
    assert flow["customer"]["consent_date"] is None
    result = ok(client, "complete-kit", kit_id=flow["kit"]["id"])
    assert [summary(e) for e in result["events"]][-1] == ("report.updated", "BLOCKED", NO_CONSENT)
    assert get_json(client, EVENTS, auth, created_at__gte=before, type="report_blocked_no_consent") == \
        [result["events"][-1]]
    assert get_json(client, EVENTS, auth, created_at__gte=before, type="report_blocked_kit_not_registered") == []
    (report,) = reports_of(client, auth, flow["customer"]["id"])
    assert (report["status"], report["reason"]) == ("BLOCKED", NO_CONSENT)

    count = event_count(client, auth)
    verify(client, auth, flow["registration"]["id"])
    (report,) = reports_of(client, auth, flow["customer"]["id"])
    assert (report["status"], report["reason"]) == ("BLOCKED", NO_CONSENT)
    assert get_json(client, "/api/v1/report-files/", auth, report_id=report["id"]) == []
    assert event_count(client, auth) == count                       # nothing changed, nothing announced


def test_verified_before_data_makes_the_report_available_at_once(client: Any, auth: dict[str, str]) -> None:
    flow = new_customer_with_kit(client, auth, panels=("cardiometabolic-1", "nutri-opt-1"))
    verify(client, auth, flow["registration"]["id"])
    assert all(r["status"] == "pending" for r in reports_of(client, auth, flow["customer"]["id"]))
    result = ok(client, "complete-kit", kit_id=flow["kit"]["id"])
    assert [summary(e) for e in result["events"]] == [
        ("kit.updated", "KIT_RECEIVED", None), ("kit.updated", "KIT_PROCESSING", None),
        ("kit.updated", "DATA_AVAILABLE", None),
        ("report.updated", "AVAILABLE", None), ("report.updated", "AVAILABLE", None)]
    reports = reports_of(client, auth, flow["customer"]["id"])
    assert [r["status"] for r in reports] == ["AVAILABLE", "AVAILABLE"]
    for report in reports:
        assert len(get_json(client, "/api/v1/report-files/", auth, report_id=report["id"])) == 2


def test_complete_kit_runs_every_remaining_step(client: Any, auth: dict[str, str]) -> None:
    flow = new_customer_with_kit(client, auth)
    kit_id = flow["kit"]["id"]
    ok(client, "advance-kit", kit_id=kit_id)
    result = ok(client, "complete-kit", kit_id=kit_id)
    assert result["kit"]["status"] == "DATA_AVAILABLE" == kit_status(client, auth, kit_id)
    assert [summary(e) for e in result["events"]] == [
        ("kit.updated", "KIT_PROCESSING", None), ("kit.updated", "DATA_AVAILABLE", None),
        ("report.updated", "BLOCKED", NOT_REGISTERED)]
    assert ids(result["events"]) == sorted(ids(result["events"]))
    assert_error(run(client, "complete-kit", {"kit_id": kit_id}), 409)


# -- branches ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("steps", [1, 2])                        # from KIT_RECEIVED and from KIT_PROCESSING
@pytest.mark.parametrize("reason", [None, "Sample was contaminated."])
def test_fail_kit(client: Any, auth: dict[str, str], steps: int, reason: str | None) -> None:
    flow = new_customer_with_kit(client, auth)
    kit_id = flow["kit"]["id"]
    for _ in range(steps):
        ok(client, "advance-kit", kit_id=kit_id)
    body = {"kit_id": kit_id, **({"reason": reason} if reason else {})}
    result = ok(client, "fail-kit", **body)
    expected_reason = reason or DEFAULT_FAIL_REASON
    (event,) = result["events"]
    assert summary(event) == ("kit.updated", "KIT_FAILED", expected_reason)
    kit = get_json(client, f"/api/v1/kits/{kit_id}/", auth)
    assert kit["status"] == "KIT_FAILED" and kit["reason"] == expected_reason
    (report,) = reports_of(client, auth, flow["customer"]["id"])
    assert report["status"] == "pending"                           # no data: the report waits for a replacement
    assert get_json(client, EVENTS, auth)[-1] == event
    assert_error(run(client, "advance-kit", {"kit_id": kit_id}), 409)
    assert_error(run(client, "fail-kit", {"kit_id": kit_id}), 409)


def test_failed_kit_replacement_settles_the_report(client: Any, auth: dict[str, str]) -> None:
    flow = new_customer_with_kit(client, auth)
    customer_id = flow["customer"]["id"]
    verify(client, auth, flow["registration"]["id"])                # the failed kit's registration does not count
    ok(client, "advance-kit", kit_id=flow["kit"]["id"])
    ok(client, "fail-kit", kit_id=flow["kit"]["id"])
    replacement = create_shipment(client, auth, customer_id, is_replacement=True)
    assert replacement["is_replacement"] is True
    (kit,) = get_json(client, "/api/v1/kits/", auth, shipment=replacement["id"])
    assert kit["status"] == "KIT_SHIPPED" and kit["id"] != flow["kit"]["id"]
    assert summary(get_json(client, EVENTS, auth)[-1]) == ("kit.created", "KIT_SHIPPED", None)

    result = ok(client, "complete-kit", kit_id=kit["id"])
    assert summary(result["events"][-1]) == ("report.updated", "BLOCKED", NOT_REGISTERED)
    (registration,) = [r for r in get_json(client, REGS, auth, customer=customer_id) if r["kit"] == str(kit["id"])]
    verify(client, auth, registration["id"])
    (report,) = reports_of(client, auth, customer_id)
    assert report["status"] == "AVAILABLE"
    assert summary(get_json(client, EVENTS, auth)[-1]) == ("report.updated", "AVAILABLE", None)


def test_lose_kit_only_while_shipped(client: Any, auth: dict[str, str]) -> None:
    flow = new_customer_with_kit(client, auth)
    result = ok(client, "lose-kit", kit_id=flow["kit"]["id"])
    (event,) = result["events"]
    assert summary(event) == ("kit.updated", "KIT_LOST", None)
    assert kit_status(client, auth, flow["kit"]["id"]) == "KIT_LOST"
    for name in ("advance-kit", "complete-kit", "fail-kit", "lose-kit"):
        assert_error(run(client, name, {"kit_id": flow["kit"]["id"]}), 409)

    other = new_customer_with_kit(client, auth)
    ok(client, "advance-kit", kit_id=other["kit"]["id"])
    body = assert_error(run(client, "lose-kit", {"kit_id": other["kit"]["id"]}), 409)
    assert "KIT_RECEIVED" in body["messages"][0]
    assert kit_status(client, auth, other["kit"]["id"]) == "KIT_RECEIVED"


def test_fail_kit_while_shipped_is_409(client: Any, auth: dict[str, str]) -> None:
    flow = new_customer_with_kit(client, auth)
    count = event_count(client, auth)
    body = assert_error(run(client, "fail-kit", {"kit_id": flow["kit"]["id"]}), 409)
    assert "KIT_SHIPPED" in body["messages"][0] and str(flow["kit"]["id"]) in body["messages"][0]
    assert kit_status(client, auth, flow["kit"]["id"]) == "KIT_SHIPPED"
    assert event_count(client, auth) == count


@pytest.mark.parametrize("kit_id,status", [(1, "DATA_AVAILABLE"), (4, "KIT_FAILED"), (SEED_ACME_LOST, "KIT_LOST")])
@pytest.mark.parametrize("name", ["advance-kit", "complete-kit"])
def test_a_terminal_kit_cannot_advance(client: Any, auth: dict[str, str], kit_id: int, status: str,
                                       name: str) -> None:
    count = event_count(client, auth)
    body = assert_error(run(client, name, {"kit_id": kit_id}), 409)
    assert status in body["messages"][0] and body["errors"] == {}
    assert event_count(client, auth) == count
    state = client.get(f"{ADMIN}/state").json()["collections"]["kits"]["rows"]
    assert {k["id"]: k["status"] for k in state}[kit_id] == status


# -- bad input -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ACTIONS - {"tick"}))
def test_unknown_kit_is_404(client: Any, name: str) -> None:
    body = assert_error(run(client, name, {"kit_id": 999999}), 404)
    assert "999999" in " ".join(body["messages"] + sum(body["errors"].values(), []))


@pytest.mark.parametrize("name,body,field", [
    ("advance-kit", {}, "kit_id"),
    ("advance-kit", None, "kit_id"),
    ("advance-kit", {"kit_id": "x"}, "kit_id"),
    ("advance-kit", {"kit_id": 0}, "kit_id"),
    ("advance-kit", {"kit_id": 1.5}, "kit_id"),
    ("complete-kit", {"kit_id": None}, "kit_id"),
    ("advance-kit", {"kit_id": 6, "status": "KIT_RECEIVED"}, "status"),
    ("lose-kit", {"kit_id": 6, "reason": "gone"}, "reason"),
    ("fail-kit", {"kit_id": 5, "reason": ""}, "reason"),
    ("fail-kit", {"kit_id": 5, "reason": 7}, "reason"),
    ("tick", {"kit_id": 5}, "kit_id"),
])
def test_bad_action_body_is_400_with_field_errors(client: Any, auth: dict[str, str], name: str, body: Any,
                                                  field: str) -> None:
    count = event_count(client, auth)
    errors = assert_error(run(client, name, body), 400)["errors"]
    assert field in errors, errors
    assert event_count(client, auth) == count
    assert kit_status(client, auth, 5) == "KIT_PROCESSING" and kit_status(client, auth, 6) == "KIT_SHIPPED"


def test_action_body_must_be_an_object(client: Any) -> None:
    response = client.post(f"{ADMIN}/actions/advance-kit", json=[6])
    assert_error(response, 400)


def test_unknown_action_is_404(client: Any) -> None:
    body = assert_error(run(client, "teleport-kit", {"kit_id": 6}), 404)
    assert all(name in body["messages"][0] for name in ACTIONS)
    assert_error(client.post("/__apitwin/apis/nope/actions/advance-kit", json={"kit_id": 6}), 404)
    assert_error(client.put("/__apitwin/apis/nope/clock", json={"interval_seconds": 1}), 404)


def test_actions_are_listed_with_their_schemas(client: Any) -> None:
    response = client.get(f"{ADMIN}/actions")
    assert response.status_code == 200, response.text
    listed = response.json()
    assert set(listed) == ACTIONS
    for name, action in listed.items():
        assert isinstance(action["summary"], str) and action["summary"]
        assert action["schema"]["type"] == "object" and action["schema"]["additionalProperties"] is False
    for name in ACTIONS - {"tick"}:
        assert listed[name]["schema"]["required"] == ["kit_id"]
        assert listed[name]["schema"]["properties"]["kit_id"]["type"] == "integer"
    assert "reason" in listed["fail-kit"]["schema"]["properties"]
    assert "reason" not in listed["advance-kit"]["schema"]["properties"]


# -- tick and the clock --------------------------------------------------------------------------------------------

NEXT = {"KIT_SHIPPED": "KIT_RECEIVED", "KIT_RECEIVED": "KIT_PROCESSING", "KIT_PROCESSING": "DATA_AVAILABLE"}


def all_kits(client: Any) -> dict[int, str]:
    rows = client.get(f"{ADMIN}/state").json()["collections"]["kits"]["rows"]
    return {k["id"]: k["status"] for k in rows}


def test_tick_advances_every_active_kit_exactly_one_step(client: Any, auth: dict[str, str]) -> None:
    new_customer_with_kit(client, auth)
    before = all_kits(client)
    assert set(before.values()) >= {"KIT_SHIPPED", "KIT_RECEIVED", "KIT_PROCESSING", "DATA_AVAILABLE"}
    result = ok(client, "tick")
    after = all_kits(client)
    assert after == {kit_id: NEXT.get(status, status) for kit_id, status in before.items()}
    moved = {k["id"] for k in result["moved"]}
    assert moved == {kit_id for kit_id, status in before.items() if status in NEXT}
    kit_events = [e for e in result["events"] if e["type"] == "kit.updated"]
    assert sorted(e["data"]["kit"]["id"] for e in kit_events) == sorted(moved)
    assert ids(result["events"]) == sorted(ids(result["events"]))
    # the acme kit moved too, and its event is acme's alone
    assert after[7] == "KIT_PROCESSING"
    assert all(e["data"].get("kit", {}).get("id") != 7 for e in get_json(client, EVENTS, auth))


def test_tick_with_nothing_active_changes_nothing(client: Any) -> None:
    for _ in range(3):
        ok(client, "tick")
    frozen = all_kits(client)
    assert not set(frozen.values()) & set(NEXT)
    result = ok(client, "tick")
    assert result == {"moved": [], "events": []} and all_kits(client) == frozen


def test_clock_runs_the_lab_and_stops(client: Any, auth: dict[str, str]) -> None:
    state = client.get(f"{ADMIN}/clock").json()
    assert state["interval_seconds"] == 0 and state["running"] is False
    start_ticks = state["ticks"]
    flow = new_customer_with_kit(client, auth)

    response = client.put(f"{ADMIN}/clock", json={"interval_seconds": 0.05})
    assert response.status_code == 200, response.text
    assert response.json()["interval_seconds"] == 0.05 and response.json()["running"] is True
    wait_until(lambda: kit_status(client, auth, flow["kit"]["id"]) == "DATA_AVAILABLE", what="the clock to move the kit")
    (report,) = reports_of(client, auth, flow["customer"]["id"])
    assert (report["status"], report["reason"]) == ("BLOCKED", NOT_REGISTERED)

    stopped = client.put(f"{ADMIN}/clock", json={"interval_seconds": 0})
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["running"] is False and stopped.json()["interval_seconds"] == 0
    assert stopped.json()["ticks"] >= start_ticks + 3
    fresh = new_customer_with_kit(client, auth)
    ticks = client.get(f"{ADMIN}/clock").json()["ticks"]
    time.sleep(0.25)
    assert client.get(f"{ADMIN}/clock").json() == {"interval_seconds": 0, "running": False, "ticks": ticks}
    assert kit_status(client, auth, fresh["kit"]["id"]) == "KIT_SHIPPED"
    statuses = [summary(e)[1] for e in get_json(client, EVENTS, auth)
                if e["data"].get("kit", {}).get("id") == flow["kit"]["id"]]
    assert statuses == ["KIT_SHIPPED", "KIT_RECEIVED", "KIT_PROCESSING", "DATA_AVAILABLE"]   # one step per tick


@pytest.mark.parametrize("body", [{"interval_seconds": -1}, {"interval_seconds": 99999}, {"interval_seconds": "x"},
                                  {"interval_seconds": None}, {}, {"interval_seconds": True}])
def test_invalid_clock_settings_are_400(client: Any, body: dict[str, Any]) -> None:
    before = client.get(f"{ADMIN}/clock").json()
    errors = assert_error(client.put(f"{ADMIN}/clock", json=body), 400)["errors"]
    assert set(errors) == {"interval_seconds"}, errors
    assert client.get(f"{ADMIN}/clock").json() == before


# -- tenants -------------------------------------------------------------------------------------------------------

def test_events_of_each_tenant_stay_apart(client: Any, auth: dict[str, str], acme_auth: dict[str, str]) -> None:
    before = utc_now_floor().isoformat()
    flow = new_customer_with_kit(client, auth)
    ok(client, "advance-kit", kit_id=flow["kit"]["id"])
    ok(client, "advance-kit", kit_id=7)                              # acme's kit
    demo = get_json(client, EVENTS, auth, created_at__gte=before)
    acme = get_json(client, EVENTS, acme_auth, created_at__gte=before)
    assert [summary(e)[:2] for e in demo] == [("kit.created", "KIT_SHIPPED"), ("kit.updated", "KIT_RECEIVED")]
    assert [(e["data"]["kit"]["id"], e["data"]["kit"]["status"]) for e in acme] == [(7, "KIT_PROCESSING")]
    assert not set(ids(demo)) & set(ids(acme))
    assert ids(demo) == sorted(ids(demo))
    assert_error(client.get(f"/api/v1/kits/{flow['kit']['id']}/", headers=acme_auth), 404)
