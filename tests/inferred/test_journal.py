"""The request journal and verification on a document served with zero code: a refused create is journaled under
the document's operationId with its violation, the bearer credential masked; verification counts the good create."""
from __future__ import annotations

from apitwin.verify import MockJournal
from tests.inferred.conftest import serve

AUTH = {"Authorization": "Bearer any-well-formed-token"}


def test_a_refused_create_is_journaled_with_its_violation() -> None:
    shop = serve("shop.yaml")
    refused = shop.post("/api/customers", json={"name": "", "tier": "platinum"}, headers=AUTH)
    assert refused.status_code == 400
    [exchange] = shop.get("/__apitwin/requests", params={"status": "4xx"}).json()["items"]
    assert exchange["operation"] == "createCustomer" and exchange["status"] == 400
    assert exchange["violations"], exchange
    assert {v["in"] for v in exchange["violations"]} == {"body"}
    assert ["authorization", "Bearer ********"] in exchange["request"]["headers"]


def test_verification_counts_the_creates_of_an_inferred_api() -> None:
    shop = serve("shop.yaml")
    assert shop.post("/api/customers", json={"name": "Grace"}, headers=AUTH).status_code == 201
    journal = MockJournal(client=shop)
    [created] = journal.assert_called("POST", "/api/customers", body={"name": "Grace"})
    assert created["status"] == 201
    assert journal.count(method="GET") == 0
