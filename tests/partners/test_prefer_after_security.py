"""Regression test (issue 16, defect 7): `Prefer` delays and faults apply only after security and request validation
(the README's promise, as in Prism); before, an unauthenticated request got the injected fault or the delay."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin import prefer
from tests.partners.helpers import assert_error, assert_unauthorized, reset_app


@pytest.fixture
def app() -> Any:
    return reset_app()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every delay the mock waits, recorded instead of waited."""
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(prefer, "sleep", record)     # this module's delays only, not other event loops' ticks
    return waited


@pytest.mark.parametrize("preference", ["fault=503", "fault=empty", "fault=drop", "delay=5000", "code=200",
                                        "delay=not-a-number"])
def test_without_credentials_security_answers_first(client: Any, sleeps: list[float], preference: str) -> None:
    for headers, url in (({"Prefer": preference}, "/api/v1/customers/"),
                         ({}, f"/api/v1/customers/?__{preference}")):
        response = client.get(url, headers={**headers, "Authorization": "JWT not-a-token"})
        assert_unauthorized(response)
        response = client.get(url, headers=headers)
        assert_unauthorized(response)
    assert sleeps == []


def test_invalid_requests_are_refused_before_faults(client: Any, auth: dict[str, str], sleeps: list[float]) -> None:
    response = client.post("/api/v1/customers/", json={"last_name": ""},
                           headers={**auth, "Prefer": "fault=503, delay=100"})
    assert_error(response, 400, fields=["first_name", "last_name"])
    assert sleeps == []


def test_authenticated_requests_get_the_delay_and_the_fault(client: Any, auth: dict[str, str],
                                                            sleeps: list[float]) -> None:
    response = client.get("/api/v1/customers/", headers={**auth, "Prefer": "fault=503, delay=250"})
    assert_error(response, 503)
    assert sleeps == [0.25]
    response = client.get("/api/v1/customers/?__delay=oops", headers=auth)
    assert_error(response, 400, fields=["__delay"])
