"""writeOnly properties: kept in the store, never in an answer, and not `required` of an answer (OpenAPI: required
on a write-only property applies to requests only); 3.1's `unevaluatedProperties: false` still refuses extra
properties through Connexion's 3.0 view."""
from __future__ import annotations

from apitwin.specs import connexion_view
from tests.inferred.conftest import serve

CARD = {"amount": 49.99, "source": {"object": "card", "number": "4242", "cvc": "123"}}


def test_a_required_write_only_property_is_stored_but_never_answered():
    client = serve("payments.yaml")
    created = client.post("/payments", json=CARD)
    assert created.status_code == 201, created.text
    assert created.json()["source"] == {"object": "card", "number": "4242"}
    read = client.get(f"/payments/{created.json()['id']}")
    assert read.status_code == 200 and "cvc" not in read.text, read.text
    assert all("cvc" not in row["source"] for row in client.get("/payments").json())


def test_a_request_missing_the_write_only_property_is_refused():
    client = serve("payments.yaml")
    reply = client.post("/payments", json={"amount": 1, "source": {"object": "card", "number": "4242"}})
    assert reply.status_code == 400, reply.text


def test_unevaluated_properties_false_refuses_an_extra_property():
    client = serve("payments.yaml")
    extra = {"amount": 1, "source": {"object": "bank_account", "sort_code": "000123", "colour": "red"}}
    assert client.post("/payments", json=extra).status_code == 400
    assert client.post("/payments", json={**extra, "source": {"object": "bank_account", "sort_code": "1"}}
                       ).status_code == 201


def test_unevaluated_properties_in_the_3_0_view():
    own = {"openapi": "3.1.0", "components": {"schemas": {
        "A": {"type": "object", "properties": {"a": {"type": "string"}}, "unevaluatedProperties": False},
        "B": {"oneOf": [{"properties": {"b": {}}}, {"properties": {"c": {}}}], "unevaluatedProperties": False},
        "C": {"allOf": [{"$ref": "#/components/schemas/A"}], "unevaluatedProperties": False}}}}
    schemas = connexion_view(own)["components"]["schemas"]
    assert schemas["A"]["additionalProperties"] is False and "unevaluatedProperties" not in schemas["A"]
    assert all(alt["additionalProperties"] is False for alt in schemas["B"]["oneOf"])
    assert "unevaluatedProperties" not in schemas["C"] and "additionalProperties" not in schemas["C"]
