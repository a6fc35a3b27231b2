"""Regression tests (issue 16, defects 1 and 12): deleting a `sys_md_Package` row follows the server's checks, and
POST of a row without a JSON object body answers Spring's "missing body" 400."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin_apis.molgenis.model_store import model_of
from tests.molgenis.helpers import TEST_USER, assert_molgenis_error, auth, molgenis_app

API = "/api/v1"
KNOWN = [t.id for t in model_of(molgenis_app().apitwin.runtimes["molgenis"].store).entity_types.values()]


def package(client: Any, headers: dict[str, str], package_id: str, parent: str | None = None) -> None:
    body = {"id": package_id, "label": package_id, **({"parent": parent} if parent else {})}
    response = client.post(f"{API}/sys_md_Package", json=body, headers=headers)
    assert response.status_code == 201, response.text


def type_count(client: Any, headers: dict[str, str], prefix: str) -> int:
    """Entity types whose id starts with `prefix`, by asking for each known type's metadata."""
    model = model_of(client.app.apitwin.runtimes["molgenis"].store)
    return sum(1 for type_id in KNOWN if type_id.startswith(prefix) and model.get(type_id) is not None
               and client.get(f"{API}/{type_id}/meta", headers=headers).status_code == 200)


def test_delete_of_a_missing_package_row_deletes_nothing(mclient: Any, admin: dict[str, str]) -> None:
    """No `biobank` row exists (the package lives in the model only): 204, and every biobank type stays."""
    before = type_count(mclient, admin, "biobank_")
    for who in (auth(mclient, TEST_USER), admin):
        assert mclient.delete(f"{API}/sys_md_Package/biobank", headers=who).status_code == 204
    assert type_count(mclient, admin, "biobank_") == before > 0
    assert mclient.get(f"{API}/biobank_Sample", headers=admin).status_code == 200


def test_delete_of_sys_answers_ds05_and_keeps_the_system_types(mclient: Any, admin: dict[str, str]) -> None:
    package(mclient, admin, "sys_md")
    before = type_count(mclient, admin, "sys_")
    response = mclient.delete(f"{API}/sys_md_Package/sys_md", headers=admin)
    assert_molgenis_error(response, 401, "System metadata cannot be modified.", "DS05")
    assert mclient.delete(f"{API}/sys_md_Package/sys", headers=admin).status_code == 204   # no such row
    assert type_count(mclient, admin, "sys_") == before
    assert mclient.get(f"{API}/sys_md_Package/sys_md", headers=admin).status_code == 200    # the row stays too


def test_non_admin_without_delete_metadata_cannot_delete_a_package(mclient: Any, admin: dict[str, str]) -> None:
    """`test` has WRITE on sys_md_Package, but only READ (anonymous) on biobank_*: 401 DS04, nothing deleted."""
    package(mclient, admin, "collections")
    package(mclient, admin, "biobank", parent="collections")
    before = type_count(mclient, admin, "biobank_")
    response = mclient.delete(f"{API}/sys_md_Package/biobank", headers=auth(mclient, TEST_USER))
    errors = assert_molgenis_error(response, 401, code="DS04")
    assert errors[0]["message"].startswith("No 'Delete metadata' permission on entity type")
    assert type_count(mclient, admin, "biobank_") == before
    assert mclient.get(f"{API}/sys_md_Package/biobank", headers=admin).status_code == 200


def test_non_admin_top_level_package_delete_is_skipped(mclient: Any, admin: dict[str, str]) -> None:
    """Row-level security: only superusers delete top-level packages; the server answers 204 and keeps it."""
    package(mclient, admin, "base")
    before = type_count(mclient, admin, "base_")
    assert mclient.delete(f"{API}/sys_md_Package/base", headers=auth(mclient, TEST_USER)).status_code == 204
    assert type_count(mclient, admin, "base_") == before
    assert mclient.get(f"{API}/sys_md_Package/base", headers=admin).status_code == 200


def test_delete_metadata_holder_and_admin_delete_packages_with_their_types(mclient: Any,
                                                                           admin: dict[str, str]) -> None:
    package(mclient, admin, "tests")
    package(mclient, admin, "base", parent="tests")        # `test` holds WRITEMETA on every base_* type
    assert mclient.delete(f"{API}/sys_md_Package/base", headers=auth(mclient, TEST_USER)).status_code == 204
    assert type_count(mclient, admin, "base_") == 0
    package(mclient, admin, "biobank")
    assert mclient.delete(f"{API}/sys_md_Package/biobank", headers=admin).status_code == 204
    assert type_count(mclient, admin, "biobank_") == 0


@pytest.mark.parametrize("raw", [b"", b"null"])
def test_create_without_a_body_object_is_refused(mclient: Any, admin: dict[str, str], raw: bytes) -> None:
    count = mclient.get(f"{API}/biobank_Donor?num=0", headers=admin).json()["total"]
    headers = {**admin, "Content-Type": "application/json"}
    response = mclient.post(f"{API}/biobank_Donor", content=raw, headers=headers)
    assert_molgenis_error(response, 400, "Required request body is missing")
    assert mclient.get(f"{API}/biobank_Donor?num=0", headers=admin).json()["total"] == count


@pytest.mark.parametrize("raw", [b"", b"null"])
def test_replace_without_a_body_object_is_refused(mclient: Any, admin: dict[str, str], raw: bytes) -> None:
    before = mclient.get(f"{API}/V1_API_Items/ref1", headers=admin).json()
    headers = {**admin, "Content-Type": "application/json"}
    response = mclient.put(f"{API}/V1_API_Items/ref1", content=raw, headers=headers)
    assert_molgenis_error(response, 400)       # the spec requires the body: refused before the handler
    assert mclient.get(f"{API}/V1_API_Items/ref1", headers=admin).json() == before


def test_delete_of_a_referenced_entity_type_answers_d19_and_keeps_it(mclient: Any, admin: dict[str, str]) -> None:
    """PostgreSQL refuses DROP TABLE while another table's foreign key points at it (2BP01, translated to D19);
    the type and its rows stay, and the referencing type still writes its references."""
    before = mclient.get(f"{API}/V1_API_TypeTestRefAPIV1?num=0", headers=admin).json()["total"]
    for how in ("delete", "tunnel"):
        response = (mclient.delete(f"{API}/V1_API_TypeTestRefAPIV1/meta", headers=admin) if how == "delete" else
                    mclient.post(f"{API}/V1_API_TypeTestRefAPIV1/meta?_method=DELETE", headers=admin))
        errors = assert_molgenis_error(response, 400, code="D19")
        assert errors[0]["message"].startswith("Data cannot be deleted due to dependencies: V1_API_TypeTestRefAPIV1 -> [")
        assert "V1_API_TypeTestAPIV1" in errors[0]["message"]
    assert mclient.get(f"{API}/V1_API_TypeTestRefAPIV1?num=0", headers=admin).json()["total"] == before > 0
    assert mclient.get(f"{API}/V1_API_TypeTestAPIV1/1", headers=admin).status_code == 200


def test_the_referencing_type_can_be_deleted_first(mclient: Any, admin: dict[str, str]) -> None:
    """Nothing references V1_API_TypeTestAPIV1: the D19 check refuses only drops another type depends on."""
    assert mclient.delete(f"{API}/V1_API_TypeTestAPIV1/meta", headers=admin).status_code == 204
    assert mclient.get(f"{API}/V1_API_TypeTestAPIV1", headers=admin).status_code == 404


@pytest.mark.parametrize("how", ["delete", "tunnel"])
def test_delete_of_a_system_entity_type_answers_ds05(mclient: Any, admin: dict[str, str], how: str) -> None:
    """EntityTypeRepositorySecurityDecorator: with DELETE_METADATA, a system type is refused for every user."""
    response = (mclient.delete(f"{API}/sys_sec_User/meta", headers=admin) if how == "delete" else
                mclient.post(f"{API}/sys_sec_User/meta?_method=DELETE", headers=admin))
    assert_molgenis_error(response, 401, "System metadata cannot be modified.", "DS05")
    assert mclient.get(f"{API}/sys_sec_User/meta", headers=admin).status_code == 200
