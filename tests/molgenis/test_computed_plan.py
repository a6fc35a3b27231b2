"""apitwin_apis.molgenis.values.with_computed: the computed attributes of an entity type are worked out once per
type (rendering calls it for every row), and give the same values as the expressions say: an attribute name copies
that value, an object expression names the referenced row by its attribute values, anything else gives nothing."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.resources import package_path
from apitwin_apis.molgenis.model import Attribute, EntityType, Model
from apitwin_apis.molgenis.seed_loader import load_model
from apitwin_apis.molgenis.values import with_computed

TYPE = "V1_API_TypeTestAPIV1"


class Locations:
    """A referenced repository as `with_computed` reads it (get by id, scan)."""

    def __init__(self, entity_type: EntityType, rows: list[dict[str, Any]]) -> None:
        self.entity_type = entity_type
        self.rows = rows

    def get(self, row_id: Any) -> dict[str, Any] | None:
        name = self.entity_type.id_attribute.name
        return next((row for row in self.rows if row.get(name) == row_id), None)

    def scan(self) -> list[dict[str, Any]]:
        return self.rows


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(package_path("apitwin_apis.mockdata", "molgenis")).freeze()


def test_the_computed_attributes_are_worked_out_once_per_entity_type(model: Model,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    entity_type = EntityType.from_dict(model.get(TYPE).to_dict())     # a fresh object: no plan yet
    entity_type.freeze()                                              # as model_store.model_of hands it out
    walks: list[str] = []
    original = EntityType.atomic_attributes
    monkeypatch.setattr(EntityType, "atomic_attributes", lambda self: walks.append(self.id) or original(self))
    location = model.get("V1_API_LocationAPIV1")
    lookup = {"V1_API_LocationAPIV1": Locations(location, [{"Position": 5, "Chromosome": "str1"}])}.get
    rows = [with_computed(entity_type, {"xint": number, "xstring": "str1"}, lookup=lookup) for number in range(4, 8)]
    assert walks.count(TYPE) == 1                                   # the referenced type is walked per lookup
    assert [row["xcomputedint"] for row in rows] == [4, 5, 6, 7]
    assert [row.get("xcomputedxref") for row in rows] == [None, 5, None, None]   # only (str1, 5) names a location


def test_expressions_that_name_nothing_give_no_value() -> None:
    entity_type = EntityType(id="t_T", attributes=[
        Attribute(name="id", id_attribute=True),
        Attribute(name="copy", type="INT", expression="missing"),           # names no attribute
        Attribute(name="loop", type="INT", expression="copy"),              # names a computed attribute
        Attribute(name="script", type="STRING", expression="$('id').value()"),  # MOLGENIS JavaScript
        Attribute(name="half", type="XREF", ref_entity="t_U", expression="{id: id, broken}"),
    ])
    row = with_computed(entity_type, {"id": "a", "copy": 1, "script": "kept?"}, lookup=lambda _: None)
    assert row == {"id": "a"}


def test_a_type_not_frozen_works_its_lookups_out_on_every_call(model: Model) -> None:
    """A private copy being edited (`model_store.edit_model`) may change: nothing of it is kept."""
    entity_type = EntityType.from_dict(model.get(TYPE).to_dict())
    assert entity_type.attribute("xcomputedint").expression == "xint"
    entity_type.attributes = [a for a in entity_type.attributes if a.name != "xcomputedint"]
    assert entity_type.attribute("xcomputedint") is None
    assert "xcomputedint" not in with_computed(entity_type, {"xint": 3}, lookup=lambda _: None)


def test_a_frozen_type_answers_its_lookups_like_the_walk(model: Model) -> None:
    frozen, walked = model.get(TYPE), EntityType.from_dict(model.get(TYPE).to_dict())
    assert model_of_is_frozen(frozen)
    for attribute in walked.all_attributes():
        assert frozen.attribute(attribute.name).name == attribute.name
        assert frozen.attribute_ci(attribute.name.upper()).name == walked.attribute_ci(attribute.name.upper()).name
    assert [a.name for a in frozen.atomic_attributes()] == [a.name for a in walked.atomic_attributes()]
    assert frozen.atomic_attributes() is not frozen.atomic_attributes()      # a caller may change its list
    assert frozen.id_attribute.name == walked.id_attribute.name
    assert frozen.attribute("no_such") is None and frozen.attribute_ci("NO_SUCH") is None


def model_of_is_frozen(entity_type: EntityType) -> bool:
    return entity_type.memoised("probe", lambda: object()) is entity_type.memoised("probe", lambda: object())


def test_a_type_without_computed_attributes_returns_the_row_itself(model: Model) -> None:
    row = {"id": "D1"}
    assert with_computed(model.get("biobank_Donor"), row, lookup=lambda _: None) is row
