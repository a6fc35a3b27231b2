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
from connexion.jsonifier import Jsonifier
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
    # the raw answer (OperationEndpoint.answer_for) against Starlette's Response: header order, Content-Length
    # rules (none for 1xx/204/304, the handler's own kept), the Content-Type the handler set, charset on text/*
    "nocontent200": (connexion.NoContent, 200), "none204headers": (None, 204, {"X-A": "1"}),
    "none304": (None, 304, {"Content-Type": "application/json"}),
    "typed": ({"a": 1}, 200, {"content-type": "application/json", "X-B": "2"}),
    "length": ("xy", 200, {"Content-Type": "text/plain", "Content-Length": "2"}),
    "texty": ("é ✓", 200, {"Content-Type": "text/plain"}),
    "bytes": (b"\x00\xff", 201, {"Content-Type": "text/plain"}),
    "enum3": ({"a": 1}, Status.ACCEPTED, {"X-E": "1"}), "unicode": ({"name": "José ✓ \u0000"}, 200, {}),
    "many": ({"a": [1, {"b": None}]}, 201, {"Location": "/x", "X-Two": "2", "Set-Cookie": "c=1"}),
    "jsontext": ("already text", 200, {"Content-Type": "application/json"}),
    "dictastext": ({"a": 1}, 200, {"Content-Type": "text/plain"}),     # Starlette's JSONResponse (Connexion's choice)
    "wrongtype": ({"a": 1}, 200, {"Content-Type": "text/html"}),       # not produced: 500 in both
    "ambiguous": (None, 200),                                         # two media types, none chosen: 500 in both
    "statusheaders": (None, {"X-H": "h"}),
}

# an operation producing one JSON media type: bare bodies take the endpoint's shortest path
BARE: dict[str, Any] = {
    "dict": {"a": 1, "b": [True, None, 2.5]}, "list": [{"id": 1}, {"id": 2}], "empty": {}, "none": None,
    "nocontent": connexion.NoContent, "text": "a string", "number": 3, "unicode": {"x": "é ✓ \u2028 \u007f"},
    "tuple": ({"a": 1}, 201), "starlette": PlainTextResponse("direct", 200),
    "connexion": ConnexionResponse(status_code=200, content_type="application/json", body=b"{}"),
}


async def answer(kind: str) -> Any:
    return copy.copy(ANSWERS[kind])


def bare(kind: str) -> Any:
    return copy.copy(BARE[kind])


def delete_item(itemId: int) -> Any:  # noqa: N803
    _record("delete_item", {"itemId": itemId})
    return connexion.NoContent, 204


def failing() -> Any:
    raise RuntimeError("the handler failed")


def odd(**kwargs: Any) -> Any:
    _record("odd", kwargs)
    return {"n": len(kwargs)}


def bad_answer() -> Any:
    return 1, 2, 3, 4


def check(user: str, token: str | None = None) -> dict[str, Any]:   # the API key check: context for handlers
    return {"sub": user} if user == "k" else None  # type: ignore[return-value]


FUNCTIONS = {"getItem": get_item, "getItemPythonic": get_item_pythonic, "postItem": post_item, "postForm": post_form,
             "answer": answer, "badAnswer": bad_answer, "bare": bare, "deleteItem": delete_item, "failing": failing,
             "odd": odd}

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
            "delete": {"operationId": "deleteItem", "responses": {"204": {"description": "gone"}}},
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
        "/bare/{kind}": {"get": {"operationId": "bare", "parameters": [
            {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {}}}}}},
        "/failing": {"get": {"operationId": "failing",
                             "responses": {"200": {"description": "ok", "content": {"application/json": {}}}}}},
        # names Connexion's two sanitizing passes change twice (pythonic: `$id` → `id` → `id_`), a mutable default
        "/odd": {"get": {"operationId": "odd", "parameters": [
            {"name": "$id", "in": "query", "schema": {"type": "integer"}},
            {"name": "list", "in": "query", "schema": {"type": "array", "items": INT, "default": [1, 2]}},
            {"name": "X", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {}}}}}},
    },
}


# MOLGENIS' Gson layout (handlers/molgenis: json_style) next to Connexion's default one
GSON = {"separators": (",", ":"), "ensure_ascii": False}


def _app(compiled: bool, pythonic: bool, style: dict[str, Any] | None = None) -> Any:
    app = connexion.AsyncApp(__name__)
    if compiled:
        connexion_patches.use_final_app(app, Endpoints())
    app.add_api(copy.deepcopy(SPEC), resolver=Resolver(function_resolver=FUNCTIONS.__getitem__),
                pythonic_params=pythonic, jsonifier=Jsonifier(**style) if style is not None else None)
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
    *[("get", f"/bare/{kind}", {}) for kind in BARE],
    ("head", "/items/3", {}), ("head", "/bare/dict", {}), ("head", "/answers/text", {}),
    ("delete", "/items/5", {}), ("get", "/failing", {}),
    ("get", "/odd", {}), ("get", "/odd?%24id=4&list=3&X=x", {}),
]
PYTHONIC_REQUESTS = [("get", "/py/9?pageSize=2&filter=f&tags=1,2", {}), ("get", "/py/9", {}),
                     ("get", "/odd", {}), ("get", "/odd?%24id=4&list=3&X=x", {}), ("delete", "/items/5", {}),
                     *[("get", f"/bare/{kind}", {}) for kind in BARE]]


def _exchange(app: Any, requests: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    """What each request gave: status, every header (raw, in order; Content-Length too), body bytes, and what the
    handler received."""
    out = []
    with app.test_client(raise_server_exceptions=False) as client:
        for method, path, options in requests:
            SEEN.clear()
            response = client.request(method, path, **options)
            out.append((method, path, response.status_code, response.headers.raw, response.content, list(SEEN)))
    return out


@pytest.mark.parametrize("style", [None, GSON], ids=["default-json", "gson"])
@pytest.mark.parametrize("pythonic", [False, True])
def test_handlers_get_what_connexion_gives_them_and_clients_get_the_same_answers(pythonic: bool,
                                                                                  style: dict[str, Any] | None) -> None:
    requests = PYTHONIC_REQUESTS if pythonic else REQUESTS
    plain = _exchange(_app(False, pythonic, style), requests)
    compiled = _exchange(_app(True, pythonic, style), requests)
    assert len(plain) == len(compiled) == len(requests)
    for expected, got in zip(plain, compiled):
        assert got == expected
    assert any(seen for *_, seen in compiled), "no handler ran: the comparison would prove nothing"
    statuses = {status for _, _, status, *_ in compiled}
    assert {200, 204}.issubset(statuses) and 500 in statuses, "the cases must include bodies, no body and failures"


def _starlette_answer(endpoint: Any, result: Any) -> tuple[Any, list[tuple[bytes, bytes]], bytes]:
    """What Starlette's Response built the way Connexion builds it would send (the reference of `answer_for`)."""
    from connexion.frameworks.starlette import Starlette
    from connexion.utils import is_json_mimetype, split_content_type
    if isinstance(result, PlainTextResponse):
        return result.status_code, result.raw_headers, result.body
    if isinstance(result, ConnexionResponse):
        response = Starlette.connexion_to_framework_response(result)
        return response.status_code, response.raw_headers, response.body
    data, status, headers = _unpack(result)
    headers = dict(headers)
    content_type = endpoint._content_type(data, headers)
    if data is None or data is connexion.NoContent:
        data = None
    elif is_json_mimetype(split_content_type(content_type)[0]):
        data = endpoint.dumps(data)
    status = status or (204 if data is None else 200)
    if content_type and not any(key.lower() == "content-type" for key in headers):
        headers["Content-Type"] = content_type
    response = Starlette.build_response(data, content_type=content_type, status_code=status, headers=headers)
    return response.status_code, response.raw_headers, response.body


@pytest.mark.parametrize("style", [None, GSON], ids=["default-json", "gson"])
def test_a_raw_answer_is_what_starlettes_response_would_send(style: dict[str, Any] | None) -> None:
    app = _app(True, False, style)
    with app.test_client() as client:
        client.get("/items/1")   # the stack is built at the first request
    api = next(iter(app._middleware_app.apis.values()))[0]
    raw_seen = 0
    for operation_id, kinds in (("answer", ANSWERS), ("bare", BARE)):
        endpoint = api.operations[operation_id]
        for kind, result in kinds.items():
            try:
                expected: Any = _starlette_answer(endpoint, copy.copy(result))
            except Exception as error:   # noqa: BLE001 - the same failure is expected
                expected = type(error)
            try:
                answer = endpoint.answer_for(copy.copy(result))
                got: Any = (answer if type(answer) is tuple
                            else (answer.status_code, answer.raw_headers, answer.body))
                raw_seen += type(answer) is tuple
            except Exception as error:   # noqa: BLE001
                got = type(error)
            assert got == expected, (operation_id, kind)
    assert raw_seen >= 10, "the raw path must be what is compared"


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
    for style in ({}, {"separators": (",", ":"), "ensure_ascii": False}, {"indent": 2, "sort_keys": True},
                  {"check_circular": False, "allow_nan": True, "sort_keys": True}):
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
        circular: list[Any] = [1]
        circular.append({"again": circular})
        failures = []
        for write in (jsonifier.dumps, dumps):   # told as json tells it, and again (nothing left over)
            for _ in range(2):
                try:
                    write(circular)
                    raise AssertionError("a circular structure was written")
                except (ValueError, RecursionError) as error:
                    failures.append((type(error), str(error)[:40]))
        assert len(set(failures)) == 1, failures
        shared = [1]
        assert dumps([shared, shared, {"s": shared}]) == jsonifier.dumps([shared, shared, {"s": shared}])
    other = Jsonifier(json)
    other.json = type("J", (), {"dumps": staticmethod(lambda data, **kw: "custom"), "loads": json.loads})()
    assert json_dumps(other) == other.dumps


def test_the_routed_lookup_finds_what_connexions_loop_finds() -> None:
    import asyncio

    from connexion.exceptions import MissingMiddleware
    from connexion.middleware.abstract import MissingOperation

    class Api:
        def __init__(self, operations: dict[Any, Any]) -> None:
            self.operations = operations

    calls: list[Any] = []

    def endpoint(name: str) -> Any:
        async def call(scope: Any, receive: Any, send: Any) -> None:
            calls.append(name)
        return call

    async def fallback(scope: Any, receive: Any, send: Any) -> None:
        calls.append("next app")

    final = Endpoints()
    final.app = fallback
    final.apis = {"/a": [Api({"one": endpoint("a1"), "two": endpoint("a2")}), Api({"one": endpoint("b1"),
                                                                                     "three": endpoint("b3")})],
                  "/b": [Api({"one": endpoint("c1")})]}

    def run(context: Any) -> Any:
        scope = {"type": "http"} if context is None else {"type": "http", "extensions": {"connexion_routing": context}}
        calls.clear()
        try:
            asyncio.run(final(scope, None, None))
        except Exception as error:   # noqa: BLE001 - Connexion's own errors are part of the answer
            return type(error)
        return list(calls)

    assert run({"api_base_path": "/a", "operation_id": "one"}) == ["a1"]     # the first API holding the id
    assert run({"api_base_path": "/a", "operation_id": "three"}) == ["b3"]
    assert run({"api_base_path": "/b", "operation_id": "one"}) == ["c1"]
    assert run({"api_base_path": "/a", "operation_id": None}) == ["next app"]
    assert run({"api_base_path": "/c", "operation_id": "one"}) == ["next app"]
    assert run({}) == ["next app"]
    assert run({"api_base_path": "/a", "operation_id": "four"}) is MissingOperation
    assert run(None) is MissingMiddleware


@pytest.mark.parametrize("definition", [
    {"schema": {"type": "integer"}}, {"schema": {"type": "number", "format": "float"}},
    {"schema": {"type": "boolean"}}, {"schema": {"type": "string"}}, {"schema": {"type": "string", "format": "binary"}},
    {"schema": {"type": "integer", "nullable": True}}, {"type": "integer", "x-nullable": True},
    {"schema": {"type": "array", "items": {"type": "integer"}}}, {"schema": {}}, {"schema": {"type": "unknown"}},
    {"schema": {"type": "string", "x-apitwin-readings": ["integer", "string"]}},
])
def test_a_compiled_cast_is_connexions_cast(definition: dict[str, Any]) -> None:
    from apitwin.server.endpoint import _reader, _value
    for value in ("12", 12, "1.5", "true", "null", None, "x", ["1", "2"], "", 0):
        try:
            expected: Any = ("value", _value(value, definition))
        except Exception as error:   # noqa: BLE001 - the same failure is expected
            expected = ("error", type(error))
        try:
            got: Any = ("value", _reader(definition)(value))
        except Exception as error:   # noqa: BLE001
            got = ("error", type(error))
        assert got == expected, (definition, value)
        if expected[0] == "value":
            assert type(got[1]) is type(expected[1])
