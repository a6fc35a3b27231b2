"""`apitwin serve --store redis://…` as real processes on one real Redis (issue 16): two servers (replicas) take
concurrent creates, nothing is lost or duplicated and each reads what the other wrote; `--workers 2` serves one
port from two processes on the same state. Skips LOUDLY without redis-server (`make redis`)."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.engine.redis_server import redis_url
from tests.receiver import receiver, receiver_factory, wait_until  # noqa: F401 (fixtures)
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
DEMO = {"username": "demo", "password": "demo-password"}


class Server:
    def __init__(self, url: str, *args: str) -> None:
        self.base = f"http://127.0.0.1:{free_port()}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "apitwin", "serve", "partners", "--port", self.base.rsplit(":", 1)[1],
             "--store", url, "--log-level", "warning", *args],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise AssertionError(self.process.stderr.read().decode())        # type: ignore[union-attr]
            assert time.monotonic() < deadline, "server did not start"
            try:
                httpx.get(f"{self.base}/__apitwin/health", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def url(request: pytest.FixtureRequest) -> str:
    return redis_url(request)


@pytest.fixture
def servers(url: str) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def create_many(bases: list[str], auth: dict[str, str], per_thread: int, threads: int) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    failures: list[str] = []

    def work(index: int) -> None:
        with httpx.Client(base_url=bases[index % len(bases)], headers=auth, timeout=30) as client:
            for n in range(per_thread):
                answer = client.post("/api/v1/customers/", json={"first_name": f"T{index}", "last_name": str(n)})
                if answer.status_code != 201:
                    failures.append(answer.text)
                else:
                    made.append(answer.json())
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert not failures, failures[:3]
    return made


def all_customers(base: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    found, page = [], 1
    with httpx.Client(base_url=base, headers=auth, timeout=30) as client:
        while True:
            body = client.get("/api/v1/customers/", params={"page": page, "page_size": 100}).json()
            found += body["results"]
            if not body.get("next"):
                return found
            page += 1


def test_two_servers_on_one_redis_lose_and_duplicate_nothing(url: str, servers: list[Server]) -> None:
    pair: list[Server] = []
    starting = [threading.Thread(target=lambda: pair.append(Server(url))) for _ in range(2)]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join(timeout=90)
    servers += pair
    assert len(pair) == 2, "a server did not start"
    bases = [server.base for server in servers]
    token = httpx.post(f"{bases[0]}/api/v1/api-token-auth/", json=DEMO).json()["token"]
    auth = {"Authorization": f"JWT {token}"}                   # issued by one, accepted by the other
    made = create_many(bases, auth, per_thread=15, threads=4)
    ids = [row["id"] for row in made]
    assert len(ids) == 60 and len(set(ids)) == 60
    views = [all_customers(base, auth) for base in bases]
    assert views[0] == views[1]
    assert {row["id"] for row in views[0]} >= set(ids)
    for row in made[:10]:                                       # each server reads what the other wrote
        for base in bases:
            assert httpx.get(f"{base}/api/v1/customers/{row['id']}/", headers=auth).json() == row


def test_workers_share_one_port_and_one_state(url: str, servers: list[Server]) -> None:
    servers.append(Server(url, "--workers", "2"))
    base = servers[0].base
    token = httpx.post(f"{base}/api/v1/api-token-auth/", json=DEMO).json()["token"]
    auth = {"Authorization": f"JWT {token}"}
    made = create_many([base], auth, per_thread=15, threads=4)
    ids = sorted(row["id"] for row in made)
    assert len(set(ids)) == 60
    listed = {row["id"] for row in all_customers(base, auth)}
    assert set(ids) <= listed


def test_a_worker_killed_mid_delivery_leaves_its_deliveries_to_the_other(url: str, servers: list[Server],
                                                                         receiver: Any) -> None:
    """The first server sends (it holds the receiver's lease), slowly; it is killed mid-delivery; the second takes
    over once the lease expires and delivers the rest — each event at least once, in order."""
    receiver.behave(sleep=0.7)
    servers.append(Server(url))
    first = servers[0].base
    auth = {"Authorization": "JWT " + httpx.post(f"{first}/api/v1/api-token-auth/", json=DEMO).json()["token"]}
    hook = httpx.post(f"{first}/__apitwin/apis/partners/webhooks", json={"tenant": "demo-partner", "url": receiver.url})
    assert hook.status_code == 201, hook.text

    def ship(n: int) -> None:
        answer = httpx.post(f"{first}/api/v1/customer-shipments/", headers=auth, json={
            "customer_id": 319, "recipient_address": {"line_1": f"{n} Hook Lane", "city": "Walnut Creek", "state": "CA",
                                                      "postal_code": "94597", "country": "US"},
            "recipient_phone": "(415)722-4393", "sku": "PT-Kit-1", "quantity": 3, "is_replacement": False})
        assert answer.status_code == 201, answer.text
    ship(0)                                            # the first server's sender takes the receiver's lease
    wait_until(lambda: receiver.requests, what="the first delivery")
    servers.append(Server(url))
    second = servers[1].base
    ship(1)
    ship(2)
    wait_until(lambda: len(receiver.requests) > 3, what="a delivery after the second server started")
    sent_before = len(receiver.requests)
    assert sent_before < 9, f"the kill must fall mid-delivery ({sent_before} of 9 sent)"
    servers[0].process.kill()
    servers[0].process.wait()

    def settled() -> list[dict[str, Any]] | None:
        found = httpx.get(f"{second}/__apitwin/apis/partners/deliveries").json()
        return found if len(found) == 9 and all(d["status"] == "delivered" for d in found) else None
    wait_until(settled, timeout=60, what="every delivery delivered by the second server")
    events = [request.json["id"] for request in receiver.requests]
    first_seen = list(dict.fromkeys(events))
    assert len(first_seen) == 9 and first_seen == sorted(first_seen)    # each event, in order
