"""`Front`, the one outer layer, answers every request exactly as the six layers it replaced did (kept as the reference
in tests/engine/reference_outer.py): the same requests go through two apps built alike — one as built, one with the
old layers — and status, raw headers (order included), bodies and journal entries must be equal. The requests cover
each job of the layer: API binding, CORS (simple and preflight, never on the admin API), Swagger UI and landing pages,
the served documents, the journal, exceptions of every kind (ApiError, routing, Connexion problems, an unhandled
crash) rendered as the API's error body, the admin guard, limits, Prefer, fixed headers and the reason-phrase marker."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from types import SimpleNamespace

import apitwin.app
from apitwin import reason_phrase
from apitwin.admin_guard import is_admin_path
from apitwin.runtime import ADMIN_PREFIX, Registry
from apitwin.server.cors import Cors
from apitwin.server.front import Front, outgoing_headers
from apitwin.settings import Settings
from apitwin.store import Collection
from tests.engine.helpers import bare_front
from tests.engine.reference_outer import decorate_headers as reference_decorate
from tests.engine.reference_outer import with_reference_layers
from tests.engine.test_raw_headers import LISTS

SECRET = "front-test-secret-" + "x" * 32
CUSTOMER = {"first_name": "Arya", "last_name": "Stark", "email": "arya@winterfell.com", "gender": "female",
            "ethnicity": ["caucasian"], "caffeine_consumption": "no", "diet": []}
ORIGIN = (b"origin", b"https://app.example")
PHRASE = {"apitwin.reason_phrase": {}}      # a server that writes reason phrases (apitwin.reason_phrase)


async def _call(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]] = (),
                body: bytes | list[bytes] = b"", query: bytes = b"", extensions: dict[str, Any] | None = None,
                length: bool = True) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request; `body`: one message, or a list of chunks sent as that many messages; `length`: add a
    Content-Length to a body sent without one or a Transfer-Encoding (False: a body without framing headers, as
    HTTP/2 may send it)."""
    chunks_in = [body] if isinstance(body, bytes) else list(body)
    whole = b"".join(chunks_in)
    framed = any(k in (b"content-length", b"transfer-encoding") for k, _ in headers)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"), *headers]
             + ([(b"content-length", str(len(whole)).encode())] if whole and length and not framed else []),
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "extensions": extensions or {}}
    pending = list(chunks_in)
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if not pending:
            return {"type": "http.disconnect"}
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return start["status"], list(start.get("headers", [])), b"".join(chunks)


def _apps() -> tuple[Any, Any]:
    settings = Settings(jwt_secret=SECRET)
    fused = apitwin.app.create_app(["partners", "molgenis"], settings=settings, mount="prefix")
    old = with_reference_layers(apitwin.app.create_app(["partners", "molgenis"], settings=settings, mount="prefix"))
    return fused, old


def _journal(app: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in exchange.view().items() if k not in ("id", "time", "duration_ms")}
            for exchange in app.apitwin.journal.items()]


def _requests(token: str) -> list[tuple[Any, ...]]:
    auth = (b"authorization", f"JWT {token}".encode())
    json_type = (b"content-type", b"application/json")
    customers = "/partners/api/v1/customers/"
    return [
        ("GET", customers + "319/", [auth]),
        ("GET", customers + "319/", [auth, ORIGIN]),
        ("GET", customers, [auth, ORIGIN, (b"origin", b"https://second.example")]),
        ("HEAD", customers + "319/", [auth]),
        ("GET", customers + "999999/", [auth, ORIGIN]),                     # ApiError 404 from the handler
        ("GET", customers, [ORIGIN]),                                         # 401 from security
        ("DELETE", customers, [auth]),                                        # 405 + Allow (routing)
        ("GET", "/partners/api/v1/nothing-here/", [auth]),                   # 404 (routing)
        ("POST", customers, [auth, json_type], b'{"first_name": 5}'),       # 400, every field
        ("POST", customers, [auth, json_type], b"{not json"),                # 400, unreadable body
        ("POST", customers, [auth, json_type], json.dumps(CUSTOMER).encode()),   # 201 + Location
        ("POST", customers, [auth, (b"content-type", b"text/plain")], b"x"),     # 415
        ("POST", customers, [auth, json_type, (b"content-length", b"999999999")], b"{}"),   # 413 (limits)
        ("GET", "/partners/api/v1/customers%0A/", [auth]),                     # control character in the path
        ("GET", customers, [auth], b"", b"a=" + b"x" * 40_000),               # 414
        ("GET", customers + "319/", [auth, (b"prefer", b"code=404")]),        # Prefer: an answer from the spec
        ("GET", customers + "319/", [auth, (b"prefer", b"code=abc")]),        # a bad Prefer: 400
        ("GET", customers, [auth], b"", b"__code=401"),
        ("OPTIONS", customers, [ORIGIN, (b"access-control-request-method", b"POST"),
                                (b"access-control-request-headers", b"authorization, content-type")]),   # preflight
        ("OPTIONS", customers, [ORIGIN]),                                     # not a preflight
        ("GET", "/partners/openapi.json", [ORIGIN]),
        ("GET", "/partners/openapi.yaml", []),
        ("GET", "/partners/ui/", [ORIGIN]),
        ("HEAD", "/partners/ui/", []),
        ("GET", "/partners/ui", []),                                  # 308 to the page
        ("GET", "/partners/ui/swagger-ui.css", []),
        ("GET", "/", [ORIGIN]),                                               # landing page
        ("GET", "/nowhere", [ORIGIN]),                                        # outside every API: neutral 404
        ("GET", "/molgenis/api/v1/sys_sec_User", [ORIGIN], b"", b"", PHRASE),  # fixed headers, reason phrase
        ("GET", "/molgenis/api/v1/no/such/deep/path", [], b"", b"", PHRASE),
        ("OPTIONS", "/molgenis/api/v1/sys_sec_User", []),
        ("POST", "/molgenis/api/v1/login", [json_type], b'{"username": "nobody", "password": "x"}', b"", PHRASE),
        ("GET", "/__apitwin/health", [ORIGIN]),                               # admin: cross-origin 403, no CORS
        ("GET", "/__apitwin/health", []),
        ("OPTIONS", "/__apitwin/health", [ORIGIN, (b"access-control-request-method", b"GET")]),
        ("GET", "/__apitwin/ui/", []),
        ("GET", "/__apitwin/openapi.json", []),
        ("DELETE", "/__apitwin/health", []),
        # the shortcuts of the fused layer, each taken and not taken
        ("GET", customers + "319/", [auth], b"", b"a=1&b=%C3%A9"),            # a query, no Prefer, no twin
        ("GET", customers, [auth], b"", b"ordering=__x&search=a__b"),         # `__` in the query, no twin
        ("GET", customers + "319/", [auth, (b"prefer", b"example=nope"), (b"prefer", b"code=200")]),  # two Prefer
        ("GET", customers + "319/", [auth, (b"prefer", b"delay=0")], b"", b"__code=404"),   # Prefer and a twin
        ("GET", customers + "319/", [auth, (b"prefer", b"respond-async")]),  # a Prefer apitwin does not read
        ("POST", customers, [auth, json_type, (b"transfer-encoding", b"chunked")],
         [json.dumps(CUSTOMER).encode()[:20], json.dumps(CUSTOMER).encode()[20:]]),   # chunked, read whole
        ("POST", customers, [auth, json_type, (b"transfer-encoding", b"chunked")],
         [b"{" + b" " * 700_000, b" " * 400_000 + b"}"]),                     # chunked past the limit: 413
        ("POST", customers, [auth, json_type], [b'{"first_name": ', b'"Sansa"}']),   # a body in two messages
        ("POST", customers, [auth, json_type], [b"{" + b" " * 700_000, b" " * 400_000 + b"}"]),  # 413 while read
        ("POST", customers, [auth, json_type, (b"content-length", b"5"), (b"content-length", b"x")], b"{}"),  # 400
        ("POST", customers, [auth, json_type], b'{"first_name": "Bran"}', b"", None, False),  # body, no framing
        ("POST", customers, [auth, (b"content-type", b"application/x-www-form-urlencoded")], b"first_name=Jon"),
        ("POST", "/molgenis/api/v1/login", [(b"content-type", b"application/x-www-form-urlencoded")],
         b"username=admin&password=x"),                                       # a form, buffered and journaled
        ("GET", customers, [auth, (b"x-big", b"v" * 70_000)]),               # 431
        ("GET", customers + "319/", [auth, ORIGIN, (b"prefer", b"code=404")], b"", b"", PHRASE),
        ("HEAD", customers + "999999/", [auth]),                              # HEAD of an error
        ("OPTIONS", customers, [(b"access-control-request-method", b"POST")]),   # no Origin: no preflight
        ("GET", "/partners/ui/index.html", []),
        ("HEAD", "/partners/ui/swagger-ui.css", [ORIGIN]),
        ("GET", "/partners/uiX", [auth]),                                     # `/ui` in the path, no page
        ("POST", "/partners/ui/", [json_type], b"{}"),                        # a page's path, not GET
        ("HEAD", "/partners/openapi.json", []),
        ("POST", "/partners/openapi.json", [json_type], b"{}"),               # a document's path, not GET
        ("GET", "/partners/api/v1/openapi.json", [auth]),                    # ends like one, is none
        ("GET", "/partners", [auth]),                                         # the mount prefix alone
        ("GET", "/partnersX/api/v1/customers/", [auth]),                      # a prefix's segment, longer
        ("GET", "/__apitwin", []),
        ("GET", "/__apitwinX/health", [ORIGIN]),                              # under the admin prefix, not admin
        ("GET", "/__apitwin/health", [(b"origin", b"http://127.0.0.1:8000")]),   # admin, same origin
        ("GET", "/__apitwin/requests/count", [(b"prefer", b"code=404")], b"", b"method=GET"),   # 405
        ("POST", "/__apitwin/requests/count", [json_type], b'{"method": "GET"}'),
        ("", "/x", []),                                                       # no method at all
    ]


def _root_requests(token: str) -> list[tuple[Any, ...]]:
    """Partners mounted at the root: every path's first segment is no mount prefix."""
    auth = (b"authorization", f"JWT {token}".encode())
    return [
        ("GET", "/api/v1/customers/319/", [auth]),
        ("GET", "/api/v1/customers/319/", [auth, ORIGIN]),
        ("POST", "/api/v1/customers/", [auth, (b"content-type", b"application/json")], json.dumps(CUSTOMER).encode()),
        ("GET", "/", []),
        ("GET", "/ui/", []),
        ("GET", "/openapi.json", []),
        ("GET", "/__apitwin/health", []),
        ("GET", "/__apitwin", [ORIGIN]),
        ("GET", "/__apitwinX", [ORIGIN]),
        ("GET", "/__apitwin_other/x", [auth]),
        ("GET", "", [auth]),                                                  # no leading slash
        ("GET", "api/v1/customers/319/", [auth]),
    ]


def test_fused_front_answers_as_the_six_layers_did(monkeypatch: pytest.MonkeyPatch) -> None:
    fused, old = _apps()

    async def run() -> None:
        login = json.dumps({"username": "demo", "password": "demo-password"}).encode()
        status, _, body = await _call(fused, "POST", "/partners/api/v1/api-token-auth/",
                                      [(b"content-type", b"application/json")], login)
        assert status == 200, body
        token = json.loads(body)["token"]        # both apps accept it: same secret, same seed
        await _call(old, "POST", "/partners/api/v1/api-token-auth/", [(b"content-type", b"application/json")], login)
        for app in (fused, old):
            app.apitwin.journal.clear()   # the two logins' tokens differ (issued at different times)
        for request in _requests(token):
            mine = await _call(fused, *request)
            before = await _call(old, *request)
            assert mine == before, request
        # an unhandled crash below: the API's 500 body, journaled as 500
        with monkeypatch.context() as patched:
            patched.setattr(Collection, "get", lambda self, row_id: 1 / 0)
            patched.setattr(Collection, "view", lambda self, row_id: 1 / 0)    # the read handlers' live row
            auth = [(b"authorization", f"JWT {token}".encode()), ORIGIN]
            mine = await _call(fused, "GET", "/partners/api/v1/customers/319/", auth)
            before = await _call(old, "GET", "/partners/api/v1/customers/319/", auth)
            assert mine == before and mine[0] == 500, mine
            patch = [auth[0], (b"content-type", b"application/json")]
            for body in (b'{"first_name": "Rickon"}', [b'{"first_name": ', b'"Rickon"}']):   # a body, journaled
                mine = await _call(fused, "POST", "/partners/api/v1/customers/", patch, body)
                before = await _call(old, "POST", "/partners/api/v1/customers/", patch, body)
                assert mine == before and mine[0] == 500, mine

    asyncio.run(run())
    assert _journal(fused) == _journal(old)
    kinds = {(entry["status"], entry["path"]) for entry in _journal(fused)}
    assert (500, "/partners/api/v1/customers/319/") in kinds and (413, "/partners/api/v1/customers/") in kinds
    assert not any(entry["path"].startswith("/__apitwin") or entry["method"] in ("GET", "HEAD") and
                   entry["path"].startswith("/partners/ui/") for entry in _journal(fused))
    read = [entry["request"] for entry in _journal(fused) if entry["request"]["body"]]
    assert {"first_name=Jon", '{"first_name": "Sansa"}', "username=admin&password=x"} <= {r["body"] for r in read}
    assert any(r["truncated"] and r["size"] > 1_000_000 for r in read), read     # the chunked 413, as far as read


def test_fused_front_answers_as_the_six_layers_did_at_the_root() -> None:
    """Partners mounted at the root (no mount prefix: every path takes the `_other` edge of `Front`)."""
    settings = Settings(jwt_secret=SECRET)
    fused = apitwin.app.create_app(["partners"], settings=settings)
    old = with_reference_layers(apitwin.app.create_app(["partners"], settings=settings))

    async def run() -> None:
        login = json.dumps({"username": "demo", "password": "demo-password"}).encode()
        status, _, body = await _call(fused, "POST", "/api/v1/api-token-auth/", [(b"content-type", b"application/json")],
                                      login)
        assert status == 200, body
        await _call(old, "POST", "/api/v1/api-token-auth/", [(b"content-type", b"application/json")], login)
        for app in (fused, old):
            app.apitwin.journal.clear()
        for request in _root_requests(json.loads(body)["token"]):
            mine = await _call(fused, *request)
            before = await _call(old, *request)
            assert mine == before, request

    asyncio.run(run())
    assert _journal(fused) == _journal(old)
    assert {entry["status"] for entry in _journal(fused)} >= {200, 201}


def test_the_built_app_has_one_front_and_no_exception_layer() -> None:
    app = apitwin.app.create_app(["partners"], settings=Settings())
    names = [getattr(m, "func", m).__name__ for m in app.middleware.middlewares]
    assert names.count("Front") == 1 and "ExceptionMiddleware" not in names, names


def _raising(exc: BaseException) -> Any:
    async def app(scope: dict, receive: Any, send: Any) -> None:
        raise exc
    return app


def test_an_exception_after_the_answer_started_is_not_answered_twice() -> None:
    async def half(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise ValueError("late")

    with pytest.raises(RuntimeError, match="already started"):
        asyncio.run(_call(bare_front(half), "GET", "/api/x"))


def test_an_exception_no_handler_takes_escapes() -> None:
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(_call(bare_front(_raising(KeyboardInterrupt())), "GET", "/api/x"))


def test_an_unhandled_crash_is_the_neutral_500_outside_every_api() -> None:
    status, headers, body = asyncio.run(_call(bare_front(_raising(ValueError("boom"))), "GET", "/api/x", [ORIGIN]))
    assert status == 500 and json.loads(body) == {"errors": {}, "messages": ["A server error occurred."]}
    assert (b"access-control-allow-origin", b"*") in headers and (b"vary", b"Origin") in headers


def test_lifespan_passes_through() -> None:
    seen: list[str] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    asyncio.run(bare_front(app)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"] and isinstance(bare_front(app), Front)


def test_the_compared_requests_reach_every_job() -> None:
    """The comparison above means something only if its requests hit each job: pages, documents, preflights."""
    fused, _ = _apps()

    async def run() -> set[tuple[str, str, int]]:
        return {(method, path, (await _call(fused, method, path, headers, *rest))[0])
                for method, path, headers, *rest in _requests("not-a-token")}

    seen = asyncio.run(run())
    for expected in [("GET", "/partners/ui/", 200), ("GET", "/partners/ui", 308), ("GET", "/", 200),
                     ("GET", "/partners/ui/swagger-ui.css", 200), ("GET", "/partners/openapi.json", 200),
                     ("GET", "/partners/openapi.yaml", 200), ("OPTIONS", "/partners/api/v1/customers/", 200),
                     ("GET", "/__apitwin/ui/", 200), ("GET", "/__apitwin/health", 403),
                     ("POST", "/partners/api/v1/customers/", 413), ("GET", "/partners/api/v1/customers/", 414)]:
        assert expected in seen, (expected, sorted(seen))


def test_an_async_error_handler_is_awaited() -> None:
    """Connexion's wrapper awaited async handlers; `Front` does too (its own handlers are plain functions)."""
    from connexion.lifecycle import ConnexionResponse

    async def handler(request: Any, exc: Exception) -> ConnexionResponse:
        assert request.method == "GET" and request.url.path == "/api/x"
        return ConnexionResponse(status_code=418, content_type="application/json", body=b'{"tea": true}')

    front = bare_front(_raising(LookupError("x")))
    front.handlers = {LookupError: handler}
    status, headers, body = asyncio.run(_call(front, "GET", "/api/x"))
    assert (status, body) == (418, b'{"tea": true}') and (b"content-type", b"application/json") in headers


def test_the_most_specific_handler_wins() -> None:
    class Narrow(KeyError):
        pass

    front = bare_front(_raising(Narrow("x")))
    front.handlers = {Exception: "broad", KeyError: "narrow", LookupError: "wider"}
    assert front.handler_for(Narrow("x")) == "narrow" and front.handler_for(ValueError()) == "broad"
    assert front.handler_for(KeyboardInterrupt()) is None


@pytest.mark.parametrize("status", [200, 204, 304])
@pytest.mark.parametrize("raw", LISTS + [[(b"content-type", b"application/json"), (b"content-type", b"text/plain")],
                                         [(b"content-type", b"text/html"), (b"content-length", b" 0 ")],
                                         [(b"vary", b"Accept"), (b"content-length", b"2"), (b"vary", b"Origin")]])
@pytest.mark.parametrize("fixed", [[], [(b"x-powered-by", b"Spring"), (b"vary", b"Accept")],
                                   [(b"access-control-allow-origin", b"https://fixed")]])
@pytest.mark.parametrize("marker", [None, (reason_phrase.MARKER, b"")])
@pytest.mark.parametrize("cors", [None, Cors([]), Cors(["Location", "WWW-Authenticate"])])
@pytest.mark.parametrize("origin", [None, b"https://app.example"])
def test_outgoing_headers_are_the_three_edits_they_fuse(status: int, raw: list[tuple[bytes, bytes]],
                                                        fixed: list[tuple[bytes, bytes]],
                                                        marker: tuple[bytes, bytes] | None, cors: Cors | None,
                                                        origin: bytes | None) -> None:
    """`outgoing_headers` (one pass, CORS without an Origin or a Vary one append) against the edits as they were
    made one after the other: the API's headers, the reason-phrase marker, CORS."""
    message = {"type": "http.response.start", "status": status, "headers": list(raw)}
    expected = reference_decorate(message, fixed, b"application/json;charset=UTF-8")["headers"]
    if marker is not None:
        expected = reason_phrase.mark(expected, marker[1].decode("latin-1"))
    if cors is not None:
        cors.edit(expected, origin)
    assert outgoing_headers(raw, status, fixed, b"application/json;charset=UTF-8", marker, cors, origin) == expected
    assert message["headers"] == raw       # the app's own list is left as it was


def test_the_edge_of_a_path_is_its_api_as_for_path_gives_it() -> None:
    """`Front`'s first-segment lookup against `Registry.for_path` and the admin tests it replaces, for mounts of one
    segment, at the root, of two segments (no first-segment lookup then) and under the admin prefix."""
    def api(name: str, prefix: str) -> Any:
        wire = SimpleNamespace(response_headers={}, json_media_type="application/json", reason_phrase=None)
        return SimpleNamespace(name=name, prefix=prefix, plugin=SimpleNamespace(wire=wire))

    paths = ["", "/", "//", "/a", "/a/", "/a/x", "/ab", "/ab/x", "/b", "/b/c", "/b/c/d", "/b/cd", "x/a",
             "/__apitwin", "/__apitwin/", "/__apitwin/health", "/__apitwinX", "/__apitwinX/y", "/__apitwin_z/a"]
    for mounts in ([("one", "/a")], [("one", "/a"), ("root", "")], [("root", "")], [("two", "/b/c"), ("one", "/a")],
                   [("odd", "/__apitwinX"), ("one", "/a")], [("one", "/a"), ("same", "/a")], []):
        registry = Registry([api(name, prefix) for name, prefix in mounts])
        front = bare_front(None, registry=registry)
        assert (front._by_segment is None) == any(prefix.count("/") > 1 for _, prefix in mounts), mounts
        for path in paths:
            edge = front.edge_for(path)
            assert edge.runtime is registry.for_path(path), (mounts, path)
            assert edge.admin == is_admin_path(path) and edge.journaled == (not path.startswith(ADMIN_PREFIX)), \
                (mounts, path)
