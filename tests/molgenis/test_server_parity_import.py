"""The import wizard's upload as the server does it: `ImportWizardController#importFile` (201 with the run's path,
plain-text 400s), `EmxMetadataParser` (sheets into packages, entity types, attributes; `postProcessMetadata`,
`setAttrVisible`, `setAttrNullable`, `validateEmxIdAttrValue`), `EmxImportService#getMetadataAction`,
`DataPersisterImpl` (metadata and data actions, all or nothing) and `ImportRunMetadata` (the run row the client
polls). Also the metadata deletes the py-client suite cleans up with: `EntityTypeRepositoryDecorator` (deleting a
`sys_md_EntityType` row deletes the type) and `PackageRepositoryDecorator` (a package takes its sub-packages).
Test names follow the server class and method they copy."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from apitwin_apis.molgenis.importwizard.emx import EmxProblem, parse, read_sheets
from apitwin_apis.molgenis.model import EntityType
from tests.molgenis.helpers import IT_USER, TEST_USER, assert_molgenis_error, auth

HERE = Path(__file__).resolve().parent
RESOURCES = HERE / "pyclient_suite" / "tests" / "resources"
ALL_DATATYPES = (RESOURCES / "all_datatypes.zip").read_bytes()
SIGHTINGS = (RESOURCES / "sightings_test.zip").read_bytes()
UPLOAD = "/plugin/importwizard/importFile"
REF = "org_molgenis_test_python_TypeTestRef"
SIGHTINGS_TYPE = "org_molgenis_test_python_sightings"


def archive(**sheets: str) -> bytes:
    """A zip of CSV sheets: archive(entities="name,package\\n...", ...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, text in sheets.items():
            zipped.writestr(f"{name}.csv", text)
    return buffer.getvalue()


PACKAGES = "name,parent\nimp,\nimp_sub,imp\n"
ENTITIES = "name,package\nThing,imp_sub\n"
ATTRIBUTES = ("entity,name,dataType,idAttribute,nillable,labelAttribute\n"
              "imp_sub_Thing,code,string,TRUE,FALSE,\nimp_sub_Thing,label,string,FALSE,FALSE,TRUE\n"
              "imp_sub_Thing,size,int,FALSE,TRUE,\n")
THINGS = "code,label,size\nt1,one,1\nt2,two,2\n"
THING_ARCHIVE = archive(packages=PACKAGES, entities=ENTITIES, attributes=ATTRIBUTES, imp_sub_Thing=THINGS)


def upload(c: Any, headers: dict[str, str], content: bytes, **params: str) -> Any:
    return c.post(UPLOAD, params=params, files={"file": ("upload.zip", content, "application/zip")}, headers=headers)


def run_of(c: Any, headers: dict[str, str], response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    run = c.get(response.text, headers=headers)
    assert run.status_code == 200, run.text
    return run.json()


# -- ImportWizardController#importFile ----------------------------------------------------------------------------

def test_ImportWizardController_importFile_answers_the_run_path(c: Any, admin_h: dict[str, str]) -> None:
    response = upload(c, admin_h, ALL_DATATYPES, action="add", metadataAction="upsert")
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("/api/v2/sys_ImportRun/") and len(response.text.rsplit("/", 1)[1]) == 26
    assert response.headers["location"] == response.text
    run = run_of(c, admin_h, response)
    assert run["status"] == "FINISHED" and run["username"] == "admin"
    assert run["importedEntities"] == f"{REF},org_molgenis_test_python_TypeTest"
    rows = c.get(f"/api/v2/{REF}", headers=admin_h).json()["items"]
    assert [(r["value"], r["label"]) for r in rows] == [(f"ref{i}", f"label{i}") for i in range(1, 6)]
    assert c.get("/api/v2/org_molgenis_test_python_TypeTest", headers=admin_h).json()["total"] == 38


@pytest.mark.parametrize("params, message", [
    ({"action": "nope"}, "Invalid action:[NOPE] valid values: [ADD, ADD_UPDATE_EXISTING, UPDATE, ADD_IGNORE_EXISTING]"),
    ({"metadataAction": "nope"}, "Invalid action:[NOPE] valid values: [ADD, UPDATE, UPSERT, IGNORE]"),
])
def test_ImportWizardController_importFile_bad_actions_are_plain_400(c: Any, admin_h: dict[str, str],
                                                                    params: dict[str, str], message: str) -> None:
    response = upload(c, admin_h, THING_ARCHIVE, **params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == message
    assert c.get("/api/v2/imp_sub_Thing", headers=admin_h).status_code == 404      # nothing imported


@pytest.mark.parametrize("content, message", [
    (b"not a zip", "Not a valid EMX archive: File is not a zip file"),
    (archive(readme="x").replace(b"readme.csv", b"readme.txt"),
     "Unsupported file in archive: 'readme.txt' (only .csv and .tsv sheets)"),
])
def test_ImportWizardController_importFile_unreadable_archive_is_plain_400(c: Any, admin_h: dict[str, str],
                                                                          content: bytes, message: str) -> None:
    response = upload(c, admin_h, content)
    assert response.status_code == 400
    assert response.text == message


def test_ImportWizardController_importFile_needs_the_file_part(c: Any, admin_h: dict[str, str]) -> None:
    response = c.post(UPLOAD, files={"other": ("upload.zip", THING_ARCHIVE, "application/zip")}, headers=admin_h)
    assert response.status_code == 400
    assert "file" in response.text


@pytest.mark.parametrize("user", [None, TEST_USER, IT_USER])
def test_ImportWizardController_importFile_is_for_superusers(c: Any, user: tuple[str, str] | None) -> None:
    headers = auth(c, user) if user else {}
    assert_molgenis_error(upload(c, headers, THING_ARCHIVE), 401, "No permission to use the import wizard.")


# -- EmxMetadataParser --------------------------------------------------------------------------------------------

def test_EmxMetadataParser_reads_the_py_client_archive_as_its_converted_model() -> None:
    """tests/molgenis/pyclient_data/model_pyclient.yaml was converted by hand from the same zip."""
    emx = parse(read_sheets(ALL_DATATYPES))
    expected = yaml.safe_load((HERE / "pyclient_data" / "model_pyclient.yaml").read_text(encoding="utf-8"))
    parsed = {t.id: t.to_dict() for t in emx.entity_types}
    for entity_type in expected["entity_types"]:
        assert parsed[entity_type["id"]] == EntityType.from_dict(entity_type).to_dict()
    # the package label is the name after the parent's (`parsePackagesSheet`), here `test_python`
    assert [(p.id, p.label, p.parent) for p in emx.packages] == [
        ("org_molgenis_test_python", "test_python", "org_molgenis"), ("org_molgenis", "molgenis", "org"),
        ("org", "org", None)]
    # an attributes row naming an entity without an entities row adds that entity type (`getEntityType`)
    person = {t.id: t for t in emx.entity_types}["org_molgenis_test_python_Person"]
    assert person.package is None and person.id_attribute.auto


def test_EmxMetadataParser_setAttrVisible_and_setAttrNullable_expressions() -> None:
    driving = next(a for a in {t.id: t for t in parse(read_sheets(ALL_DATATYPES)).entity_types}[
        "org_molgenis_test_python_Person"].attributes if a.name == "driverslicence")
    assert driving.visible_expression == "{age} notempty and {age}>=18"
    assert driving.nullable_expression == "TRUE"       # a visible expression makes `nillable` an expression
    assert driving.validation_expression == "{driverslicence} notempty || {age} empty || {age} < 18"


def test_EmxMetadataParser_postProcessMetadata_defaults_label_and_lookup() -> None:
    emx = parse(read_sheets(archive(entities="name\nT\n", attributes="entity,name,idAttribute\nT,code,TRUE\nT,x,\n")))
    code = emx.entity_types[0].id_attribute
    assert (code.label_attribute, code.lookup_attribute, code.read_only, code.unique, code.nillable) == (
        True, True, True, True, False)


@pytest.mark.parametrize("attributes, message", [
    ("entity,name,idAttribute\nT,code,YES\n",
     "Invalid value 'YES' for 'idAttribute' in sheet 'attributes' row 1: expected 'TRUE', 'FALSE' or 'AUTO'"),
    ("entity,name,dataType,idAttribute\nT,code,string,TRUE\nT,e,enum,FALSE\n",
     "Missing enum options value for attribute 'e' of entity 'T' in sheet 'attributes' row 2"),
    ("entity,name,dataType,idAttribute\nT,code,strng,TRUE\n",
     "Unknown data type 'strng' of attribute 'code' in sheet 'attributes' row 1"),
    ("entity,name,idAttribute,partOfAttribute\nT,code,TRUE,\nT,x,FALSE,nope\n",
     "Unknown partOfAttribute 'nope' of attribute 'x' in sheet 'attributes' row 2"),
    ("entity,name,idAttribute\nT,x,FALSE\n", "Entity type 'T' has no idAttribute"),
    ("entity,name,dataType,idAttribute\nT,code,string,TRUE\nT,r,xref,FALSE\n",
     "Missing refEntity value for attribute 'r' of entity 'T' in sheet 'attributes' row 2"),
])
def test_EmxMetadataParser_refuses_bad_attribute_rows(attributes: str, message: str) -> None:
    with pytest.raises(EmxProblem) as info:
        parse(read_sheets(archive(attributes=attributes)))
    assert str(info.value) == message


def test_EmxMetadataParser_reads_tsv_with_carriage_returns() -> None:
    emx = parse(read_sheets(SIGHTINGS))
    (sightings,) = emx.entity_types
    assert sightings.id == SIGHTINGS_TYPE and [a.name for a in sightings.attributes] == ["id", "year", "type"]
    assert len(emx.data[SIGHTINGS_TYPE]) == 155


# -- EmxImportService / DataPersisterImpl / ImportRunMetadata -----------------------------------------------------

def test_EmxImportService_getMetadataAction_defaults_to_ADD(c: Any, admin_h: dict[str, str]) -> None:
    assert run_of(c, admin_h, upload(c, admin_h, THING_ARCHIVE))["status"] == "FINISHED"
    run = run_of(c, admin_h, upload(c, admin_h, THING_ARCHIVE))
    assert run["status"] == "FAILED"
    assert run["message"] == "Value 'imp_sub_Thing' for unique attribute 'id' from entity 'sys_md_EntityType' already exists."


def test_DataPersisterImpl_data_actions(c: Any, admin_h: dict[str, str]) -> None:
    assert run_of(c, admin_h, upload(c, admin_h, THING_ARCHIVE))["status"] == "FINISHED"
    changed = archive(imp_sub_Thing="code,label,size\nt1,uno,10\nt3,three,3\n")
    duplicate = run_of(c, admin_h, upload(c, admin_h, changed))                 # no metadata sheets: UPDATE + ADD
    assert duplicate["status"] == "FAILED" and "t1" in duplicate["message"]
    missing = run_of(c, admin_h, upload(c, admin_h, changed, action="UPDATE"))
    assert missing["message"] == "Cannot update [imp_sub_Thing] with id [t3] because it does not exist"
    ignored = run_of(c, admin_h, upload(c, admin_h, changed, action="ADD_IGNORE_EXISTING"))
    assert ignored["status"] == "FINISHED"
    rows = {r["code"]: (r["label"], r.get("size")) for r in c.get("/api/v2/imp_sub_Thing", headers=admin_h).json()["items"]}
    assert rows == {"t1": ("one", 1), "t2": ("two", 2), "t3": ("three", 3)}
    upserted = run_of(c, admin_h, upload(c, admin_h, changed, action="ADD_UPDATE_EXISTING"))
    assert upserted["status"] == "FINISHED"
    rows = {r["code"]: (r["label"], r.get("size")) for r in c.get("/api/v2/imp_sub_Thing", headers=admin_h).json()["items"]}
    assert rows == {"t1": ("uno", 10), "t2": ("two", 2), "t3": ("three", 3)}


def test_DataPersisterImpl_is_all_or_nothing(c: Any, admin_h: dict[str, str]) -> None:
    """A bad row of the second type rolls back the metadata and the first type's rows too."""
    bad = archive(packages=PACKAGES, entities="name,package\nThing,imp_sub\nOther,imp_sub\n",
                  attributes=ATTRIBUTES + "imp_sub_Other,id,int,TRUE,FALSE,\n",
                  imp_sub_Thing=THINGS, imp_sub_Other="id\n1\nabc\n")
    run = run_of(c, admin_h, upload(c, admin_h, bad, metadataAction="UPSERT"))
    assert run["status"] == "FAILED" and "abc" in run["message"]
    assert c.get("/api/v2/imp_sub_Thing", headers=admin_h).status_code == 404
    assert c.get("/api/v2/sys_md_Package?q=id==imp", headers=admin_h).json()["total"] == 0


def test_DataPersisterImpl_IGNORE_imports_data_only(c: Any, admin_h: dict[str, str]) -> None:
    run = run_of(c, admin_h, upload(c, admin_h, THING_ARCHIVE, metadataAction="IGNORE"))
    assert run["status"] == "FAILED" and run["message"] == "Unknown entity type 'imp_sub_Thing'."


def test_ImportRunMetadata_rows_are_read_through_v2(c: Any, admin_h: dict[str, str]) -> None:
    path = upload(c, admin_h, THING_ARCHIVE).text
    run = c.get(f"{path}?attrs=status,message", headers=admin_h).json()
    assert run["status"] == "FINISHED" and set(run) == {"_meta", "_href", "status", "message"}


# -- EntityTypeRepositoryDecorator / PackageRepositoryDecorator ---------------------------------------------------

def test_EntityTypeRepositoryDecorator_delete_of_the_row_deletes_the_type(c: Any, admin_h: dict[str, str]) -> None:
    upload(c, admin_h, SIGHTINGS, metadataAction="UPSERT")
    response = c.request("DELETE", "/api/v2/sys_md_EntityType", json={"entityIds": [SIGHTINGS_TYPE]}, headers=admin_h)
    assert response.status_code == 204
    assert c.get(f"/api/v2/{SIGHTINGS_TYPE}", headers=admin_h).status_code == 404
    assert run_of(c, admin_h, upload(c, admin_h, SIGHTINGS, metadataAction="UPSERT"))["status"] == "FINISHED"
    assert c.delete(f"/api/v1/sys_md_EntityType/{SIGHTINGS_TYPE}", headers=admin_h).status_code == 204
    assert c.get(f"/api/v2/{SIGHTINGS_TYPE}", headers=admin_h).status_code == 404


def test_EntityTypeRepositoryDecorator_without_delete_metadata_deletes_nothing(c: Any, admin_h: dict[str, str]) -> None:
    """The test user holds WRITE (DELETE_DATA) on sys_md_EntityType but only WRITE on V1_API_Items: skipped, 204."""
    response = c.delete("/api/v1/sys_md_EntityType/V1_API_Items", headers=auth(c, TEST_USER))
    assert response.status_code == 204
    assert c.get("/api/v1/V1_API_Items/meta", headers=admin_h).status_code == 200


def test_EntityTypeRepositoryDecorator_system_types_are_refused(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(c.delete("/api/v1/sys_md_EntityType/sys_sec_Token", headers=admin_h), 401,
                          "System metadata cannot be modified.", "DS05")


def test_PackageRepositoryDecorator_delete_takes_sub_packages_and_types(c: Any, admin_h: dict[str, str]) -> None:
    upload(c, admin_h, ALL_DATATYPES, metadataAction="UPSERT")
    assert c.delete("/api/v1/sys_md_Package/org", headers=admin_h).status_code == 204
    assert c.get(f"/api/v2/{REF}", headers=admin_h).status_code == 404
    packages = c.get("/api/v2/sys_md_Package?q=id=like=org", headers=admin_h).json()
    assert packages["total"] == 0
    # org_molgenis_test_python_Person has no entities row, hence no package: it stays (an ADD now fails on it)
    assert c.get("/api/v2/org_molgenis_test_python_Person", headers=admin_h).status_code == 200
    assert run_of(c, admin_h, upload(c, admin_h, ALL_DATATYPES, metadataAction="UPSERT"))["status"] == "FINISHED"


def test_import_wizard_deltas_are_in_the_docs() -> None:
    spec = yaml.safe_load((HERE.parents[1] / "specs" / "molgenis_importwizard.yaml").read_text(encoding="utf-8"))
    text = (HERE.parents[1] / "docs" / "molgenis-deltas.md").read_text(encoding="utf-8")
    section = text[text.index("## Import wizard"):]
    for delta in spec["x-molgenis-deltas"]:
        assert f"| {delta['topic']} | {delta['server']} | {delta['mock']} |" in section, delta["topic"]
