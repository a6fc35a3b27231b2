"""Callbacks fired by answers the document chose (Prefer `example=`/`code=`/`dynamic=`, and their `__` query
twins) instead of the inferred handler: a 2xx answer fires the operation's callbacks as a handler answer does —
signed, through the delivery log — with `$request.*` read from the request and `$response.*` and the callback body
from the chosen answer; a 4xx answer, an injected fault and an answer the response guard refused fire nothing.
Against a real HTTP receiver on 127.0.0.1 (tests/receiver.py)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs

import pytest
import yaml
from starlette.testclient import TestClient

from apitwin.app import create_app
from apitwin.inferred.plugin import build
from apitwin.settings import Settings
from apitwin.webhooks import verify_signature
from tests.inferred.conftest import FIXTURES
from tests.inferred.test_callbacks import FAST, client_for, deliveries, endpoint_of, settled
from tests.receiver import Receiver, receiver, receiver_factory  # noqa: F401 (fixtures)

DOCUMENT = FIXTURES / "hooks-examples.yaml"
KITS = {"id": 41, "callbackUrl": "http://hooks.example.com/kits", "topic": "kits"}
ORDERS = {"id": 42, "callbackUrl": "http://hooks.example.com/orders", "topic": "orders"}


@pytest.fixture
def hooks() -> Iterator[TestClient]:
    yield from client_for(DOCUMENT)


def stored(client: Any) -> list[Any]:
    response = client.get("/hooks")
    assert response.status_code == 200, response.text
    return response.json()


def test_prefer_example_answer_fires_the_callback_signed_with_the_example(hooks: Any, receiver: Receiver) -> None:
    before = stored(hooks)
    response = hooks.post("/hooks", headers={"Prefer": "example=orders"},
                          json={"callbackUrl": receiver.url + "/mine", "topic": "mine"})
    assert response.status_code == 201, response.text
    assert response.json() == ORDERS
    [got] = receiver.wait_for(1)
    # the URL: $request.body from the request, $response.body from the chosen example
    assert got.path == "/hooks/mine" and got.query == "id=42&topic=orders"
    assert got.json == ORDERS                     # the answered item, as the callback schema takes it
    assert got.method == "POST" and got.headers["x-apitwin-event-type"] == "onCreated"
    [delivery] = settled(hooks, 1)
    assert delivery["status"] == "delivered" and delivery["payload"] == ORDERS
    secret = endpoint_of(hooks, delivery)["secret"]
    assert verify_signature(secret, got.headers["x-apitwin-timestamp"], got.body, got.headers["x-apitwin-signature"])
    assert stored(hooks) == before                # a Prefer answer changes no state


def test_example_twin_and_code_fire_like_the_header(hooks: Any, receiver: Receiver) -> None:
    body = {"callbackUrl": receiver.url + "/twin", "topic": "t"}
    assert hooks.post("/hooks", params={"__example": "kits"}, json=body).json() == KITS
    assert hooks.post("/hooks", params={"__code": "201"}, json=body).json() == KITS     # the first example
    first, second = receiver.wait_for(2)
    assert first.query == second.query == "id=41&topic=kits"     # the twin is not part of the request's query
    assert first.json == second.json == KITS
    assert [d["status"] for d in settled(hooks, 2)] == ["delivered", "delivered"]


def test_dynamic_answer_fires_with_the_generated_item(hooks: Any, receiver: Receiver) -> None:
    response = hooks.post("/hooks", headers={"Prefer": "dynamic=true"},
                          json={"callbackUrl": receiver.url + "/dyn", "topic": "t"})
    assert response.status_code == 201, response.text
    [got] = receiver.wait_for(1)
    generated = response.json()
    assert got.json == generated
    assert parse_qs(got.query) == {"id": [str(generated["id"])], "topic": [generated["topic"]]}


def test_handler_and_prefer_answers_send_the_same_kind_of_delivery(hooks: Any, receiver: Receiver) -> None:
    body = {"callbackUrl": receiver.url + "/same", "topic": "same"}
    created = hooks.post("/hooks", json=body)
    assert created.status_code == 201, created.text
    chosen = hooks.post("/hooks", headers={"Prefer": "example=kits"}, json=body)
    handled, preferred = receiver.wait_for(2)
    assert handled.json == created.json() and preferred.json == KITS
    assert handled.path == preferred.path == "/hooks/same"
    assert set(handled.headers) >= {"x-apitwin-signature", "x-apitwin-timestamp", "x-apitwin-event-type"}
    assert set(preferred.headers) == set(handled.headers)
    assert chosen.status_code == 201
    assert [(d["status"], d["event_type"]) for d in settled(hooks, 2)] == [("delivered", "onCreated")] * 2


@pytest.mark.parametrize(("how", "status"), [
    ({"headers": {"Prefer": "code=400"}}, 400),
    ({"headers": {"Prefer": "example=refused"}}, 400),
    ({"params": {"__example": "refused"}}, 400),
    ({"headers": {"Prefer": "fault=503"}}, 503),
    ({"params": {"__fault": "500"}}, 500),
    ({"headers": {"Prefer": "fault=empty"}}, 200),
    ({"headers": {"Prefer": "example=broken"}}, 500),     # the guard refused the example: the client got a 500
    ({"headers": {"Prefer": "example=nope"}}, 400),       # no such example
])
def test_error_answers_and_faults_fire_nothing(hooks: Any, receiver: Receiver, how: dict[str, Any],
                                               status: int) -> None:
    response = hooks.post("/hooks", json={"callbackUrl": receiver.url + "/no", "topic": "t"}, **how)
    assert response.status_code == status, response.text
    time.sleep(0.2)
    assert deliveries(hooks) == [] and receiver.requests == []


def test_not_an_http_url_sends_nothing_and_the_example_is_answered(hooks: Any) -> None:
    response = hooks.post("/hooks", headers={"Prefer": "example=kits"},
                          json={"callbackUrl": "mailto:ops@example.com", "topic": "t"})
    assert response.status_code == 201 and response.json() == KITS     # as for handler answers
    time.sleep(0.1)
    assert deliveries(hooks) == []


def test_refused_target_is_a_dead_letter_as_for_handler_answers(hooks: Any) -> None:
    response = hooks.post("/hooks", params={"__example": "kits"},
                          json={"callbackUrl": "http://169.254.169.254/latest", "topic": "t"})
    assert response.status_code == 201, response.text
    [delivery] = deliveries(hooks)
    assert delivery["status"] == "dead" and "target not allowed" in delivery["dead_reason"]


def test_form_body_expressions_read_the_form_for_both_answers(hooks: Any, receiver: Receiver) -> None:
    form = {"callbackUrl": receiver.url + "/form"}
    handled = hooks.post("/pings", data=form)
    chosen = hooks.post("/pings", params={"__example": "queued"}, data=form)
    assert handled.status_code == chosen.status_code == 202, (handled.text, chosen.text)
    assert chosen.json() == {"ticket": "t-7"}
    first, second = receiver.wait_for(2)
    assert first.path == f"/hooks/form/{handled.json()['ticket']}" and first.json == handled.json()
    assert second.path == "/hooks/form/t-7" and second.json == {"ticket": "t-7"}


def test_the_callers_tenant_is_the_deliverys_as_for_handler_answers(receiver: Receiver, tmp_path: Path) -> None:
    doc = yaml.safe_load(DOCUMENT.read_text())
    doc["components"]["securitySchemes"] = {"basic": {"type": "http", "scheme": "basic"}}
    doc["security"] = [{"basic": []}]
    document = tmp_path / "hooks.yaml"
    document.write_text(yaml.safe_dump(doc))
    pins = tmp_path / "auth.yaml"
    pins.write_text("- {username: alice, password: pw, tenant: north}\n")
    app = create_app([build(document, auth_file=pins)], settings=Settings(**FAST))
    with TestClient(app) as client:
        client.api = client.get("/__apitwin/apis").json()[0]["name"]    # type: ignore[attr-defined]
        body = {"callbackUrl": receiver.url + "/tenant", "topic": "t"}
        assert client.post("/hooks", json=body, auth=("alice", "pw")).status_code == 201
        chosen = client.post("/hooks", json=body, auth=("alice", "pw"), headers={"Prefer": "example=kits"})
        assert chosen.status_code == 201, chosen.text
        assert client.post("/hooks", json=body, headers={"Prefer": "example=kits"}).status_code == 401
        assert [d["tenant"] for d in settled(client, 2)] == ["north", "north"]
