"""Shared by the Partners behaviour tests (tests/partners/): the error-shape assertion, request builders,
and a fast app fixture.

Building a Partners app costs about a second (the 3 100-line spec is parsed twice), far too slow for a fresh app per
test. `reset_app(settings)` builds one app per distinct Settings for the whole session and puts its store back to the
seed before every test (the same reset as `POST /__apitwin/apis/partners/reset`): every test still starts from the
seed, with the same ids. Modules use it by overriding conftest's `app` fixture; `client`, `login`, `auth` and
`acme_auth` from conftest then work unchanged.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Iterator, Iterable

from apitwin.app import create_app
from apitwin.settings import Settings

DEMO = ("demo", "demo-password")                # partner "demo-partner": customers 319-323
DEMO_OPS = ("demo-ops", "demo-ops-password")    # same partner, second user
ACME = ("acme", "acme-password")                # partner "acme-genetics": customers 500-501
RETIRED = ("retired", "retired-password")       # inactive account of demo-partner

TOKEN_URL = "/api/v1/api-token-auth/"
BAD_CREDENTIALS = "Unable to log in with provided credentials."
CHALLENGE = 'JWT realm="api"'
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")   # what the mock emits (C7)

# One app for the tests that need non-default settings (an app costs about a second to build).
LIMITED = Settings(token_ttl=60, max_body_bytes=500)

_APPS: dict[str, Any] = {}


def reset_app(settings: Settings | None = None) -> Any:
    """The session's app for these settings, reset to the seed."""
    settings = settings or Settings()
    key = repr(settings)
    if key not in _APPS:
        _APPS[key] = create_app(["partners"], settings=settings)
    app = _APPS[key]
    app.apitwin.runtimes["partners"].reset()
    return app


def stopped_clock_app(settings: Settings) -> Iterator[Any]:
    """A seeded app whose simulated clock is stopped before and after the test (a test may start it)."""
    app = reset_app(settings)
    clock = app.apitwin.runtimes["partners"].clock
    clock.set_interval(0.0)
    yield app
    clock.set_interval(0.0)


def assert_error(response: Any, status: int, fields: Iterable[str] | None = None,
                 messages: list[str] | None = None) -> dict[str, Any]:
    """The Partners error body (C1): a JSON object with exactly `errors` (field -> non-empty list of strings) and
    `messages` (list of strings), saying something. `fields`: the exact set of field keys expected under `errors`.
    `messages`: the exact general messages expected."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers.get("content-type", "").split(";")[0].strip() == "application/json", response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"errors", "messages"}, body
    assert isinstance(body["errors"], dict), body
    for field, field_messages in body["errors"].items():
        assert isinstance(field, str) and field, body
        assert isinstance(field_messages, list) and field_messages, body
        assert all(isinstance(m, str) and m for m in field_messages), body
    assert isinstance(body["messages"], list) and all(isinstance(m, str) and m for m in body["messages"]), body
    assert body["errors"] or body["messages"], f"an error body must say something: {body}"
    if fields is not None:
        assert set(body["errors"]) == set(fields), body
    if messages is not None:
        assert body["messages"] == messages, body
    return body


def assert_unauthorized(response: Any) -> dict[str, Any]:
    """401 in the error shape, with the JWT challenge (C3)."""
    body = assert_error(response, 401)
    assert response.headers.get("www-authenticate") == CHALLENGE, response.headers
    assert body["errors"] == {} and body["messages"], body
    return body


def assert_not_found(response: Any) -> dict[str, Any]:
    """404 in the error shape that gives nothing away (no field errors, no data)."""
    body = assert_error(response, 404)
    assert body["errors"] == {}, body
    return body


def parse_dt(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def utc_now_floor() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def address(**changes: Any) -> dict[str, Any]:
    base = {"line_1": "2950 Buskirk Avenue", "line_2": "Suite 300", "city": "Walnut Creek", "state": "CA",
            "postal_code": "94597", "country": "US"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def shipment_body(customer_id: int | None = 319, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"customer_id": customer_id, "recipient_address": address(),
                            "recipient_phone": "(415)722-4393", "sku": "PT-Kit-1", "quantity": 1,
                            "is_replacement": False}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def create_customer(client: Any, auth: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"first_name": "Brienne", "last_name": "Tarth", **fields}
    response = client.post("/api/v1/customers/", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def create_shipment(client: Any, auth: dict[str, str], customer_id: int, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/customer-shipments/", json=shipment_body(customer_id, **changes), headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def create_order(client: Any, auth: dict[str, str], customer_id: int, items: list[Any]) -> dict[str, Any]:
    response = client.post("/api/v1/customer-panel-orders/", json={"customer_id": customer_id, "order_items": items},
                           headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def get_json(client: Any, path: str, auth: dict[str, str], **params: Any) -> Any:
    response = client.get(path, headers=auth, params=params or None)
    assert response.status_code == 200, (path, params, response.text)
    return response.json()


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]
