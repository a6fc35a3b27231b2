"""apitwin_apis.molgenis.render: hrefs (UriUtilsTest), pager (EntityPagerTest), entity maps, collections, attribute
sub-resources, ETR and AR with the upstream oracles compared key by key, in order."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apitwin.store import Store
from apitwin_apis.molgenis import render as r
from apitwin_apis.molgenis.model import Attribute, EntityType, Model
from apitwin_apis.molgenis.render import RenderProblem
from apitwin_apis.molgenis.repository import make_lookup
from apitwin_apis.molgenis.seed_loader import load_model, load_rows, populate

SEED = Path(__file__).resolve().parents[2] / "mockdata" / "molgenis"
TT = "V1_API_TypeTestAPIV1"
REF = "V1_API_TypeTestRefAPIV1"
WRITE = ["READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA", "READ_DATA", "ADD_DATA", "UPDATE_DATA", "DELETE_DATA"]


def items(value: Any) -> Any:
    """Key order matters (Gson writes declaration order): compare nested dicts as item lists."""
    if isinstance(value, dict):
        return [(k, items(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [items(v) for v in value]
    return value


@pytest.fixture(scope="module")
def seeded() -> tuple[Model, Any]:
    model = load_model(SEED)
    store = Store()
    populate(store, model, load_rows(SEED))
    return model, make_lookup(store, model)


@pytest.fixture(scope="module")
def model(seeded: tuple[Model, Any]) -> Model:
    return seeded[0]


@pytest.fixture(scope="module")
def lookup(seeded: tuple[Model, Any]) -> Any:
    return seeded[1]


def person_model() -> tuple[Model, Any]:
    """The Person type of RestControllerTest (name, id, enum, int) plus references for the link/expand cases."""
    model = Model()
    model.add(EntityType(id="Person", attributes=[
        Attribute(name="name"), Attribute(name="id", id_attribute=True, unique=True, nillable=False),
        Attribute(name="enum", type="ENUM", enum_options=["enum0", "enum1"]), Attribute(name="int", type="INT"),
        Attribute(name="xrefValue", type="XREF", ref_entity="Person"),
        Attribute(name="friends", type="MREF", ref_entity="Person"),
        Attribute(name="address", type="COMPOUND", children=[Attribute(name="street"), Attribute(name="city")]),
        Attribute(name="pets", type="ONE_TO_MANY", ref_entity="Pet", mapped_by="owner"),
        Attribute(name="photo", type="FILE"),
    ]))
    model.add(EntityType(id="Pet", attributes=[Attribute(name="id", id_attribute=True), Attribute(name="name"),
                                               Attribute(name="owner", type="XREF", ref_entity="Person")]))
    model.add(EntityType(id="sys_FileMeta", attributes=[
        Attribute(name="id", id_attribute=True), Attribute(name="filename"), Attribute(name="contentType"),
        Attribute(name="size", type="LONG"), Attribute(name="url", type="HYPERLINK")]))
    store = Store()
    lookup = make_lookup(store, model)
    lookup("Person").insert({"name": "Piet", "id": "p1", "enum": "enum1", "int": 1, "xrefValue": "p2",
                             "friends": ["p2", "p3"], "street": "Main", "photo": "F1"})
    lookup("Person").insert({"name": "Klaas", "id": "p2", "int": 2, "xrefValue": "p1"})
    lookup("Person").insert({"name": "Jan", "id": "p3", "xrefValue": "gone"})
    lookup("Pet").insert({"id": "pet1", "name": "Rex", "owner": "p1"})
    lookup("Pet").insert({"id": "pet2", "name": "Tom", "owner": "p2"})
    lookup("sys_FileMeta").insert({"id": "F1", "filename": "piet.png", "contentType": "image/png", "size": 12,
                                   "url": "http://localhost/files/F1"})
    return model, lookup


@pytest.fixture
def person() -> tuple[Model, Any, EntityType]:
    model, lookup = person_model()
    return model, lookup, model.get("Person")


# --- hrefs (UriUtilsTest) -----------------------------------------------------------------------------------------

def test_href_oracles() -> None:
    assert r.href("MyEntityTypeId") == "/api/v1/MyEntityTypeId"
    assert r.href("MyEntityTypeId", "meta") == "/api/v1/MyEntityTypeId/meta"
    assert r.href("MyEntityTypeId", "meta", "MyAttribute") == "/api/v1/MyEntityTypeId/meta/MyAttribute"
    assert r.href("MyEntityTypeId", "MyEntityId") == "/api/v1/MyEntityTypeId/MyEntityId"
    assert r.href("MyEntityTypeId", "MyEntityId", "MyAttribute") == "/api/v1/MyEntityTypeId/MyEntityId/MyAttribute"
    odd = "/\\?=;*"
    assert r.href(odd, odd, odd) == "/api/v1/%2F%5C%3F=;*/%2F%5C%3F=;*/%2F%5C%3F=;*"


@pytest.mark.parametrize("segment, encoded", [
    ("a b", "a%20b"), ("é", "%C3%A9"), ("100%", "100%25"), ("a#b", "a%23b"), ("x[1]", "x%5B1%5D"),
    ("!$&'()*+,;=:@-._~", "!$&'()*+,;=:@-._~"), ("test.csv", "test.csv"), (1, "1"),
    ('"<>^`{|}', "%22%3C%3E%5E%60%7B%7C%7D"),
])
def test_encode_segment(segment: Any, encoded: str) -> None:
    assert r.encode_segment(segment) == encoded


def test_href_prefix() -> None:
    assert r.href("E", 1, prefix="/mock") == "/mock/api/v1/E/1"
    assert r.href("E", prefix="/mock/") == "/mock/api/v1/E"


# --- attributes= and expand= --------------------------------------------------------------------------------------

def test_parse_attributes() -> None:
    assert r.parse_attributes(None) is None
    assert r.parse_attributes([]) is None
    assert r.parse_attributes([""]) is None
    assert r.parse_attributes(["Name,ID"]) == {"name", "id"}
    assert r.parse_attributes("name,age") == {"name", "age"}
    assert r.parse_attributes(["a", "b,c"]) == {"a", "b,c"}                     # repeated values are not split
    assert r.parse_attributes(["a,b"], split_single=False) == {"a,b"}           # JSON body lists are not split


def test_parse_expand() -> None:
    assert r.parse_expand(None) is None
    assert r.parse_expand([""]) is None
    assert r.parse_expand(["xref"]) == {"xref": None}
    assert r.parse_expand(["XRef[A;b]"]) == {"xref": {"a", "b"}}
    assert r.parse_expand("a,b[c]") == {"a": None, "b": {"c"}}
    assert r.parse_expand(["address[street;city]"], split_single=False) == {"address": {"street", "city"}}
    assert r.parse_expand(["x[a,b]"], split_single=False) == {"x": {"a", "b"}}   # mock delta: commas work too
    assert r.parse_expand("x[a,b],y") == {"x": {"a", "b"}, "y": None}


@pytest.mark.parametrize("value, bad", [("xref[a", "xref[a"), ("a^b", "a^b"), ("[x]", "[x]"), ("x[]", "x[]"),
                                        ("a]", "a]")])
def test_invalid_expand_values(value: str, bad: str) -> None:
    with pytest.raises(RenderProblem) as caught:
        r.parse_expand([value])
    assert caught.value.message == f"invalid expand value: {bad}"
    assert caught.value.status == 400


# --- pager (EntityPagerTest) --------------------------------------------------------------------------------------

def test_pager_oracles() -> None:
    assert r.next_start(10, 15, None) == 25
    assert r.next_start(0, 10, 25) == 10
    assert r.next_start(10, 10, 25) == 20
    assert r.next_start(0, 25, 25) is None
    assert r.prev_start(10, 15) == 0
    assert r.prev_start(0, 15) is None
    assert r.prev_start(15, 15) == 0
    assert r.prev_start(30, 15) == 15


def test_pager_num_zero_quirk() -> None:
    assert r.next_start(0, 0, 5) == 0
    assert r.next_start(4, 0, 5) == 4
    assert r.next_start(5, 0, 5) is None
    assert r.prev_start(3, 0) == 3


# --- entity maps --------------------------------------------------------------------------------------------------

def test_entity_map_oracle(person: Any) -> None:
    model, lookup, person_type = person
    body = r.entity_map(person_type, {"name": "Piet", "id": "p1", "enum": "enum1", "int": 1}, model=model,
                        lookup=lookup)
    assert items(body) == items({"href": "/api/v1/Person/p1", "name": "Piet", "id": "p1", "enum": "enum1", "int": 1,
                                 "friends": {"href": "/api/v1/Person/p1/friends"},
                                 "pets": {"href": "/api/v1/Person/p1/pets"}})


def test_unknown_attribute_filter_leaves_only_the_href(person: Any) -> None:
    model, lookup, person_type = person
    assert r.entity_map(person_type, lookup("Person").get("p1"), model=model, lookup=lookup,
                        attributes={"notname"}) == {"href": "/api/v1/Person/p1"}


def test_attribute_filter_is_case_insensitive(person: Any) -> None:
    model, lookup, person_type = person
    body = r.entity_map(person_type, lookup("Person").get("p1"), model=model, lookup=lookup, attributes=["NAME", "Int"])
    assert items(body) == items({"href": "/api/v1/Person/p1", "name": "Piet", "int": 1})


def test_references_are_links_nulls_are_absent_compounds_flattened(person: Any) -> None:
    model, lookup, person_type = person
    body = r.entity_map(person_type, lookup("Person").get("p2"), model=model, lookup=lookup)
    assert items(body) == items({"href": "/api/v1/Person/p2", "name": "Klaas", "id": "p2", "int": 2,
                                 "xrefValue": {"href": "/api/v1/Person/p2/xrefValue"},
                                 "friends": {"href": "/api/v1/Person/p2/friends"},
                                 "pets": {"href": "/api/v1/Person/p2/pets"}})
    full = r.entity_map(person_type, lookup("Person").get("p1"), model=model, lookup=lookup)
    assert full["street"] == "Main" and "address" not in full and "city" not in full
    assert full["photo"] == {"href": "/api/v1/Person/p1/photo"}


def test_expanded_xref_is_the_referenced_row_with_its_own_href_and_no_deeper_expansion(person: Any) -> None:
    model, lookup, person_type = person
    body = r.entity_map(person_type, lookup("Person").get("p1"), model=model, lookup=lookup,
                        expand=r.parse_expand(["XREFVALUE"]))
    assert items(body["xrefValue"]) == items({"href": "/api/v1/Person/p2", "name": "Klaas", "id": "p2", "int": 2,
                                              "xrefValue": {"href": "/api/v1/Person/p2/xrefValue"},
                                              "friends": {"href": "/api/v1/Person/p2/friends"},
                                              "pets": {"href": "/api/v1/Person/p2/pets"}})
    partial = r.entity_map(person_type, lookup("Person").get("p1"), model=model, lookup=lookup,
                           expand=r.parse_expand(["xrefValue[name]"]))
    assert partial["xrefValue"] == {"href": "/api/v1/Person/p2", "name": "Klaas"}


def test_expanded_dangling_or_null_xref_is_absent(person: Any) -> None:
    model, lookup, person_type = person
    expand = r.parse_expand(["xrefValue"])
    assert "xrefValue" not in r.entity_map(person_type, lookup("Person").get("p3"), model=model, lookup=lookup,
                                           expand=expand)
    assert "xrefValue" not in r.entity_map(person_type, {"id": "p9"}, model=model, lookup=lookup, expand=expand)


def test_expanded_mref_is_a_collection_without_meta(person: Any) -> None:
    model, lookup, person_type = person
    body = r.entity_map(person_type, lookup("Person").get("p1"), model=model, lookup=lookup,
                        expand=r.parse_expand(["friends[name]"]))
    assert items(body["friends"]) == items({
        "href": "/api/v1/Person/p1/friends", "start": 0, "num": 100, "total": 2,
        "items": [{"href": "/api/v1/Person/p2", "name": "Klaas"}, {"href": "/api/v1/Person/p3", "name": "Jan"}]})
    empty = r.entity_map(person_type, lookup("Person").get("p2"), model=model, lookup=lookup,
                         expand=r.parse_expand(["friends"]))
    assert empty["friends"] == {"href": "/api/v1/Person/p2/friends", "start": 0, "num": 100, "total": 0, "items": []}


def test_expanded_mref_over_a_hundred_rows_has_a_next_link_and_all_items(model: Model, lookup: Any) -> None:
    holder = EntityType(id="Holder", attributes=[Attribute(name="id", id_attribute=True),
                                                  Attribute(name="many", type="MREF", ref_entity="base_APITest1")])
    many = [f"ref{n}" for n in range(1, 41)] * 3
    body = r.entity_map(holder, {"id": "h", "many": many}, model=model, lookup=lookup, expand={"many": {"label"}})
    assert body["many"]["total"] == 120 and len(body["many"]["items"]) == 120
    assert body["many"]["nextHref"] == "/api/v1/Holder/h/many?start=100&num=100"
    assert "prevHref" not in body["many"]


def test_expanded_one_to_many_and_file(person: Any) -> None:
    model, lookup, person_type = person
    body = r.entity_map(person_type, lookup("Person").get("p1"), model=model, lookup=lookup,
                        expand=r.parse_expand(["pets[name],photo"]))
    assert body["pets"]["items"] == [{"href": "/api/v1/Pet/pet1", "name": "Rex"}]
    assert items(body["photo"]) == items({"href": "/api/v1/sys_FileMeta/F1", "id": "F1", "filename": "piet.png",
                                          "contentType": "image/png", "size": 12,
                                          "url": "http://localhost/files/F1"})


def test_entity_map_prefix(person: Any) -> None:
    model, lookup, person_type = person
    body = r.entity_map(person_type, lookup("Person").get("p2"), model=model, lookup=lookup, prefix="/m",
                        attributes={"xrefvalue"})
    assert body == {"href": "/m/api/v1/Person/p2", "xrefValue": {"href": "/m/api/v1/Person/p2/xrefValue"}}


# --- collections --------------------------------------------------------------------------------------------------

def test_collection_oracle(person: Any) -> None:
    model, lookup, person_type = person
    meta = {"href": "/api/v1/Person/meta", "hrefCollection": "/api/v1/Person"}
    body = r.collection(person_type, [{"name": "Piet", "id": "p1", "enum": "enum1", "int": 1}], start=5, num=10,
                        total=0, meta=meta, model=model, lookup=lookup, attributes={"name", "id", "enum", "int"})
    assert items(body) == items({"href": "/api/v1/Person", "meta": meta, "start": 5, "num": 10, "total": 0,
                                 "prevHref": "/api/v1/Person?start=0&num=10",
                                 "items": [{"href": "/api/v1/Person/p1", "name": "Piet", "id": "p1",
                                            "enum": "enum1", "int": 1}]})


def test_collection_links(person: Any) -> None:
    model, lookup, person_type = person
    rows = lookup("Person").scan()
    page = r.collection(person_type, rows[1:2], start=1, num=1, total=3, meta=None, model=model, lookup=lookup,
                        attributes={"id"})
    assert items(page) == items({"href": "/api/v1/Person", "start": 1, "num": 1, "total": 3,
                                 "prevHref": "/api/v1/Person?start=0&num=1", "nextHref": "/api/v1/Person?start=2&num=1",
                                 "items": [{"href": "/api/v1/Person/p2", "id": "p2"}]})
    everything = r.collection(person_type, rows, start=0, num=0, total=3, meta=None, model=model, lookup=lookup,
                              attributes={"id"})
    assert everything["nextHref"] == "/api/v1/Person?start=0&num=0"          # the num=0 quirk
    assert len(everything["items"]) == 3
    custom = r.collection(person_type, [], start=0, num=100, total=0, meta=None, model=model, lookup=lookup,
                          link="/api/v1/Person/p1/friends")
    assert custom == {"href": "/api/v1/Person/p1/friends", "start": 0, "num": 100, "total": 0, "items": []}


def test_v1_items_collection_scenario(model: Model, lookup: Any) -> None:
    items_type = model.get("V1_API_Items")
    meta = r.entity_type_response(items_type, permissions=WRITE, model=model)
    body = r.collection(items_type, lookup("V1_API_Items").scan(), start=0, num=100, total=5, meta=meta, model=model,
                        lookup=lookup)
    assert list(body) == ["href", "meta", "start", "num", "total", "items"]
    assert body["meta"]["name"] == "V1_API_Items" and body["meta"]["label"] == "Items"
    assert body["meta"]["description"] == "Items" and body["meta"]["writable"] is True
    assert body["items"] == [{"href": f"/api/v1/V1_API_Items/ref{n}", "value": f"ref{n}", "label": f"label{n}"}
                             for n in range(1, 6)]


# --- attribute sub-resources --------------------------------------------------------------------------------------

def test_xref_sub_resource_has_the_sub_resource_href(person: Any, model: Model, lookup: Any) -> None:
    p_model, p_lookup, person_type = person
    body = r.attribute_value(person_type, {"id": "p1", "xrefValue": "p2"}, person_type.attribute("xrefValue"),
                             model=p_model, lookup=p_lookup, attributes={"id", "name"})
    assert items(body) == items({"href": "/api/v1/Person/p1/xrefValue", "name": "Klaas", "id": "p2"})
    typetest = model.get(TT)
    scenario = r.attribute_value(typetest, lookup(TT).get(1), typetest.attribute("xxref_value"), model=model,
                                 lookup=lookup)
    assert items(scenario) == items({"href": "/api/v1/V1_API_TypeTestAPIV1/1/xxref_value", "value": "ref1",
                                     "label": "label1"})


def test_null_xref_sub_resource(person: Any) -> None:
    model, lookup, person_type = person
    with pytest.raises(RenderProblem) as caught:
        r.attribute_value(person_type, {"id": "p9"}, person_type.attribute("xrefValue"), model=model, lookup=lookup)
    assert caught.value.message == "entity is null"


def test_plain_sub_resource(person: Any) -> None:
    model, lookup, person_type = person
    assert items(r.attribute_value(person_type, lookup("Person").get("p1"), person_type.attribute("name"),
                                   model=model, lookup=lookup)) == items({"href": "/api/v1/Person/p1/name",
                                                                         "name": "Piet"})
    assert r.attribute_value(person_type, lookup("Person").get("p2"), person_type.attribute("enum"), model=model,
                             lookup=lookup) == {"href": "/api/v1/Person/p2/enum"}


def test_compound_sub_resource(person: Any) -> None:
    model, lookup, person_type = person
    assert items(r.attribute_value(person_type, lookup("Person").get("p1"), person_type.attribute("address"),
                                   model=model, lookup=lookup)) == items({"href": "/api/v1/Person/p1/address",
                                                                         "street": "Main"})


def test_file_sub_resource_is_the_raw_file_meta(person: Any) -> None:
    model, lookup, person_type = person
    body = r.attribute_value(person_type, lookup("Person").get("p1"), person_type.attribute("photo"), model=model,
                             lookup=lookup)
    assert body["href"] == "/api/v1/Person/p1/photo"
    assert body["photo"]["__entityTypeId"] == "sys_FileMeta" and body["photo"]["filename"] == "piet.png"
    dangling = r.attribute_value(person_type, {"id": "p9", "photo": "gone"}, person_type.attribute("photo"),
                                 model=model, lookup=lookup)
    assert dangling == {"href": "/api/v1/Person/p9/photo"}


def test_mref_sub_resource_is_paged_in_memory(person: Any) -> None:
    model, lookup, person_type = person
    friends = person_type.attribute("friends")
    p1 = lookup("Person").get("p1")
    first = r.attribute_value(person_type, p1, friends, model=model, lookup=lookup, start=0, num=1,
                              attributes={"id"})
    assert items(first) == items({"href": "/api/v1/Person/p1/friends", "start": 0, "num": 1, "total": 2,
                                  "nextHref": "/api/v1/Person/p1/friends?start=1&num=1",
                                  "items": [{"href": "/api/v1/Person/p2", "id": "p2"}]})
    second = r.attribute_value(person_type, p1, friends, model=model, lookup=lookup, start=1, num=1, attributes={"id"})
    assert second["prevHref"] == "/api/v1/Person/p1/friends?start=0&num=1" and "nextHref" not in second
    assert second["items"] == [{"href": "/api/v1/Person/p3", "id": "p3"}]
    zero = r.attribute_value(person_type, p1, friends, model=model, lookup=lookup, start=0, num=0)
    assert zero["items"] == [] and zero["nextHref"] == "/api/v1/Person/p1/friends?start=0&num=0"
    beyond = r.attribute_value(person_type, p1, friends, model=model, lookup=lookup, start=5, num=10)
    assert beyond["items"] == [] and beyond["total"] == 2
    expanded = r.attribute_value(person_type, p1, friends, model=model, lookup=lookup, attributes={"xrefvalue"},
                                 expand={"xrefvalue": {"name"}})
    assert expanded["items"][0] == {"href": "/api/v1/Person/p2", "xrefValue": {"href": "/api/v1/Person/p1",
                                                                               "name": "Piet"}}


def test_one_to_many_sub_resource(person: Any) -> None:
    model, lookup, person_type = person
    body = r.attribute_value(person_type, lookup("Person").get("p2"), person_type.attribute("pets"), model=model,
                             lookup=lookup)
    assert body["total"] == 1 and body["items"][0]["href"] == "/api/v1/Pet/pet2"


# --- ETR ----------------------------------------------------------------------------------------------------------

def test_entity_type_meta_scenario(model: Model) -> None:
    body = r.entity_type_response(model.get(REF), permissions=WRITE, model=model)
    assert items(body) == items({
        "href": "/api/v1/V1_API_TypeTestRefAPIV1/meta", "hrefCollection": "/api/v1/V1_API_TypeTestRefAPIV1",
        "name": "V1_API_TypeTestRefAPIV1", "label": "TypeTestRefAPIV1",
        "description": "MOLGENIS Data types test ref entity",
        "attributes": {"value": {"href": "/api/v1/V1_API_TypeTestRefAPIV1/meta/value"},
                       "label": {"href": "/api/v1/V1_API_TypeTestRefAPIV1/meta/label"}},
        "labelAttribute": "label", "idAttribute": "value", "lookupAttributes": ["value", "label"],
        "isAbstract": False, "languageCode": "en", "permissions": WRITE, "writable": True})


def test_attributes_filter_oracle(model: Model) -> None:
    body = r.entity_type_response(model.get(REF), permissions=[], model=model, attributes={"name"})
    assert items(body) == items({"href": "/api/v1/V1_API_TypeTestRefAPIV1/meta",
                                 "hrefCollection": "/api/v1/V1_API_TypeTestRefAPIV1", "name": "V1_API_TypeTestRefAPIV1",
                                 "languageCode": "en", "permissions": [], "writable": False})
    abstract = r.entity_type_response(model.get(REF), permissions=[], model=model,
                                      attributes=["ABSTRACT", "idAttribute"])
    assert list(abstract) == ["href", "hrefCollection", "idAttribute", "isAbstract", "languageCode", "permissions",
                              "writable"]


def test_writable_needs_update_permission_and_a_writable_repository(model: Model) -> None:
    ref_type = model.get(REF)
    assert r.entity_type_response(ref_type, permissions=["READ_DATA"], model=model)["writable"] is False
    assert r.entity_type_response(ref_type, permissions=["UPDATE_METADATA"], model=model)["writable"] is True
    locked = EntityType(id="Locked", writable=False, attributes=[Attribute(name="id", id_attribute=True)])
    assert r.entity_type_response(locked, permissions=WRITE, model=model)["writable"] is False


def test_etr_lists_top_level_attributes_only_and_skips_type_marker(model: Model) -> None:
    typed = EntityType(id="Typed", attributes=[
        Attribute(name="id", id_attribute=True), Attribute(name="__Type"),
        Attribute(name="group", type="COMPOUND", children=[Attribute(name="inner")])])
    body = r.entity_type_response(typed, permissions=[], model=model)
    assert list(body["attributes"]) == ["id", "group"]
    assert "description" not in body and body["label"] == "Typed"


def test_etr_expand_attributes_gives_full_ars_with_reduced_ref_entities(model: Model) -> None:
    body = r.entity_type_response(model.get(TT), permissions=lambda type_id: ["READ_DATA"] if type_id == REF else [],
                                  model=model, expand=r.parse_expand(["attributes"]))
    xref = body["attributes"]["xxref_value"]
    assert xref["fieldType"] == "XREF" and xref["href"] == "/api/v1/V1_API_TypeTestAPIV1/meta/xxref_value"
    assert items(xref["refEntity"]) == items({"href": "/api/v1/V1_API_TypeTestRefAPIV1/meta",
                                              "hrefCollection": "/api/v1/V1_API_TypeTestRefAPIV1",
                                              "idAttribute": "value", "languageCode": "en",
                                              "permissions": ["READ_DATA"], "writable": False})
    compound = body["attributes"]["xcompound"]
    assert compound["attributes"] == [{"href": "/api/v1/V1_API_TypeTestAPIV1/meta/xcompound_int"},
                                      {"href": "/api/v1/V1_API_TypeTestAPIV1/meta/xcompound_string"}]
    assert body["permissions"] == []
    subset = r.entity_type_response(model.get(TT), permissions=[], model=model,
                                    expand=r.parse_expand(["attributes[fieldType]"]))
    assert subset["attributes"]["xbool"] == {"href": "/api/v1/V1_API_TypeTestAPIV1/meta/xbool", "fieldType": "BOOL"}


def test_etr_expand_attributes_oracle(person: Any) -> None:
    """RestControllerTest retrieveEntityTypeWithExpand: the ARs of name, enum and int."""
    model, _, person_type = person
    body = r.entity_type_response(person_type, permissions=[], model=model, expand={"attributes": None})
    common = {"attributes": [], "auto": False, "nillable": True, "readOnly": False, "labelAttribute": False,
              "unique": False, "visible": True, "lookupAttribute": False, "isAggregatable": False}

    def ar(name: str, field_type: str, enum_options: list[str], max_length: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {"href": f"/api/v1/Person/meta/{name}", "fieldType": field_type, "name": name,
                               "label": name, "attributes": [], "enumOptions": enum_options}
        if max_length is not None:
            out["maxLength"] = max_length
        out.update({k: v for k, v in common.items() if k != "attributes"})
        return out
    assert items(body["attributes"]["name"]) == items(ar("name", "STRING", [], 255))
    assert items(body["attributes"]["enum"]) == items(ar("enum", "ENUM", ["enum0", "enum1"], 255))
    assert items(body["attributes"]["int"]) == items(ar("int", "INT", [], None))


# --- AR -----------------------------------------------------------------------------------------------------------

# verbatim from the py-client test test_get_attribute_meta (exact dict equality upstream)
ORACLE_1 = json.loads(r"""
{"href":"/api/v1/sys_sec_User/meta/username","fieldType":"STRING","name":"username","label":"Username",
 "attributes":[],"enumOptions":[],"maxLength":255,"auto":false,"nillable":false,"readOnly":true,
 "labelAttribute":true,"unique":true,"visible":true,"lookupAttribute":true,"isAggregatable":false,
 "validationExpression":"regex('^\\\\S.+\\\\S$', {username})"}""")


def test_attribute_meta_oracle_1(model: Model) -> None:
    users = model.get("sys_sec_User")
    body = r.attribute_response(users, users.attribute("username"), model=model)
    assert items(body) == items(ORACLE_1)
    assert body["validationExpression"] == "regex('^\\\\S.+\\\\S$', {username})"


def test_attribute_meta_oracle_2(model: Model) -> None:
    ref_type = model.get(REF)
    body = r.attribute_response(ref_type, ref_type.attribute("value"), model=model)
    assert items(body) == items({
        "href": "/api/v1/V1_API_TypeTestRefAPIV1/meta/value", "fieldType": "STRING", "name": "value",
        "label": "value label", "description": "TypeTestRef value attribute", "attributes": [], "enumOptions": [],
        "maxLength": 255, "auto": False, "nillable": False, "readOnly": True, "labelAttribute": False, "unique": True,
        "visible": True, "lookupAttribute": True, "isAggregatable": False})


def test_attribute_meta_defaults_and_optional_fields(model: Model) -> None:
    typetest = model.get(TT)

    def ar(name: str, **kwargs: Any) -> dict[str, Any]:
        return r.attribute_response(typetest, typetest.attribute(name), model=model, **kwargs)
    assert ar("xtext")["maxLength"] == 65535 and "maxLength" not in ar("xint")
    assert ar("xenum")["enumOptions"] == ["enum1", "enum2", "enum3"]
    assert ar("xintrange")["range"] == {"max": 10} and ar("xlongrange")["range"] == {"min": 0, "max": 10}
    assert ar("xintrangenillable")["range"] == {"min": 0} and "range" not in ar("xint")
    assert ar("xint")["defaultValue"] == "3" and ar("xbool")["defaultValue"] == "false"
    assert ar("xcomputedint")["expression"] == "xint"
    assert ar("xstring_hidden")["visible"] is False
    assert ar("xxref_value")["refEntity"] == {"href": "/api/v1/V1_API_TypeTestRefAPIV1/meta",
                                               "hrefCollection": "/api/v1/V1_API_TypeTestRefAPIV1"}
    assert ar("xfile")["refEntity"]["href"] == "/api/v1/sys_FileMeta/meta"
    assert "refEntity" not in ar("xstring")
    assert ar("id")["labelAttribute"] is True and ar("id")["lookupAttribute"] is True      # label falls back to id
    person = model.get("V1_API_PersonAPIV1")
    licence = r.attribute_response(person, person.attribute("driverslicence"), model=model)
    assert list(licence)[-2:] == ["visibleExpression", "validationExpression"]
    assert r.attribute_response(person, person.attribute("id"), model=model)["auto"] is True


def test_attribute_meta_explicit_max_length(model: Model) -> None:
    short = EntityType(id="Short", attributes=[Attribute(name="id", id_attribute=True),
                                                Attribute(name="code", max_length=3, nillable=True)])
    assert r.attribute_response(short, short.attribute("code"), model=model)["maxLength"] == 3


def test_attribute_meta_mapped_by_and_filter(model: Model) -> None:
    package = model.get("sys_md_Package")
    children = r.attribute_response(package, package.attribute("children"), model=model, attributes={"name"})
    assert items(children) == items({"href": "/api/v1/sys_md_Package/meta/children", "name": "children",
                                     "mappedBy": "parent"})
    typetest = model.get(TT)
    visible = r.attribute_response(typetest, typetest.attribute("xstring"), model=model,
                                   attributes=["isVisible", "VISIBLE", "maxlength"])
    assert items(visible) == items({"href": "/api/v1/V1_API_TypeTestAPIV1/meta/xstring", "maxLength": 255,
                                    "visible": True})


def test_attribute_meta_compound_children(model: Model) -> None:
    typetest = model.get(TT)
    compound = typetest.attribute("xcompound")
    links = r.attribute_response(typetest, compound, model=model)
    assert links["attributes"] == [{"href": "/api/v1/V1_API_TypeTestAPIV1/meta/xcompound_int"},
                                   {"href": "/api/v1/V1_API_TypeTestAPIV1/meta/xcompound_string"}]
    assert "maxLength" not in links and links["fieldType"] == "COMPOUND"
    expanded = r.attribute_response(typetest, compound, model=model, expand={"attributes": {"name", "fieldtype"}})
    assert expanded["attributes"] == [
        {"href": "/api/v1/V1_API_TypeTestAPIV1/meta/xcompound_int", "fieldType": "INT", "name": "xcompound_int"},
        {"href": "/api/v1/V1_API_TypeTestAPIV1/meta/xcompound_string", "fieldType": "STRING",
         "name": "xcompound_string"}]


def test_attribute_meta_expand_ref_entity(model: Model) -> None:
    typetest = model.get(TT)
    body = r.attribute_response(typetest, typetest.attribute("xxref_value"), model=model,
                                expand=r.parse_expand(["refEntity"]), permissions=WRITE)
    ref_meta = body["refEntity"]
    assert list(ref_meta) == ["href", "hrefCollection", "name", "label", "description", "attributes", "labelAttribute",
                              "idAttribute", "lookupAttributes", "isAbstract", "languageCode", "permissions",
                              "writable"]
    value_ar = ref_meta["attributes"]["value"]
    assert value_ar["fieldType"] == "STRING" and value_ar["labelAttribute"] is False
    subset = r.attribute_response(typetest, typetest.attribute("xxref_value"), model=model,
                                  expand=r.parse_expand(["refEntity[idAttribute]"]))
    assert subset["refEntity"] == {"href": "/api/v1/V1_API_TypeTestRefAPIV1/meta",
                                   "hrefCollection": "/api/v1/V1_API_TypeTestRefAPIV1", "idAttribute": "value",
                                   "languageCode": "en", "permissions": [], "writable": False}
    dangling = Attribute(name="ghost", type="XREF", ref_entity="Missing")
    assert "refEntity" not in r.attribute_response(typetest, dangling, model=model)


def test_attribute_meta_prefix(model: Model) -> None:
    typetest = model.get(TT)
    body = r.attribute_response(typetest, typetest.attribute("xxref_value"), model=model, prefix="/mock")
    assert body["href"] == "/mock/api/v1/V1_API_TypeTestAPIV1/meta/xxref_value"
    assert body["refEntity"]["hrefCollection"] == "/mock/api/v1/V1_API_TypeTestRefAPIV1"


def test_render_never_mutates_stored_rows(model: Model, lookup: Any) -> None:
    rows = lookup(TT).scan()
    before = json.dumps(rows, sort_keys=True)
    typetest = model.get(TT)
    r.collection(typetest, rows, start=0, num=100, total=len(rows), meta=None, model=model, lookup=lookup,
                 expand=r.parse_expand(["xxref_value,xmref_value"]))
    r.attribute_value(typetest, rows[0], typetest.attribute("xxref_value"), model=model, lookup=lookup)
    assert json.dumps(lookup(TT).scan(), sort_keys=True) == before
