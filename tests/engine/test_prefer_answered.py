"""`Binding.answered`: the engine tells the plugin of every answer it built from the document in the handler's
stead (Prefer code/example/dynamic and their `__` twins) as it goes out, with the status the client receives
and the request it answered; handler answers, injected faults and answers the response guard refused are not told,
and a failing hook never touches the answer already sent."""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable, Iterator

import pytest

from apitwin.app import create_app
from apitwin.binding import SpecAnswer
from apitwin.settings import Settings
from tests.engine.helpers import FAKE_PLUGIN, NOTES, fake_auth

CREATE = "tests.engine.fixtures.fakeapi.notes.create_note"
NOTE = {"title": "Mine", "text": "t"}
MILK = {"id": 3, "title": "Buy milk", "text": "Two litres", "created_at": "2024-01-02T03:04:05+00:00"}


def serving(hook: Callable[[Any, SpecAnswer], None]) -> Iterator[tuple[Any, dict[str, str]]]:
    plugin = dataclasses.replace(FAKE_PLUGIN, binding=dataclasses.replace(FAKE_PLUGIN.binding, answered=hook))
    with create_app([plugin], settings=Settings(seed=0)).test_client() as client:
        yield client, fake_auth(client)


@pytest.fixture
def told() -> list[tuple[Any, SpecAnswer]]:
    return []


@pytest.fixture
def served(told: list[tuple[Any, SpecAnswer]]) -> Iterator[tuple[Any, dict[str, str]]]:
    yield from serving(lambda rt, answer: told.append((rt, answer)))


def test_an_example_answer_is_told_with_its_request(served: Any, told: list[Any]) -> None:
    client, auth = served
    response = client.post(f"{NOTES}?__example=milk", json={"title": "Mine", "text": "t"},
                           headers={**auth, "X-Hook": "http://127.0.0.1:9/h"})
    assert response.status_code == 201, response.text
    [(rt, answer)] = told
    assert rt.name == FAKE_PLUGIN.name
    assert (answer.operation_id, answer.status, answer.body) == (CREATE, 201, MILK)
    assert answer.headers["location"] == response.headers["location"]
    assert answer.method == "POST" and answer.url.endswith(NOTES) and "__example" not in answer.url
    assert answer.query == {} and answer.path == {}
    assert answer.request_body == {"title": "Mine", "text": "t"}
    assert answer.request_headers["x-hook"] == "http://127.0.0.1:9/h"
    assert answer.token_info                    # what the API's security function returned


def test_path_parameters_and_non_2xx_answers_are_told(served: Any, told: list[Any]) -> None:
    client, auth = served
    assert client.get(f"{NOTES}5/", headers={**auth, "Prefer": "example=milk"}).status_code == 200
    assert client.get(f"{NOTES}5/", headers={**auth, "Prefer": "code=404"}).status_code == 404
    assert [(a.path, a.status) for _, a in told] == [({"note_id": 5}, 200), ({"note_id": 5}, 404)]
    assert told[0][1].request_body is None


@pytest.mark.parametrize(("prefer", "status"), [
    (None, 201), ("fault=503", 503), ("fault=empty", 200), ("example=nope", 400), ("code=599", 400)])
def test_handler_answers_faults_and_refused_preferences_are_not_told(served: Any, told: list[Any],
                                                                     prefer: str | None, status: int) -> None:
    client, auth = served
    headers = {**auth, **({"Prefer": prefer} if prefer else {})}
    response = client.post(NOTES, json=NOTE, headers=headers)
    assert response.status_code == status, response.text
    assert told == []


def test_a_failing_hook_is_logged_and_the_answer_stands(caplog: pytest.LogCaptureFixture) -> None:
    def boom(rt: Any, answer: SpecAnswer) -> None:
        raise RuntimeError("hook broke")

    for client, auth in serving(boom):
        with caplog.at_level(logging.ERROR, logger="apitwin"):
            response = client.post(NOTES, json=NOTE, headers={**auth, "Prefer": "example=milk"})
        assert response.status_code == 201 and response.json() == MILK
        assert any("Binding.answered failed" in r.getMessage() and r.exc_info for r in caplog.records)
