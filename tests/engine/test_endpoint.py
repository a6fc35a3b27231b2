"""The compiled per-operation endpoints (apitwin.server.endpoint) hand handlers exactly what Connexion's own
decorators hand them and turn every kind of handler answer into the same response: the same requests go through a
plain Connexion app and through one serving `Endpoints`, and what the handlers received and what the client got
must be equal."""
from __future__ import annotations

import copy
from enum import IntEnum
from typing import Any

import connexion
import pytest
from connexion.lifecycle import ConnexionResponse
from connexion.resolver import Resolver
from starlette.responses import PlainTextResponse

from apitwin.server import connexion_patches
from apitwin.server.endpoint import Endpoints, _unpack

SEEN: list[tuple[str, dict[str, Any]]] = []


class Status(IntEnum):
    ACCEPTED = 202


def _record(name: str, kwargs: dict[str, Any]) -> None:
    SEEN.append((name, {k: (type(v).__name__, v) for k, v in kwargs.items()}))


def get_item(itemId: int, pageSize: int, tags: list | None = None, **kwargs: Any) -> Any:  # noqa: N803
    _record("get_item", {"itemId": itemId, "pageSize": pageSize, "tags": tags, **kwargs})
    return {"id": itemId}


async def get_item_pythonic(item_id: int, page_size: int, filter_: str | None = None, tags: list | None = None) -> Any:
    _record("get_item_pythonic", {"item_id": item_id, "page_size": page_size, "filter_": filter_, "tags": tags})
    return {"id": item_id}


async def post_item(itemId: int, body: Any, user: Any = None) -> Any:  # noqa: N803
    _record("post_item", {"itemId": itemId, "body": body, "user": user})
    return body, 201, {"Location": f"/items/{itemId}"}


def post_form(body: Any) -> Any:
    _record("post_form", {"body": body})
    return body


ANSWERS: dict[str, Any] = {
    "dict": {"a": 1}, "list": [1, 2], "none": None, "text": ("plain words", 200, {"Content-Type": "text/plain"}),
    "status": ({"a": 1}, 202), "enum": ({"a": 1}, Status.ACCEPTED), "headers": ({"a": 1}, {"X-Extra": "yes"}),
    "one": ({"a": 1},), "nocontent": (connexion.NoContent, 204), "connexion": ConnexionResponse(
        status_code=203, content_type="application/json", body=b'{"b": 2}', headers={"X-C": "1"}),
    "starlette": PlainTextResponse("direct", 200),
}


async def answer(kind: str) -> Any:
    return copy.copy(ANSWERS[kind])


def bad_answer() -> Any:
    return 1, 2, 3, 4


def check(user: str, token: str | None = None) -> dict[str, Any]:   # the API key check: context for handlers
    return {"sub": user} if user == "k" else None  # type: ignore[return-value]


FUNCTIONS = {"getItem": get_item, "getItemPythonic": get_item_pythonic, "postItem": post_item, "postForm": post_form,
             "answer": answer, "badAnswer": bad_answer}

INT = {"type": "integer"}
SPEC = {
    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key",
                                               "x-apikeyInfoFunc": "tests.engine.test_endpoint.check"}}},
    "paths": {
        "/items/{itemId}": {
            "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": INT}],
            "get": {"operationId": "getItem", "parameters": [
                {"name": "pageSize", "in": "query", "schema": {"type": "integer", "default": 10}},
                {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {}}}}},
            "post": {"operationId": "postItem", "security": [{"key": []}],
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "default": {"d": 1}, "properties": {"n": INT}}}}},
                     "responses": {"201": {"description": "ok", "content": {"application/json": {}}}}}},
        "/py/{itemId}": {"get": {"operationId": "getItemPythonic", "parameters": [
            {"name": "itemId", "in": "path", "required": True, "schema": INT},
            {"name": "pageSize", "in": "query", "schema": {"type": "integer", "default": 5}},
            {"name": "filter", "in": "query", "schema": {"type": "string"}},
            {"name": "tags", "in": "query", "style": "form", "explode": False,
             "schema": {"type": "array", "items": INT}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {}}}}}},
        "/forms": {"post": {"operationId": "postForm", "requestBody": {"content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                "count": INT, "names": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {}}}}}},
        "/answers/{kind}": {"get": {"operationId": "answer", "parameters": [
            {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {}, "text/plain": {}}}}}},
        "/bad": {"get": {"operationId": "badAnswer", "responses": {"200": {"description": "ok"}}}},
    },
}


def _app(compiled: bool, pythonic: bool) -> Any:
    app = connexion.AsyncApp(__name__)
    if compiled:
        connexion_patches.use_final_app(app, Endpoints())
    app.add_api(copy.deepcopy(SPEC), resolver=Resolver(function_resolver=FUNCTIONS.__getitem__),
                pythonic_params=pythonic)
    return app


REQUESTS = [
    ("get", "/items/3", {}), ("get", "/items/3?pageSize=7&tags=a&tags=b", {}),
    ("post", "/items/4", {"json": {"n": 2}, "headers": {"X-Key": "k"}}),
    ("post", "/items/4", {"content": b"", "headers": {"X-Key": "k", "Content-Type": "application/json"}}),
    ("post", "/forms", {"data": {"count": "3", "names": ["x", "y"]}}),
    # Content-Type spellings: the media type is parsed once per spelling (OperationEndpoint.mimetype_of)
    ("post", "/items/4", {"content": b'{"n": 3}', "headers": {"X-Key": "k", "Content-Type": "Application/JSON; a=b"}}),
    ("post", "/items/4", {"content": b'{"n": 3}', "headers": {"X-Key": "k", "Content-Type": "application/json"}}),
    ("post", "/items/4", {"content": b"", "headers": {"X-Key": "k", "Content-Type": ""}}),
    ("post", "/items/4", {"content": b"", "headers": {"X-Key": "k"}}),
    ("post", "/forms", {"content": b"count=4", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ("get", "/nowhere", {}), ("get", "/items/x", {}),
    *[("get", f"/answers/{kind}", {}) for kind in ANSWERS],
]
PYTHONIC_REQUESTS = [("get", "/py/9?pageSize=2&filter=f&tags=1,2", {}), ("get", "/py/9", {})]


def _exchange(app: Any, requests: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    out = []
    with app.test_client() as client:
        for method, path, options in requests:
            SEEN.clear()
            response = client.request(method, path, **options)
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            out.append((method, path, response.status_code, headers, response.content, list(SEEN)))
    return out


@pytest.mark.parametrize("pythonic", [False, True])
def test_handlers_get_what_connexion_gives_them_and_clients_get_the_same_answers(pythonic: bool) -> None:
    requests = PYTHONIC_REQUESTS if pythonic else REQUESTS
    plain, compiled = _exchange(_app(False, pythonic), requests), _exchange(_app(True, pythonic), requests)
    for expected, got in zip(plain, compiled):
        assert got == expected
    assert any(seen for *_, seen in compiled), "no handler ran: the comparison would prove nothing"


def test_a_handler_answer_of_the_wrong_shape_fails_as_in_connexion() -> None:
    with pytest.raises(TypeError, match="valid response tuple"):
        _unpack((1, 2, 3, 4))
    for compiled in (False, True):
        with _app(compiled, False).test_client(raise_server_exceptions=False) as client:
            assert client.get("/bad").status_code == 500


def test_the_final_app_is_replaced_only_before_the_first_request() -> None:
    app = _app(False, False)
    with app.test_client() as client:
        client.get("/items/1")
    with pytest.raises(RuntimeError):
        connexion_patches.use_final_app(app, Endpoints())


def test_the_encoder_made_once_writes_what_the_jsonifier_writes() -> None:
    import datetime
    import decimal
    import json
    import uuid

    from connexion.jsonifier import Jsonifier

    from apitwin.server.endpoint import json_dumps

    data = {"a": [1, 2.5, None, True, "é ✓ \u0000"], "b": {"c": {}}, "t": datetime.datetime(2024, 1, 2, 3, 4, 5),
            "tz": datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc), "d": datetime.date(2024, 1, 2),
            "n": decimal.Decimal("1.5"), "u": uuid.UUID(int=7), "nan": float("nan"), "big": 2**80}
    for style in ({}, {"separators": (",", ":"), "ensure_ascii": False}, {"indent": 2, "sort_keys": True}):
        jsonifier = Jsonifier(**style)
        dumps = json_dumps(jsonifier)
        assert dumps != jsonifier.dumps and dumps(data) == jsonifier.dumps(data)
        for value in (data["a"], "text", 3, None, []):
            assert dumps(value) == jsonifier.dumps(value)
        try:
            dumps({"x": object()})
            raise AssertionError("an object json cannot write was written")
        except TypeError:
            pass
    other = Jsonifier(json)
    other.json = type("J", (), {"dumps": staticmethod(lambda data, **kw: "custom"), "loads": json.loads})()
    assert json_dumps(other) == other.dumps
