"""apitwin_apis.molgenis.values: conversion, entity building and validation, exact texts (docs/molgenis-server.md,
"Writes")."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from apitwin.store import Store
from apitwin_apis.molgenis import values as v
from apitwin_apis.molgenis.model import Attribute, EntityType, Model
from apitwin_apis.molgenis.repository import Repository, make_lookup
from apitwin_apis.molgenis.seed_loader import load_model, load_rows, populate
from apitwin_apis.molgenis.values import ValueProblem, build_entity, convert, validate

SEED = Path(__file__).resolve().parents[2] / "mockdata" / "molgenis"
TT = "V1_API_TypeTestAPIV1"
REF = "V1_API_TypeTestRefAPIV1"
NOW = datetime(2026, 3, 4, 12, 30, 15, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(SEED)


@pytest.fixture(scope="module")
def seed_state(model: Model) -> dict[str, Any]:
    store = Store()
    populate(store, model, load_rows(SEED))
    return store.export()


@pytest.fixture
def store(seed_state: dict[str, Any]) -> Store:
    store = Store()
    store.load(seed_state)
    return store


@pytest.fixture
def lookup(store: Store, model: Model) -> Any:
    return make_lookup(store, model)


def attr(model: Model, type_id: str, name: str) -> Attribute:
    found = model.get(type_id).attribute(name)
    assert found is not None
    return found


def problem(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ValueProblem) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 400
    return caught.value.message


def conv(model: Model, name: str, raw: Any, **kwargs: Any) -> Any:
    return convert(attr(model, TT, name), raw, model=model, owner_id=TT, **kwargs)


# --- Java-flavoured text ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [(5, "5.0"), (1.5, "1.5"), (1e20, "1.0E20"), (1.5e-5, "1.5E-5"),
                                         (12345678.9, "1.23456789E7"), (0.001, "0.001"), (-2.0, "-2.0"),
                                         (0.0, "0.0"), (-0.0, "-0.0"), (float("nan"), "NaN"),
                                         (float("inf"), "Infinity"), (float("-inf"), "-Infinity")])
def test_java_double_str(value: float, text: str) -> None:
    assert v.java_double_str(value) == text


def test_java_str_and_type_names() -> None:
    assert [v.java_str(x) for x in (None, True, False, 3, 2.5, ["a", 1], {"k": None}, "s")] == \
        ["null", "true", "false", "3", "2.5", "[a, 1]", "{k=null}", "s"]
    assert [v.java_type_name(x) for x in (True, 1, 1.5, "s", [], {}, ("a", "b"), object())] == \
        ["Boolean", "Double", "Double", "String", "ArrayList", "LinkedTreeMap", "String[]", "object"]


def test_java_str_survives_hostile_nesting() -> None:
    nested: Any = "x"
    for _ in range(5000):
        nested = [nested]
    assert v.java_str(nested).endswith("[...]" + "]" * 32)


@pytest.mark.parametrize("text, expected", [("5", 5), ("+5", 5), ("-12", -12), (" 5", None), ("5.0", None),
                                            ("", None), ("2147483647", 2147483647), ("2147483648", None),
                                            ("1e3", None)])
def test_parse_java_int(text: str, expected: int | None) -> None:
    assert v.parse_java_int(text) == expected


def test_parse_java_long_range() -> None:
    assert v.parse_java_int("9223372036854775807", v.LONG_RANGE) == 2 ** 63 - 1
    assert v.parse_java_int("9223372036854775808", v.LONG_RANGE) is None


@pytest.mark.parametrize("text, expected", [("1.5", 1.5), (" 2 ", 2.0), ("1e3", 1000.0), (".5", 0.5), ("5.", 5.0),
                                            ("1d", 1.0), ("2F", 2.0), ("-Infinity", float("-inf")), ("abc", None),
                                            ("1,5", None), ("", None), ("0x10", None)])
def test_parse_java_double(text: str, expected: float | None) -> None:
    assert v.parse_java_double(text) == expected


def test_parse_java_double_nan() -> None:
    parsed = v.parse_java_double("NaN")
    assert parsed is not None and parsed != parsed


def test_number_to_int_truncates_and_saturates() -> None:
    bounds = v.INT_RANGE
    assert [v.number_to_int(x, bounds) for x in (5.9, -5.9, 1e20, -1e20, float("nan"), float("inf"), 10 ** 30)] == \
        [5, -5, 2 ** 31 - 1, -2 ** 31, 0, 2 ** 31 - 1, 2 ** 31 - 1]


# --- dates --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, stored", [
    ("1985-08-12T11:12:13+0500", "1985-08-12T06:12:13Z"),
    ("1985-08-12T11:12:13+05:00", "1985-08-12T06:12:13Z"),
    ("2020-01-01", "2020-01-01T00:00:00Z"),
    ("2020-01-01T10:00", "2020-01-01T10:00:00Z"),
    ("2020-01-01T1000", "2020-01-01T10:00:00Z"),
    ("2020-01-01T101010", "2020-01-01T10:10:10Z"),
    ("2020-01-01T10:00:00Z", "2020-01-01T10:00:00Z"),
    ("2020-01-01T10:00:00.5Z", "2020-01-01T10:00:00.500Z"),
    ("2020-01-01T10:00:00.123456Z", "2020-01-01T10:00:00.123456Z"),
    ("2020-01-01T10:00:00.123456789Z", "2020-01-01T10:00:00.123456Z"),
    ("2020-01-01T10:00:00GMT+1", "2020-01-01T09:00:00Z"),
    ("2020-01-01T10:00:00GMT-01:30", "2020-01-01T11:30:00Z"),
    ("2020-01-01T10:00:00UTC", "2020-01-01T10:00:00Z"),
    ("2020-07-01T10:00[Europe/Amsterdam]", "2020-07-01T08:00:00Z"),
    ("2021-02-30", "2021-02-28T00:00:00Z"),
    ("2020-01-01T24:00", "2020-01-02T00:00:00Z"),
    ("2020-01-01Z", "2020-01-01T00:00:00Z"),
])
def test_parse_datetime_is_loose_iso(text: str, stored: str) -> None:
    assert v.parse_datetime(text) == stored


@pytest.mark.parametrize("text", ["2020-13-01", "2020-01-32", "2020-00-10", "0000-01-01", "2020-01-01 10:00",
                                  "2020-01-01T10:00:00.1234", "2020-01-01T10:00:00+05", "2020-01-01T25:00",
                                  "2020-01-01T10:60", "2020-1-1", "01-01-2020", "2020-01-01t10:00",
                                  "2020-01-01T10:00[Nowhere/Land]", "2020-01-01T10:00+19:00", "today"])
def test_parse_datetime_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        v.parse_datetime(text)


def test_parse_date_keeps_the_written_day() -> None:
    assert v.parse_date("2020-01-01T23:30:00-0500") == "2020-01-01"
    assert v.parse_date("2021-04-31") == "2021-04-30"
    with pytest.raises(ValueError):
        v.parse_date("2020-02-30T10:00:00.1234")


def test_format_instant() -> None:
    assert v.format_instant(datetime(2020, 1, 1, 10, 0, 0)) == "2020-01-01T10:00:00Z"
    assert v.format_instant(datetime(2020, 1, 1, 10, 0, 0, 120000, tzinfo=timezone.utc)) == "2020-01-01T10:00:00.120Z"
    assert v.format_instant(datetime(2020, 1, 1, 10, 0, 0, 1, tzinfo=timezone.utc)) == "2020-01-01T10:00:00.000001Z"


# --- convert: scalars ---------------------------------------------------------------------------------------------

def test_empty_string_is_null_for_every_type(model: Model) -> None:
    for name in ("xstring", "xint", "xdecimal", "xdate", "xdatetime", "xxref_value", "xboolnillable"):
        assert conv(model, name, "") is None
    assert conv(model, "xmref_value", "") == []


def test_bool(model: Model) -> None:
    assert conv(model, "xbool", "true") is True
    assert conv(model, "xbool", "TRUE") is True
    assert conv(model, "xbool", "True") is True
    assert conv(model, "xbool", "yes") is False
    assert conv(model, "xbool", "1") is False
    assert conv(model, "xbool", False) is False
    assert conv(model, "xbool", None) is False                 # not nillable: null becomes false
    assert conv(model, "xboolnillable", None) is None
    assert problem(conv, model, "xbool", 1) == \
        "Attribute [xbool] value is of type [Double] instead of [String] or [Boolean]"
    assert problem(conv, model, "xbool", ["true"]) == \
        "Attribute [xbool] value is of type [ArrayList] instead of [String] or [Boolean]"


@pytest.mark.parametrize("name", ["xstring", "xtext", "xhtml", "xemail", "xhyperlink", "xenum"])
def test_text_types_take_strings_only(model: Model, name: str) -> None:
    assert conv(model, name, "abc") == "abc"
    assert problem(conv, model, name, 5) == f"Attribute [{name}] value is of type [Double] instead of [String]"
    assert problem(conv, model, name, True) == f"Attribute [{name}] value is of type [Boolean] instead of [String]"
    assert problem(conv, model, name, {"a": 1}) == \
        f"Attribute [{name}] value is of type [LinkedTreeMap] instead of [String]"


def test_int(model: Model) -> None:
    assert conv(model, "xint", "5") == 5
    assert conv(model, "xint", "+5") == 5
    assert conv(model, "xint", 5.9) == 5
    assert conv(model, "xint", -5.9) == -5
    assert conv(model, "xint", 7) == 7
    assert conv(model, "xint", 1e20) == 2 ** 31 - 1
    for bad in ("abc", " 5", "5.0", "2147483648"):
        assert problem(conv, model, "xint", bad) == \
            f"Invalid int value '{bad}' for attribute 'xint label' of entity '{TT}'."
    assert problem(conv, model, "xint", True) == \
        "Attribute [xint] value is of type [Boolean] instead of [String] or [Number]"


def test_long(model: Model) -> None:
    assert conv(model, "xlong", "12342151234") == 12342151234
    assert conv(model, "xlong", 1e30) == 2 ** 63 - 1
    assert problem(conv, model, "xlong", "9223372036854775808") == \
        f"Invalid long value '9223372036854775808' for attribute 'xlong label' of entity '{TT}'."
    assert problem(conv, model, "xlong", [1]) == \
        "Attribute [xlong] value is of type [ArrayList] instead of [String] or [Number]"


def test_decimal(model: Model) -> None:
    assert conv(model, "xdecimal", "1.5") == 1.5
    assert conv(model, "xdecimal", 2) == 2.0 and isinstance(conv(model, "xdecimal", 2), float)
    for bad in ("abc", "NaN", "Infinity"):
        assert problem(conv, model, "xdecimal", bad) == \
            f"Invalid decimal value '{bad}' for attribute 'xdecimal label' of entity '{TT}'."
    assert problem(conv, model, "xdecimal", 10 ** 400) == \
        f"Invalid decimal value '{10 ** 400}' for attribute 'xdecimal label' of entity '{TT}'."
    assert problem(conv, model, "xdecimal", False) == \
        "Attribute [xdecimal] value is of type [Boolean] instead of [String] or [Number]"


def test_date(model: Model) -> None:
    assert conv(model, "xdate", "2020-01-01T10:00:00+0200") == "2020-01-01"
    assert problem(conv, model, "xdate", "01-01-2020") == \
        "Failed to parse attribute [xdate] value [01-01-2020] as date. Valid date format is [YYYY-MM-DD]."
    assert problem(conv, model, "xdate", 20200101) == \
        "Attribute [xdate] value is of type [Double] instead of [String] or [LocalDate]"


def test_datetime(model: Model) -> None:
    assert conv(model, "xdatetime", "1985-08-12T11:12:13+0500") == "1985-08-12T06:12:13Z"
    assert problem(conv, model, "xdatetime", "yesterday") == ("Failed to parse attribute [xdatetime] value "
                                                              "[yesterday] as datetime. Valid datetime format is "
                                                              "[YYYY-MM-DDThh:mm:ssZ]")
    assert problem(conv, model, "xdatetime", True) == \
        "Attribute [xdatetime] value is of type [Boolean] instead of [String] or [Instant]"


# --- convert: references, files, compound -------------------------------------------------------------------------

def test_xref_is_typed_by_the_referenced_id_attribute(model: Model) -> None:
    assert conv(model, "xxref_value", "ref1") == "ref1"
    assert conv(model, "xcategorical_value", "ref9") == "ref9"          # existence is checked by validate
    assert problem(conv, model, "xxref_value", 5) == \
        "Attribute [value] value is of type [Double] instead of [String]"


def test_xref_to_an_int_id(model: Model) -> None:
    holder = EntityType(id="Holder", attributes=[Attribute(name="id", id_attribute=True),
                                                  Attribute(name="row", type="XREF", ref_entity=TT)])
    assert convert(holder.attribute("row"), "12", model=model, owner_id="Holder") == 12
    assert convert(holder.attribute("row"), 12.0, model=model, owner_id="Holder") == 12
    assert problem(convert, holder.attribute("row"), "x", model=model, owner_id="Holder") == \
        f"Invalid int value 'x' for attribute 'id label' of entity '{TT}'."


def test_reference_to_an_unknown_type(model: Model) -> None:
    dangling = Attribute(name="ghost", type="XREF", ref_entity="Nowhere")
    assert problem(convert, dangling, "x", model=model) == "Unknown entity type 'Nowhere'."
    assert problem(convert, dangling, "x") == "Unknown entity type 'Nowhere'."


def test_mref(model: Model) -> None:
    assert conv(model, "xmref_value", "ref1,ref2") == ["ref1", "ref2"]
    assert conv(model, "xmref_value", ",ref1,,ref2,") == ["ref1", "ref2"]
    assert conv(model, "xmref_value", " ref1") == [" ref1"]              # no trimming, like StringUtils.split
    assert conv(model, "xmref_value", ["ref3", "ref1"]) == ["ref3", "ref1"]
    assert conv(model, "xmref_value", None) == []
    assert conv(model, "xcategoricalmref_value", "ref2") == ["ref2"]
    assert problem(conv, model, "xmref_value", 5) == \
        "Attribute [xmref_value] value is of type [Double] instead of [String] or [List]"
    assert problem(conv, model, "xmref_value", ["ref1", 2]) == \
        "Attribute [value] value is of type [Double] instead of [String]"


def test_form_lists_are_repeated_keys_joined_with_commas(model: Model) -> None:
    assert conv(model, "xmref_value", ["ref1", "ref2"], form=True) == ["ref1", "ref2"]
    assert conv(model, "xstring", ["a", "b"], form=True) == "a,b"


def test_compound_cannot_be_written(model: Model) -> None:
    assert problem(conv, model, "xcompound", "x") == "Illegal attribute type [COMPOUND]"


def test_file_values(model: Model, store: Store, lookup: Any) -> None:
    files = Repository(store, model.get("sys_FileMeta"))
    files.insert({"id": "F1", "filename": "report.pdf", "url": "http://localhost/files/F1"})
    xfile = attr(model, TT, "xfile")
    assert convert(xfile, None, model=model, lookup=lookup) is None
    assert convert(xfile, "ignored", model=model, lookup=lookup, files={"xfile": "F2"}) == "F2"
    assert convert(xfile, "report.pdf", model=model, lookup=lookup, existing={"xfile": "F1"}) == "F1"
    assert problem(convert, xfile, "other.pdf", model=model, lookup=lookup, existing={"xfile": "F1"}) == \
        v.FILE_NAME_CHANGED
    assert problem(convert, xfile, "report.pdf", model=model, lookup=lookup) == v.FILE_NAME_CHANGED
    assert problem(convert, xfile, 5, model=model, lookup=lookup) == \
        "Attribute [xfile] value is of type [Double] instead of [MultipartFile]"
    assert v.ref_entity_id(Attribute(name="f", type="FILE")) == "sys_FileMeta"


def test_typed_id(model: Model) -> None:
    assert v.typed_id(model.get(TT), "7", model=model) == 7
    assert v.typed_id(model.get(REF), "ref1", model=model) == "ref1"
    assert problem(v.typed_id, model.get(TT), "abc", model=model) == \
        f"Invalid int value 'abc' for attribute 'id label' of entity '{TT}'."


# --- auto ids -----------------------------------------------------------------------------------------------------

def test_auto_string_ids_look_like_molgenis_ids_and_are_deterministic() -> None:
    ids = [v.auto_string_id(n, "Person") for n in range(1, 50)]
    assert all(len(i) == 26 and i.isalnum() and i.islower() for i in ids)      # IdGeneratorImpl: lowerCase()
    assert ids == [v.auto_string_id(n, "Person") for n in range(1, 50)]
    assert len(set(ids)) == 49
    assert v.auto_string_id(1, "Person") != v.auto_string_id(1, "Other")
    assert v.auto_string_id(1, "Person", seed="a") != v.auto_string_id(1, "Person", seed="b")


# --- build_entity -------------------------------------------------------------------------------------------------

def counter(start: int = 1) -> Any:
    state = {"n": start - 1}

    def sequence() -> int:
        state["n"] += 1
        return state["n"]
    return sequence


def test_create_applies_converted_defaults(model: Model, lookup: Any) -> None:
    built = build_entity(model.get(TT), {"id": 99}, form=False, model=model, lookup=lookup)
    assert built["id"] == 99
    assert built["xbool"] is False and built["xboolnillable"] is True
    assert built["xint"] == 3 and built["xlong"] == 12342151234 and built["xdecimal"] == 10.234
    assert built["xcategorical_value"] == "ref1"
    assert built["xcategoricalmref_value"] == ["ref1", "ref2"]
    assert built["xdate"] == "2014-08-01"
    assert built["xdatetime"] == "1985-08-12T06:12:13Z"
    assert built["xcompound_string"] == "xcompound_string"
    assert "xmref_value" not in built and "xxref_value" not in built      # no default: absent


def test_create_skips_expressions_one_to_many_unknown_keys_and_compounds(model: Model, lookup: Any) -> None:
    built = build_entity(model.get(TT), {"id": 1, "xcomputedint": 5, "nonsense": 1, "xcompound": "x",
                                          "xcompound_int": "42"}, form=False, model=model, lookup=lookup)
    assert "xcomputedint" not in built and "nonsense" not in built and "xcompound" not in built
    assert built["xcompound_int"] == 42
    package = build_entity(model.get("sys_md_Package"), {"id": "p", "label": "P", "children": ["x"]}, form=False,
                           model=model, lookup=lookup)
    assert package == {"id": "p", "label": "P"}


def test_explicit_null_overrides_a_default(model: Model, lookup: Any) -> None:
    built = build_entity(model.get(TT), {"id": 1, "xint": None, "xbool": None, "xcategoricalmref_value": None},
                         form=False, model=model, lookup=lookup)
    assert "xint" not in built
    assert built["xbool"] is False                                        # non-nillable BOOL: null -> false
    assert "xcategoricalmref_value" not in built                          # empty mref is stored as absent


def test_form_create_drops_blank_values(model: Model, lookup: Any) -> None:
    built = build_entity(model.get(REF), {"value": "ref6", "label": "   "}, form=True, model=model, lookup=lookup)
    assert built == {"value": "ref6"}


def test_form_update_keeps_empty_values_as_null(model: Model, lookup: Any) -> None:
    built = build_entity(model.get(TT), {"id": "1", "xstringnillable": "", "xint": "7"}, form=True, model=model,
                         lookup=lookup, existing_id=1)
    assert "xstringnillable" not in built and built["xint"] == 7
    assert built["xstring"] == "xstring"                                  # missing -> default, not the old value


def test_auto_string_id_from_the_sequence(model: Model, lookup: Any) -> None:
    person = model.get("V1_API_PersonAPIV1")
    built = build_entity(person, {"age": "17"}, form=True, model=model, lookup=lookup, sequence=counter(5))
    assert built == {"id": v.auto_string_id(5, person.id), "age": 17}


def test_auto_id_needs_a_sequence(model: Model, lookup: Any) -> None:
    with pytest.raises(ValueError):
        build_entity(model.get("V1_API_PersonAPIV1"), {}, form=False, model=model, lookup=lookup)


def test_auto_int_ids_count_up_past_existing_ids(store: Store) -> None:
    numbered = EntityType(id="Numbered", attributes=[
        Attribute(name="n", type="INT", id_attribute=True, auto=True), Attribute(name="x")])
    model = Model()
    model.add(numbered)
    repository = Repository(store, numbered)
    repository.insert({"n": 1})
    repository.insert({"n": 2})
    built = build_entity(numbered, {"x": "a"}, form=False, model=model, lookup=make_lookup(store, model),
                         sequence=counter(1))
    assert built == {"n": 3, "x": "a"}


def test_a_given_id_beats_the_auto_id(model: Model, lookup: Any) -> None:
    built = build_entity(model.get("V1_API_PersonAPIV1"), {"id": "mine"}, form=False, model=model, lookup=lookup,
                         sequence=counter())
    assert built["id"] == "mine"


def test_update_without_id_keeps_the_path_id(model: Model, lookup: Any) -> None:
    built = build_entity(model.get(REF), {"label": "label900"}, form=False, model=model, lookup=lookup,
                         existing_id="ref1")
    assert built == {"value": "ref1", "label": "label900"}
    moved = build_entity(model.get(REF), {"value": "ref9", "label": "x"}, form=False, model=model, lookup=lookup,
                         existing_id="ref1")
    assert moved["value"] == "ref9"
    person = model.get("V1_API_PersonAPIV1")
    assert build_entity(person, {}, form=False, model=model, lookup=lookup, existing_id="P1")["id"] == "P1"


def test_auto_dates_are_filled_on_create_and_kept_on_update(model: Model, store: Store, lookup: Any) -> None:
    token_type = model.get("sys_sec_Token")
    admin = lookup("sys_sec_User").scan()[0]["id"]
    created = build_entity(token_type, {"User": admin, "token": "t1"}, form=False, model=model, lookup=lookup,
                           sequence=counter(), now=NOW)
    assert created["creationDate"] == "2026-03-04T12:30:15Z"
    Repository(store, token_type).insert(created)
    updated = build_entity(token_type, {"User": admin, "token": "t1", "description": "d"}, form=False, model=model,
                           lookup=lookup, existing_id=created["id"], now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert updated["creationDate"] == "2026-03-04T12:30:15Z" and updated["id"] == created["id"]
    dated = EntityType(id="Dated", attributes=[Attribute(name="id", id_attribute=True),
                                                Attribute(name="day", type="DATE", auto=True)])
    assert build_entity(dated, {"id": "a"}, form=False, model=model, now=NOW) == {"id": "a", "day": "2026-03-04"}


def test_uploaded_files_fill_file_attributes(model: Model, lookup: Any) -> None:
    built = build_entity(model.get("base_ApiTestFile"), {"id": "6"}, form=True, model=model, lookup=lookup,
                         files={"file": "FILEMETA1"})
    assert built == {"id": "6", "file": "FILEMETA1"}


def test_conversion_problems_surface_from_build(model: Model, lookup: Any) -> None:
    assert problem(build_entity, model.get(TT), {"id": 1, "xint": "abc"}, form=False, model=model,
                   lookup=lookup) == f"Invalid int value 'abc' for attribute 'xint label' of entity '{TT}'."


# --- validate -----------------------------------------------------------------------------------------------------

def full_row(model: Model, lookup: Any, **changes: Any) -> dict[str, Any]:
    payload = {"id": 99, "xmref_value": ["ref1"], "xxref_value": "ref1", "xstring_unique": "unique99",
               "xint_unique": 99, **changes}
    return build_entity(model.get(TT), payload, form=False, model=model, lookup=lookup)


def check(model: Model, lookup: Any, type_id: str, values: dict[str, Any], **kwargs: Any) -> list[str]:
    return validate(model.get(type_id), values, model=model, lookup=lookup, **kwargs)


def test_a_complete_row_is_valid(model: Model, lookup: Any) -> None:
    assert check(model, lookup, TT, full_row(model, lookup)) == []


def test_required_attributes(model: Model, lookup: Any) -> None:
    assert check(model, lookup, REF, {"value": "ref6"}) == \
        [f"The attribute 'label' of entity '{REF}' can not be null. (entity 1)"]
    messages = check(model, lookup, TT, build_entity(model.get(TT), {"id": 99}, form=False, model=model,
                                                     lookup=lookup))
    assert messages == [f"The attribute '{name}' of entity '{TT}' can not be null. (entity 1)"
                        for name in ("xmref_value", "xxref_value", "xstring_unique", "xint_unique")]


def test_row_number_suffix(model: Model, lookup: Any) -> None:
    assert check(model, lookup, REF, {"value": "ref6"}, row=3) == \
        [f"The attribute 'label' of entity '{REF}' can not be null. (entity 3)"]


def test_duplicate_id_on_create(model: Model, lookup: Any) -> None:
    assert check(model, lookup, REF, {"value": "ref1", "label": "x"}) == \
        [f"Duplicate value 'ref1' for unique attribute 'value' from entity '{REF}' (entity 1)"]


def test_same_id_on_update_is_no_duplicate(model: Model, lookup: Any) -> None:
    assert check(model, lookup, REF, {"value": "ref1", "label": "label900"}, existing_id="ref1") == []
    assert check(model, lookup, REF, {"value": "ref2", "label": "x"}, existing_id="ref1") == \
        [f"Duplicate value 'ref2' for unique attribute 'value' from entity '{REF}' (entity 1)"]


def test_unique_non_id_attributes(model: Model, lookup: Any) -> None:
    messages = check(model, lookup, TT, full_row(model, lookup, xstring_unique="str1", xint_unique=2,
                                                 xxref_unique="ref3"))
    assert messages == [
        f"Duplicate value 'str1' for unique attribute 'xstring_unique' from entity '{TT}' (entity 1)",
        f"Duplicate value '2' for unique attribute 'xint_unique' from entity '{TT}' (entity 1)",
        f"Duplicate value 'ref3' for unique attribute 'xxref_unique' from entity '{TT}' (entity 1)",
    ]
    row_one = lookup(TT).get(1)
    assert check(model, lookup, TT, row_one, existing_id=1) == []


def test_unknown_references(model: Model, lookup: Any) -> None:
    values = full_row(model, lookup, xxref_value="ref9", xmref_value=["ref1", "nope"])
    values["xfile"] = "missing-file"
    messages = check(model, lookup, TT, values)
    assert messages == [                                                  # attribute order
        f"Unknown xref value 'nope' for attribute 'xmref_value' of entity '{TT}'. (entity 1)",
        f"Unknown xref value 'ref9' for attribute 'xxref_value' of entity '{TT}'. (entity 1)",
        f"Unknown xref value 'missing-file' for attribute 'xfile' of entity '{TT}'. (entity 1)",
    ]


def test_reference_to_a_deleted_type_is_unknown(model: Model, store: Store) -> None:
    partial = Model(packages=model.packages, entity_types={k: e for k, e in model.entity_types.items() if k != REF})
    messages = validate(model.get(TT), {"id": 99, "xxref_value": "ref1", "xmref_value": ["ref1"],
                                        "xcategorical_value": "ref1", "xcategoricalmref_value": ["ref1"],
                                        "xstring_unique": "u", "xint_unique": 99, "xbool": True, "xdate": "2020-01-01",
                                        "xdatetime": "2020-01-01T00:00:00Z", "xdecimal": 1.0, "xemail": "a@b.c",
                                        "xenum": "enum1", "xhtml": "h", "xhyperlink": "http://a", "xint": 1,
                                        "xintrange": 1, "xlong": 1, "xlongrange": 1, "xstring": "s", "xtext": "t",
                                        "xstring_hidden": "h"}, model=model, lookup=make_lookup(store, partial))
    assert f"Unknown xref value 'ref1' for attribute 'xxref_value' of entity '{TT}'. (entity 1)" in messages


def test_self_reference_to_the_row_itself_is_allowed(model: Model, lookup: Any) -> None:
    package = model.get("sys_md_Package")
    assert validate(package, {"id": "self", "label": "Self", "parent": "self"}, model=model, lookup=lookup) == []
    assert validate(package, {"id": "self", "label": "Self", "parent": "other"}, model=model, lookup=lookup) == \
        ["Unknown xref value 'other' for attribute 'parent' of entity 'sys_md_Package'. (entity 1)"]


def test_too_long_text_stops_validation_without_row_suffix(model: Model, lookup: Any) -> None:
    long = "x" * 256
    values = build_entity(model.get(TT), {"id": 99, "xstring": long}, form=False, model=model, lookup=lookup)
    assert check(model, lookup, TT, values) == [
        f"Invalid string value '{long}' for attribute 'xstring label' of entity '{TT}'."
        "Value must be less than or equal to 255 characters"]
    text = "t" * 65536
    assert check(model, lookup, TT, full_row(model, lookup, xtext=text)) == [
        f"Invalid text value '{text}' for attribute 'xtext label' of entity '{TT}'."
        "Value must be less than or equal to 65535 characters"]


def test_explicit_max_length(model: Model, lookup: Any) -> None:
    short = EntityType(id="Short", attributes=[Attribute(name="id", id_attribute=True),
                                                Attribute(name="code", max_length=3)])
    assert validate(short, {"id": "a", "code": "abcd"}, model=model, lookup=lookup) == [
        "Invalid string value 'abcd' for attribute 'code' of entity 'Short'."
        "Value must be less than or equal to 3 characters"]


def test_range(model: Model, lookup: Any) -> None:
    assert check(model, lookup, TT, full_row(model, lookup, xintrange=11)) == [
        f"Invalid int value '11' for attribute 'xintrange label' of entity '{TT}'.Value must be between null and 10"]
    assert check(model, lookup, TT, full_row(model, lookup, xlongrange=-1)) == [
        f"Invalid long value '-1' for attribute 'xlongrange label' of entity '{TT}'.Value must be between 0 and 10"]
    assert check(model, lookup, TT, full_row(model, lookup, xintrangenillable=-1)) == [
        f"Invalid int value '-1' for attribute 'xintrangenillable label' of entity '{TT}'."
        "Value must be between 0 and null"]
    assert check(model, lookup, TT, full_row(model, lookup, xintrange=10, xlongrange=0)) == []


def test_email(model: Model, lookup: Any) -> None:
    assert check(model, lookup, TT, full_row(model, lookup, xemail="not-an-email")) == [
        f"Invalid [email] value [not-an-email] for attribute [xemail label] of entity [99] with type [{TT}]. "
        "Not a valid e-mail address."]
    too_long = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".org"
    assert check(model, lookup, TT, full_row(model, lookup, xemail=too_long)) == [
        f"Invalid email value '{too_long}' for attribute 'xemail label' of entity '{TT}'."
        "Value must be less than or equal to 255 characters"]


@pytest.mark.parametrize("address, valid", [
    ("molgenis@gmail.com", True), ("test@x.y.z", True), ("user@localhost", True), ("a.b+c@d-e.org", True),
    ('"quoted name"@example.org', True), ("x@[127.0.0.1]", True), ("jörg@example.de", True),
    ("no-at-sign", False), ("@example.org", False), ("user@", False), ("a..b@example.org", False),
    (".a@example.org", False), ("a b@example.org", False), ("user@-bad.org", False), ("user@exa_mple.org", False),
    ("x" * 65 + "@example.org", False),
])
def test_email_check(address: str, valid: bool) -> None:
    assert v.is_valid_email(address) is valid


def test_hyperlink(model: Model, lookup: Any) -> None:
    assert check(model, lookup, TT, full_row(model, lookup, xhyperlink="not a link")) == [
        f"Invalid [hyperlink] value [not a link] for attribute [xhyperlink label] of entity [99] with type [{TT}]. "
        "Not a valid hyperlink."]
    long = "http://example.org/" + "p" * 250
    assert check(model, lookup, TT, full_row(model, lookup, xhyperlink=long)) == [
        f"Invalid hyperlink value '{long}' for attribute 'xhyperlink label' of entity '{TT}'."
        "Value must be less than or equal to 255 characters"]


@pytest.mark.parametrize("link, valid", [
    ("http://www.molgenis.org/", True), ("https://example.org/a?b=c#d", True), ("mailto:someone@example.org", True),
    ("relative/path", True), ("file:///tmp/x", True), ("http://[::1]:8080/", True), ("http://x/%20y", True),
    ("with space", False), ("http://", False), ("mailto:", False), ("1http://x", False), (":nothing", False),
    ("http://x/%zz", False), ("http://x/<y>", False), ("a#b#c", False), ("http://x/[y]", False),
])
def test_hyperlink_check(link: str, valid: bool) -> None:
    assert v.is_valid_hyperlink(link) is valid


def test_enum(model: Model, lookup: Any) -> None:
    assert check(model, lookup, TT, full_row(model, lookup, xenum="enum9")) == [
        f"Invalid [enum] value [enum9] for attribute [xenum] of entity [99] with type [{TT}]. "
        "Value must be one of [enum1, enum2, enum3]"]


def test_row_label_in_messages_is_the_label_attribute(model: Model, lookup: Any) -> None:
    items = EntityType(id="Labelled", attributes=[
        Attribute(name="id", id_attribute=True), Attribute(name="title", label_attribute=True),
        Attribute(name="mail", type="EMAIL")])
    assert validate(items, {"id": "a", "title": "Alpha", "mail": "nope"}, model=model, lookup=lookup) == [
        "Invalid [email] value [nope] for attribute [mail] of entity [Alpha] with type [Labelled]. "
        "Not a valid e-mail address."]


def test_validation_expression(model: Model, lookup: Any) -> None:
    users = model.get("sys_sec_User")
    values = {"id": "U1", "username": " padded", "password_": "x", "active": True, "superuser": False,
              "changePassword": False, "Email": "p@example.org"}
    assert validate(users, values, model=model, lookup=lookup) == [
        "Invalid [string] value [ padded] for attribute [Username] of entity [ padded] with type [sys_sec_User]. "
        "Offended validation expression: regex('^\\\\S.+\\\\S$', {username})"]
    assert validate(users, dict(values, username="fine"), model=model, lookup=lookup) == []


def test_expressions_without_the_value_true_are_offended(model: Model, lookup: Any) -> None:
    """ExpressionValidator: false, null (regex on a null value) and a failed evaluation (a bad pattern) all offend;
    the expression language is evaluated in full (handlers/molgenis/expressions.py)."""
    person = model.get("V1_API_PersonAPIV1")
    assert len(validate(person, {"id": "p", "age": 40}, model=model, lookup=lookup)) == 1
    assert validate(person, {"id": "p", "age": 40, "driverslicence": True}, model=model, lookup=lookup) == []
    odd = EntityType(id="Odd", attributes=[
        Attribute(name="id", id_attribute=True, validation_expression="regex('[', {id})")])
    assert validate(odd, {"id": "x"}, model=model, lookup=lookup)[0].endswith(
        "Offended validation expression: regex('[', {id})")
    nullable = EntityType(id="Nullable", attributes=[
        Attribute(name="id", id_attribute=True), Attribute(name="c", validation_expression="regex('^a$', {c})")])
    assert len(validate(nullable, {"id": "x"}, model=model, lookup=lookup)) == 1
    assert validate(nullable, {"id": "x", "c": "a"}, model=model, lookup=lookup) == []


def test_missing_id(model: Model, lookup: Any) -> None:
    assert check(model, lookup, REF, {"label": "label6"}) == [
        f"Invalid [string] value [null] for attribute [value label] of entity [label6] with type [{REF}]."]


def test_type_violations_suppress_the_rest(model: Model, lookup: Any) -> None:
    values = {"value": "ref1", "label": "y" * 300}                      # also a duplicate id, not reported
    assert check(model, lookup, REF, values) == [
        f"Invalid string value '{'y' * 300}' for attribute 'label label' of entity '{REF}'."
        "Value must be less than or equal to 255 characters"]


def test_readonly_change_on_update(model: Model, lookup: Any) -> None:
    users = model.get("sys_sec_User")
    admin = lookup("sys_sec_User").scan()[0]
    changed = dict(admin, username="root")
    assert validate(users, changed, model=model, lookup=lookup, existing_id=admin["id"]) == [
        "The attribute 'username' of entity 'sys_sec_User' can not be changed it is readonly. (entity 1)"]
    assert validate(users, dict(admin), model=model, lookup=lookup, existing_id=admin["id"]) == []


def test_readonly_id_attribute_may_change_and_cleared_values_pass(model: Model, lookup: Any) -> None:
    assert check(model, lookup, REF, {"value": "ref9", "label": "x"}, existing_id="ref1") == []
    token_type = model.get("sys_sec_Token")
    assert "creationDate" in {a.name for a in token_type.atomic_attributes() if a.read_only}
    tokens = Repository(lookup("sys_sec_Token").store, token_type)
    user = lookup("sys_sec_User").scan()[0]["id"]
    tokens.insert({"id": "T1", "User": user, "token": "abc", "creationDate": "2020-01-01T00:00:00Z"})
    assert validate(token_type, {"id": "T1", "User": user, "token": "abc", "creationDate": "2021-01-01T00:00:00Z"},
                    model=model, lookup=lookup, existing_id="T1") == [
        "The attribute 'creationDate' of entity 'sys_sec_Token' can not be changed it is readonly. (entity 1)"]


def test_readonly_messages() -> None:
    assert v.readonly_change_message("V1_API_Items", "label") == \
        "The attribute 'label' of entity 'V1_API_Items' can not be changed it is readonly."
    assert v.readonly_attribute_message("sys_sec_User", "username") == \
        "Attribute 'username' of entity 'sys_sec_User' is readonly"


def test_default_text() -> None:
    assert [v.default_text(x) for x in (None, "a", False, 3, 1.5)] == [None, "a", "false", "3", "1.5"]
