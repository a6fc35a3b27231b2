"""`apitwin webhook-listen` (apitwin/listen.py): the receiver a partner developer runs. It verifies signatures,
prints each delivery, answers 2xx, or fails the first N deliveries on purpose to rehearse retries."""
from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from apitwin.listen import receiver_app
from apitwin.settings import Settings
from apitwin.webhooks import sign
from tests.partners.helpers import reset_app
from tests.receiver import Receiver, closed_port, wait_until

SECRET = "whsec_listen_test_secret"
EVENT = {"id": 41, "created_at": "2019-10-05T10:00:00+00:00", "type": "kit.updated",
         "data": {"kit": {"barcode": "PT100000006", "status": "KIT_RECEIVED", "shipment_id": 74}}}
FAST = Settings(webhook_backoff_base=0.05, webhook_backoff_max=0.2, webhook_timeout=0.5, webhook_max_attempts=3)
ADMIN = "/__apitwin/apis/partners"
ROOT = Path(__file__).resolve().parents[2]


def signed(event: Any = EVENT, secret: str = SECRET, timestamp: int | None = None, attempt: int = 1,
           body: bytes | None = None) -> tuple[bytes, dict[str, str]]:
    raw = body if body is not None else json.dumps(event, separators=(",", ":")).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {"Content-Type": "application/json", "X-Apitwin-Timestamp": str(ts),
               "X-Apitwin-Signature": sign(secret, ts, raw),
               "X-Apitwin-Event-Id": str(event.get("id", "")) if isinstance(event, dict) else "",
               "X-Apitwin-Event-Type": event.get("type", "") if isinstance(event, dict) else "",
               "X-Apitwin-Delivery-Id": "17", "X-Apitwin-Delivery-Attempt": str(attempt)}
    return raw, headers


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def listener(out: io.StringIO) -> Iterator[TestClient]:
    with TestClient(receiver_app(SECRET, out=out)) as test_client:
        yield test_client


def test_signed_delivery_is_acknowledged_and_printed(listener: TestClient, out: io.StringIO) -> None:
    raw, headers = signed()
    response = listener.post("/hooks", content=raw, headers=headers)
    assert response.status_code == 200 and response.json() == {"received": True}
    text = out.getvalue()
    assert "signature OK" in text and "SIGNATURE INVALID" not in text
    assert "kit.updated" in text and "event 41" in text and "delivery 17" in text and "attempt 1" in text
    assert '"barcode": "PT100000006"' in text                                 # the event, pretty-printed


def test_any_path_is_accepted(listener: TestClient, out: io.StringIO) -> None:
    raw, headers = signed()
    for path in ("/", "/webhooks/partners", "/a/b/c"):
        assert listener.post(path, content=raw, headers=headers).status_code == 200
    assert out.getvalue().count("signature OK") == 3


@pytest.mark.parametrize("tamper", ["secret", "body", "timestamp", "missing", "stale", "garbage"])
def test_bad_signature_is_401(listener: TestClient, out: io.StringIO, tamper: str) -> None:
    raw, headers = signed()
    if tamper == "secret":
        raw, headers = signed(secret="whsec_someone_else")
    elif tamper == "body":
        raw = raw.replace(b"KIT_RECEIVED", b"KIT_FAILED")
    elif tamper == "timestamp":
        headers["X-Apitwin-Timestamp"] = str(int(headers["X-Apitwin-Timestamp"]) - 1)
    elif tamper == "missing":
        del headers["X-Apitwin-Signature"], headers["X-Apitwin-Timestamp"]
    elif tamper == "stale":
        raw, headers = signed(timestamp=int(time.time()) - 600)             # a replay from ten minutes ago
    else:
        headers["X-Apitwin-Signature"] = "v1=zz"
    response = listener.post("/hooks", content=raw, headers=headers)
    assert response.status_code == 401, response.text
    assert "SIGNATURE INVALID" in out.getvalue() and "signature OK" not in out.getvalue()


def test_tolerance_is_configurable(out: io.StringIO) -> None:
    raw, headers = signed(timestamp=int(time.time()) - 600)
    with TestClient(receiver_app(SECRET, out=out, tolerance=3600)) as client:
        assert client.post("/", content=raw, headers=headers).status_code == 200
    with TestClient(receiver_app(SECRET, out=io.StringIO(), tolerance=60)) as client:
        assert client.post("/", content=raw, headers=headers).status_code == 401


def test_fail_first_answers_503_then_200(out: io.StringIO) -> None:
    with TestClient(receiver_app(SECRET, fail_first=2, out=out)) as client:
        statuses = []
        for attempt in (1, 2, 3, 4):
            raw, headers = signed(attempt=attempt)
            statuses.append(client.post("/hooks", content=raw, headers=headers).status_code)
    assert statuses == [503, 503, 200, 200]
    text = out.getvalue()
    assert text.count("signature OK") == 4 and text.count("503 on purpose") == 2


def test_invalid_deliveries_do_not_use_up_the_planned_failures(out: io.StringIO) -> None:
    with TestClient(receiver_app(SECRET, fail_first=1, out=out)) as client:
        raw, headers = signed(secret="wrong-secret-123")
        assert client.post("/", content=raw, headers=headers).status_code == 401
        raw, headers = signed()
        assert [client.post("/", content=raw, headers=headers).status_code for _ in range(2)] == [503, 200]


def test_non_json_body_is_printed_raw(listener: TestClient, out: io.StringIO) -> None:
    raw, headers = signed(event={}, body=b"plain text, not json")
    assert listener.post("/", content=raw, headers=headers).status_code == 200
    assert "plain text, not json" in out.getvalue()


def test_only_post_is_a_delivery(listener: TestClient) -> None:
    assert listener.get("/hooks").status_code == 405


# -- with the mock, over real HTTP ---------------------------------------------------------------------------------

def test_mock_deliveries_verify_at_the_listener(out: io.StringIO) -> None:
    """The mock signs what the listener verifies; a listener failing once gets the event on the retry."""
    listen = Receiver(app=receiver_app(SECRET, fail_first=1, out=out)).start()
    app = reset_app(FAST)
    try:
        with app.test_client() as client:
            response = client.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner", "url": listen.url,
                                                              "secret": SECRET})
            assert response.status_code == 201, response.text
            result = client.post(f"{ADMIN}/actions/advance-kit", json={"kit_id": 6})
            assert result.status_code == 200, result.text
            (event,) = result.json()["events"]
            (logged,) = wait_until(lambda: [d for d in client.get(f"{ADMIN}/deliveries").json()
                                            if d["status"] in ("delivered", "dead")], what="the delivery")
    finally:
        listen.stop()
    assert logged["status"] == "delivered" and [a["status_code"] for a in logged["attempts"]] == [503, 200]
    text = out.getvalue()
    assert text.count("signature OK") == 2 and "SIGNATURE INVALID" not in text
    assert f"kit.updated event {event['id']} delivery {logged['id']} attempt 2: signature OK" in text


# -- the command ---------------------------------------------------------------------------------------------------

def apitwin_command(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apitwin", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, **kwargs)


def test_help() -> None:
    result = apitwin_command("webhook-listen", "--help")
    assert result.returncode == 0, result.stderr
    for option in ("--secret", "--host", "--port", "--fail-first"):
        assert option in result.stdout


def test_secret_is_required() -> None:
    result = apitwin_command("webhook-listen")
    assert result.returncode == 2 and "--secret" in result.stderr


def test_command_receives_the_mocks_webhooks() -> None:
    """`apitwin webhook-listen --fail-first 1` as a process: the mock's first attempt gets 503, the retry 200."""
    port = closed_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "apitwin", "webhook-listen", "--secret", SECRET, "--port", str(port),
         "--fail-first", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            except OSError:
                assert process.poll() is None, "webhook-listen exited early"
                return False
        wait_until(listening, timeout=20, what="webhook-listen to accept connections")
        app = reset_app(FAST)
        with app.test_client() as client:
            response = client.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner", "secret": SECRET,
                                                              "url": f"http://127.0.0.1:{port}/hooks"})
            assert response.status_code == 201, response.text
            assert client.post(f"{ADMIN}/actions/advance-kit", json={"kit_id": 6}).status_code == 200
            (logged,) = wait_until(lambda: [d for d in client.get(f"{ADMIN}/deliveries").json()
                                            if d["status"] in ("delivered", "dead")], what="the delivery")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert [a["status_code"] for a in logged["attempts"]] == [503, 200], logged["attempts"]
    assert output.count("signature OK") == 2 and "answering 503 on purpose" in output
