"""The journal from the outside: `apitwin.verify.MockJournal` as a consumer's pytest suite uses it (in process and
over real HTTP, with the admin token when required), and the live Server-Sent Events stream over real HTTP."""
from __future__ import annotations

import json
import threading
from typing import Any, Iterator

import httpx
import pytest

from apitwin.settings import Settings
from apitwin.verify import MockJournal
from tests.engine.helpers import FAKE_LOGIN, NOTES, fake_app, fake_auth
from tests.receiver import Receiver


@pytest.fixture
def journal(fake: Any) -> MockJournal:
    verifier = MockJournal(client=fake)
    verifier.clear()
    return verifier


def test_assert_called_exactly_once_with_a_body(fake: Any, journal: MockJournal) -> None:
    headers = fake_auth(fake)
    fake.post(NOTES, headers=headers, json={"title": "Ada", "text": "x"})
    [found] = journal.assert_called("POST", NOTES, body={"title": "Ada"})
    assert found["status"] == 201
    journal.assert_called("POST", FAKE_LOGIN)
    journal.assert_not_called("DELETE")
    assert journal.count(status="2xx") == 2


def test_a_failed_assertion_shows_what_the_mock_received(fake: Any, journal: MockJournal) -> None:
    headers = fake_auth(fake)
    fake.post(NOTES, headers=headers, json={"title": "Bob", "text": "x"})
    with pytest.raises(AssertionError) as failure:
        journal.assert_called("POST", NOTES, body={"title": "Ada"})
    message = str(failure.value)
    assert "got 0" in message and f"POST {NOTES} -> 201" in message and '"Bob"' in message
    with pytest.raises(AssertionError, match="expected 2 time"):
        journal.assert_called("POST", NOTES, times=2)


def test_wait_for_a_request_made_in_the_background(served: tuple[str, str]) -> None:
    base, token = served
    with MockJournal(base, admin_token=token) as journal:
        journal.clear()
        timer = threading.Timer(0.3, lambda: httpx.get(f"{base}/api/later"))
        timer.start()
        try:
            [found] = journal.wait_for("GET", "/api/later", timeout=10)
        finally:
            timer.join()
        assert found["status"] == 404
        with pytest.raises(AssertionError, match="waited 0.2 s for 2 request"):
            journal.wait_for("GET", "/api/later", times=2, timeout=0.2)


def test_a_bad_matcher_is_an_error_not_a_count(journal: MockJournal) -> None:
    with pytest.raises(RuntimeError, match="path_pattern"):
        journal.count(path_pattern="((")


def test_either_a_url_or_a_client() -> None:
    with pytest.raises(ValueError):
        MockJournal()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, str]]:
    """The fixture API over real HTTP with the admin token required."""
    settings = Settings(admin_token="s3cret-admin-token")
    receiver = Receiver(app=fake_app(settings.with_secrets())).start()
    try:
        yield f"http://127.0.0.1:{receiver.port}", "s3cret-admin-token"
    finally:
        receiver.stop()


def test_verify_over_http_with_the_admin_token(served: tuple[str, str]) -> None:
    base, token = served
    with MockJournal(base) as anonymous:
        with pytest.raises(RuntimeError, match="401"):
            anonymous.count()
        with pytest.raises(RuntimeError, match="did not clear its journal: 401"):
            anonymous.clear()
    with MockJournal(base, admin_token=token) as journal:
        journal.clear()
        httpx.post(base + FAKE_LOGIN, json={"username": "ada", "password": "ada-password"})
        journal.assert_called("POST", FAKE_LOGIN, body={"username": "ada"})


def test_live_stream_sends_each_request_as_it_is_answered(served: tuple[str, str]) -> None:
    base, token = served
    headers = {"X-Apitwin-Admin-Token": token}
    events: list[dict[str, Any]] = []
    opened = threading.Event()
    done = threading.Event()

    def read() -> None:
        with httpx.stream("GET", f"{base}/__apitwin/requests/stream", headers=headers, timeout=10) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            kind = None
            for line in response.iter_lines():
                opened.set()
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "request":
                    events.append(json.loads(line[6:]))
                    if len(events) == 2:
                        done.set()
                        return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert opened.wait(10), "the stream sent nothing"
    httpx.get(f"{base}/api/nowhere")
    httpx.post(f"{base}{NOTES}", json={"title": 1})
    assert done.wait(10), f"only {len(events)} event(s) arrived"
    assert [(e["method"], e["path"], e["status"]) for e in events] == [("GET", "/api/nowhere", 404),
                                                                      ("POST", NOTES, 401)]


def test_stream_replays_after_an_id(served: tuple[str, str]) -> None:
    base, token = served
    headers = {"X-Apitwin-Admin-Token": token}
    httpx.get(f"{base}/api/replayed")
    last = httpx.get(f"{base}/__apitwin/requests", headers=headers).json()["items"][0]
    with httpx.stream("GET", f"{base}/__apitwin/requests/stream", params={"after": last["id"] - 1},
                      headers=headers, timeout=10) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                assert json.loads(line[6:])["path"] == "/api/replayed"
                break
