"""Serving documents next to each other and next to built-in APIs, seed data from --data, state export/import."""
from __future__ import annotations

import pytest
import yaml
from starlette.testclient import TestClient

from apitwin.app import create_app
from apitwin.inferred.cli import Refused, plugins_for
from apitwin.inferred.plugin import build
from apitwin.seed_check import SeedRefused
from apitwin.settings import Settings
from tests.inferred.conftest import FIXTURES

AUTH = {"Authorization": "Bearer anything"}


def test_several_documents_each_under_a_prefix_from_its_title():
    targets = plugins_for([str(FIXTURES / "shop.yaml"), str(FIXTURES / "split" / "main.yaml")], set())
    assert [t.name for t in targets] == ["shop", "split-notes"]
    client = TestClient(create_app(targets, settings=Settings(seed=0)))
    assert client.get("/shop/api/customers", headers=AUTH).status_code == 200
    assert client.get("/split-notes/notes").json() == []


def test_names_override_titles_and_built_in_names_pass_through():
    targets = plugins_for([str(FIXTURES / "shop.yaml"), "partners"], {"partners"}, names=["store"])
    assert targets[0].name == "store" and targets[1] == "partners"


def test_one_line_per_problem_across_documents(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n")
    with pytest.raises(Refused) as caught:
        plugins_for([str(bad), str(tmp_path / "missing.yaml")], set())
    assert len(caught.value.lines) == 2 and "no such file" in caught.value.lines[1]


def test_data_directory_replaces_the_examples(tmp_path):
    (tmp_path / "customers.yaml").write_text(yaml.safe_dump([
        {"id": "2b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a02", "name": "Lin", "created_at": "2024-01-01T00:00:00Z",
         "updated_at": "2024-01-01T00:00:00Z"}]))
    (tmp_path / "customers.orders.yaml").write_text(yaml.safe_dump([
        {"id": 7, "sku": "X", "quantity": 1, "_scope": {"customerId": "2b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a02"}}]))
    plugin = build(FIXTURES / "shop.yaml")
    client = TestClient(create_app([plugin], settings=Settings(seed=0, data_dirs={plugin.name: tmp_path})))
    assert [c["name"] for c in client.get("/api/customers", headers=AUTH).json()["items"]] == ["Lin"]
    orders = client.get("/api/customers/2b1c3c55-7c4e-4f0e-9a55-7a1d1f0c1a02/orders", headers=AUTH).json()
    assert orders == [{"id": 7, "sku": "X", "quantity": 1}]


def test_data_that_breaks_the_schema_stops_the_start(tmp_path):
    (tmp_path / "customers.yaml").write_text(yaml.safe_dump([{"name": ""}]))
    plugin = build(FIXTURES / "shop.yaml")
    with pytest.raises(SeedRefused, match=r"customers\[1\]: does not match the customers schema"):
        create_app([plugin], settings=Settings(seed=0, data_dirs={plugin.name: tmp_path}))


def test_state_export_and_import_round_trip(shop):
    shop.post("/api/customers", json={"name": "Kept"}, headers=AUTH)
    state = shop.get("/__apitwin/apis/shop/state").json()
    shop.post("/__apitwin/apis/shop/reset")
    assert shop.get("/api/customers", headers=AUTH).json()["total"] == 1
    assert shop.put("/__apitwin/apis/shop/state", json=state).status_code in (200, 204)
    assert {c["name"] for c in shop.get("/api/customers", headers=AUTH).json()["items"]} == {"Ada", "Kept"}
