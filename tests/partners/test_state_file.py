"""`--state PATH` with the Partners mock (issue 16, durable state): a restart on the same SQLite file comes back
with every acknowledged write, the id sequences, valid tokens, webhook receivers and pending deliveries, which
resume; reset, export and import work as without a file, and the file follows them."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.partners.helpers import DEMO, create_customer, create_shipment, get_json
from tests.receiver import Receiver, receiver, receiver_factory, wait_until  # noqa: F401 (fixtures)

ADMIN = "/__apitwin/apis/partners"


def served(path: Path, **settings: Any) -> Iterator[Any]:
    """One server lifetime on the state file: the app's lifespan runs (senders start, the file closes at the end)."""
    app = create_app(["partners"], settings=Settings(state_path=path, webhook_backoff_base=0.2,
                                                      webhook_backoff_max=0.4, webhook_max_attempts=50, **settings))
    with app.test_client() as client:
        yield client


def login(client: Any) -> dict[str, str]:
    response = client.post("/api/v1/api-token-auth/", json={"username": DEMO[0], "password": DEMO[1]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"JWT {response.json()['token']}"}


def test_a_restart_keeps_writes_sequences_and_tokens(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    for client in served(path):
        auth = login(client)
        customer = create_customer(client, auth, first_name="Durable")
        shipment = create_shipment(client, auth, customer["id"], quantity=2)
        before = client.get(f"{ADMIN}/state").json()
    for client in served(path):
        assert get_json(client, f"/api/v1/customers/{customer['id']}/", auth)["first_name"] == "Durable"   # same token
        assert get_json(client, f"/api/v1/customer-shipments/{shipment['id']}/", auth) == shipment
        assert client.get(f"{ADMIN}/state").json() == before
        assert create_customer(client, auth)["id"] == customer["id"] + 1


def test_pending_deliveries_resume_after_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    path = tmp_path / "state.db"
    receiver.behave(status=503)
    for client in served(path):
        auth = login(client)
        hook = client.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner", "url": receiver.url}).json()
        create_shipment(client, auth, 319)
        wait_until(lambda: len(receiver.requests) >= 1, what="a first (refused) attempt")
    receiver.behave(status=200)
    for client in served(path):
        assert client.get(f"{ADMIN}/webhooks/{hook['id']}").status_code == 200
        delivered = wait_until(lambda: [d for d in client.get(f"{ADMIN}/deliveries").json()
                                        if d["status"] == "delivered"], what="the kept delivery to be delivered")
        assert delivered[0]["attempts"][-1]["ok"] and len(delivered[0]["attempts"]) >= 2


def test_reset_and_import_are_kept_too(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    for client in served(path):
        seed = client.get(f"{ADMIN}/state").json()
        auth = login(client)
        create_customer(client, auth)
        changed = client.get(f"{ADMIN}/state").json()
        assert client.post(f"{ADMIN}/reset").status_code == 200
    for client in served(path):
        assert client.get(f"{ADMIN}/state").json() == seed
        assert client.put(f"{ADMIN}/state", json=changed).status_code == 200, "import"
    for client in served(path):
        assert client.get(f"{ADMIN}/state").json() == changed


def test_a_refused_import_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    for client in served(path):
        before = client.get(f"{ADMIN}/state").json()
        bad = {"collections": {"customers": {"rows": [{"id": 1, "first_name": 5}]}}}
        assert client.put(f"{ADMIN}/state", json=bad).status_code == 400
    for client in served(path):
        assert client.get(f"{ADMIN}/state").json() == before
