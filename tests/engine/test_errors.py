"""The engine's failure paths over HTTP, on the fixture API (tests/engine/fixtures/): every failure leaves in the
API's own error body (here `{"error": {"status", "messages", "fields"}}`) as application/json, with the right status
and headers."""
from __future__ import annotations

import logging
from typing import Any, Iterator

import pytest

import tests.engine.fixtures.fakeapi.notes as notes_module
from apitwin.settings import Settings
from tests.engine.helpers import NOTES, assert_fake_error, fake_app, fake_auth

ORIGIN = "https://browser.example"
NOTE = {"title": "Buy milk", "text": "Two litres"}


@pytest.fixture(scope="module")
def small_client() -> Iterator[Any]:
    """An app whose body limit is 100 bytes."""
    with fake_app(Settings(max_body_bytes=100)).test_client() as test_client:
        yield test_client


@pytest.fixture(scope="module")
def broken() -> Iterator[Any]:
    """An app whose handlers misbehave: list_notes crashes, get_note drifts from its schema, update_note answers an
    undocumented status. Patched before the app is built (operationIds resolve there)."""

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("handler exploded")

    async def drifting(note_id: int, token_info: dict[str, Any]) -> Any:
        return {"title": "Jon Snow"}  # no id, no created_at

    async def teapot(note_id: int, body: dict[str, Any], token_info: dict[str, Any]) -> Any:
        return {"error": {"status": 418, "messages": ["I am a teapot."], "fields": {}}}, 418

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(notes_module, "list_notes", crash)
        mp.setattr(notes_module, "get_note", drifting)
        mp.setattr(notes_module, "update_note", teapot)
        with fake_app().test_client() as test_client:
            yield test_client


# -- routing --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/nope", "/api/no-such-resource/", "/api/notes/1/extra/"])
def test_unknown_route_is_404_in_error_shape(fake: Any, fake_headers: dict[str, str], path: str) -> None:
    error = assert_fake_error(fake.get(path, headers=fake_headers), 404)
    assert error["messages"]


def test_wrong_method_on_collection_lists_spec_methods_plus_head(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.delete(NOTES, headers=fake_headers)
    error = assert_fake_error(response, 405)
    allow = {m.strip() for m in response.headers["allow"].split(",")}
    assert allow == {"GET", "POST", "HEAD"}
    assert "DELETE" not in allow
    assert any("DELETE" in m for m in error["messages"])


def test_wrong_method_on_an_item_lists_get_patch_head(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.put(f"{NOTES}1/", headers=fake_headers, json={})
    assert_fake_error(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "PATCH", "HEAD"}


def test_post_only_path_allow_has_no_head(fake: Any) -> None:
    response = fake.get("/api/login/")
    assert_fake_error(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"POST"}


# -- security -------------------------------------------------------------------------------------------------------
def test_missing_token_is_401_with_challenge(fake: Any) -> None:
    response = fake.get(NOTES)
    error = assert_fake_error(response, 401)
    assert error["messages"]
    assert response.headers.get("www-authenticate") == 'Bearer realm="fakeapi"'


def test_garbage_token_is_401(fake: Any) -> None:
    assert_fake_error(fake.get(NOTES, headers={"Authorization": "Bearer not-a-token"}), 401)


# -- body parsing ---------------------------------------------------------------------------------------------------
def test_malformed_json_is_400(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(NOTES, headers={**fake_headers, "Content-Type": "application/json"},
                         content=b'{"title": "Jon", "text":')
    error = assert_fake_error(response, 400)
    assert error["messages"]


def test_non_utf8_body_is_400(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(NOTES, headers={**fake_headers, "Content-Type": "application/json"},
                         content=b'{"title": "\xff\xfe", "text": "Snow"}')
    error = assert_fake_error(response, 400)
    assert any("utf-8" in m.lower() for m in error["messages"]), error


def test_wrong_content_type_is_415(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(NOTES, headers={**fake_headers, "Content-Type": "text/plain"},
                         content=b'{"title": "Jon", "text": "Snow"}')
    error = assert_fake_error(response, 415)
    assert error["messages"]


def test_missing_content_type_is_415_not_500(fake: Any, fake_headers: dict[str, str]) -> None:
    """Regression: without Content-Type the body skipped validation and reached the handler as bytes (500)."""
    response = fake.post(NOTES, headers=fake_headers, content=b'{"title": "Jon", "text": "Snow"}')
    assert "content-type" not in {k.lower() for k in response.request.headers}
    error = assert_fake_error(response, 415)
    assert error["messages"]


def test_empty_required_body_is_400(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(NOTES, headers={**fake_headers, "Content-Type": "application/json"}, content=b"")
    assert_fake_error(response, 400)


# -- body size ------------------------------------------------------------------------------------------------------
def test_oversized_body_with_content_length_is_413(small_client: Any) -> None:
    payload = b'{"title": "' + b"a" * 200 + b'", "text": "Snow"}'
    response = small_client.post(NOTES, headers={**fake_auth(small_client), "Content-Type": "application/json"},
                                 content=payload)
    assert response.request.headers["content-length"] == str(len(payload))
    error = assert_fake_error(response, 413)
    assert any("100" in m for m in error["messages"]), error


def test_body_within_limit_passes_the_size_check(small_client: Any) -> None:
    response = small_client.post(NOTES, headers=fake_auth(small_client), json={"title": "Jo", "text": "Sn"})
    assert response.status_code == 201, response.text


def _chunks(*parts: bytes) -> Iterator[bytes]:
    yield from parts


def test_oversized_streamed_body_without_content_length_is_413(small_client: Any) -> None:
    response = small_client.post(NOTES, headers={**fake_auth(small_client), "Content-Type": "application/json"},
                                 content=_chunks(b'{"title": "', b"a" * 200, b'", "text": "Snow"}'))
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_fake_error(response, 413)


def test_small_streamed_body_without_content_length_is_accepted(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(NOTES, headers={**fake_headers, "Content-Type": "application/json"},
                         content=_chunks(b'{"title": "Jon", ', b'"text": "Snow"}'))
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Jon"


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "12 ", ""])
def test_invalid_content_length_header_is_400(fake: Any, fake_headers: dict[str, str], value: str) -> None:
    response = fake.post(NOTES, headers={**fake_headers, "Content-Type": "application/json", "Content-Length": value},
                         content=b"{}")
    error = assert_fake_error(response, 400)
    assert any("content-length" in m.lower() for m in error["messages"]), error


# -- validation -----------------------------------------------------------------------------------------------------
def test_query_validation_reports_every_field(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.get(f"{NOTES}?page=0&page_size=abc&foo=1", headers=fake_headers)
    error = assert_fake_error(response, 400)
    assert set(error["fields"]) == {"page", "page_size", "foo"}
    assert error["fields"]["foo"] == ["Unknown query parameter."]


def test_unknown_query_parameter_is_400(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.get(f"{NOTES}?colour=blue", headers=fake_headers)
    error = assert_fake_error(response, 400)
    assert error["fields"] == {"colour": ["Unknown query parameter."]}


def test_body_validation_reports_every_field_and_every_violation(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(NOTES, headers=fake_headers, json={
        "title": 5,                            # wrong type
        "author_email": "x" * 300,             # not an email AND too long: two messages for one field
        "due": "28/01/1996",                   # wrong format
        # text missing
    })
    error = assert_fake_error(response, 400)
    fields = error["fields"]
    assert {"title", "text", "author_email", "due"} <= set(fields), fields
    assert len(fields["author_email"]) == 2, fields["author_email"]
    assert fields["text"] == ["This field is required."]


def test_query_and_body_violations_are_reported_together(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(f"{NOTES}?foo=1", headers=fake_headers, json={"title": 5})
    error = assert_fake_error(response, 400)
    assert {"foo", "title", "text"} <= set(error["fields"]), error


def test_query_violation_survives_a_malformed_body(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(f"{NOTES}?foo=1", headers={**fake_headers, "Content-Type": "application/json"},
                         content=b'{"title": ')
    error = assert_fake_error(response, 400)
    assert "foo" in error["fields"], error
    assert error["messages"], error  # the parse error


def test_query_violation_and_missing_body_reported_together(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(f"{NOTES}?foo=1", headers={**fake_headers, "Content-Type": "application/json"}, content=b"")
    error = assert_fake_error(response, 400)
    assert "foo" in error["fields"], error
    assert error["messages"] or "body" in error["fields"], error


def test_path_parameter_violation_is_400(fake: Any, fake_headers: dict[str, str]) -> None:
    error = assert_fake_error(fake.get(f"{NOTES}0/", headers=fake_headers), 400)
    assert "note_id" in error["fields"]


# -- crashes and drift ----------------------------------------------------------------------------------------------
def test_handler_crash_is_500_in_error_shape_and_logged(broken: Any, caplog: pytest.LogCaptureFixture) -> None:
    headers = fake_auth(broken)
    with caplog.at_level(logging.ERROR, logger="apitwin"):
        response = broken.get(NOTES, headers=headers)
    error = assert_fake_error(response, 500)
    assert error["messages"]
    assert "handler exploded" not in response.text  # no internals leak to the client
    records = [r for r in caplog.records if r.name == "apitwin" and r.levelno == logging.ERROR]
    assert records, caplog.text
    assert any(r.exc_info and isinstance(r.exc_info[1], RuntimeError) for r in records)


def test_response_breaking_the_contract_is_500_and_logged(broken: Any, caplog: pytest.LogCaptureFixture) -> None:
    headers = fake_auth(broken)
    with caplog.at_level(logging.ERROR, logger="apitwin"):
        response = broken.get(f"{NOTES}1/", headers=headers)
    error = assert_fake_error(response, 500)
    assert error["messages"]
    assert "Jon" not in response.text
    records = [r for r in caplog.records if r.name == "apitwin" and r.levelno == logging.ERROR]
    assert any(f"{NOTES}1/" in r.getMessage() for r in records), caplog.text


def test_undocumented_status_from_a_handler_is_refused(broken: Any, caplog: pytest.LogCaptureFixture) -> None:
    headers = fake_auth(broken)
    with caplog.at_level(logging.ERROR, logger="apitwin"):
        response = broken.patch(f"{NOTES}1/", headers=headers, json={"title": "x"})
    assert_fake_error(response, 500)
    assert any(r.name == "apitwin" and r.levelno == logging.ERROR and "418" in r.getMessage()
               for r in caplog.records), caplog.text


# -- CORS -----------------------------------------------------------------------------------------------------------
def test_cors_preflight_is_answered(fake: Any) -> None:
    response = fake.options(NOTES, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 200, response.text
    assert response.headers.get("access-control-allow-origin") in ("*", ORIGIN)
    assert "POST" in response.headers.get("access-control-allow-methods", "")


def test_cors_header_on_401(fake: Any) -> None:
    response = fake.get(NOTES, headers={"Origin": ORIGIN})
    assert_fake_error(response, 401)
    assert response.headers.get("access-control-allow-origin") in ("*", ORIGIN)


def test_cors_header_on_404_and_success(fake: Any, fake_headers: dict[str, str]) -> None:
    missing = fake.get("/nope", headers={"Origin": ORIGIN})
    assert_fake_error(missing, 404)
    assert missing.headers.get("access-control-allow-origin") in ("*", ORIGIN)
    ok = fake.post(NOTES, headers={**fake_headers, "Origin": ORIGIN}, json=NOTE)
    assert ok.status_code == 201
    assert ok.headers.get("access-control-allow-origin") in ("*", ORIGIN)
    assert "location" in ok.headers.get("access-control-expose-headers", "").lower()


@pytest.mark.parametrize("path", ["/api/notes/1%0A/", "/api/notes/%00/", "/api/no%0Dtes/", "/api/notes/%7F/"])
def test_control_characters_in_a_path_are_a_400_not_a_missed_route(fake: Any, fake_headers: dict[str, str],
                                                                   path: str) -> None:
    error = assert_fake_error(fake.get(path, headers=fake_headers), 400)
    assert error["messages"] == ["The request path contains control characters."]
