"""Verification for test suites, as WireMock users expect: assert what a client under test sent to the mock.

    from apitwin.verify import MockJournal

    journal = MockJournal("http://127.0.0.1:8000")          # or MockJournal(client=<httpx/Starlette test client>)
    journal.clear()
    run_my_client()
    journal.assert_called("POST", "/api/v1/customers/", body={"name": "Ada"})   # exactly once by default
    assert journal.count(method="GET", path_pattern=r"/api/v1/customers/\\d+/") == 2

It calls the admin API's `POST /__apitwin/requests/count|find` (the matcher: method, path, path_pattern, api,
operation, status, query, headers, body subset); an assertion failure lists what the mock did receive for that
method, so the mismatch is visible in the test report.
"""
from __future__ import annotations

import json
from typing import Any

import httpx

REQUESTS = "/__apitwin/requests"
_UNSET: Any = object()


class MockJournal:
    """The request journal of one running mock (over HTTP) or one in-process app (through its test client)."""

    def __init__(self, base_url: str | None = None, *, client: Any = None, admin_token: str | None = None,
                 timeout: float = 10.0) -> None:
        if (base_url is None) == (client is None):
            raise ValueError("give either base_url or client")
        headers = {"X-Apitwin-Admin-Token": admin_token} if admin_token else {}
        self._own = client is None
        self._client = client if client is not None else httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._headers = headers

    def close(self) -> None:
        if self._own:
            self._client.close()

    def __enter__(self) -> "MockJournal":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- calls ---------------------------------------------------------------------------------------------------
    def _post(self, verb: str, matcher: dict[str, Any]) -> dict[str, Any]:
        response = self._client.post(f"{REQUESTS}/{verb}", json=matcher, headers=self._headers)
        if response.status_code != 200:
            raise RuntimeError(f"apitwin refused the matcher {json.dumps(matcher)}: {response.status_code} "
                               f"{response.text}")
        return response.json()

    @staticmethod
    def matcher(method: str | None = None, path: str | None = None, *, body: Any = _UNSET,
                **parts: Any) -> dict[str, Any]:
        """The admin API's RequestMatcher from keyword arguments (None leaves a part out; body=None means no body)."""
        out = {k: v for k, v in {"method": method, "path": path, **parts}.items() if v is not None}
        if body is not _UNSET:
            out["body"] = body
        return out

    def count(self, method: str | None = None, path: str | None = None, *, body: Any = _UNSET, **parts: Any) -> int:
        return int(self._post("count", self.matcher(method, path, body=body, **parts))["count"])

    def find(self, method: str | None = None, path: str | None = None, *, body: Any = _UNSET,
             **parts: Any) -> list[dict[str, Any]]:
        """The matching requests, oldest first, as the admin API shows them."""
        return list(self._post("find", self.matcher(method, path, body=body, **parts))["requests"])

    def clear(self) -> None:
        response = self._client.delete(REQUESTS, headers=self._headers)
        if response.status_code != 200:
            raise RuntimeError(f"apitwin did not clear its journal: {response.status_code} {response.text}")

    def assert_called(self, method: str | None = None, path: str | None = None, *, times: int | None = 1,
                      body: Any = _UNSET, **parts: Any) -> list[dict[str, Any]]:
        """The matching requests; AssertionError unless there were exactly `times` (None: at least one)."""
        matcher = self.matcher(method, path, body=body, **parts)
        found = list(self._post("find", matcher)["requests"])
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        expected = "at least once" if times is None else f"{times} time(s)"
        seen = self.find(method=matcher.get("method"))
        lines = [f"{r['method']} {r['path']}{'?' + r['query'] if r['query'] else ''} -> {r['status']}"
                 + (f"  body: {r['request']['body']}" if r['request']['body'] else "") for r in seen[-20:]]
        raise AssertionError(f"expected {expected} a request matching {json.dumps(matcher)}, got {len(found)}.\n"
                             f"The mock received{' (' + matcher['method'] + ')' if 'method' in matcher else ''}:\n  "
                             + ("\n  ".join(lines) or "nothing"))

    def wait_for(self, method: str | None = None, path: str | None = None, *, times: int = 1, timeout: float = 5.0,
                 interval: float = 0.05, body: Any = _UNSET, **parts: Any) -> list[dict[str, Any]]:
        """The matching requests once there are at least `times` (a client that calls in the background: a webhook
        consumer, a retry loop); AssertionError after `timeout` seconds."""
        import time

        deadline = time.monotonic() + timeout
        matcher = self.matcher(method, path, body=body, **parts)
        while True:
            found = list(self._post("find", matcher)["requests"])
            if len(found) >= times:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(f"waited {timeout} s for {times} request(s) matching {json.dumps(matcher)}, "
                                     f"got {len(found)}")
            time.sleep(interval)

    def assert_not_called(self, method: str | None = None, path: str | None = None, *, body: Any = _UNSET,
                          **parts: Any) -> None:
        self.assert_called(method, path, times=0, body=body, **parts)
