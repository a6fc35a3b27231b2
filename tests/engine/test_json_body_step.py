"""`JsonBodyStep` (apitwin.validation), one per operation and Content-Type value, validates a strict UTF-8 JSON body in
place of a `CollectingJSONBodyValidator` made per request, and hands everything it does not accept to that validator.
The same requests go through an app as built and through the same app with every operation's step replaced by the
validator made per request (as before the step); status, every header, the body, and what the handler receives (its
keyword arguments, `sent_json`, `handler_json`) must be equal — on Partners, MOLGENIS and an inferred document, for
valid, refused, malformed, empty, `null`, huge-number, integral-float, NUL, duplicate-key, deep, non-UTF-8 bodies,
Content-Type and charset variants, forms, chunked bodies and bodies arriving in several messages."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml
from starlette.testclient import TestClient

from apitwin.app import create_app
from apitwin.inferred.plugin import build
from apitwin.server.endpoint import OperationEndpoint
from apitwin.server.operation import OperationLayer
from apitwin.server.state import ABSENT, SCOPE_KEY
from apitwin.settings import Settings
from apitwin.validation import JsonBodyStep
from tests.engine.test_operation_layer import _same_second

SECRET = "json-body-step-test-secret-" + "x" * 32
CUSTOMER = {"first_name": "Arya", "last_name": "Stark", "email": "arya@winterfell.com", "gender": "female",
            "ethnicity": ["caucasian"], "caffeine_consumption": "no", "diet": []}
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
                 "application/json; charset=utf8", "application/json;charset=latin-1", "application/json; charset=utf-16",
                 "application/json; charset=nonsense", "Application/JSON", "application/merge-patch+json",
                 "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                 "application/xml", "application/json, text/plain"]


def bodies(valid: dict[str, Any], invalid: dict[str, Any]) -> list[bytes]:
    """Bodies for an operation whose schema `valid` passes and `invalid` fails."""
    text = json.dumps(valid)
    return [
        json.dumps(valid).encode(), json.dumps(invalid).encode(), b"{not json", b"", b"   ", b"null", b"[]", b"{}",
        b'"text"', b"0", b"{} trailing",
        json.dumps({**valid, "extra": 12345678901234567890123}).encode(),           # a long integer
        json.dumps({**valid, "extra": 3.0, "more": [1.0, {"x": -0.0}]}).encode(),   # integral floats
        text.replace('"}', '"}', 1).replace(":", ": 1e400, \"z\":", 1).encode(),   # out of range
        json.dumps({**valid, "extra": "a\u0000b"}).encode(),                          # an escaped NUL
        text.replace('", ', '\u0000", ', 1).encode(),                                 # a raw NUL in a string
        (text[:-1] + ", " + text[1:]).encode(),                                         # every key twice
        text.encode("utf-16"), b"\xef\xbb\xbf" + text.encode(),                         # UTF-16, a BOM
        text.replace('", ', '\xe9", ', 1).encode("latin-1"),                           # not UTF-8
        text.replace('", ', '\u00e9\u4e2d\ud83d\ude00", ', 1).encode("utf-8", "surrogatepass"),
        b'{"a": "\\ud800"}', b"[" * 200 + b"]" * 200, b"[" * 5000 + b"]" * 5000,
    ]


def step_off(client: TestClient) -> None:
    """Every operation of `client`'s app validates its body with the validator made per request (no `JsonBodyStep`),
    as before the step; the app's stack is built by a first request."""
    client.get("/__apitwin/health")
    stack = client.app.middleware.middleware_stack   # type: ignore[attr-defined]
    layer = next(app for app in stack if isinstance(app, OperationLayer))
    for checks in layer.operations.values():
        plan = checks.validation_plan
        original = plan.body_step

        def per_request(*args: Any, original: Callable[..., Any] = original) -> Any:
            step = original(*args)
            return step.make if isinstance(step, JsonBodyStep) else step
        plan.body_step = per_request   # type: ignore[method-assign]
        plan._media.clear()


def steps_used(client: TestClient) -> int:
    """How many `JsonBodyStep`s the app's operations hold."""
    stack = client.app.middleware.middleware_stack   # type: ignore[attr-defined]
    layer = next(app for app in stack if isinstance(app, OperationLayer))
    return sum(isinstance(found[5], JsonBodyStep) for checks in layer.operations.values() if checks.plan
               for found in checks.plan._media.values())


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each handler call receives: its keyword arguments and the request's `sent_json` / `handler_json`."""
    seen: list[str] = []
    original = OperationEndpoint.arguments_for

    def recorded(self: OperationEndpoint, *args: Any, **kwargs: Any) -> dict[str, Any]:
        out = original(self, *args, **kwargs)
        scope = args[4] if len(args) > 4 else kwargs["scope"]
        state = scope.get(SCOPE_KEY)
        handler_json = "ABSENT" if state is None or state.handler_json is ABSENT else repr(state.handler_json)
        sent = "ABSENT" if state is None or state.sent_json is ABSENT else repr(state.sent_json)
        seen.append(repr((sorted((k, v) for k, v in out.items() if k not in ("token_info", "user")), sent,
                          handler_json)))
        return out
    monkeypatch.setattr(OperationEndpoint, "arguments_for", recorded)
    return seen


Request = tuple[str, str, dict[str, Any]]


def assert_same(clients: tuple[TestClient, TestClient], requests: list[Request], received: list[str],
                tokens: tuple[dict[str, str], dict[str, str]] = ({}, {})) -> list[int]:
    """Each request through the app with steps and the one without (in order: each keeps its own state); equal
    answers, and the handler received the same (the token each app gave left out)."""
    statuses = []
    for method, url, options in requests:
        _same_second()
        answers, seen = [], []
        for client, token in zip(clients, tokens):
            before = len(received)
            answers.append(client.request(method, url, **{**options, "headers": {**options.get("headers", {}),
                                                                                   **token}}))
            value = next(iter(token.values()), "")
            seen.append([text.replace(value, "<token>") if value else text for text in received[before:]])
        ours, theirs = answers
        label = f"{method} {url} {str(options)[:300]}"
        assert ours.status_code == theirs.status_code, (label, ours.text, theirs.text)
        assert ours.headers.raw == theirs.headers.raw, label
        assert ours.content == theirs.content, label
        assert seen[0] == seen[1], label
        statuses.append(ours.status_code)
    return statuses


def body_requests(method: str, url: str, valid: dict[str, Any], invalid: dict[str, Any]) -> list[Request]:
    """Every body with every Content-Type, then chunked ones (Transfer-Encoding, several messages)."""
    out: list[Request] = []
    for content_type in CONTENT_TYPES:
        for body in bodies(valid, invalid):
            out.append((method, url, {"content": body, "headers": {"Content-Type": content_type}}))
    for body in bodies(valid, invalid)[:4]:
        out.append((method, url, {"content": _chunks(body), "headers": {"Content-Type": "application/json"}}))
    out.append((method, url, {"json": valid, "headers": {"Content-Type": "application/json",
                                                         "Content-Length": "0012"}}))
    return out


class _chunks:
    """A body sent in pieces (httpx sends an iterable with Transfer-Encoding: chunked), re-iterable per app."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        for at in range(0, len(self.body), 7):
            yield self.body[at:at + 7]


def test_partners_bodies_answer_as_the_validator_made_per_request(received: list[str]) -> None:
    make = lambda: TestClient(create_app(["partners"], settings=Settings(jwt_secret=SECRET, seed=0)))  # noqa: E731
    clients = (make(), make())
    step_off(clients[1])
    token = clients[0].post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    good = {"Authorization": f"JWT {token.json()['token']}"}
    requests = body_requests("POST", "/api/v1/customers/", CUSTOMER, {**CUSTOMER, "first_name": 5, "email": "x"})
    requests += body_requests("PATCH", "/api/v1/customers/319/", {"first_name": "Sansa"}, {"diet": "x"})
    requests += [("POST", "/api/v1/api-token-auth/", {"json": {"username": "demo", "password": "demo-password"}}),
                 ("POST", "/api/v1/api-token-auth/", {"json": {"username": 5}}),
                 ("GET", "/api/v1/customers/", {})]
    statuses = assert_same(clients, [(m, u, {**o, "headers": {**good, **o.get("headers", {})}})
                                     for m, u, o in requests], received)
    assert {200, 201, 400, 415} <= set(statuses), statuses
    assert steps_used(clients[0]) > 0 and steps_used(clients[1]) == 0


def test_molgenis_bodies_answer_as_the_validator_made_per_request(received: list[str]) -> None:
    clients = (TestClient(create_app(["molgenis"], settings=Settings(seed=0))),
               TestClient(create_app(["molgenis"], settings=Settings(seed=0))))
    step_off(clients[1])
    tokens = tuple({"x-molgenis-token": client.post("/api/v1/login", json={"username": "admin", "password": "admin"})
                    .json()["token"]} for client in clients)
    requests = body_requests("POST", "/api/v1/V1_API_Items", {"value": "ref9", "label": "x"}, {"value": ["x"]})
    requests += body_requests("PUT", "/api/v1/V1_API_Items/ref1", {"value": "ref1", "label": "y"}, {"label": {}})
    requests += body_requests("POST", "/api/v1/login", {"username": "admin", "password": "nope"}, {"username": 5})
    requests += [("GET", "/api/v1/V1_API_Items", {})]
    statuses = assert_same(clients, requests, received, tokens)   # type: ignore[arg-type]
    assert {200, 201, 400, 401, 415} & set(statuses) >= {200, 400}, statuses
    assert steps_used(clients[0]) > 0 and steps_used(clients[1]) == 0


def test_inferred_bodies_answer_as_the_validator_made_per_request(received: list[str], tmp_path: Path) -> None:
    item = {"type": "object", "required": ["name"], "additionalProperties": False,
            "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string", "maxLength": 10},
                           "count": {"type": "integer"}, "extra": {}, "more": {}}}
    document = {"openapi": "3.0.3", "info": {"title": "Items", "version": "1"}, "paths": {"/items": {
        "post": {"operationId": "createItem", "requestBody": {"required": True, "content": {
            "application/json": {"schema": item}}},
            "responses": {"201": {"description": "made", "content": {"application/json": {"schema": item}}},
                          "400": {"description": "bad"}}},
        "get": {"operationId": "listItems", "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "array", "items": item}}}}}}}}}
    path = tmp_path / "items.yaml"
    path.write_text(yaml.safe_dump(document))
    clients = (TestClient(create_app([build(path)], settings=Settings(seed=0))),
               TestClient(create_app([build(path)], settings=Settings(seed=0))))
    step_off(clients[1])
    requests = body_requests("POST", "/items", {"name": "a", "count": 2}, {"name": "much too long", "count": 1.5})
    statuses = assert_same(clients, requests + [("GET", "/items", {})], received)
    assert {200, 201, 400} <= set(statuses), statuses
    assert steps_used(clients[0]) > 0 and steps_used(clients[1]) == 0


async def _asgi(app: Any, body: bytes, pieces: int, headers: list[tuple[bytes, bytes]],
                fail: bool = False) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """POST /api/v1/customers/ straight through ASGI, the body in `pieces` messages (`fail`: receive raises after
    the first); (status, headers, body) of the answer."""
    size = max(1, -(-len(body) // pieces))
    messages = [{"type": "http.request", "body": body[at:at + size], "more_body": at + size < len(body)}
                for at in range(0, max(len(body), 1), size)]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/customers/", "raw_path": b"/api/v1/customers/", "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        if fail and len(messages) < len(range(0, max(len(body), 1), size)):
            raise OSError("connection lost")
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}   # pragma: no cover

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"], answer["headers"] = message["status"], message["headers"]
        else:
            answer["body"] += message.get("body", b"")
    try:
        await app(scope, receive, send)
    except Exception as exc:   # noqa: BLE001 - a failing receive: both ways must fail alike
        return 0, [], repr(exc).encode()
    return answer.get("status", 0), [h for h in answer["headers"] if h[0] != b"date"], answer["body"]


def test_bodies_in_several_messages_and_unusual_headers_answer_alike(received: list[str]) -> None:
    make = lambda: create_app(["partners"], settings=Settings(jwt_secret=SECRET, seed=0))  # noqa: E731
    apps = (make(), make())
    step_off(TestClient(apps[1]))
    token = TestClient(apps[0]).post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    auth = (b"authorization", f"JWT {token.json()['token']}".encode())
    good = json.dumps(CUSTOMER).encode()
    cases = []
    for body in (good, json.dumps({**CUSTOMER, "first_name": 5}).encode(), b"{oops", b""):
        length = (b"content-length", str(len(body)).encode())
        for headers in ([auth, (b"content-type", b"application/json"), length],
                        [auth, (b"Content-Type", b"application/json"), length],     # not lower-case, as ASGI says
                        [auth, (b"content-type", b"application/json"), (b"content-type", b"text/plain"), length],
                        [auth, (b"content-type", b"application/json"), length, (b"content-length", b"1")],
                        [auth, (b"content-type", b"application/json"), (b"content-length", b" 12")],
                        [auth, (b"content-type", b"application/json")]):
            for pieces in (1, 3):
                cases.append((body, pieces, headers, False))
        cases.append((body, 3, [auth, (b"content-type", b"application/json"), length], True))
    for body, pieces, headers, fail in cases:
        _same_second()
        answers, seen = [], []
        for app in apps:
            before = len(received)
            answers.append(asyncio.run(_asgi(app, body, pieces, headers, fail)))
            seen.append(received[before:])
        assert answers[0] == answers[1], (body, pieces, headers, fail)
        assert seen[0] == seen[1], (body, pieces, headers, fail)
    assert steps_used(TestClient(apps[0])) > 0


def test_a_body_beyond_its_content_length_and_the_limit_answers_alike(received: list[str]) -> None:
    """`receive` refuses the body part way (413: more bytes than announced, past the limit): the step hands the
    messages read and the refusal to the validator, which merges it with the request's problems as before."""
    make = lambda: create_app(["partners"], settings=Settings(jwt_secret=SECRET, seed=0,  # noqa: E731
                                                              max_body_bytes=120))
    apps = (make(), make())
    step_off(TestClient(apps[1]))
    token = TestClient(apps[0]).post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    auth = (b"authorization", f"JWT {token.json()['token']}".encode())
    body = json.dumps({**CUSTOMER, "reference_id": "r" * 100}).encode()
    answers = []
    received.clear()
    for app in apps:
        _same_second()
        answers.append(asyncio.run(_asgi(app, body, 3, [auth, (b"content-type", b"application/json"),
                                                        (b"content-length", b"100")])))
    assert answers[0] == answers[1]
    assert answers[0][0] == 413, answers[0]
    assert received == []
