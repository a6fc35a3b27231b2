"""A JSON body is parsed once per request: the body validator's strict UTF-8 parse is what the endpoint hands the
handler (a copy of it, so `sent_json` stays as sent), where the endpoint used to read the replayed bytes and parse
them again. Bodies the validator read otherwise (another charset, lenient JSON) are still read again, and either
way the handler gets the same value (integral floats as integers, as Connexion's replay of the normalised body)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from connexion import request as connexion_request
from starlette.requests import Request

from apitwin import validation
from apitwin.app import create_app
from apitwin.server.state import SCOPE_KEY
from apitwin.settings import Settings
from apitwin.validation import integral_floats_to_int
from tests.engine.fixtures.fakeapi import PLUGIN, USER, notes

SECRET = "body-read-once-test-secret-" + "x" * 32
BODIES = [
    {"title": "t", "text": "x"},
    {"title": "é ü 中", "text": "line\nbreak \\ \"q\"", "n": 3.0, "m": 2.5, "big": 12345678901234567890123,
     "nested": {"a": [1.0, {"b": -0.0, "c": 1e300}, None, True, "s"], "d": {}}, "e": [], "f": False},
]


def _client(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, str], list[Any]]:
    """The fixture API's client, its auth header, and the calls to Starlette's `Request.json` (the re-reading)."""
    reads: list[Any] = []
    original = Request.json

    async def counted(self: Request) -> Any:
        reads.append(self.url.path)
        return await original(self)

    monkeypatch.setattr(Request, "json", counted)
    client = create_app([PLUGIN], settings=Settings(jwt_secret=SECRET, seed=0)).test_client()
    token = client.post("/api/login/", json={"username": USER[0], "password": USER[1]}).json()["token"]
    return client, {"Authorization": f"Bearer {token}"}, reads


def _answers(client: Any, auth: dict[str, str], content_type: str) -> list[tuple[int, Any]]:
    out = []
    for body in BODIES:
        response = client.post("/api/notes/", content=json.dumps(body).encode(),
                               headers={**auth, "Content-Type": content_type})
        answer = response.json()
        answer.pop("created_at", None)
        out.append((response.status_code, answer))
    return out


def test_a_utf8_json_body_is_parsed_once_and_handed_over_as_a_reread_would(monkeypatch: pytest.MonkeyPatch) -> None:
    client, auth, reads = _client(monkeypatch)
    reads.clear()
    once = _answers(client, auth, "application/json")
    assert reads == [], "the endpoint parsed the body again"
    assert [status for status, _ in once] == [201, 201]
    assert once[1][1]["n"] == 3 and type(once[1][1]["n"]) is int and once[1][1]["nested"]["a"][0] == 1
    monkeypatch.setattr(validation, "utf8", lambda encoding: False)      # the old way: parsed again
    again, auth_again, reads_again = _client(monkeypatch)
    reads_again.clear()
    assert _answers(again, auth_again, "application/json") == once
    assert reads_again == ["/api/notes/"] * len(BODIES)


def test_a_body_in_another_charset_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    client, auth, reads = _client(monkeypatch)
    reads.clear()
    answers = _answers(client, auth, "application/json;charset=latin-1")   # charset read only without a blank
    assert reads == ["/api/notes/"] * len(BODIES)
    utf8, auth8, _ = _client(monkeypatch)
    assert answers == _answers(utf8, auth8, "application/json;charset=UTF-8")


def test_the_handler_gets_its_own_copy_and_sent_json_stays_as_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    original = notes.create_note

    async def spy(body: dict[str, Any], token_info: dict[str, Any]) -> Any:
        state = connexion_request.scope[SCOPE_KEY]
        seen.append(body is state.sent_json)
        answer = await original(body, token_info)
        body["nested"]["a"].append("changed by the handler")
        seen.append(state.sent_json)
        return answer

    monkeypatch.setattr(notes, "create_note", spy)
    client, auth, reads = _client(monkeypatch)
    reads.clear()
    response = client.post("/api/notes/", json=BODIES[1], headers=auth)
    assert response.status_code == 201, response.text
    assert reads == [] and seen[0] is False
    assert seen[1] == integral_floats_to_int(BODIES[1])                     # as sent, normalised, untouched


def test_integral_floats_become_integers_at_any_depth_and_nothing_else_changes() -> None:
    changed = [False]
    value = {"a": [1.0, {"b": 2.5, "c": -3.0, "d": [[4.0]]}], "t": True, "f": False, "n": None, "s": "1.0",
             "i": 7, "huge": 2.0**53, "inf": float("inf")}
    got = integral_floats_to_int(value, changed)
    assert got == {"a": [1, {"b": 2.5, "c": -3, "d": [[4]]}], "t": True, "f": False, "n": None, "s": "1.0", "i": 7,
                   "huge": 2.0**53, "inf": float("inf")}
    assert changed == [True] and type(got["a"][0]) is int and type(got["t"]) is bool and type(got["huge"]) is float
    unchanged = [False]
    assert integral_floats_to_int({"a": [1, "x", None, {"b": 2.5}]}, unchanged) == {"a": [1, "x", None, {"b": 2.5}]}
    assert unchanged == [False]


def _asgi_post(app: Any, auth: dict[str, str], chunks: list[bytes], length: int | None) -> tuple[int, Any]:
    """POST /api/notes/ straight through ASGI, the body in `chunks` (one `http.request` message each)."""
    import asyncio

    headers = [(b"content-type", b"application/json"), (b"host", b"test"),
               *[(k.lower().encode(), v.encode()) for k, v in auth.items()]]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/notes/", "raw_path": b"/api/notes/", "root_path": "", "query_string": b"",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("test", 80), "extensions": {}}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body") or b"null")
    if isinstance(body, dict):
        body.pop("created_at", None)
    return status, body


CASES: list[tuple[list[bytes], int | None]] = [
    ([b'{"title": "t", ', b'"text": "x", "n": 2.0', b"}"], None),     # in three messages
    ([b'{"title": "t", "text": "x"}'], None),
    ([b'{"title": 5}'], None),                                          # invalid: the schema's 400
    ([b'{"title": '], None),                                             # not JSON
    ([b"\xff\xfe"], None),                                         # not UTF-8
    ([b"null"], None),
    ([b""], 0),                                                          # Content-Length 0: Connexion's way
    ([b'{"title": "t", "text": "x"}'], 0),                             # a body behind Content-Length 0
]


def test_reading_the_messages_directly_answers_as_connexion_s_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    def run() -> list[tuple[int, Any]]:
        app = create_app([PLUGIN], settings=Settings(jwt_secret=SECRET, seed=0))
        client = app.test_client()
        token = client.post("/api/login/", json={"username": USER[0], "password": USER[1]}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        return [_asgi_post(app, auth, chunks, sum(map(len, chunks)) if length is None else length)
                for chunks, length in CASES]

    direct = run()
    assert [status for status, _ in direct] == [201, 201, 400, 400, 400, 400, 400, 400], direct
    assert direct[0][1]["n"] == 2 and direct[0][1]["title"] == "t"
    monkeypatch.setattr(validation.ReadBodyDirectly, "wrap_receive",
                        lambda self, receive, *, scope: super(validation.ReadBodyDirectly, self).wrap_receive(
                            receive, scope=scope))
    assert run() == direct
