"""`apitwin contract … --publish URL`: the run's JSON report posted to a running apitwin mock's admin API
(`POST /__apitwin/contract-runs`), where its inspector page (`/__apitwin/#contract`) shows coverage per operation and
the failures with their reproductions."""
from __future__ import annotations

import os
from typing import Any

import httpx

RUNS = "/__apitwin/contract-runs"


class PublishError(Exception):
    """The report could not be handed over (unreachable mock, refused token, not an apitwin mock)."""


def publish(document: dict[str, Any], base_url: str, token: str | None = None, timeout: float = 10.0) -> str:
    """Post the report; returns the inspector address that shows it. The admin token defaults to
    $APITWIN_ADMIN_TOKEN (needed when the mock requires it)."""
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise PublishError("--publish must start with http:// or https://")
    token = token or os.environ.get("APITWIN_ADMIN_TOKEN") or None
    headers = {"X-Apitwin-Admin-Token": token} if token else {}
    try:
        response = httpx.post(base + RUNS, json=document, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise PublishError(f"cannot reach {base}: {exc}") from None
    if response.status_code != 201:
        raise PublishError(f"{base}{RUNS} answered {response.status_code}: {response.text[:300]}")
    return f"{base}/__apitwin/#contract"
