"""WebhookDispatcher.send re-checks the target before every attempt — inline for an IP literal (nothing to resolve),
in a worker thread for a name (DNS) — and never raises: a refused target is an attempt record."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from apitwin.store import Store
from apitwin.webhooks import DeliveryPolicy, TargetPolicy, WebhookDispatcher


def dispatcher(resolver: Any = None) -> WebhookDispatcher:
    policy = TargetPolicy.for_settings(None, "0.0.0.0")            # bound elsewhere: nothing internal allowed
    if resolver is not None:
        policy = TargetPolicy(policy.allow, resolver)
    return WebhookDispatcher(Store(), "events", "_tenant", lambda row: row, lambda event, name: True,
                             DeliveryPolicy(timeout=1, max_attempts=1, backoff_base=0.1, backoff_max=1, seed=1,
                                            max_events=10, max_deliveries=10), policy)


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest", "http://[::1]:9/hook", "http://10.0.0.1/hook"])
def test_internal_ip_literals_are_refused_at_send_time(url: str) -> None:
    record = asyncio.run(dispatcher().send({"url": url, "secret": "s"}, {"id": 1, "type": "t"}, 1, 1))
    assert record["ok"] is False and record["error"].startswith("target not allowed"), record


def test_names_are_still_resolved_before_sending() -> None:
    asked: list[str] = []

    def resolver(host: str, port: Any) -> list[Any]:
        asked.append(host)
        import ipaddress
        return [ipaddress.ip_address("10.1.2.3")]

    record = asyncio.run(dispatcher(resolver).send({"url": "http://hooks.example/x", "secret": "s"},
                                                   {"id": 1, "type": "t"}, 1, 1))
    assert asked == ["hooks.example"] and record["error"].startswith("target not allowed"), record
