"""Regression tests (issue 16, defect 11): the event log and the webhook-delivery log are capped — oldest events
dropped, settled deliveries dropped oldest first, dead letters kept until acknowledged — and the admin API shows it."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.settings import Settings
from apitwin.store import Store
from tests.partners.helpers import stopped_clock_app
from tests.receiver import Receiver, closed_port, receiver, receiver_factory, wait_until  # noqa: F401 (fixtures)

ADMIN = "/__apitwin/apis/partners"
CAPPED = Settings(webhook_backoff_base=0.02, webhook_backoff_max=0.05, webhook_timeout=0.5, webhook_max_attempts=1,
                  max_events=40, max_deliveries=4)


@pytest.fixture
def app() -> Any:
    yield from stopped_clock_app(CAPPED)


def emit(client: Any, count: int) -> None:
    """`count` events of the demo partner, inserted on the app's event loop as a handler records them (the webhook
    senders start there)."""
    store = client.app.apitwin.runtimes["partners"].store

    def insert() -> None:
        for _ in range(count):
            store["events"].insert({"_partner": "demo-partner", "created_at": "2026-01-01T00:00:00+00:00",
                                    "type": "kit.updated", "data": {}})

    client.portal.call(insert)


def logs(client: Any) -> dict[str, Any]:
    (info,) = [a for a in client.get("/__apitwin/apis").json() if a["name"] == "partners"]
    return info["logs"]


def test_the_event_log_keeps_the_newest_events(client: Any) -> None:
    store = client.app.apitwin.runtimes["partners"].store
    newest_before = store["events"].last_id
    emit(client, 100)
    ids = [row["id"] for row in store["events"].filter()]
    assert len(ids) == 40 and ids == list(range(newest_before + 61, newest_before + 101))
    events = logs(client)["events"]
    assert events["kept"] == 40 and events["cap"] == 40 and events["dropped"] >= 60 and events["policy"]


def test_delivered_go_first_dead_letters_stay_until_acknowledged(client: Any, receiver: Receiver) -> None:
    dead = client.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner",
                                                  "url": f"http://127.0.0.1:{closed_port()}/h"}).json()
    emit(client, 3)                                              # 3 dead letters (one attempt each)
    wait_until(lambda: len(client.get(f"{ADMIN}/deliveries", params={"status": "dead"}).json()) == 3,
               what="three dead letters")
    client.delete(f"{ADMIN}/webhooks/{dead['id']}")
    client.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner", "url": receiver.url})
    emit(client, 6)
    receiver.wait_for(6)

    def settled() -> list[dict[str, Any]] | None:
        found = client.get(f"{ADMIN}/deliveries").json()
        return found if all(d["status"] in ("delivered", "dead") for d in found) else None

    found = wait_until(settled, what="deliveries to settle")
    statuses = [d["status"] for d in found]
    assert statuses.count("dead") == 3                           # never dropped while unacknowledged
    assert statuses.count("delivered") == 1                      # cap 4: the oldest delivered went
    assert logs(client)["deliveries"]["unacknowledged_dead"] == 3
    assert logs(client)["deliveries"]["dropped"] == 5

    oldest_dead = min(d["id"] for d in found if d["status"] == "dead")
    acked = client.post(f"{ADMIN}/deliveries/{oldest_dead}/acknowledge")
    assert acked.status_code == 200 and acked.json()["acknowledged_at"]
    assert client.get(f"{ADMIN}/deliveries/{oldest_dead}").status_code == 200   # at the cap: still kept
    emit(client, 1)
    receiver.wait_for(7)
    wait_until(lambda: client.get(f"{ADMIN}/deliveries/{oldest_dead}").status_code == 404,
               what="the acknowledged dead letter to be dropped as the oldest settled delivery")
    assert logs(client)["deliveries"]["unacknowledged_dead"] == 2
    assert len(client.get(f"{ADMIN}/deliveries").json()) == 4


def test_acknowledging_needs_a_dead_letter(client: Any, receiver: Receiver) -> None:
    client.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner", "url": receiver.url})
    emit(client, 1)
    receiver.wait_for(1)
    (delivered,) = wait_until(lambda: [d for d in client.get(f"{ADMIN}/deliveries").json()
                                       if d["status"] == "delivered"], what="a delivery")
    assert client.post(f"{ADMIN}/deliveries/{delivered['id']}/acknowledge").status_code == 409
    assert client.post(f"{ADMIN}/deliveries/999999/acknowledge").status_code == 404


def test_trim_oldest_skips_rows_that_must_stay() -> None:
    store = Store()
    for status in ("keep", "drop", "keep", "drop", "drop"):
        store["log"].insert({"status": status})
    assert store["log"].trim_oldest(3, lambda row: row["status"] == "drop") == 2
    assert [r["id"] for r in store["log"].filter()] == [1, 3, 5]
    assert store["log"].trim_oldest(0, lambda row: row["status"] == "drop") == 1
    assert store["log"].trim_oldest(10) == 0
