"""XML request bodies are read as the document's XML Object describes them and validated like JSON ones: schema
violations and malformed XML are the client's 400, never accepted (apitwin.xmlbody)."""
from __future__ import annotations

import pytest
import yaml

from apitwin import xmlbody
from apitwin.validation import form_properties
from tests.inferred.conftest import FIXTURES, serve

XML = {"Content-Type": "application/xml"}
GOOD = (b"<booking><passenger_name>Jo</passenger_name><has_dog>true</has_dog>"
        b"<seats><seat>1</seat><seat>2</seat></seats><tag>a</tag><tag>b</tag></booking>")


def test_a_valid_xml_body_is_read_by_its_xml_object():
    schema = yaml.safe_load((FIXTURES / "xml_bookings.yaml").read_text())["components"]["schemas"]["Booking"]
    assert xmlbody.parse(GOOD, schema, form_properties) == {
        "passenger": "Jo", "has_dog": True, "seats": [1, 2], "tags": ["a", "b"]}
    assert xmlbody.parse(b'<booking id="7"><has_dog></has_dog></booking>', schema, form_properties) == {
        "id": 7, "has_dog": ""}


def test_a_valid_xml_body_is_accepted_and_its_fields_kept():
    reply = serve("xml_bookings.yaml").post("/bookings", content=GOOD, headers=XML)
    assert reply.status_code == 201, reply.text
    assert {k: reply.json()[k] for k in ("passenger", "has_dog", "seats", "tags")} == {
        "passenger": "Jo", "has_dog": True, "seats": [1, 2], "tags": ["a", "b"]}


@pytest.mark.parametrize("body", [
    b"<booking><passenger_name>Jo</passenger_name><has_dog></has_dog></booking>",        # empty boolean
    b"<booking><passenger_name>Jo</passenger_name><has_dog>yes</has_dog></booking>",     # not a boolean
    b"<booking><has_dog>true</has_dog></booking>",                                       # required missing
    b"<booking><passenger_name>Jo</passenger_name><has_dog>true</has_dog><x>1</x></booking>",   # unknown element
    b"<booking><passenger_name>Jo</passenger_name><has_dog>true</has_dog><seats><seat>one</seat></seats></booking>",
    b"not xml",
    b"<booking>true</booking>",                                                          # text, not elements
    b"<booking><passenger_name><a>1</a></passenger_name><has_dog>true</has_dog></booking>",   # elements, not text
    b'<!DOCTYPE b [<!ENTITY e "x">]><booking><passenger_name>&e;</passenger_name><has_dog>true</has_dog></booking>',
])
def test_an_invalid_xml_body_is_a_400(body: bytes):
    reply = serve("xml_bookings.yaml").post("/bookings", content=body, headers=XML)
    assert reply.status_code == 400, reply.text
