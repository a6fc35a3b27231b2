"""Constraint failures as the PostgreSQL-backed server reports them: `PostgreSqlExceptionTranslator` (codes and texts
of `data_en.properties`), the order in which PostgreSQL finds them (NOT NULL, unique indexes, the read-only
trigger, deferred foreign keys), `RepositoryValidationDecorator` for other backends, and
`DefaultValueReferenceValidatorImpl` on deletes. Test names follow the server class and method they copy."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.molgenis.helpers import ADMIN, TEST_USER, assert_molgenis_error, auth

V1 = "/api/v1"
TT = "V1_API_TypeTestAPIV1"
REF = "V1_API_TypeTestRefAPIV1"
ITEMS = "V1_API_Items"
TEST_USER_ID = "AAAAAAZ246IT3IBKM37IMXS5MI"
TT_BASE = {"id": 100, "xbool": True, "xcategorical_value": "ref1", "xcategoricalmref_value": ["ref1"],
           "xdate": "2020-01-01", "xdatetime": "2020-01-01T00:00:00Z", "xdecimal": 1.5, "xemail": "a@b.org",
           "xenum": "enum1", "xhtml": "<p/>", "xhyperlink": "http://x.org/", "xint": 1, "xintrange": 5,
           "xlong": 1, "xlongrange": 5, "xmref_value": ["ref1"], "xstring": "s", "xtext": "t",
           "xxref_value": "ref1", "xstring_hidden": "h", "xstring_unique": "unique-100", "xint_unique": 100}


def _put_value(c: Any, headers: dict[str, str], path: str, value: Any) -> Any:
    return c.put(path, content=json.dumps(value), headers={**headers, "content-type": "application/json"})


# -- PostgreSqlExceptionTranslator#translateNotNullViolation (D21a) -------------------------------------------------

def test_PostgreSqlExceptionTranslator_translateNotNullViolation_on_create(c: Any, admin_h: dict[str, str]) -> None:
    response = c.post(f"{V1}/{REF}", json={"value": "ref99"}, headers=admin_h)
    assert_molgenis_error(response, 400, f"The attribute 'label' of entity '{REF}' can not be null.", "D21a")


@pytest.mark.parametrize("how", ["put", "tunnel", "form", "attribute"])
def test_PostgreSqlExceptionTranslator_translateNotNullViolation_on_every_write(c: Any, admin_h: dict[str, str],
                                                                                 how: str) -> None:
    """PUT (whole row and one attribute), the JSON and form tunnels: the same coded error, no row suffix."""
    if how == "put":
        response = c.put(f"{V1}/{REF}/ref1", json={"value": "ref1"}, headers=admin_h)
    elif how == "tunnel":
        response = c.post(f"{V1}/{REF}/ref1?_method=PUT", json={"value": "ref1"}, headers=admin_h)
    elif how == "form":
        response = c.post(f"{V1}/{REF}/ref1?_method=PUT", data={"value": "ref1", "label": ""}, headers=admin_h)
    else:
        response = _put_value(c, admin_h, f"{V1}/{REF}/ref1/label", None)
    assert_molgenis_error(response, 400, f"The attribute 'label' of entity '{REF}' can not be null.", "D21a")
    assert c.get(f"{V1}/{REF}/ref1", headers=admin_h).json()["label"] == "label1"


def test_PostgreSqlQueryGenerator_junction_tables_have_no_not_null(c: Any, admin_h: dict[str, str]) -> None:
    """A required MREF lives in a junction table without NOT NULL: the database accepts it empty."""
    response = c.post(f"{V1}/{TT}", json={**TT_BASE, "xmref_value": []}, headers=admin_h)
    assert response.status_code == 201, response.text
    assert c.get(f"{V1}/{TT}/100/xmref_value", headers=admin_h).json()["total"] == 0


# -- PostgreSqlExceptionTranslator#translateUniqueKeyViolation (D24a, D25) ------------------------------------------

def test_PostgreSqlExceptionTranslator_translateUniqueKeyViolation_primary_key(c: Any,
                                                                               admin_h: dict[str, str]) -> None:
    for how in ("json", "form"):
        body = {"value": "ref1", "label": "again"}
        response = (c.post(f"{V1}/{ITEMS}", json=body, headers=admin_h) if how == "json"
                    else c.post(f"{V1}/{ITEMS}", data=body, headers=admin_h))
        assert_molgenis_error(response, 400, f"Value 'ref1' for unique attribute 'value' from entity '{ITEMS}' "
                                             "already exists.", "D24a")


def test_PostgreSqlExceptionTranslator_translateUniqueKeyViolation_on_update(c: Any, admin_h: dict[str, str]) -> None:
    response = _put_value(c, admin_h, f"{V1}/{TT}/1/xstring_unique", "str2")
    assert_molgenis_error(response, 400, f"Value 'str2' for unique attribute 'xstring_unique' from entity '{TT}' "
                                         "already exists.", "D24a")
    assert _put_value(c, admin_h, f"{V1}/{TT}/1/xstring_unique", "str1").status_code == 200   # its own value


def test_PostgreSqlExceptionTranslator_ListValueAlreadyExists(c: Any, admin_h: dict[str, str]) -> None:
    """The junction table's UNIQUE (id, mref): the mref column is not in the translator's attribute map."""
    response = c.post(f"{V1}/{TT}", json={**TT_BASE, "xmref_value": ["ref1", "ref2", "ref1"]}, headers=admin_h)
    assert_molgenis_error(response, 400, f"Duplicate list value 'ref1' for attribute '<unknown>' from entity '{TT}' "
                                         "with id '100'.", "D25")


# -- PostgreSqlExceptionTranslator#translateReadonlyViolation (D18) -------------------------------------------------

def test_PostgreSqlExceptionTranslator_translateReadonlyViolation(c: Any, admin_h: dict[str, str]) -> None:
    row = c.get(f"{V1}/sys_sec_User/{TEST_USER_ID}", headers=admin_h).json()
    body = {k: v for k, v in row.items() if k != "href"}
    response = c.put(f"{V1}/sys_sec_User/{TEST_USER_ID}", json={**body, "username": "renamed"}, headers=admin_h)
    assert_molgenis_error(response, 400, "Updating read-only attribute 'username' of type 'sys_sec_User' with id "
                                         f"'{TEST_USER_ID}' is not allowed.", "D18")


# -- PostgreSqlExceptionTranslator#translateForeignKeyViolation (D23 on write, D22 on delete) -----------------------

@pytest.mark.parametrize("attribute, value, named", [
    ("xxref_value", "nope", "xxref_value"),
    ("xmref_value", ["ref1", "nope"], "<unknown>"),          # a junction table's column: not in the attribute map
    ("xcategoricalmref_value", "nope", "<unknown>"),
])
def test_PostgreSqlExceptionTranslator_translateForeignKeyViolation_unknown_reference(
        c: Any, admin_h: dict[str, str], attribute: str, value: Any, named: str) -> None:
    response = c.post(f"{V1}/{TT}", json={**TT_BASE, attribute: value}, headers=admin_h)
    assert_molgenis_error(response, 400, f"Unknown xref value 'nope' for attribute '{named}' of entity '{TT}'.",
                          "D23")
    single = _put_value(c, admin_h, f"{V1}/{TT}/1/{attribute}", value)
    assert_molgenis_error(single, 400, f"Unknown xref value 'nope' for attribute '{named}' of entity '{TT}'.", "D23")


def test_PostgreSqlRepository_foreign_keys_are_deferred(c: Any, admin_h: dict[str, str]) -> None:
    """Foreign keys are checked at commit, after NOT NULL and the unique indexes: those errors win."""
    body = {**TT_BASE, "xxref_value": "nope", "xint_unique": 1}
    assert_molgenis_error(c.post(f"{V1}/{TT}", json=body, headers=admin_h), 400,
                          f"Value '1' for unique attribute 'xint_unique' from entity '{TT}' already exists.", "D24a")
    body = {**TT_BASE, "xxref_value": "nope", "xstring": None}
    assert_molgenis_error(c.post(f"{V1}/{TT}", json=body, headers=admin_h), 400,
                          f"The attribute 'xstring' of entity '{TT}' can not be null.", "D21a")


def test_PostgreSqlExceptionTranslator_translateForeignKeyViolation_still_referenced(c: Any,
                                                                                     admin_h: dict[str, str]) -> None:
    """ValueReferencedException names the referencing type and the referenced id attribute."""
    assert c.post(f"{V1}/{REF}", json={"value": "ref99", "label": "used"}, headers=admin_h).status_code == 201
    for attribute, value in (("xxrefnillable_value", "ref99"), ("xmrefnillable_value", ["ref99"])):
        assert _put_value(c, admin_h, f"{V1}/{TT}/1/{attribute}", value).status_code == 200
        response = c.delete(f"{V1}/{REF}/ref99", headers=admin_h)
        assert_molgenis_error(response, 400, f"Value 'ref99' for attribute 'value' is referenced by entity '{TT}'.",
                              "D22")
        tunnel = c.post(f"{V1}/{REF}/ref99?_method=DELETE", headers=admin_h)
        assert_molgenis_error(tunnel, 400, f"Value 'ref99' for attribute 'value' is referenced by entity '{TT}'.",
                              "D22")
        assert c.get(f"{V1}/{REF}/ref99", headers=admin_h).status_code == 200
        assert _put_value(c, admin_h, f"{V1}/{TT}/1/{attribute}", None).status_code == 200
    assert c.delete(f"{V1}/{REF}/ref99", headers=admin_h).status_code == 204


def test_PostgreSqlRepository_deleting_an_unreferenced_row_works(c: Any, admin_h: dict[str, str]) -> None:
    assert c.post(f"{V1}/{REF}", json={"value": "ref99", "label": "free"}, headers=admin_h).status_code == 201
    assert c.delete(f"{V1}/{REF}/ref99", headers=admin_h).status_code == 204
    assert c.get(f"{V1}/{REF}/ref99", headers=admin_h).status_code == 404


# -- DefaultValueReferenceValidatorImpl ------------------------------------------------------------------------------

def test_DefaultValueReferenceValidatorImpl_validateEntityNotReferencedById(c: Any, admin_h: dict[str, str]) -> None:
    """ref1 is the default of three attributes of TypeTestAPIV1: the row stays (a MolgenisValidationException, no
    code)."""
    response = c.delete(f"{V1}/{REF}/ref1", headers=admin_h)
    assert_molgenis_error(response, 400, "'TypeTestRefAPIV1' with id 'ref1' is referenced as default value by "
                                         "attribute(s): 'xcategorical_value, xcategoricalmref_value, "
                                         "xcatmrefnillable_value'")
    assert c.get(f"{V1}/{REF}/ref1", headers=admin_h).status_code == 200


def test_DefaultValueReferenceValidatorImpl_validateEntityTypeNotReferenced(c: Any, admin_h: dict[str, str]) -> None:
    for response in (c.delete(f"{V1}/{REF}", headers=admin_h), c.post(f"{V1}/{REF}?_method=DELETE", headers=admin_h)):
        assert_molgenis_error(response, 400, "'TypeTestRefAPIV1' entities are referenced as default value by "
                                             "attributes")
    assert c.get(f"{V1}/{REF}", headers=admin_h).json()["total"] == 5


def test_PostgreSqlRepository_computed_references_are_no_foreign_keys(c: Any, admin_h: dict[str, str]) -> None:
    """xcomputedxref (an expression) points at LocationAPIV1 without a column: deleting all locations works."""
    assert c.delete(f"{V1}/V1_API_LocationAPIV1", headers=admin_h).status_code == 204
    assert c.get(f"{V1}/V1_API_LocationAPIV1", headers=admin_h).json()["total"] == 0


# -- RepositoryValidationDecorator: repositories that do not check constraints themselves --------------------------

MODEL = """
packages:
  - {id: mem, label: Memory}
entity_types:
  - id: mem_Shelf
    package: mem
    label: Shelf
    backend: InMemory
    attributes:
      - {name: code, id_attribute: true, nillable: false, unique: true, label_attribute: true}
      - {name: name, nillable: false}
  - id: mem_Author
    package: mem
    label: Author
    attributes:
      - {name: name, id_attribute: true, nillable: false, unique: true, label_attribute: true}
  - id: mem_Book
    package: mem
    label: Book
    attributes:
      - {name: isbn, id_attribute: true, nillable: false, unique: true, label_attribute: true}
      - {name: shelf, type: XREF, ref_entity: mem_Shelf}
      - {name: author, type: XREF, ref_entity: mem_Author}
"""
ROWS = """
rows:
  mem_Shelf:
    - {code: A, name: first}
  mem_Author:
    - {name: Herbert}
    - {name: Austen}
  mem_Book:
    - {isbn: "1", shelf: A, author: Herbert}
"""
SECURITY = """
users:
  - {username: admin, password: admin, superuser: true}
grants: []
"""


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    (tmp_path / "model.yaml").write_text(MODEL)
    (tmp_path / "data.yaml").write_text(ROWS)
    (tmp_path / "security.yaml").write_text(SECURITY)
    with create_app(["molgenis"], settings=Settings(data_dirs={"molgenis": tmp_path})).test_client() as client:
        yield client, auth(client, ADMIN)


def test_RepositoryValidationDecorator_validates_other_backends(memory: tuple[Any, dict[str, str]]) -> None:
    """No database constraints: every violation, the validator's texts with the row suffix, no code."""
    client, headers = memory
    response = client.post(f"{V1}/mem_Shelf", json={"code": "A"}, headers=headers)
    errors = assert_molgenis_error(response, 400)
    assert [e["message"] for e in errors] == [
        "The attribute 'name' of entity 'mem_Shelf' can not be null. (entity 1)",
        "Duplicate value 'A' for unique attribute 'code' from entity 'mem_Shelf' (entity 1)"]


def test_RepositoryValidationDecorator_initReferenceValidation_cross_backend(memory: tuple[Any, dict[str, str]]
                                                                            ) -> None:
    """A PostgreSQL type referring to another backend has no foreign key: the decorator checks that reference."""
    client, headers = memory
    response = client.post(f"{V1}/mem_Book", json={"isbn": "2", "shelf": "Z"}, headers=headers)
    assert_molgenis_error(response, 400, "Unknown xref value 'Z' for attribute 'shelf' of entity 'mem_Book'. "
                                         "(entity 1)")


def test_PostgreSqlRepository_no_foreign_key_into_another_backend(memory: tuple[Any, dict[str, str]]) -> None:
    """Deleting a referenced row of a non-PostgreSQL type is not refused by a foreign key."""
    client, headers = memory
    assert client.delete(f"{V1}/mem_Shelf/A", headers=headers).status_code == 204


def test_PostgreSqlExceptionTranslator_still_referenced_on_deleteAll(memory: tuple[Any, dict[str, str]]) -> None:
    client, headers = memory
    response = client.delete(f"{V1}/mem_Author", headers=headers)
    assert_molgenis_error(response, 400, "Value 'Herbert' for attribute 'name' is referenced by entity 'mem_Book'.",
                          "D22")
    assert client.get(f"{V1}/mem_Author", headers=headers).json()["total"] == 2
    assert client.delete(f"{V1}/mem_Author/Austen", headers=headers).status_code == 204


def test_test_user_gets_the_same_constraint_errors(c: Any) -> None:
    """Constraint errors do not depend on who writes (the V1 test user holds WRITE)."""
    headers = auth(c, TEST_USER)
    response = c.post(f"{V1}/{ITEMS}", json={"value": "ref2", "label": "x"}, headers=headers)
    assert_molgenis_error(response, 400, f"Value 'ref2' for unique attribute 'value' from entity '{ITEMS}' already "
                                         "exists.", "D24a")
