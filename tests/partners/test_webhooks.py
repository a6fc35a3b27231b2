"""Webhooks of the Partners mock, end to end against a real HTTP receiver on 127.0.0.1 (tests/receiver.py):
registration through the admin API, signed deliveries, retries with back-off, dead letters and re-sends,
per-endpoint ordering, timeouts that never block the API, "testing a webhook", the delivery log.

The app runs inside `with app.test_client()` (conftest's `client`): the background senders live on that client's
event loop. Retry settings are fast; every wait is a bounded poll."""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any, Callable

import pytest

from apitwin.settings import Settings
from apitwin.webhooks import DeliveryPolicy, sign, verify_signature
from tests.partners.helpers import assert_error, create_shipment, get_json, stopped_clock_app
from tests.receiver import Receiver, closed_port, receiver, receiver_factory, wait_until  # noqa: F401 (fixtures)

FAST = Settings(webhook_backoff_base=0.05, webhook_backoff_max=0.2, webhook_timeout=0.5, webhook_max_attempts=3)
ADMIN = "/__apitwin/apis/partners"
DEMO = "demo-partner"
ACME = "acme-genetics"
DEMO_SHIPPED_KIT = 6       # seed: demo kit KIT_SHIPPED (customer 323, no orders)
DEMO_PROCESSING_KIT = 5    # seed: demo kit KIT_PROCESSING (customer 322, one pending report)
ACME_RECEIVED_KIT = 7      # seed: acme kit KIT_RECEIVED
SIGNATURE = re.compile(r"^v1=[0-9a-f]{64}$")


@pytest.fixture
def app() -> Any:
    yield from stopped_clock_app(FAST)


# -- helpers -------------------------------------------------------------------------------------------------------

def register(client: Any, url: str, tenant: str = DEMO, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{ADMIN}/webhooks", json={"tenant": tenant, "url": url, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def action(client: Any, name: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{ADMIN}/actions/{name}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def advance(client: Any, kit_id: int) -> list[dict[str, Any]]:
    """Advance a kit one step; the events it recorded."""
    return action(client, "advance-kit", kit_id=kit_id)["events"]


def deliveries(client: Any, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{ADMIN}/deliveries", params=params or None)
    assert response.status_code == 200, response.text
    return response.json()


def delivery(client: Any, delivery_id: int) -> dict[str, Any]:
    response = client.get(f"{ADMIN}/deliveries/{delivery_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_settled(client: Any, count: int | None = None, timeout: float = 10.0, **params: Any) -> list[dict[str, Any]]:
    """The deliveries (filtered by params) once every one is delivered or dead (and there are `count` of them)."""
    def check() -> list[dict[str, Any]] | None:
        found = deliveries(client, **params)
        if count is not None and len(found) != count:
            return None
        return found if found and all(d["status"] in ("delivered", "dead") for d in found) else None
    return wait_until(check, timeout, what=f"deliveries {params} to settle")


def wait_status(client: Any, delivery_id: int, status: str, timeout: float = 10.0) -> dict[str, Any]:
    return wait_until(lambda: (d := delivery(client, delivery_id))["status"] == status and d, timeout,
                      what=f"delivery {delivery_id} to be {status}")


def demo_events(client: Any, auth: dict[str, str]) -> dict[int, dict[str, Any]]:
    return {e["id"]: e for e in get_json(client, "/api/v1/events/", auth)}


# -- registration --------------------------------------------------------------------------------------------------

def test_register_generates_a_secret_and_lists_gets_deletes(client: Any, receiver: Receiver) -> None:
    response = client.post(f"{ADMIN}/webhooks", json={"tenant": DEMO, "url": receiver.url})
    assert response.status_code == 201, response.text
    endpoint = response.json()
    assert endpoint["tenant"] == DEMO and endpoint["url"] == receiver.url
    assert endpoint["event_types"] == [] and endpoint["active"] is True and isinstance(endpoint["id"], int)
    assert isinstance(endpoint["secret"], str) and len(endpoint["secret"]) >= 24
    other = register(client, receiver.url, ACME, secret="my-own-secret-123", event_types=["kit.created"],
                     description="acme hooks")
    assert other["secret"] == "my-own-secret-123" and other["event_types"] == ["kit.created"]
    assert other["description"] == "acme hooks" and other["id"] != endpoint["id"]
    assert register(client, receiver.url)["secret"] != endpoint["secret"]           # generated per endpoint

    token = {"Authorization": f"Bearer {client.app.apitwin.runtimes['partners'].settings.admin_token}"}
    listed = client.get(f"{ADMIN}/webhooks", headers=token).json()
    assert [e["id"] for e in listed] == sorted(e["id"] for e in listed) and len(listed) == 3
    assert listed[0] == endpoint
    assert [e["id"] for e in client.get(f"{ADMIN}/webhooks", params={"tenant": ACME}).json()] == [other["id"]]
    assert client.get(f"{ADMIN}/webhooks/{endpoint['id']}", headers=token).json() == endpoint
    assert client.get(f"{ADMIN}/webhooks/{endpoint['id']}").json() == {**endpoint, "secret": "********"}

    assert client.delete(f"{ADMIN}/webhooks/{endpoint['id']}").status_code == 204
    assert_error(client.get(f"{ADMIN}/webhooks/{endpoint['id']}"), 404)
    assert_error(client.delete(f"{ADMIN}/webhooks/{endpoint['id']}"), 404)
    assert endpoint["id"] not in [e["id"] for e in client.get(f"{ADMIN}/webhooks").json()]


@pytest.mark.parametrize("body,field", [
    ({"tenant": DEMO}, "url"),
    ({"tenant": DEMO, "url": "ftp://x"}, "url"),
    ({"tenant": DEMO, "url": "not a url"}, "url"),
    ({"tenant": DEMO, "url": "http://"}, "url"),
    ({"tenant": DEMO, "url": "127.0.0.1:9000/hooks"}, "url"),
    ({"tenant": DEMO, "url": 42}, "url"),
    ({"tenant": "nobody", "url": "http://127.0.0.1:9000/hooks"}, "tenant"),
    ({"url": "http://127.0.0.1:9000/hooks"}, "tenant"),
    ({"tenant": DEMO, "url": "http://127.0.0.1:9000/hooks", "secret": "short"}, "secret"),
    ({"tenant": DEMO, "url": "http://127.0.0.1:9000/hooks", "event_types": "kit.created"}, "event_types"),
])
def test_registration_errors(client: Any, body: dict[str, Any], field: str) -> None:
    response = client.post(f"{ADMIN}/webhooks", json=body)
    errors = assert_error(response, 400)["errors"]
    assert field in errors, errors
    assert client.get(f"{ADMIN}/webhooks").json() == []                               # nothing registered


def test_registration_reports_tenant_and_url_together(client: Any) -> None:
    body = assert_error(client.post(f"{ADMIN}/webhooks", json={"tenant": "nobody", "url": "ftp://x"}), 400)
    assert set(body["errors"]) == {"tenant", "url"}
    assert DEMO in body["errors"]["tenant"][0] and ACME in body["errors"]["tenant"][0]


def test_unknown_api_and_unknown_ids_are_404(client: Any) -> None:
    for response in (
        client.post("/__apitwin/apis/nope/webhooks", json={"tenant": DEMO, "url": "http://127.0.0.1:9/h"}),
        client.get("/__apitwin/apis/nope/webhooks"),
        client.get("/__apitwin/apis/nope/deliveries"),
        client.get(f"{ADMIN}/webhooks/999"),
        client.delete(f"{ADMIN}/webhooks/999"),
        client.post(f"{ADMIN}/webhooks/999/test"),
        client.get(f"{ADMIN}/deliveries/999"),
        client.post(f"{ADMIN}/deliveries/999/resend"),
    ):
        body = assert_error(response, 404)
        assert body["messages"], body
    assert_error(client.get(f"{ADMIN}/webhooks/abc"), 404)                             # no such route
    assert_error(client.get(f"{ADMIN}/deliveries", params={"status": "lost"}), 400, fields=["status"])


# -- fan-out -------------------------------------------------------------------------------------------------------

def test_every_endpoint_of_the_tenant_gets_the_event_and_other_tenants_get_nothing(
        client: Any, receiver_factory: Callable[[], Receiver]) -> None:
    first, second, acme = receiver_factory(), receiver_factory(), receiver_factory()
    ep1, ep2 = register(client, first.url), register(client, second.url)
    ep_acme = register(client, acme.url, ACME)
    (demo_event,) = advance(client, DEMO_SHIPPED_KIT)
    (acme_event,) = advance(client, ACME_RECEIVED_KIT)

    for rec in (first, second):
        (got,) = rec.wait_for(1)
        assert got.json == demo_event
    # acme's endpoint is ordered too: had demo's event been queued for it, it would arrive before acme's own
    (got,) = acme.wait_for(1)
    assert got.json == acme_event
    settled = wait_settled(client, count=3)
    assert {(d["endpoint_id"], d["event_id"]) for d in settled} == {
        (ep1["id"], demo_event["id"]), (ep2["id"], demo_event["id"]), (ep_acme["id"], acme_event["id"])}
    assert [d["tenant"] for d in deliveries(client, endpoint_id=ep_acme["id"])] == [ACME]
    assert len(first.requests) == len(second.requests) == len(acme.requests) == 1


def test_event_type_filters_take_g1_types_and_g2_names(client: Any, auth: dict[str, str],
                                                       receiver_factory: Callable[[], Receiver]) -> None:
    everything, created, received, ready = (receiver_factory() for _ in range(4))
    ep_all = register(client, everything.url)
    ep_created = register(client, created.url, event_types=["kit.created"])
    ep_received = register(client, received.url, event_types=["kit_received_by_lab"])
    ep_mixed = register(client, ready.url, event_types=["kit_out_for_delivery", "report.updated"])

    advance(client, DEMO_SHIPPED_KIT)                                 # kit.updated KIT_RECEIVED
    advance(client, DEMO_SHIPPED_KIT)                                 # kit.updated KIT_PROCESSING
    create_shipment(client, auth, 319)                                # kit.created
    advance(client, DEMO_PROCESSING_KIT)                              # kit.updated DATA_AVAILABLE + report.updated
    settled = wait_settled(client, count=5 + 1 + 1 + 2)

    def types(endpoint: dict[str, Any]) -> list[tuple[str, str | None]]:
        return [(d["payload"]["type"], d["payload"]["data"].get("kit", {}).get("status"))
                for d in settled if d["endpoint_id"] == endpoint["id"]]

    assert types(ep_all) == [("kit.updated", "KIT_RECEIVED"), ("kit.updated", "KIT_PROCESSING"),
                             ("kit.created", "KIT_SHIPPED"), ("kit.updated", "DATA_AVAILABLE"),
                             ("report.updated", None)]
    assert types(ep_created) == [("kit.created", "KIT_SHIPPED")]
    assert types(ep_received) == [("kit.updated", "KIT_RECEIVED")]
    assert types(ep_mixed) == [("kit.created", "KIT_SHIPPED"), ("report.updated", None)]
    assert all(d["status"] == "delivered" for d in settled)
    assert [r.headers["x-apitwin-event-type"] for r in received.requests] == ["kit.updated"]
    assert [r.json["data"]["kit"]["status"] for r in received.requests] == ["KIT_RECEIVED"]
    assert len(everything.requests) == 5 and len(created.requests) == 1 and len(ready.requests) == 2


def test_deleted_endpoint_gets_nothing_more_and_its_log_stays(client: Any, receiver: Receiver) -> None:
    endpoint = register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    receiver.wait_for(1)
    (logged,) = wait_settled(client, count=1)
    assert client.delete(f"{ADMIN}/webhooks/{endpoint['id']}").status_code == 204
    advance(client, DEMO_SHIPPED_KIT)
    time.sleep(0.3)
    assert len(receiver.requests) == 1
    assert deliveries(client) == [logged]


# -- signing and headers -------------------------------------------------------------------------------------------

def test_delivery_is_signed_with_the_endpoint_secret(client: Any, receiver: Receiver) -> None:
    endpoint = register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    (got,) = receiver.wait_for(1)
    timestamp, signature = got.headers["x-apitwin-timestamp"], got.headers["x-apitwin-signature"]
    assert timestamp.isdigit() and abs(int(timestamp) - time.time()) < 60
    assert SIGNATURE.match(signature), signature
    assert signature == sign(endpoint["secret"], int(timestamp), got.body)
    # the documented scheme, computed independently: v1=hex(HMAC-SHA256(secret, "<timestamp>.<raw body>"))
    expected = hmac.new(endpoint["secret"].encode(), timestamp.encode() + b"." + got.body, hashlib.sha256)
    assert signature == "v1=" + expected.hexdigest()
    assert verify_signature(endpoint["secret"], timestamp, got.body, signature)
    assert not verify_signature("whsec_wrong", timestamp, got.body, signature)
    assert not verify_signature(endpoint["secret"], timestamp, got.body + b" ", signature)       # body tampered
    assert not verify_signature(endpoint["secret"], str(int(timestamp) + 1), got.body, signature)
    assert not verify_signature(endpoint["secret"], timestamp, got.body, "v1=é")      # non-ASCII: False, not a crash
    # a replay: the same request, checked six minutes later, is refused; within the tolerance it still passes
    assert not verify_signature(endpoint["secret"], timestamp, got.body, signature, now_ts=int(timestamp) + 360)
    assert verify_signature(endpoint["secret"], timestamp, got.body, signature, now_ts=int(timestamp) + 299)
    assert not verify_signature(endpoint["secret"], "", got.body, signature)


def test_explicit_secret_is_used_for_signing(client: Any, receiver: Receiver) -> None:
    register(client, receiver.url, secret="s3cret-of-the-partner")
    advance(client, DEMO_SHIPPED_KIT)
    (got,) = receiver.wait_for(1)
    assert verify_signature("s3cret-of-the-partner", got.headers["x-apitwin-timestamp"], got.body,
                            got.headers["x-apitwin-signature"])


def test_delivery_headers_match_the_body_and_the_log(client: Any, receiver: Receiver) -> None:
    endpoint = register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    (got,) = receiver.wait_for(1)
    (logged,) = wait_settled(client, count=1)
    event = got.json
    assert got.headers["content-type"].startswith("application/json")
    assert got.headers["x-apitwin-event-id"] == str(event["id"])
    assert got.headers["x-apitwin-event-type"] == event["type"] == "kit.updated"
    assert got.headers["x-apitwin-delivery-id"] == str(logged["id"])
    assert got.headers["x-apitwin-delivery-attempt"] == "1"
    assert got.headers["user-agent"].startswith("apitwin-webhooks/")
    assert logged["endpoint_id"] == endpoint["id"] and logged["event_id"] == event["id"]
    assert logged["event_type"] == "kit.updated" and logged["tenant"] == DEMO
    assert logged["payload"] == event and logged["status"] == "delivered"
    (attempt,) = logged["attempts"]
    assert attempt["attempt"] == 1 and attempt["ok"] is True and attempt["status_code"] == 200
    assert attempt["error"] is None and attempt["latency_ms"] >= 0


def test_body_is_the_event_as_polled(client: Any, auth: dict[str, str], receiver: Receiver) -> None:
    register(client, receiver.url)
    create_shipment(client, auth, 319, quantity=2)
    advance(client, DEMO_PROCESSING_KIT)                                  # kit + report events
    received = receiver.wait_for(4)
    polled = demo_events(client, auth)
    assert [r.json for r in received] == [polled[r.json["id"]] for r in received]
    assert [r.json["type"] for r in received] == ["kit.created", "kit.created", "kit.updated", "report.updated"]
    assert set(received[0].json) == {"id", "created_at", "type", "data"}


# -- retries, dead letters, re-sends -------------------------------------------------------------------------------

def test_back_off_grows_with_jitter_and_stays_under_the_cap() -> None:
    policy = DeliveryPolicy(backoff_base=1.0, backoff_max=8.0, seed=3)
    for attempt, ceiling in [(2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (12, 8.0)]:
        delays = {policy.delay_before(attempt, delivery_id) for delivery_id in range(1, 30)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, delays)
        assert len(delays) > 1                                                       # jittered
    assert policy.delay_before(3, 7) == DeliveryPolicy(backoff_base=1.0, backoff_max=8.0, seed=3).delay_before(3, 7)


def test_receiver_failing_n_times_gets_the_event_on_attempt_n_plus_1(client: Any, receiver: Receiver) -> None:
    receiver.behave(fail_first=2, fail_status=503)
    register(client, receiver.url)
    (event,) = advance(client, DEMO_SHIPPED_KIT)
    requests = receiver.wait_for(3)
    (logged,) = wait_settled(client, count=1)
    assert logged["status"] == "delivered"
    assert [(a["attempt"], a["ok"], a["status_code"]) for a in logged["attempts"]] == [
        (1, False, 503), (2, False, 503), (3, True, 200)]
    assert all("503" in a["error"] for a in logged["attempts"][:2]) and logged["attempts"][2]["error"] is None
    assert [r.headers["x-apitwin-delivery-attempt"] for r in requests] == ["1", "2", "3"]
    assert {r.headers["x-apitwin-delivery-id"] for r in requests} == {str(logged["id"])}
    assert all(r.json == event for r in requests)
    assert [r.answered for r in requests] == [503, 503, 200]
    # back-off: a retry never comes before its (jittered) delay, at least base/2 = 25 ms (a loose lower bound)
    assert requests[1].at - requests[0].at >= 0.02 and requests[2].at - requests[1].at >= 0.02
    time.sleep(0.3)
    assert len(receiver.requests) == 3                                                # acknowledged: no more


@pytest.mark.parametrize("status", [201, 202, 204, 299])
def test_any_2xx_acknowledges(client: Any, receiver: Receiver, status: int) -> None:
    receiver.behave(status=status)
    register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    (logged,) = wait_settled(client, count=1)
    assert logged["status"] == "delivered" and len(logged["attempts"]) == 1
    assert logged["attempts"][0]["status_code"] == status


@pytest.mark.parametrize("status", [301, 400, 404, 500])
def test_anything_else_is_retried_until_dead(client: Any, receiver: Receiver, status: int) -> None:
    receiver.behave(status=status)
    register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    (logged,) = wait_settled(client, count=1)
    assert logged["status"] == "dead"
    assert [(a["attempt"], a["status_code"], a["ok"]) for a in logged["attempts"]] == [
        (1, status, False), (2, status, False), (3, status, False)]
    assert len(receiver.requests) == 3


def test_failing_receiver_leaves_a_dead_letter_that_a_resend_delivers(client: Any, receiver: Receiver) -> None:
    receiver.behave(status=500)
    endpoint = register(client, receiver.url)
    (event,) = advance(client, DEMO_SHIPPED_KIT)
    (dead,) = wait_settled(client, count=1)
    assert dead["status"] == "dead" and len(dead["attempts"]) == 3                   # max_attempts
    assert deliveries(client, status="dead") == [dead]
    assert len(receiver.requests) == 3

    receiver.behave(status=200)
    response = client.post(f"{ADMIN}/deliveries/{dead['id']}/resend")
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending" and response.json()["id"] == dead["id"]
    done = wait_status(client, dead["id"], "delivered")
    assert [a["attempt"] for a in done["attempts"]] == [1, 2, 3, 4]                  # numbering continues
    assert [a["ok"] for a in done["attempts"]] == [False, False, False, True]
    last = receiver.wait_for(4)[3]
    assert last.headers["x-apitwin-delivery-attempt"] == "4"
    assert last.headers["x-apitwin-delivery-id"] == str(dead["id"])
    assert last.headers["x-apitwin-event-id"] == str(event["id"]) and last.json == event
    assert verify_signature(endpoint["secret"], last.headers["x-apitwin-timestamp"], last.body,
                            last.headers["x-apitwin-signature"])
    assert deliveries(client, status="dead") == []

    # a delivered one can be re-sent too (same event id, next attempt number)
    assert client.post(f"{ADMIN}/deliveries/{dead['id']}/resend").status_code == 202
    again = wait_until(lambda: len(delivery(client, dead["id"])["attempts"]) == 5 and delivery(client, dead["id"]),
                       what="the second re-send")
    assert again["status"] == "delivered" and again["attempts"][-1]["attempt"] == 5


def test_receiver_down_past_the_limit_then_back_up(client: Any, receiver: Receiver) -> None:
    endpoint = register(client, receiver.url)
    port = receiver.port
    receiver.stop()
    (event,) = advance(client, DEMO_SHIPPED_KIT)
    (dead,) = wait_settled(client, count=1)
    assert dead["status"] == "dead" and len(dead["attempts"]) == 3
    assert all(a["status_code"] is None and a["error"] and not a["ok"] for a in dead["attempts"])

    receiver.start(port)                                                              # same URL, up again
    assert receiver.url == endpoint["url"]
    assert client.post(f"{ADMIN}/deliveries/{dead['id']}/resend").status_code == 202
    done = wait_status(client, dead["id"], "delivered")
    assert [a["attempt"] for a in done["attempts"]] == [1, 2, 3, 4]
    (got,) = receiver.wait_for(1)
    assert got.json == event and got.headers["x-apitwin-delivery-attempt"] == "4"


def test_closed_port_dead_letters_with_a_connection_error(client: Any) -> None:
    register(client, f"http://127.0.0.1:{closed_port()}/hooks")
    advance(client, DEMO_SHIPPED_KIT)
    (dead,) = wait_settled(client, count=1)
    assert dead["status"] == "dead"
    assert all("connect" in a["error"].lower() for a in dead["attempts"]), dead["attempts"]
    # re-sending while the receiver is still down dead-letters it again, with the new attempt(s) logged
    assert client.post(f"{ADMIN}/deliveries/{dead['id']}/resend").status_code == 202
    again = wait_until(lambda: (d := delivery(client, dead["id"]))["status"] == "dead" and len(d["attempts"]) > 3
                       and d, what="the re-sent delivery to die again")
    assert [a["attempt"] for a in again["attempts"]] == list(range(1, len(again["attempts"]) + 1))


def test_resend_of_an_unsettled_delivery_is_409(client: Any, receiver: Receiver) -> None:
    receiver.behave(sleep=5)                                       # every attempt times out (0.5 s)
    register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    receiver.wait_for(1)
    (pending,) = deliveries(client)
    assert pending["status"] == "pending" and pending["attempts"] == []               # first attempt in flight
    body = assert_error(client.post(f"{ADMIN}/deliveries/{pending['id']}/resend"), 409)
    assert "pending" in body["messages"][0]
    wait_status(client, pending["id"], "retrying")
    body = assert_error(client.post(f"{ADMIN}/deliveries/{pending['id']}/resend"), 409)
    assert "retrying" in body["messages"][0]


def test_deleting_an_endpoint_leaves_no_delivery_unsettled_forever(client: Any, receiver: Receiver) -> None:
    receiver.behave(status=500)
    endpoint = register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    receiver.wait_for(1)                                              # first attempt failed; a retry is queued
    assert client.delete(f"{ADMIN}/webhooks/{endpoint['id']}").status_code == 204
    (logged,) = deliveries(client)
    # nothing is lost: the delivery must end up settled (e.g. dead-lettered), visible and re-sendable, not stuck
    wait_until(lambda: delivery(client, logged["id"])["status"] in ("delivered", "dead"), timeout=3,
               what="the removed endpoint's delivery to settle")


def test_resend_to_a_deleted_endpoint_is_refused(client: Any, receiver: Receiver) -> None:
    receiver.behave(status=500)
    endpoint = register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    (dead,) = wait_settled(client, count=1)
    assert dead["status"] == "dead"
    assert client.delete(f"{ADMIN}/webhooks/{endpoint['id']}").status_code == 204
    response = client.post(f"{ADMIN}/deliveries/{dead['id']}/resend")
    assert response.status_code in (404, 409), response.text
    assert_error(response, response.status_code)
    time.sleep(0.3)
    assert delivery(client, dead["id"])["status"] == "dead"


# -- ordering and timeouts -----------------------------------------------------------------------------------------

def test_deliveries_to_one_endpoint_stay_in_event_order(client: Any, auth: dict[str, str], receiver: Receiver) -> None:
    first_event: dict[str, Any] = {}

    def script(request: Any, index: int) -> tuple[int, float]:
        event_id = int(request.headers["x-apitwin-event-id"])
        first_event.setdefault("id", event_id)
        return (503, 0.0) if event_id == first_event["id"] and index < 2 else (200, 0.0)

    receiver.behave(script=script)
    register(client, receiver.url)
    before = max(demo_events(client, auth))
    advance(client, DEMO_SHIPPED_KIT)
    advance(client, DEMO_SHIPPED_KIT)
    action(client, "tick")                                           # several kits (demo and acme) at once
    create_shipment(client, auth, 319, quantity=3)
    demo_ids = [i for i in sorted(demo_events(client, auth)) if i > before]
    assert len(demo_ids) == 2 + 3 + 3                                 # tick: kit 5 (+ report), kit 6
    received = receiver.wait_for(len(demo_ids) + 2)
    wait_settled(client, count=len(demo_ids))
    assert [int(r.headers["x-apitwin-event-id"]) for r in received] == [demo_ids[0]] * 3 + demo_ids[1:]
    assert [r.answered for r in received] == [503, 503] + [200] * len(demo_ids)
    assert [r.headers["x-apitwin-delivery-attempt"] for r in received[:3]] == ["1", "2", "3"]


def test_slow_receiver_times_out_without_blocking_the_api(client: Any, auth: dict[str, str],
                                                          receiver: Receiver) -> None:
    receiver.behave(sleep=5)
    register(client, receiver.url)
    started = time.monotonic()
    advance(client, DEMO_SHIPPED_KIT)
    receiver.wait_for(1)                                             # the receiver is now hanging
    response = client.get("/api/v1/customers/", headers=auth)
    assert response.status_code == 200
    (current,) = deliveries(client)
    assert current["status"] in ("pending", "retrying")             # the API answered before the delivery settled
    assert time.monotonic() - started < 5                           # nobody waited for the receiver's 5 s

    first = wait_until(lambda: (d := deliveries(client)[0])["attempts"] and d["attempts"][0], what="attempt 1")
    assert first["ok"] is False and first["status_code"] is None
    assert "timed out" in first["error"] and "0.5" in first["error"], first
    assert 400 <= first["latency_ms"] < 4000, first                   # cut at the timeout, not at the receiver's pace
    (dead,) = wait_settled(client, count=1)
    assert dead["status"] == "dead" and all("timed out" in a["error"] for a in dead["attempts"])


# -- testing a webhook ---------------------------------------------------------------------------------------------

def test_test_endpoint_with_a_healthy_receiver(client: Any, receiver: Receiver) -> None:
    endpoint = register(client, receiver.url)
    response = client.post(f"{ADMIN}/webhooks/{endpoint['id']}/test")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is True and result["status_code"] == 200 and result["error"] is None
    assert result["attempt"] == 1 and result["latency_ms"] >= 0
    (got,) = receiver.wait_for(1)
    assert got.json["type"] == "apitwin.test" and got.headers["x-apitwin-event-type"] == "apitwin.test"
    assert verify_signature(endpoint["secret"], got.headers["x-apitwin-timestamp"], got.body,
                            got.headers["x-apitwin-signature"])
    assert deliveries(client, status="dead") == []


@pytest.mark.parametrize("status", [500, 404])
def test_test_endpoint_with_a_failing_receiver(client: Any, receiver: Receiver, status: int) -> None:
    receiver.behave(status=status)
    endpoint = register(client, receiver.url)
    result = client.post(f"{ADMIN}/webhooks/{endpoint['id']}/test").json()
    assert result["ok"] is False and result["status_code"] == status
    assert str(status) in result["error"]
    (got,) = receiver.wait_for(1)
    assert got.json["type"] == "apitwin.test"


def test_test_endpoint_with_a_receiver_that_is_down(client: Any) -> None:
    endpoint = register(client, f"http://127.0.0.1:{closed_port()}/hooks")
    response = client.post(f"{ADMIN}/webhooks/{endpoint['id']}/test")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is False and result["status_code"] is None and result["error"]


# -- delivery log --------------------------------------------------------------------------------------------------

def test_deliveries_filter_by_status_and_endpoint(client: Any, receiver_factory: Callable[[], Receiver]) -> None:
    good, bad = receiver_factory(), receiver_factory().behave(status=500)
    ep_good, ep_bad = register(client, good.url), register(client, bad.url)
    advance(client, DEMO_SHIPPED_KIT)
    advance(client, DEMO_SHIPPED_KIT)
    everything = wait_settled(client, count=4)
    assert [d["id"] for d in everything] == sorted(d["id"] for d in everything)
    delivered, dead = deliveries(client, status="delivered"), deliveries(client, status="dead")
    assert {d["endpoint_id"] for d in delivered} == {ep_good["id"]} and len(delivered) == 2
    assert {d["endpoint_id"] for d in dead} == {ep_bad["id"]} and len(dead) == 2
    assert deliveries(client, endpoint_id=ep_good["id"]) == delivered
    assert deliveries(client, endpoint_id=ep_bad["id"]) == dead
    assert deliveries(client, endpoint_id=ep_bad["id"], status="delivered") == []
    assert deliveries(client, status="pending") == [] and deliveries(client, status="retrying") == []
    assert deliveries(client, endpoint_id=999) == []
    assert delivery(client, dead[0]["id"]) == dead[0]


def test_admin_reset_clears_endpoints_and_deliveries(client: Any, receiver: Receiver) -> None:
    register(client, receiver.url)
    advance(client, DEMO_SHIPPED_KIT)
    wait_settled(client, count=1)
    assert client.post(f"{ADMIN}/reset").status_code == 200
    assert client.get(f"{ADMIN}/webhooks").json() == []
    assert deliveries(client) == []
    advance(client, DEMO_SHIPPED_KIT)
    time.sleep(0.3)
    assert len(receiver.requests) == 1 and deliveries(client) == []


@pytest.mark.parametrize("replace", ["reset", "import"])
def test_replacing_the_state_during_an_attempt_does_not_leak_into_new_deliveries(
        client: Any, receiver_factory: Callable[[], Receiver], replace: str) -> None:
    """An attempt still in flight when the state is reset or imported must not write into the log of the fresh
    state (whose ids start again at 1), nor delay the fresh endpoint's first delivery."""
    snapshot = client.get(f"{ADMIN}/state").json()
    slow, fresh = receiver_factory().behave(sleep=5), receiver_factory()
    register(client, slow.url)
    advance(client, DEMO_SHIPPED_KIT)
    slow.wait_for(1)                                                   # attempt 1 hangs (0.5 s timeout)
    if replace == "reset":
        assert client.post(f"{ADMIN}/reset").status_code == 200
    else:
        assert client.put(f"{ADMIN}/state", json=snapshot).status_code == 200
    assert client.get(f"{ADMIN}/webhooks").json() == [] and deliveries(client) == []
    endpoint = register(client, fresh.url)
    (event,) = advance(client, DEMO_SHIPPED_KIT)
    (got,) = fresh.wait_for(1)
    time.sleep(0.8)                                                     # past the old attempt's timeout
    (logged,) = wait_settled(client, count=1)
    assert logged["endpoint_id"] == endpoint["id"] and logged["event_id"] == event["id"]
    assert [(a["attempt"], a["ok"]) for a in logged["attempts"]] == [(1, True)], logged["attempts"]
    assert got.headers["x-apitwin-delivery-attempt"] == "1"


@pytest.mark.parametrize("names,bad", [(["kit.deleted"], [0]), (["kit.created", "nope", "report_ready", "KIT.CREATED"], [1, 3])])
def test_event_types_that_match_no_event_are_refused(client: Any, names: list[str], bad: list[int]) -> None:
    body = assert_error(client.post(f"{ADMIN}/webhooks", json={"tenant": DEMO, "url": "http://127.0.0.1:9000/hooks",
                                                               "event_types": names}), 400)
    assert set(body["errors"]) == {f"event_types.{i}" for i in bad}
    for i in bad:
        (message,) = body["errors"][f"event_types.{i}"]
        assert message.startswith(f"Unknown event type {names[i]!r}: it matches no event.") and "kit_failed" in message
    assert client.get(f"{ADMIN}/webhooks").json() == []                               # nothing registered


def test_every_event_type_filter_name_of_the_spec_is_accepted(client: Any) -> None:
    """The names registration takes are exactly the spec's EventTypeFilter (G1 types and G2 names, C27)."""
    from tests.partners.test_spec import SPEC
    names = SPEC["components"]["schemas"]["EventTypeFilter"]["enum"]
    assert register(client, "http://127.0.0.1:9000/hooks", event_types=names)["event_types"] == names
    from apitwin_apis.partners.events import event_types
    assert sorted(event_types(None)) == sorted(names)


def test_a_seed_webhook_with_an_unknown_event_type_stops_the_start(tmp_path: Any) -> None:
    import shutil

    from apitwin.app import create_app
    from apitwin.resources import package_path
    from apitwin.seed_check import SeedRefused

    seed = tmp_path / "seed"
    shutil.copytree(package_path("apitwin_apis.mockdata", "partners"), seed)
    (seed / "webhooks.yaml").write_text("webhooks:\n  - {tenant: demo-partner, url: 'http://127.0.0.1:9/h', "
                                        "event_types: [kit.created, kit.deleted]}\n")
    with pytest.raises((SeedRefused, ValueError)) as excinfo:
        create_app(["partners"], settings=Settings(data_dirs={"partners": seed}))
    assert "unknown event types 'kit.deleted'" in str(excinfo.value) + str(getattr(excinfo.value, "problems", ""))
