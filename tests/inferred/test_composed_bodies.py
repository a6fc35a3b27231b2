"""Composed (oneOf/allOf) item schemas: multipart forms read through their branches, records composed per branch,
and the contract's reading of security requirements naming no defined scheme."""
from __future__ import annotations

from pathlib import Path

from apitwin.contract.properties import credentials_required
from tests.inferred.conftest import serve

STARTER = Path(__file__).resolve().parents[1] / "corpus" / "redocly-starter" / "openapi" / "openapi.yaml"
AUTH = {"Authorization": "Bearer apitwin-test"}


def _form(**fields: str) -> dict[str, tuple[None, str]]:
    return {name: (None, value) for name, value in fields.items()}


def test_multipart_form_of_a_oneof_schema_is_typed_by_its_branch_and_kept():
    client = serve(STARTER)
    reply = client.post("/menu", headers=AUTH,
                        files=_form(name="Brownie", price="3500", category="dessert", calories="420"))
    assert reply.status_code == 201, reply.text
    item = reply.json()
    assert (item["name"], item["price"], item["category"], item["calories"]) == ("Brownie", 3500, "dessert", 420)
    assert item["id"].startswith("prd_") and "volume" not in item      # a dessert, not a generated beverage
    listed = client.get("/menu", headers=AUTH, params={"limit": 100})
    assert listed.status_code == 200 and item["id"] in listed.text


def test_multipart_form_value_of_the_wrong_type_is_a_400():
    client = serve(STARTER)
    reply = client.post("/menu", headers=AUTH,
                        files=_form(name="Brownie", price="cheap", category="dessert", calories="420"))
    assert reply.status_code == 400, reply.text


def test_readonly_required_properties_are_not_asked_of_a_form():
    client = serve(STARTER)
    reply = client.post("/menu", headers=AUTH,
                        files=_form(name="Tea", price="300", category="beverage", volume="250",
                                    containsCaffeine="true"))
    assert reply.status_code == 201, reply.text
    assert reply.json()["containsCaffeine"] is True and reply.json()["object"] == "menuItem"


def test_requirement_naming_an_undefined_scheme_does_not_require_credentials():
    spec = {"components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "K"}}}}
    assert not credentials_required(spec, {"security": [{"api_key": []}]})
    assert credentials_required(spec, {"security": [{"key": []}]})
    assert not credentials_required(spec, {"security": [{"key": []}, {}]})
