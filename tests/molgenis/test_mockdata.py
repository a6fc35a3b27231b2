"""mockdata/molgenis and apitwin_apis.molgenis.seed_loader: the seed loads, every row is one the API itself would accept
(converted and validated like a create), references resolve, and the preconditions of the upstream scenarios
(tests/molgenis/test_scenarios.py) hold."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from apitwin.store import Store
from apitwin_apis.molgenis.model import Model
from apitwin_apis.molgenis.repository import Repository, make_lookup
from apitwin_apis.molgenis.security import Security
from apitwin_apis.molgenis.seed_loader import (SeedProblem, load_model, load_rows, load_security, populate, seed_order)
from apitwin_apis.molgenis.values import ref_entity_id

SEED = Path(__file__).resolve().parents[2] / "mockdata" / "molgenis"


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(SEED)


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, Any]]]:
    return load_rows(SEED)


@pytest.fixture(scope="module")
def security() -> dict[str, list[dict[str, Any]]]:
    return load_security(SEED)


@pytest.fixture(scope="module")
def seeded(model: Model, rows: dict[str, list[dict[str, Any]]]) -> tuple[Store, dict[str, int]]:
    store = Store()
    inserted = populate(store, model, rows)
    return store, inserted


@pytest.fixture(scope="module")
def lookup(seeded: tuple[Store, dict[str, int]], model: Model) -> Any:
    return make_lookup(seeded[0], model)


def values_of(lookup: Any, type_id: str) -> list[dict[str, Any]]:
    return lookup(type_id).all()


# --- the model ----------------------------------------------------------------------------------------------------

def test_model_is_consistent(model: Model) -> None:
    assert len(model.entity_types) >= 20
    for entity_type in model.entity_types.values():
        assert entity_type.id_attribute.nillable is False, entity_type.id
        assert entity_type.package in model.packages, entity_type.id
        assert entity_type.id.startswith(entity_type.package + "_"), entity_type.id
        names = [a.name for a in entity_type.all_attributes()]
        assert len(names) == len(set(names)), entity_type.id
        for attribute in entity_type.all_attributes():
            if attribute.is_reference:
                target = model.get(ref_entity_id(attribute) or "")
                assert target is not None, f"{entity_type.id}.{attribute.name}"
                if attribute.mapped_by:
                    assert target.attribute(attribute.mapped_by) is not None
    for package in model.packages.values():
        assert package.parent is None or package.parent in model.packages


def test_fixture_types_of_the_scenarios(model: Model) -> None:
    ref_type = model.get("V1_API_TypeTestRefAPIV1")
    assert (ref_type.label, ref_type.description) == ("TypeTestRefAPIV1", "MOLGENIS Data types test ref entity")
    assert ref_type.id_attribute.name == "value" and ref_type.label_attribute.name == "label"
    assert [a.name for a in ref_type.lookup_attributes] == ["value", "label"]
    items_type = model.get("V1_API_Items")
    assert (items_type.label, items_type.description) == ("Items", "Items")
    assert [a.name for a in items_type.lookup_attributes] == ["value", "label"]
    typetest = model.get("V1_API_TypeTestAPIV1")
    assert typetest.label == "TypeTestAPIV1" and typetest.id_attribute.type == "INT"
    for name in ("xbool", "xcompound", "xcompound_int", "xcategorical_value", "xcatmrefnillable_value", "xdatetime",
                 "xemailnillable", "xenum", "xhyperlink", "xintrange", "xlongrangenillable", "xmref_value",
                 "xstringnillable", "xxref_value", "xstring_hidden", "xint_unique", "xxref_unique", "xfile",
                 "xcomputedxref", "xcomputedint"):
        assert typetest.attribute(name) is not None, name
    assert typetest.attribute("xintrange").range_max == 10
    assert typetest.attribute("xenum").enum_options == ["enum1", "enum2", "enum3"]
    assert model.get("V1_API_PersonAPIV1").id_attribute.auto is True
    for n in range(1, 5):
        assert model.get(f"base_APITest{n}").package == "base"
    assert model.get("base_ApiTestFile").attribute("file").type == "FILE"
    assert model.packages["V1_API"].parent == "V1"


def test_system_types_of_the_scenarios(model: Model) -> None:
    assert model.get("sys_md_EntityType").label == "Entity type"
    assert model.get("sys_scr_ScriptType").label == "Script type"
    assert model.get("sys_App").label == "App"
    freemarker = model.get("sys_FreemarkerTemplate")
    assert freemarker.label == "Freemarker template" and freemarker.id_attribute.label == "Id"
    users = model.get("sys_sec_User")
    assert users.label_attribute.name == "username"
    for name in ("active", "username", "password_", "superuser", "changePassword", "Email"):
        assert users.attribute(name) is not None, name
    assert {a.name for a in model.get("sys_FileMeta").atomic_attributes()} >= {"id", "filename", "contentType",
                                                                                "size", "url"}
    assert model.get("sys_set_auth").attribute("sign_in_2fa").enum_options == ["Disabled", "Enabled", "Enforced"]
    for type_id in ("sys_sec_Token", "sys_md_Package", "sys_md_Attribute"):
        assert model.get(type_id) is not None


def test_demo_model(model: Model) -> None:
    donor, sample = model.get("biobank_Donor"), model.get("biobank_Sample")
    assert donor.id_attribute.auto and donor.id_attribute.type == "STRING"
    assert donor.attribute("sex").type == "ENUM" and donor.attribute("birth_year").type == "INT"
    assert (donor.attribute("diseases").type, donor.attribute("diseases").ref_entity) == ("MREF", "biobank_Disease")
    assert donor.attribute("email").type == "EMAIL"
    assert [(a.name, a.type) for a in sample.atomic_attributes()] == [
        ("id", "STRING"), ("donor", "XREF"), ("type", "CATEGORICAL"), ("volume_ml", "DECIMAL"),
        ("collected", "DATE_TIME"), ("consent", "BOOL"), ("notes", "TEXT")]
    assert sample.attribute("type").ref_entity == "biobank_SampleType"
    assert model.get("biobank_Disease").id_attribute.name == "code"


# --- every row is valid -------------------------------------------------------------------------------------------

def test_every_seeded_row_converts_validates_and_is_inserted(seeded: tuple[Store, dict[str, int]],
                                                             rows: dict[str, list[dict[str, Any]]]) -> None:
    _, inserted = seeded                                   # populate raises SeedProblem on any refused row
    assert inserted == {type_id: len(items) for type_id, items in rows.items()}


def test_every_type_with_rows_is_in_the_model(model: Model, rows: dict[str, list[dict[str, Any]]]) -> None:
    assert set(rows) <= set(model.entity_types)


def test_every_reference_resolves(model: Model, lookup: Any) -> None:
    for entity_type in model.entity_types.values():
        repository = lookup(entity_type.id)
        for row in repository.scan():
            for attribute in entity_type.atomic_attributes():
                value = row.get(attribute.name)
                if not attribute.is_reference or value is None:
                    continue
                target = lookup(ref_entity_id(attribute))
                for ref in (value if attribute.is_multi else [value]):
                    assert target.exists(ref), f"{entity_type.id}.{attribute.name} -> {ref}"


def test_ids_are_unique(rows: dict[str, list[dict[str, Any]]], model: Model) -> None:
    for type_id, items in rows.items():
        id_name = model.get(type_id).id_attribute.name
        ids = [item.get(id_name) for item in items if item.get(id_name) is not None]
        assert len(ids) == len(set(ids)), type_id


# --- scenario preconditions ---------------------------------------------------------------------------------------

def test_items_and_typetestref_rows(lookup: Any) -> None:
    expected = [{"value": f"ref{n}", "label": f"label{n}"} for n in range(1, 6)]
    assert values_of(lookup, "V1_API_Items") == expected
    assert values_of(lookup, "V1_API_TypeTestRefAPIV1") == expected


def test_typetest_rows(lookup: Any) -> None:
    typetest = values_of(lookup, "V1_API_TypeTestAPIV1")
    assert [row["id"] for row in typetest] == list(range(1, 39))
    first = typetest[0]
    assert first["xxref_value"] == "ref1" and first["xstringnillable"] == "str1"
    assert first["xdatetime"] == "1985-08-12T06:12:13Z"
    assert any("xboolnillable" not in row for row in typetest)             # the nillable shape keeps its nulls


def test_base_rows(lookup: Any) -> None:
    for n in range(1, 5):
        rows = values_of(lookup, f"base_APITest{n}")
        assert len(rows) == 40
        assert rows[0] == {"value": "ref1", "label": "label1"} and rows[-1] == {"value": "ref40", "label": "label40"}
    assert [row["id"] for row in values_of(lookup, "base_ApiTestFile")] == ["1", "2", "3", "4", "5"]


def test_system_rows(lookup: Any) -> None:
    assert lookup("sys_FreemarkerTemplate").count() >= 1
    assert not lookup("sys_FreemarkerTemplate").exists("test.csv")
    assert lookup("sys_scr_ScriptType").exists("R")
    assert lookup("sys_set_auth").get("auth")["sign_in_2fa"] == "Disabled"
    assert lookup("sys_FileMeta").count() == 0                                   # IT-03 deletes a missing row


def test_demo_rows(lookup: Any) -> None:
    assert lookup("biobank_Disease").count() == 8
    assert lookup("biobank_SampleType").count() == 8
    donors = values_of(lookup, "biobank_Donor")
    assert len(donors) == 20
    assert all(re.fullmatch(r"[A-Z2-7]{26}", donor["id"]) for donor in donors)
    samples = values_of(lookup, "biobank_Sample")
    assert len(samples) == 60
    assert {sample["donor"] for sample in samples} == {donor["id"] for donor in donors}


def test_seeded_state_survives_export_and_import(seeded: tuple[Store, dict[str, int]], model: Model) -> None:
    fresh = Store()
    fresh.load(seeded[0].export())
    assert Repository(fresh, model.get("V1_API_TypeTestAPIV1")).get(1)["xxref_value"] == "ref1"


# --- security -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def guard(security: dict[str, list[dict[str, Any]]]) -> Security:
    store = Store()
    for user in security["users"]:
        store["users"].insert(user)
    for grant in security["grants"]:
        store["grants"].insert(grant)
    return Security(store)


def test_accounts(security: dict[str, list[dict[str, Any]]]) -> None:
    users = {user["username"]: user for user in security["users"]}
    assert len(users) == len(security["users"])
    assert users["admin"]["password"] == "admin" and users["admin"]["superuser"] is True
    assert users["test"]["password"] == "test" and users["test"]["superuser"] is False
    assert users["it-user"]["password"] == "it-password"
    assert any(user["active"] is False for user in users.values())
    assert any(user["change_password"] is True for user in users.values())
    assert any(user["two_factor"] is True for user in users.values())


def test_grants_name_real_types_and_levels(security: dict[str, list[dict[str, Any]]], model: Model) -> None:
    for grant in security["grants"]:
        assert model.get(grant["entity_type"]) is not None, grant
        assert grant["level"] in ("COUNT", "READ", "WRITE", "WRITEMETA")


def test_v1_test_user_grants(guard: Security) -> None:
    for type_id in ("V1_API_TypeTestRefAPIV1", "V1_API_TypeTestAPIV1", "V1_API_Items", "sys_md_Package",
                    "sys_md_EntityType", "sys_md_Attribute", "sys_FileMeta"):
        held = guard.permissions("test", type_id)
        assert "UPDATE_DATA" in held and "DELETE_DATA" in held and "DELETE_METADATA" not in held, type_id
    for type_id in ("base_APITest1", "base_APITest2", "base_APITest3", "base_APITest4", "base_ApiTestFile"):
        assert "DELETE_METADATA" in guard.permissions("test", type_id), type_id


def test_it_user_grants(guard: Security) -> None:
    assert "UPDATE_DATA" in guard.permissions("it-user", "sys_FreemarkerTemplate")
    script = guard.permissions("it-user", "sys_scr_ScriptType")
    assert "READ_DATA" in script and "DELETE_DATA" not in script              # IT-04: delete refused
    assert "DELETE_METADATA" in guard.permissions("it-user", "sys_FileMeta")
    user_meta = guard.permissions("it-user", "sys_sec_User")
    assert "READ_METADATA" in user_meta and "READ_DATA" not in user_meta       # IT-09: COUNT reads the meta


def test_anonymous_grants(guard: Security, security: dict[str, list[dict[str, Any]]]) -> None:
    anonymous = [g for g in security["grants"] if g["principal"] == "anonymous"]
    assert {g["entity_type"] for g in anonymous} == {"biobank_Disease", "biobank_SampleType", "biobank_Donor",
                                                       "biobank_Sample"}
    assert all(g["level"] == "READ" for g in anonymous)
    for type_id in ("sys_md_EntityType", "sys_scr_ScriptType", "sys_App"):
        assert "READ_METADATA" not in guard.permissions(None, type_id), type_id
    assert "READ_DATA" in guard.permissions(None, "biobank_Sample")
    assert len(guard.permissions("admin", "sys_App")) == 9


def test_every_account_has_a_user_row(security: dict[str, list[dict[str, Any]]], lookup: Any) -> None:
    rows = {row["username"]: row for row in lookup("sys_sec_User").scan()}
    for user in security["users"]:
        row = rows[user["username"]]
        assert row["active"] is user["active"] and row["superuser"] is user["superuser"], user["username"]
        assert row["changePassword"] is user["change_password"] and row["use2fa"] is user["two_factor"]


# --- the loader ---------------------------------------------------------------------------------------------------

def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_load_rows_merges_files_ignores_templates_and_stringifies_dates(tmp_path: Path) -> None:
    write(tmp_path, "data_a.yaml", "templates:\n  t: &t {label: x}\nrows:\n  T: [{<<: *t, id: a, day: 2020-01-02}]\n")
    write(tmp_path, "data_b.yaml", "rows:\n  T: [{id: b, at: 2020-01-02T03:04:05Z}]\n  U: []\n")
    write(tmp_path, "other.yaml", "rows:\n  T: [{id: ignored}]\n")
    assert load_rows(tmp_path) == {"T": [{"label": "x", "id": "a", "day": "2020-01-02"},
                                         {"id": "b", "at": "2020-01-02T03:04:05Z"}], "U": []}


@pytest.mark.parametrize("text", ["rows: [1, 2]\n", "rows:\n  T: {id: a}\n", "rows:\n  T: [1]\n", "- a\n"])
def test_load_rows_refuses_malformed_files(tmp_path: Path, text: str) -> None:
    write(tmp_path, "data.yaml", text)
    with pytest.raises(ValueError):
        load_rows(tmp_path)


def test_load_rows_of_an_empty_directory(tmp_path: Path) -> None:
    write(tmp_path, "data.yaml", "")
    assert load_rows(tmp_path) == {}


def test_load_security_checks_its_shape(tmp_path: Path) -> None:
    assert load_security(tmp_path) == {"users": [], "grants": [], "row_grants": []}
    for text in ("users: [{password: x}]\n", "users: [{username: a}]\n", "grants: [{principal: a, level: READ}]\n",
                 "grants: [{principal: a, entity_type: T, level: OWNER}]\n", "users: [a]\n",
                 "row_grants: [{principal: a, entity_type: T, level: READ}]\n",
                 "row_grants: [{principal: a, entity_type: T, row: r, level: WRITEMETA}]\n", "row_grants: [a]\n"):
        write(tmp_path, "security.yaml", text)
        with pytest.raises(ValueError):
            load_security(tmp_path)


def test_seed_order_puts_referenced_types_first(model: Model) -> None:
    order = seed_order(model, ["biobank_Sample", "V1_API_TypeTestAPIV1", "biobank_Donor", "sys_md_Package",
                               "V1_API_TypeTestRefAPIV1", "biobank_SampleType", "biobank_Disease"])
    assert order.index("biobank_Donor") < order.index("biobank_Sample")
    assert order.index("biobank_Disease") < order.index("biobank_Donor")
    assert order.index("biobank_SampleType") < order.index("biobank_Sample")
    assert order.index("V1_API_TypeTestRefAPIV1") < order.index("V1_API_TypeTestAPIV1")
    assert sorted(order) == sorted(set(order)) and len(order) == 7
    assert seed_order(model, ["Unknown", "biobank_Disease"]) == ["Unknown", "biobank_Disease"]


def test_populate_lists_every_refused_row_and_keeps_the_rest(model: Model) -> None:
    store = Store()
    bad = {"V1_API_Items": [{"value": "a", "label": "A"}, {"value": "b"}, {"value": "a", "label": "again"}],
           "biobank_Donor": [{"id": "d1", "birth_year": "old"}],
           "Nowhere": [{"id": 1}]}
    with pytest.raises(SeedProblem) as caught:
        populate(store, model, bad)
    assert caught.value.problems == [
        "V1_API_Items row 2: The attribute 'label' of entity 'V1_API_Items' can not be null. (entity 2)",
        "V1_API_Items row 3: Duplicate value 'a' for unique attribute 'value' from entity 'V1_API_Items' (entity 3)",
        "biobank_Donor row 1: Invalid int value 'old' for attribute 'Year of birth' of entity 'biobank_Donor'.",
        "Nowhere: no such entity type in the model",
    ]
    assert Repository(store, model.get("V1_API_Items")).all() == [{"value": "a", "label": "A"}]
