"""What the engine tests share: the fixture API (app builder, login, its error body) and the engine's neutral error
body. Nothing here depends on a real API."""
from __future__ import annotations

from typing import Any

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.engine.fixtures.fakeapi import PLUGIN as FAKE_PLUGIN
from tests.engine.fixtures.fakeapi import USER as FAKE_USER

FAKE_LOGIN = "/api/login/"
NOTES = "/api/notes/"


def fake_app(settings: Settings | None = None, mount: str = "auto") -> Any:
    """An app serving the fixture API (an ApiPlugin object, not a discovered name)."""
    return create_app([FAKE_PLUGIN], settings=settings or Settings(), mount=mount)


def fake_auth(client: Any, base: str = "") -> dict[str, str]:
    response = client.post(f"{base}{FAKE_LOGIN}", json={"username": FAKE_USER[0], "password": FAKE_USER[1]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def assert_fake_error(response: Any, status: int) -> dict[str, Any]:
    """The fixture API's error body, exactly `{"error": {"status", "messages", "fields"}}`, saying something; returns
    the inner object."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers.get("content-type", "").split(";")[0].strip() == "application/json", response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"status", "messages", "fields"} and error["status"] == status, body
    assert isinstance(error["messages"], list) and all(isinstance(m, str) and m for m in error["messages"]), body
    assert isinstance(error["fields"], dict), body
    for field, messages in error["fields"].items():
        assert isinstance(field, str) and field and isinstance(messages, list) and messages, body
        assert all(isinstance(m, str) and m for m in messages), body
    assert error["messages"] or error["fields"], f"an error body must say something: {body}"
    return error


def assert_neutral_error(response: Any, status: int) -> dict[str, Any]:
    """The engine's neutral error body where no API owns the request (`apitwin.errors.default_error_body`): exactly
    `errors` (field → list of strings) and `messages` (list of strings), saying something."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers.get("content-type", "").split(";")[0].strip() == "application/json", response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"errors", "messages"}, body
    assert isinstance(body["errors"], dict) and isinstance(body["messages"], list), body
    assert all(isinstance(m, str) and m for m in body["messages"]), body
    assert body["errors"] or body["messages"], f"an error body must say something: {body}"
    return body


def bare_front(app: Any, expose_headers: list[str] | None = None, settings: Settings | None = None,
               registry: Any = None) -> Any:
    """apitwin.server.front.Front around `app` with no API mounted (or those of `registry`), no documents, no UI
    pages and the journal off: only its outer behaviour (CORS, headers, exception handling, intake) shows."""
    from apitwin import error_handlers
    from apitwin.journal import Journal
    from apitwin.journal_recorder import OperationIndex
    from apitwin.limits import Limits
    from apitwin.runtime import Registry
    from apitwin.server.cors import Cors
    from apitwin.server.front import Front
    from apitwin.server.intake import Intake
    from apitwin.specs import SpecDocuments
    from apitwin.swagger_ui import SwaggerUi

    return Front(app, registry or Registry([]), cors=Cors(expose_headers or ()), ui=SwaggerUi(None, []), journal=Journal(0),
                 operations=OperationIndex(), intake=Intake(settings or Settings(), Limits(), SpecDocuments({})),
                 handlers=error_handlers.HANDLERS)
