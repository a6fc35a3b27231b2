"""Callbacks and 3.1 webhooks of a document served with zero code, end to end against a real HTTP receiver on
127.0.0.1 (tests/receiver.py): the URL a runtime expression names gets a signed delivery whose body validates
against the callback's schema; refused targets are dead letters and never called; retries, dead letters and
re-sends behave as for the built-in APIs; webhook entries fire on resource changes to registered receivers.

The app runs inside `with TestClient(app)`: the background senders live on that client's event loop."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
from starlette.testclient import TestClient

from apitwin.app import create_app
from apitwin.inferred.plugin import build
from apitwin.settings import Settings
from apitwin.webhooks import verify_signature
from tests.inferred.conftest import FIXTURES
from tests.receiver import Receiver, receiver, receiver_factory, wait_until  # noqa: F401 (fixtures)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
TOKEN = "admin-secret-for-tests"
FAST = dict(seed=0, webhook_backoff_base=0.05, webhook_backoff_max=0.2, webhook_timeout=0.5, webhook_max_attempts=3,
            admin_token=TOKEN, admin_required=False)
MUSEUM = "/_mock/docs/openapi/museum-api"
ADMIN_HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def client_for(document: Path, **settings: Any) -> Iterator[TestClient]:
    app = create_app([build(document)], settings=Settings(**{**FAST, **settings}))
    with TestClient(app) as client:
        client.api = client.get("/__apitwin/apis").json()[0]["name"]    # type: ignore[attr-defined]
        yield client


@pytest.fixture
def streams() -> Iterator[TestClient]:
    yield from client_for(CORPUS / "oai-callback-example.yaml")


@pytest.fixture
def subs() -> Iterator[TestClient]:
    yield from client_for(FIXTURES / "subscriptions.yaml")


def admin(client: Any, path: str = "") -> str:
    return f"/__apitwin/apis/{client.api}{path}"


def deliveries(client: Any, **params: Any) -> list[dict[str, Any]]:
    response = client.get(admin(client, "/deliveries"), params=params or None, headers=ADMIN_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def settled(client: Any, count: int, **params: Any) -> list[dict[str, Any]]:
    def check() -> list[dict[str, Any]] | None:
        found = deliveries(client, **params)
        done = [d for d in found if d["status"] in ("delivered", "dead")]
        return found if len(found) >= count and len(done) == len(found) else None
    return wait_until(check, timeout=10, what=f"{count} settled deliveries")


def endpoint_of(client: Any, delivery: dict[str, Any]) -> dict[str, Any]:
    response = client.get(admin(client, f"/webhooks/{delivery['endpoint_id']}"), headers=ADMIN_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def callback_schema(document: Path, path: str, name: str, url: str, method: str = "post") -> dict[str, Any]:
    """The callback's requestBody schema, with the document's components for its $refs."""
    import yaml

    doc = yaml.safe_load(document.read_text())
    schema = doc["paths"][path]["post"]["callbacks"][name][url][method]["requestBody"]["content"][
        "application/json"]["schema"]
    return {**schema, "components": doc.get("components", {})}


# -- callbacks -------------------------------------------------------------------------------------------------------

def test_query_expression_callback_is_signed_and_valid(streams: Any, receiver: Receiver) -> None:
    response = streams.post("/streams", params={"callbackUrl": receiver.url + "/client-7"})
    assert response.status_code == 201, response.text
    [got] = receiver.wait_for(1)
    assert got.path == "/hooks/client-7/data"
    [delivery] = settled(streams, 1)
    assert delivery["status"] == "delivered" and delivery["event_type"] == "onData"
    secret = endpoint_of(streams, delivery)["secret"]
    assert verify_signature(secret, got.headers["x-apitwin-timestamp"], got.body, got.headers["x-apitwin-signature"])
    assert got.headers["x-apitwin-event-type"] == "onData"
    schema = callback_schema(CORPUS / "oai-callback-example.yaml", "/streams", "onData",
                             "{$request.query.callbackUrl}/data")
    jsonschema.validate(got.json, schema, format_checker=jsonschema.FormatChecker())
    assert set(got.json) == {"timestamp", "userData"}    # the callback's own body, generated, not the subscription
    assert got.json["timestamp"][:4] == time.strftime("%Y", time.gmtime())   # sent now, not a fixed date


def test_readme_callbacks_document(receiver: Receiver) -> None:
    for client in client_for(CORPUS / "readme-3.0-callbacks.yaml"):
        path = next(p for p in client.get("/openapi.json").json()["paths"])
        response = client.post(path, params={"callbackUrl": receiver.url})
        assert 200 <= response.status_code < 300, response.text
        [got] = receiver.wait_for(1)
        assert got.path == "/hooks/data" and isinstance(got.json, dict)
        assert set(got.json) <= {"timestamp", "userData"}


def test_body_and_response_expressions_carry_the_created_item(subs: Any, receiver: Receiver) -> None:
    response = subs.post("/subscriptions", json={"callbackUrl": receiver.url + "/subs", "topic": "kits"})
    assert response.status_code == 201, response.text
    created = response.json()
    [got] = receiver.wait_for(1)
    assert got.path == "/hooks/subs" and got.headers["x-apitwin-event-type"] == "onCreated"
    [delivery] = settled(subs, 1, status="delivered")
    assert delivery["payload"] == created == got.json          # the triggering item, as the callback schema takes it
    assert delivery["method"] == "POST"


def test_callback_url_query_and_method_and_wrapped_item(subs: Any, receiver_factory: Any) -> None:
    main, ping = receiver_factory(), receiver_factory()
    response = subs.post("/subscriptions", params={"ping": ping.url + "/ping"},
                         json={"callbackUrl": main.url + "/subs", "topic": "kits"})
    assert response.status_code == 201, response.text
    created = response.json()
    [first] = main.wait_for(1)
    [pinged] = ping.wait_for(1)
    assert first.json == created
    assert pinged.json == {"event": "ping", "subscription": created}   # the item inside the property taking it
    found = {d["event_type"]: d for d in settled(subs, 2)}
    assert found["onPing"]["method"] == "PUT" and found["onPing"]["status"] == "delivered"
    assert first.query == f"id={created['id']}"            # filled in by the response expression
    assert pinged.method == "PUT"


def test_expression_naming_nothing_sends_nothing(subs: Any, receiver: Receiver) -> None:
    response = subs.post("/subscriptions", json={"callbackUrl": receiver.url, "topic": "t"})
    assert response.status_code == 201
    receiver.wait_for(1)
    assert [d["event_type"] for d in settled(subs, 1)] == ["onCreated"]    # no ?ping=: onPing names no URL


def test_not_an_http_url_sends_nothing_and_the_operation_still_succeeds(subs: Any) -> None:
    response = subs.post("/subscriptions", json={"callbackUrl": "mailto:ops@example.com", "topic": "t"})
    assert response.status_code == 201, response.text
    time.sleep(0.1)
    assert deliveries(subs) == []


def test_refused_metadata_address_is_a_dead_letter_never_called(streams: Any) -> None:
    response = streams.post("/streams", params={"callbackUrl": "http://169.254.169.254/latest/meta-data"})
    assert response.status_code == 201, response.text      # the documented answer: a zero-code mock has no rule
    [delivery] = deliveries(streams)
    assert delivery["status"] == "dead" and "target not allowed" in delivery["dead_reason"]
    assert delivery["attempts"][0]["status_code"] is None
    [api] = streams.get("/__apitwin/apis").json()
    assert api["logs"]["deliveries"]["unacknowledged_dead"] == 1


def test_refused_loopback_receiver_is_not_called(receiver: Receiver) -> None:
    for client in client_for(CORPUS / "oai-callback-example.yaml", webhook_allow=["none"]):
        assert client.post("/streams", params={"callbackUrl": receiver.url}).status_code == 201
        [delivery] = deliveries(client)
        assert delivery["status"] == "dead" and "internal address" in delivery["dead_reason"]
        time.sleep(0.3)
        assert receiver.requests == []


def test_host_name_resolving_to_a_refused_address_is_dead_at_its_first_attempt(receiver: Receiver) -> None:
    for client in client_for(CORPUS / "oai-callback-example.yaml", webhook_allow=["none"]):
        named = receiver.url.replace("127.0.0.1", "localhost")
        assert client.post("/streams", params={"callbackUrl": named}).status_code == 201
        [delivery] = settled(client, 1)
        assert delivery["status"] == "dead" and len(delivery["attempts"]) == 1
        assert delivery["dead_reason"].startswith("target not allowed")
        assert receiver.requests == []


def test_failing_receiver_is_retried_then_delivered(streams: Any, receiver: Receiver) -> None:
    receiver.behave(fail_first=1)
    streams.post("/streams", params={"callbackUrl": receiver.url})
    [delivery] = settled(streams, 1)
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 200]
    assert [r.headers["x-apitwin-delivery-attempt"] for r in receiver.wait_for(2)] == ["1", "2"]


def test_receiver_always_failing_is_dead_lettered_and_can_be_resent(streams: Any, receiver: Receiver) -> None:
    receiver.behave(status=500)
    streams.post("/streams", params={"callbackUrl": receiver.url})
    [delivery] = settled(streams, 1)
    assert delivery["status"] == "dead" and len(delivery["attempts"]) == 3
    receiver.behave(status=200)
    resent = streams.post(admin(streams, f"/deliveries/{delivery['id']}/resend"))
    assert resent.status_code == 202, resent.text
    [again] = settled(streams, 1, status="delivered")
    assert again["id"] == delivery["id"] and again["attempts"][-1]["status_code"] == 200


def test_registered_receiver_signs_callbacks_to_its_url_with_its_secret(streams: Any, receiver: Receiver) -> None:
    url = receiver.url + "/mine"
    registered = streams.post(admin(streams, "/webhooks"),
                              json={"tenant": "anyone", "url": url + "/data", "secret": "whsec_mine"})
    assert registered.status_code == 201, registered.text
    streams.post("/streams", params={"callbackUrl": url})
    [got] = receiver.wait_for(1)
    assert verify_signature("whsec_mine", got.headers["x-apitwin-timestamp"], got.body,
                            got.headers["x-apitwin-signature"])


# -- webhooks --------------------------------------------------------------------------------------------------------

def register(client: Any, url: str, tenant: str = "ops", **extra: Any) -> dict[str, Any]:
    response = client.post(admin(client, "/webhooks"), json={"tenant": tenant, "url": url, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_webhooks_fire_on_create_update_delete(subs: Any, receiver_factory: Any) -> None:
    hooks, target = receiver_factory(), receiver_factory()
    register(subs, hooks.url, secret="whsec_ops")
    created = subs.post("/subscriptions", json={"callbackUrl": target.url, "topic": "a"}).json()
    updated = subs.patch(f"/subscriptions/{created['id']}", json={"topic": "b"})
    assert updated.status_code == 200, updated.text
    assert subs.delete(f"/subscriptions/{created['id']}").status_code == 204
    got = hooks.wait_for(3)
    assert [r.headers["x-apitwin-event-type"] for r in got] == [
        "subscriptionCreated", "subscriptionUpdated", "subscriptionDeleted"]
    assert got[0].json == created and got[1].json == updated.json()
    assert got[2].json == {"deleted": True, "data": updated.json()}
    assert all(verify_signature("whsec_ops", r.headers["x-apitwin-timestamp"], r.body,
                                r.headers["x-apitwin-signature"]) for r in got)
    assert len(target.wait_for(1)) == 1          # the callback target got its callback only, not the events


def test_webhook_event_type_filter(subs: Any, receiver: Receiver) -> None:
    register(subs, receiver.url, event_types=["subscriptionDeleted"])
    created = subs.post("/subscriptions", json={"callbackUrl": "http://127.0.0.1:9/x", "topic": "a"}).json()
    subs.delete(f"/subscriptions/{created['id']}")
    [got] = receiver.wait_for(1)
    assert got.headers["x-apitwin-event-type"] == "subscriptionDeleted"
    time.sleep(0.2)
    assert len(receiver.requests) == 1


def test_unknown_webhook_event_type_is_refused(subs: Any) -> None:
    response = subs.post(admin(subs, "/webhooks"), json={"tenant": "ops", "url": "http://127.0.0.1:9/",
                                                         "event_types": ["petCreated"]})
    assert response.status_code == 400
    assert "subscriptionCreated" in response.text


def test_museum_webhook_fires_on_a_new_special_event(receiver: Receiver) -> None:
    document = CORPUS / "redocly-museum.yaml"
    for client in client_for(document):
        register(client, receiver.url)
        import yaml

        components = yaml.safe_load(document.read_text())["components"]
        body = {"name": "Dinosaurs", "location": "Hall 2", "eventDescription": "Bones.",
                "dates": ["2023-10-29"], "price": 25}
        response = client.post(MUSEUM + "/special-events", json=body, auth=("visitor", "any"))
        assert response.status_code == 201, response.text
        [got] = receiver.wait_for(1)
        assert got.headers["x-apitwin-event-type"] == "publishNewEvent"
        schema = {"$ref": "#/components/schemas/SpecialEvent", "components": components}
        jsonschema.validate(got.json, schema)
        assert got.json == response.json()


def test_webhook_events_go_to_their_tenants_receivers(receiver: Receiver, tmp_path: Path) -> None:
    pins = tmp_path / "auth.yaml"
    pins.write_text("- {username: alice, password: pw, tenant: north}\n- {username: bob, password: pw, tenant: south}\n")
    app = create_app([build(CORPUS / "redocly-museum.yaml", auth_file=pins)], settings=Settings(**FAST))
    with TestClient(app) as client:
        client.api = client.get("/__apitwin/apis").json()[0]["name"]    # type: ignore[attr-defined]
        refused = client.post(admin(client, "/webhooks"), json={"tenant": "west", "url": receiver.url})
        assert refused.status_code == 400 and "north" in refused.text
        register(client, receiver.url, tenant="north")
        body = {"name": "Fossils", "location": "Hall 1", "eventDescription": "Old.", "dates": ["2023-10-29"],
                "price": 5}
        assert client.post(MUSEUM + "/special-events", json=body, auth=("bob", "pw")).status_code == 201
        mine = client.post(MUSEUM + "/special-events", json={**body, "name": "Mine"}, auth=("alice", "pw"))
        assert mine.status_code == 201
        [got] = receiver.wait_for(1)
        assert got.json["name"] == "Mine"
        time.sleep(0.2)
        assert len(receiver.requests) == 1


def test_webhook_only_document_accepts_receivers(receiver: Receiver) -> None:
    for client in client_for(CORPUS / "oai-webhook-example.yaml"):
        endpoint = register(client, receiver.url, event_types=["newPet"])
        tested = client.post(admin(client, f"/webhooks/{endpoint['id']}/test"))
        assert tested.status_code == 200 and tested.json()["ok"] is True


def test_document_without_callbacks_has_no_dispatcher() -> None:
    for client in client_for(FIXTURES / "shop.yaml"):
        assert client.get(admin(client, "/webhooks")).status_code == 404


# -- runtime expressions ----------------------------------------------------------------------------------------------

def seen(**overrides: Any) -> Any:
    from apitwin.inferred.callbacks import Request

    values: dict[str, Any] = dict(url="http://mock/things/7?x=1", method="POST", path={"id": "7"},
                                  query={"url": "http://127.0.0.1:9/q"}, headers={"x-hook": "http://127.0.0.1:9/h"},
                                  body={"hooks": [{"url": "http://127.0.0.1:9/b"}], "n": 3}, status=201,
                                  response_headers={"location": "/things/7"}, response_body={"id": 42})
    return Request(**{**values, **overrides})


@pytest.mark.parametrize(("template", "expected"), [
    ("{$request.query.url}", "http://127.0.0.1:9/q"),
    ("{$request.header.X-Hook}/x", "http://127.0.0.1:9/h/x"),
    ("{$request.body#/hooks/0/url}?n={$request.body#/n}", "http://127.0.0.1:9/b?n=3"),
    ("http://127.0.0.1:9/t/{$request.path.id}/{$response.body#/id}?s={$statusCode}&m={$method}",
     "http://127.0.0.1:9/t/7/42?s=201&m=POST"),
    ("http://127.0.0.1:9{$response.header.Location}", "http://127.0.0.1:9/things/7"),
    ("$request.query.url", "http://127.0.0.1:9/q"),
    ("{$url}", "http://mock/things/7?x=1"),
])
def test_expressions(template: str, expected: str) -> None:
    from apitwin.inferred.callbacks import expand

    assert expand(template, seen()) == expected


@pytest.mark.parametrize("template", [
    "{$request.query.missing}", "{$request.body#/nothing}", "{$request.body#/hooks}", "{$response.query.url}",
    "{$request.body#/hooks/5/url}", "{$nonsense}",
])
def test_expressions_naming_nothing(template: str) -> None:
    from apitwin.inferred.callbacks import Unresolved, expand

    with pytest.raises(Unresolved):
        expand(template, seen())


def test_state_with_callbacks_and_events_exports_and_imports(subs: Any, receiver: Receiver) -> None:
    register(subs, receiver.url)
    subs.post("/subscriptions", json={"callbackUrl": receiver.url + "/cb", "topic": "a"})
    settled(subs, 2)
    exported = subs.get(admin(subs, "/state"), headers=ADMIN_HEADERS)
    assert exported.status_code == 200, exported.text
    state = exported.json()
    endpoints = state["collections"]["webhook_endpoints"]["rows"]
    assert [e.get("callback", False) for e in endpoints] == [False, True]
    assert [e["type"] for e in state["collections"]["inferred_events"]["rows"]] == ["subscriptionCreated"]
    imported = subs.put(admin(subs, "/state"), json=state, headers=ADMIN_HEADERS)
    assert imported.status_code == 200, imported.text
    assert len(deliveries(subs)) == 2
