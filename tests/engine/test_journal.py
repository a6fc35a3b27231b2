"""The request journal (apitwin/journal*.py) on the fixture API: what an exchange holds (violations with pointers,
Prefer, masked credentials, truncated bodies, the operation), the bounded ring buffer, reset, and the admin API's
list filters, paging, one request, clear and verification (count/find)."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Iterator

import pytest

from apitwin.journal import MASK, Journal, json_pointer, mask_header, masked_body
from apitwin.journal_query import Matcher, body_subset
from apitwin.journal_recorder import OperationIndex
from apitwin.settings import Settings
from tests.engine.helpers import FAKE_LOGIN, NOTES, assert_fake_error, assert_neutral_error, fake_app, fake_auth

REQUESTS = "/__apitwin/requests"
CREATE = "tests.engine.fixtures.fakeapi.notes.create_note"
LIST = "tests.engine.fixtures.fakeapi.notes.list_notes"


@pytest.fixture
def client(fake: Any) -> Any:
    """The module's fixture-API client with an empty journal."""
    assert fake.delete(REQUESTS).status_code == 200
    return fake


def journaled(client: Any, **params: Any) -> list[dict[str, Any]]:
    response = client.get(REQUESTS, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


# -- pieces ------------------------------------------------------------------------------------------------------
def test_ring_buffer_keeps_the_newest_and_counts_the_dropped() -> None:
    kept = Journal(size=3)
    for n in range(5):
        kept.record(kept.start("GET", f"/x/{n}", "", []))
    assert [e.path for e in kept.items()] == ["/x/4", "/x/3", "/x/2"]
    assert kept.dropped == 2 and len(kept) == 3


def test_memory_stays_flat_under_load() -> None:
    kept = Journal(size=100, body_limit=64)
    for n in range(20_000):
        exchange = kept.start("POST", "/x", "", [(b"content-type", b"application/json")])
        exchange.add_request_body(b"x" * 10_000)
        exchange.add_response_body(b"y" * 10_000)
        kept.record(exchange)
    items = kept.items()
    assert len(items) == 100 and kept.dropped == 19_900
    assert all(len(e.request_body) == 64 and len(e.response_body) == 64 for e in items)
    assert items[0].view()["request"]["truncated"] and items[0].view()["request"]["size"] == 10_000


def test_size_zero_keeps_nothing_but_listeners_hear() -> None:
    kept = Journal(size=0)
    heard: list[str] = []
    assert not kept.active
    kept.listeners.append(lambda e: heard.append(e.path))
    assert kept.active
    kept.record(kept.start("GET", "/a", "", []))
    assert kept.items() == [] and heard == ["/a"]


def test_negative_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        Journal(size=-1)


def test_clear_one_api() -> None:
    kept = Journal(size=10)
    for api in ("a", "b", "a"):
        exchange = kept.start("GET", "/", "", [])
        exchange.api = api
        kept.record(exchange)
    assert kept.clear("a") == 2
    assert [e.api for e in kept.items()] == ["b"]


@pytest.mark.parametrize("name,value,shown", [
    ("Authorization", "Bearer abc.def", f"Bearer {MASK}"),
    ("authorization", "abc", MASK),
    ("x-molgenis-token", "abc", MASK),
    ("X-Api-Key", "abc", MASK),
    ("cookie", "session=1", MASK),
    ("content-type", "application/json", "application/json"),
])
def test_credentials_are_masked(name: str, value: str, shown: str) -> None:
    assert mask_header(name, value) == shown


def test_passwords_in_json_bodies_are_masked() -> None:
    assert json.loads(masked_body('{"username": "ada", "password": "pw", "x": [{"secret": "s"}]}')) == \
        {"username": "ada", "password": MASK, "x": [{"secret": MASK}]}
    assert masked_body("password=plain") == "password=plain"      # not JSON: as sent
    assert masked_body('{"title": "x"}') == '{"title": "x"}'


@pytest.mark.parametrize("field,pointer", [("body", ""), ("title", "/title"), ("items.0.sku", "/items/0/sku"),
                                           ("a/b", "/a~1b")])
def test_json_pointers(field: str, pointer: str) -> None:
    assert json_pointer(field) == pointer


@pytest.mark.parametrize("expected,actual,result", [
    ({"a": 1}, {"a": 1, "b": 2}, True),
    ({"a": {"b": [1, 2]}}, {"a": {"b": [1, 2], "c": 0}}, True),
    ({"a": [1]}, {"a": [1, 2]}, False),
    ({"a": 1}, {"a": True}, False),
    ({"a": 1}, None, False),
    ("x", "x", True),
])
def test_body_subset(expected: Any, actual: Any, result: bool) -> None:
    assert body_subset(expected, actual) is result


def test_bad_path_pattern_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="regular expression"):
        Matcher.from_json({"path_pattern": "(("})


def test_operation_index_names_operations_without_an_id() -> None:
    index = OperationIndex()
    index.add("/p", {"paths": {"/items/{id}": {"get": {}, "delete": {"operationId": "drop"}},
                               "/items/new": {"get": {"operationId": "fresh"}}}})
    assert index.lookup("GET", "/p/items/7") == "GET /items/{id}"
    assert index.lookup("HEAD", "/p/items/7") == "GET /items/{id}"
    assert index.lookup("DELETE", "/p/items/7") == "drop"
    assert index.lookup("GET", "/p/items/new") == "fresh"          # a literal segment wins over a template
    assert index.lookup("GET", "/elsewhere") is None


# -- over HTTP ----------------------------------------------------------------------------------------------------
def test_bad_body_is_journaled_with_the_error_bodys_violations(client: Any, fake_headers: dict[str, str]) -> None:
    response = client.post(NOTES, headers=fake_headers, json={"title": 5})
    error = assert_fake_error(response, 400)
    [exchange] = journaled(client, status="4xx")
    assert exchange["api"] == "fakeapi" and exchange["operation"] == CREATE
    assert exchange["method"] == "POST" and exchange["path"] == NOTES and exchange["status"] == 400
    shown = {(v["field"], v["message"]) for v in exchange["violations"]}
    assert shown == {(field, m) for field, messages in error["fields"].items() for m in messages}
    assert {v["pointer"] for v in exchange["violations"]} == {"/" + f for f in error["fields"]}
    assert json.loads(exchange["request"]["body"]) == {"title": 5}
    assert json.loads(exchange["response"]["body"]) == response.json()
    assert ["authorization", "Bearer " + MASK] in exchange["request"]["headers"]
    assert exchange["duration_ms"] >= 0
    assert datetime.fromisoformat(exchange["time"].replace("Z", "+00:00")).tzinfo == timezone.utc


def test_prefer_directives_and_their_twins_are_journaled(client: Any, fake_headers: dict[str, str]) -> None:
    assert client.get(NOTES, headers={**fake_headers, "Prefer": "code=200"}).status_code == 200
    assert client.get(f"{NOTES}?__dynamic=true", headers=fake_headers).status_code == 200
    second, first = journaled(client, operation=LIST)
    assert first["prefer"] == {"code": "200"} and second["prefer"] == {"dynamic": "true"}
    assert second["query"] == "__dynamic=true"            # the query as the client sent it


def test_a_login_password_is_masked(client: Any) -> None:
    fake_auth(client)
    [login] = journaled(client)
    assert json.loads(login["request"]["body"])["password"] == MASK


def test_unknown_paths_are_journaled_without_an_operation(client: Any) -> None:
    client.get("/api/nowhere")
    [exchange] = journaled(client)
    assert exchange["status"] == 404 and exchange["operation"] is None and exchange["messages"]


def test_admin_requests_and_documents_are_not_journaled(client: Any) -> None:
    client.get("/__apitwin/apis")
    client.get("/openapi.json")
    client.get("/ui/")
    assert journaled(client) == []


def test_reset_clears_the_apis_requests(client: Any, fake_headers: dict[str, str]) -> None:
    assert len(journaled(client)) == 1                     # the fixture's login
    assert client.post("/__apitwin/apis/fakeapi/reset").status_code == 200
    assert journaled(client) == []


def test_filters_paging_and_newest_first(client: Any, fake_headers: dict[str, str]) -> None:
    before = datetime.now(timezone.utc).isoformat()
    time.sleep(0.01)
    for n in range(5):
        client.get(f"{NOTES}{n + 1}/", headers=fake_headers)
    client.post(NOTES, headers=fake_headers, json={"title": "needle in here", "text": "t"})
    everything = journaled(client)
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True) and len(ids) == 7
    page = client.get(REQUESTS, params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 7 and [e["id"] for e in page["items"]] == ids[1:3]
    assert [e["path"] for e in journaled(client, text="NEEDLE")] == [NOTES]
    assert len(journaled(client, since=before)) == 6
    assert len(journaled(client, after=ids[2])) == 2
    assert all(e["status"] == 404 for e in journaled(client, status="404"))
    assert journaled(client, api="other") == []


@pytest.mark.parametrize("params,field", [({"status": "4x"}, "status"), ({"limit": 0}, "limit"),
                                          ({"since": "yesterday"}, "since"), ({"bogus": "1"}, "bogus")])
def test_bad_filters_answer_400(client: Any, params: dict[str, Any], field: str) -> None:
    body = assert_neutral_error(client.get(REQUESTS, params=params), 400)
    assert field in body["errors"] or any(field in m for m in body["messages"]), body


def test_one_request_and_its_404(client: Any) -> None:
    [login] = journaled(client) or [None]
    assert login is None                                  # a fresh journal
    client.get("/api/nowhere")
    [exchange] = journaled(client)
    assert client.get(f"{REQUESTS}/{exchange['id']}").json() == exchange
    assert_neutral_error(client.get(f"{REQUESTS}/999999"), 404)


def test_delete_clears(client: Any) -> None:
    client.get("/api/nowhere")
    assert client.delete(REQUESTS).json() == {"cleared": 1}
    assert journaled(client) == []


def test_verification_count_and_find(client: Any, fake_headers: dict[str, str]) -> None:
    client.post(NOTES, headers=fake_headers, json={"title": "a", "text": "x"})
    client.post(NOTES, headers=fake_headers, json={"title": "b", "text": "x"})
    client.get(f"{NOTES}?page=1", headers=fake_headers)

    def count(matcher: dict[str, Any]) -> int:
        response = client.post(f"{REQUESTS}/count", json=matcher)
        assert response.status_code == 200, response.text
        return response.json()["count"]

    assert count({"method": "post", "path": NOTES}) == 2
    assert count({"method": "POST", "path": NOTES, "body": {"title": "a"}}) == 1
    assert count({"path_pattern": r"/api/notes/.*"}) == 3
    assert count({"query": {"page": "1"}}) == 1
    assert count({"headers": {"Authorization": fake_headers["Authorization"]}}) == 3   # matched unmasked
    assert count({"operation": CREATE, "status": "2xx"}) == 2
    assert count({"method": "GET", "body": None}) == 1
    assert count({"method": "DELETE"}) == 0
    found = client.post(f"{REQUESTS}/find", json={"method": "POST", "path": NOTES}).json()
    assert found["count"] == 2 and [json.loads(r["request"]["body"])["title"] for r in found["requests"]] == ["a", "b"]


@pytest.mark.parametrize("matcher,field", [({"path_pattern": "(("}, "path_pattern"), ({"bogus": 1}, "bogus"),
                                           ({"status": "abc"}, "status"), ({"method": "GET /"}, "method")])
def test_bad_matchers_answer_400(client: Any, matcher: dict[str, Any], field: str) -> None:
    for verb in ("count", "find"):
        body = assert_neutral_error(client.post(f"{REQUESTS}/{verb}", json=matcher), 400)
        assert field in body["errors"], body


@pytest.fixture(scope="module")
def tiny() -> Iterator[Any]:
    app = fake_app(Settings(journal_size=2, journal_body_bytes=10))
    with app.test_client() as test_client:
        yield test_client


def test_journal_size_and_body_limit_settings(tiny: Any) -> None:
    for title in ("one", "two", "three"):
        tiny.post(FAKE_LOGIN, json={"username": title, "password": "p" * 40})
    page = tiny.get(REQUESTS).json()
    assert page["size"] == 2 and page["total"] == 2 and page["dropped"] == 1
    request = page["items"][0]["request"]
    assert request["truncated"] and len(request["body"]) == 10 and request["size"] > 40


def test_journal_off_keeps_nothing() -> None:
    app = fake_app(Settings(journal_size=0))
    with app.test_client() as off:
        off.get("/api/nowhere")
        assert off.get(REQUESTS).json()["total"] == 0


def test_recording_from_many_threads_loses_nothing() -> None:
    import threading

    kept = Journal(size=10_000)

    def work() -> None:
        for _ in range(500):
            kept.record(kept.start("GET", "/t", "", []))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [e.id for e in kept.items()]
    assert len(ids) == 4000 and len(set(ids)) == 4000


@pytest.mark.parametrize("query,headers", [("after=-1", {}), ("after=x", {}), ("", {"Last-Event-ID": "abc"})])
def test_bad_stream_parameters_answer_400(client: Any, query: str, headers: dict[str, str]) -> None:
    assert_neutral_error(client.get(f"{REQUESTS}/stream?{query}", headers=headers), 400)
