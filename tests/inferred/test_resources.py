"""Stateful behaviour inferred from a document: CRUD, nested collections, ids, paging, filters, sort, patches."""
from __future__ import annotations

import re

from tests.inferred.conftest import serve

AUTH = {"Authorization": "Bearer anything"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_crud_round_trip_create_read_list_update_delete(shop):
    created = shop.post("/api/customers", json={"name": "Grace", "tier": "free"}, headers=AUTH)
    assert created.status_code == 201
    customer = created.json()
    assert UUID.match(customer["id"]), "a uuid id, as the schema's format says"
    assert customer["created_at"] == customer["updated_at"]
    assert created.headers["location"] == f"/api/customers/{customer['id']}"
    assert shop.get(f"/api/customers/{customer['id']}", headers=AUTH).json() == customer
    listed = shop.get("/api/customers", headers=AUTH).json()
    assert customer in listed["items"] and listed["total"] == 2
    replaced = shop.put(f"/api/customers/{customer['id']}", json={"name": "Grace H."}, headers=AUTH).json()
    assert replaced["name"] == "Grace H." and "tier" not in replaced, "PUT replaces what the client owns"
    assert replaced["id"] == customer["id"] and replaced["created_at"] == customer["created_at"]
    assert shop.delete(f"/api/customers/{customer['id']}", headers=AUTH).status_code == 204
    gone = shop.get(f"/api/customers/{customer['id']}", headers=AUTH)
    assert gone.status_code == 404
    assert gone.json() == {"error": f"customers {customer['id']} does not exist.", "status": 404}


def test_seeded_from_the_documents_examples(shop):
    items = shop.get("/api/customers", headers=AUTH).json()["items"]
    assert [c["name"] for c in items] == ["Ada"]


def test_patch_merges_and_json_patch_applies(shop):
    ada = "0b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a01"
    merged = shop.patch(f"/api/customers/{ada}", content=b'{"note": "vip", "tier": null}', headers={
        **AUTH, "Content-Type": "application/merge-patch+json"}).json()
    assert merged["note"] == "vip" and "tier" not in merged and merged["name"] == "Ada"
    patched = shop.patch(f"/api/customers/{ada}", content=b'[{"op": "replace", "path": "/name", "value": "Ada L."}]',
                         headers={**AUTH, "Content-Type": "application/json-patch+json"}).json()
    assert patched["name"] == "Ada L." and patched["note"] == "vip"


def test_a_patch_that_would_break_the_schema_keeps_the_stored_value(shop):
    ada = "0b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a01"
    answer = shop.patch(f"/api/customers/{ada}", content=b'{"tier": "platinum"}', headers={
        **AUTH, "Content-Type": "application/merge-patch+json"})
    assert answer.status_code == 200 and answer.json()["tier"] == "gold"


def test_nested_collections_are_scoped_by_their_parent(shop):
    ada = "0b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a01"
    other = shop.post("/api/customers", json={"name": "Bob"}, headers=AUTH).json()["id"]
    order = shop.post(f"/api/customers/{ada}/orders", json={"sku": "A-1", "quantity": 2}, headers=AUTH)
    assert order.status_code == 201 and order.json()["id"] == 1
    assert shop.get(f"/api/customers/{ada}/orders", headers=AUTH).json() == [order.json()]
    assert shop.get(f"/api/customers/{other}/orders", headers=AUTH).json() == []
    assert shop.get(f"/api/customers/{other}/orders/1", headers=AUTH).status_code == 404


def test_unknown_parent_is_404(shop):
    missing = "9b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a09"
    answer = shop.get(f"/api/customers/{missing}/orders", headers=AUTH)
    assert answer.status_code == 404 and answer.json()["status"] == 404
    assert shop.post(f"/api/customers/{missing}/orders", json={"sku": "A", "quantity": 1},
                     headers=AUTH).status_code == 404


def test_cursor_paging_with_totals_filters_and_sort(shop):
    for name, tier in (("Cy", "free"), ("Bo", "gold"), ("Al", "free")):
        shop.post("/api/customers", json={"name": name, "tier": tier}, headers=AUTH)
    first = shop.get("/api/customers", params={"limit": 2}, headers=AUTH).json()
    assert len(first["items"]) == 2 and first["total"] == 4 and first["next_cursor"]
    second = shop.get("/api/customers", params={"limit": 2, "cursor": first["next_cursor"]}, headers=AUTH).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    assert {c["name"] for c in first["items"] + second["items"]} == {"Ada", "Cy", "Bo", "Al"}
    free = shop.get("/api/customers", params={"tier": "free"}, headers=AUTH).json()
    assert {c["name"] for c in free["items"]} == {"Cy", "Al"} and free["total"] == 2
    ordered = shop.get("/api/customers", params={"sort": "-name"}, headers=AUTH).json()["items"]
    assert [c["name"] for c in ordered] == ["Cy", "Bo", "Al", "Ada"]


def test_page_and_per_page_on_a_bare_array(shop):
    ada = "0b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a01"
    for quantity in range(1, 6):
        shop.post(f"/api/customers/{ada}/orders", json={"sku": "S", "quantity": quantity}, headers=AUTH)
    page = shop.get(f"/api/customers/{ada}/orders", params={"page": 2, "per_page": 2}, headers=AUTH).json()
    assert [o["quantity"] for o in page] == [3, 4]


def test_operations_outside_resources_answer_their_example(shop):
    assert shop.get("/api/status").json() == {"ok": True, "version": "1.2.3"}


def test_multi_file_document_with_3_0_nullable(tmp_path):
    client = serve("split/main.yaml")
    created = client.post("/notes", json={"text": "hi", "due": None, "tags": ["x"]})
    assert created.status_code == 201 and created.json()["due"] is None
    assert client.get("/notes/1").json() == created.json()
    assert client.post("/notes", json={"text": "hi", "tags": ["x" * 21]}).status_code == 400
    served = client.get("/openapi.json").json()
    assert served["openapi"] == "3.1.0" and set(served["components"]["schemas"]) == {"Note", "Tag"}


def test_admin_reset_returns_to_the_seed(shop):
    shop.post("/api/customers", json={"name": "Temp"}, headers=AUTH)
    assert shop.post("/__apitwin/apis/shop/reset").status_code in (200, 204)
    assert shop.get("/api/customers", headers=AUTH).json()["total"] == 1


def test_prefer_code_and_example_work_as_for_built_in_apis(shop):
    answer = shop.get("/api/customers", headers={**AUTH, "Prefer": "code=401"})
    assert answer.status_code == 401


def test_swagger_ui_and_served_document_come_with_the_runtime(shop):
    assert shop.get("/api/ui/").status_code == 200
    served = shop.get("/api/openapi.json").json()
    assert served["servers"][0]["url"] == "/api" and served["paths"]["/customers"]["get"]["operationId"] == \
        "listCustomers"
    assert "x-bearerInfoFunc" not in str(served), "security functions live in Connexion's view only"
