"""The engine's failure paths, over HTTP with the Partners API as the vehicle: every failure leaves in the API's
error body `{"errors": {...}, "messages": [...]}` as application/json, with the right status and headers."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

import handlers.partners.customers as customers_module
import handlers.partners.shipments as shipments_module
from apitwin.app import create_app
from apitwin.settings import Settings
from tests.helpers import assert_error_shape, demo_auth, module_client


def load_yaml(text: str) -> Any:
    """libyaml when available (the spec is large; the pure-Python loader costs ~0.25 s a parse)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


SPEC = load_yaml((Path(__file__).resolve().parents[1] / "specs" / "partners.yaml").read_text(encoding="utf-8"))
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ORIGIN = "https://browser.example"


@pytest.fixture(scope="module")
def shared() -> Iterator[Any]:
    """One app for the whole module; these tests only read or add customers."""
    yield from module_client(Settings())


@pytest.fixture
def client(shared: Any) -> Any:  # overrides conftest's per-test app for this module
    return shared


@pytest.fixture(scope="module")
def small_client() -> Iterator[Any]:
    """An app whose body limit is 100 bytes."""
    yield from module_client(Settings(max_body_bytes=100))


@pytest.fixture(scope="module")
def broken() -> Iterator[Any]:
    """An app whose handlers misbehave: list_customers crashes, get_customer drifts from its schema,
    get_shipment answers an undocumented status. Patched before create_app (operationIds resolve there)."""

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("handler exploded")

    async def drifting(customer_id: int, token_info: dict[str, Any]) -> Any:
        return {"first_name": "Jon", "last_name": "Snow"}  # no id, no created_at, ...

    async def teapot(shipment_id: int, token_info: dict[str, Any]) -> Any:
        return {"errors": {}, "messages": ["I am a teapot."]}, 418

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(customers_module, "list_customers", crash)
        mp.setattr(customers_module, "get_customer", drifting)
        mp.setattr(shipments_module, "get_shipment", teapot)
        app = create_app(["partners"])
        with app.test_client() as test_client:
            yield test_client


# -- routing --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/nope", "/api/v1/no-such-resource/", "/api/v1/customers/319/extra/"])
def test_unknown_route_is_404_in_error_shape(client: Any, auth: dict[str, str], path: str) -> None:
    body = assert_error_shape(client.get(path, headers=auth), 404)
    assert body["messages"]


def test_wrong_method_on_collection_lists_spec_methods_plus_head(client: Any, auth: dict[str, str]) -> None:
    response = client.delete("/api/v1/customers/", headers=auth)
    body = assert_error_shape(response, 405)
    allow = {m.strip() for m in response.headers["allow"].split(",")}
    assert allow == {"GET", "POST", "HEAD"}
    assert "DELETE" not in allow
    assert any("DELETE" in m for m in body["messages"])


def test_wrong_method_on_registration_lists_get_patch_head(client: Any, auth: dict[str, str]) -> None:
    response = client.put("/api/v1/customer-kit-registrations/1/", headers=auth, json={})
    assert_error_shape(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "PATCH", "HEAD"}


def test_post_only_path_allow_has_no_head(client: Any) -> None:
    response = client.get("/api/v1/api-token-auth/")
    assert_error_shape(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"POST"}


def _allow_cases() -> list[tuple[str, str, set[str]]]:
    cases = []
    for path, item in SPEC["paths"].items():
        methods = {m.upper() for m in item if m in HTTP_METHODS}
        if "GET" in methods:
            methods.add("HEAD")
        wrong = next(m for m in ("DELETE", "PUT", "PATCH", "POST") if m not in methods)
        cases.append((re.sub(r"\{[^/]+?\}", "1", path), wrong, methods))
    return cases


@pytest.mark.parametrize("url,method,expected", _allow_cases(), ids=[c[0] for c in _allow_cases()])
def test_allow_header_matches_the_spec_for_every_path(client: Any, url: str, method: str, expected: set[str]) -> None:
    response = client.request(method, url)
    assert_error_shape(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == expected


# -- security -------------------------------------------------------------------------------------------------------
def test_missing_token_is_401_with_challenge(client: Any) -> None:
    response = client.get("/api/v1/customers/")
    body = assert_error_shape(response, 401)
    assert body["messages"]
    assert response.headers.get("www-authenticate")


def test_garbage_token_is_401(client: Any) -> None:
    assert_error_shape(client.get("/api/v1/customers/", headers={"Authorization": "JWT not-a-token"}), 401)


# -- body parsing ---------------------------------------------------------------------------------------------------
def test_malformed_json_is_400(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/", headers={**auth, "Content-Type": "application/json"},
                           content=b'{"first_name": "Jon", "last_name":')
    body = assert_error_shape(response, 400)
    assert body["messages"]


def test_non_utf8_body_is_400(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/", headers={**auth, "Content-Type": "application/json"},
                           content=b'{"first_name": "\xff\xfe", "last_name": "Snow"}')
    body = assert_error_shape(response, 400)
    assert any("utf-8" in m.lower() for m in body["messages"]), body


def test_wrong_content_type_is_415(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/", headers={**auth, "Content-Type": "text/plain"},
                           content=b'{"first_name": "Jon", "last_name": "Snow"}')
    body = assert_error_shape(response, 415)
    assert body["messages"]


def test_missing_content_type_is_415_not_500(client: Any, auth: dict[str, str]) -> None:
    """Regression: without Content-Type the body skipped validation and reached the handler as bytes (500)."""
    response = client.post("/api/v1/customers/", headers=auth, content=b'{"first_name": "Jon", "last_name": "Snow"}')
    assert "content-type" not in {k.lower() for k in response.request.headers}
    body = assert_error_shape(response, 415)
    assert body["messages"]


def test_empty_required_body_is_400(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/", headers={**auth, "Content-Type": "application/json"}, content=b"")
    assert_error_shape(response, 400)


# -- body size ------------------------------------------------------------------------------------------------------
def test_oversized_body_with_content_length_is_413(small_client: Any) -> None:
    auth = demo_auth(small_client)
    payload = b'{"first_name": "' + b"a" * 200 + b'", "last_name": "Snow"}'
    response = small_client.post("/api/v1/customers/", headers={**auth, "Content-Type": "application/json"},
                                 content=payload)
    assert response.request.headers["content-length"] == str(len(payload))
    body = assert_error_shape(response, 413)
    assert any("100" in m for m in body["messages"]), body


def test_body_within_limit_passes_the_size_check(small_client: Any) -> None:
    auth = demo_auth(small_client)
    response = small_client.post("/api/v1/customers/", headers=auth, json={"first_name": "Jo", "last_name": "Sn"})
    assert response.status_code == 201, response.text


def _chunks(*parts: bytes) -> Iterator[bytes]:
    yield from parts


def test_oversized_streamed_body_without_content_length_is_413(small_client: Any) -> None:
    auth = demo_auth(small_client)
    response = small_client.post("/api/v1/customers/", headers={**auth, "Content-Type": "application/json"},
                                 content=_chunks(b'{"first_name": "', b"a" * 200, b'", "last_name": "Snow"}'))
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error_shape(response, 413)


def test_small_streamed_body_without_content_length_is_accepted(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/", headers={**auth, "Content-Type": "application/json"},
                           content=_chunks(b'{"first_name": "Jon", ', b'"last_name": "Snow"}'))
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 201, response.text
    assert response.json()["first_name"] == "Jon"


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "12 ", ""])
def test_invalid_content_length_header_is_400(client: Any, auth: dict[str, str], value: str) -> None:
    response = client.post("/api/v1/customers/",
                           headers={**auth, "Content-Type": "application/json", "Content-Length": value},
                           content=b"{}")
    body = assert_error_shape(response, 400)
    assert any("content-length" in m.lower() for m in body["messages"]), body


# -- validation -----------------------------------------------------------------------------------------------------
def test_query_validation_reports_every_field(client: Any, auth: dict[str, str]) -> None:
    response = client.get("/api/v1/customers/?page=0&page_size=abc&foo=1", headers=auth)
    body = assert_error_shape(response, 400)
    assert set(body["errors"]) == {"page", "page_size", "foo"}
    assert body["errors"]["foo"] == ["Unknown query parameter."]


def test_unknown_query_parameter_is_400(client: Any, auth: dict[str, str]) -> None:
    response = client.get("/api/v1/customers/?colour=blue", headers=auth)
    body = assert_error_shape(response, 400)
    assert body["errors"] == {"colour": ["Unknown query parameter."]}


def test_body_validation_reports_every_field_and_every_violation(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/", headers=auth, json={
        "first_name": 5,                       # wrong type
        "email": "x" * 300,                    # not an email AND too long: two messages for one field
        "date_of_birth": "28/01/1996",         # wrong format
        # last_name missing
    })
    body = assert_error_shape(response, 400)
    errors = body["errors"]
    assert {"first_name", "last_name", "email", "date_of_birth"} <= set(errors), errors
    assert len(errors["email"]) == 2, errors["email"]
    assert errors["last_name"] == ["This field is required."]


def test_query_and_body_violations_are_reported_together(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/?foo=1", headers=auth, json={"first_name": 5})
    body = assert_error_shape(response, 400)
    assert {"foo", "first_name", "last_name"} <= set(body["errors"]), body


def test_query_violation_survives_a_malformed_body(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/?foo=1", headers={**auth, "Content-Type": "application/json"},
                           content=b'{"first_name": ')
    body = assert_error_shape(response, 400)
    assert "foo" in body["errors"], body
    assert body["messages"], body  # the parse error


def test_query_violation_and_missing_body_reported_together(client: Any, auth: dict[str, str]) -> None:
    response = client.post("/api/v1/customers/?foo=1", headers={**auth, "Content-Type": "application/json"},
                           content=b"")
    body = assert_error_shape(response, 400)
    assert "foo" in body["errors"], body
    assert body["messages"] or "body" in body["errors"], body


def test_path_parameter_violation_is_400(client: Any, auth: dict[str, str]) -> None:
    body = assert_error_shape(client.get("/api/v1/customers/0/", headers=auth), 400)
    assert "customer_id" in body["errors"]


# -- crashes and drift ----------------------------------------------------------------------------------------------
def test_handler_crash_is_500_in_error_shape_and_logged(broken: Any, caplog: pytest.LogCaptureFixture) -> None:
    auth = demo_auth(broken)
    with caplog.at_level(logging.ERROR, logger="apitwin"):
        response = broken.get("/api/v1/customers/", headers=auth)
    body = assert_error_shape(response, 500)
    assert body["messages"]
    assert "handler exploded" not in response.text  # no internals leak to the client
    records = [r for r in caplog.records if r.name == "apitwin" and r.levelno == logging.ERROR]
    assert records, caplog.text
    assert any(r.exc_info and isinstance(r.exc_info[1], RuntimeError) for r in records)


def test_response_breaking_the_contract_is_500_and_logged(broken: Any, caplog: pytest.LogCaptureFixture) -> None:
    auth = demo_auth(broken)
    with caplog.at_level(logging.ERROR, logger="apitwin"):
        response = broken.get("/api/v1/customers/319/", headers=auth)
    body = assert_error_shape(response, 500)
    assert body["messages"]
    assert "Jon" not in response.text
    records = [r for r in caplog.records if r.name == "apitwin" and r.levelno == logging.ERROR]
    assert any("/api/v1/customers/319/" in r.getMessage() for r in records), caplog.text


def test_undocumented_status_from_a_handler_is_refused(broken: Any, caplog: pytest.LogCaptureFixture) -> None:
    auth = demo_auth(broken)
    with caplog.at_level(logging.ERROR, logger="apitwin"):
        response = broken.get("/api/v1/customer-shipments/70/", headers=auth)
    assert_error_shape(response, 500)
    assert any(r.name == "apitwin" and r.levelno == logging.ERROR and "418" in r.getMessage()
               for r in caplog.records), caplog.text


# -- CORS -----------------------------------------------------------------------------------------------------------
def test_cors_preflight_is_answered(client: Any) -> None:
    response = client.options("/api/v1/customers/", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 200, response.text
    assert response.headers.get("access-control-allow-origin") in ("*", ORIGIN)
    assert "POST" in response.headers.get("access-control-allow-methods", "")


def test_cors_header_on_401(client: Any) -> None:
    response = client.get("/api/v1/customers/", headers={"Origin": ORIGIN})
    assert_error_shape(response, 401)
    assert response.headers.get("access-control-allow-origin") in ("*", ORIGIN)


def test_cors_header_on_404_and_success(client: Any, auth: dict[str, str]) -> None:
    missing = client.get("/nope", headers={"Origin": ORIGIN})
    assert_error_shape(missing, 404)
    assert missing.headers.get("access-control-allow-origin") in ("*", ORIGIN)
    ok = client.post("/api/v1/customers/", headers={**auth, "Origin": ORIGIN},
                     json={"first_name": "Jon", "last_name": "Snow"})
    assert ok.status_code == 201
    assert ok.headers.get("access-control-allow-origin") in ("*", ORIGIN)
    assert "location" in ok.headers.get("access-control-expose-headers", "").lower()


@pytest.mark.parametrize("path", ["/api/v1/customers/1%0A/", "/api/v1/customers/%00/", "/api/v1/custo%0Dmers/",
                                  "/api/v1/customers/%7F/"])
def test_control_characters_in_a_path_are_a_400_not_a_missed_route(client: Any, auth: dict[str, str],
                                                                   path: str) -> None:
    body = assert_error_shape(client.get(path, headers=auth), 400)
    assert body["messages"] == ["The request path contains control characters."]
