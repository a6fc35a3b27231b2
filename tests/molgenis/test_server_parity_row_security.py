"""Row-level security as the server's decorators do it, seen through REST v1 and v2: `RepositorySecurityDecorator`
(the entity-type permission first), then `RowLevelSecurityRepositoryDecorator` / its abstract base (an ACL per
row: `findAllPermitted` filters lists and totals, `findOneById` hides a row (404), `update` refuses with
`EntityPermissionDeniedException` DS06, `deleteById`/`deleteAll` skip what they may not delete **silently** (204),
`add` is always allowed and `createAcl` gives the creator WRITE), and `UserPermissionEvaluatorImpl` (superusers
pass). `DataPermissionConfig`: row READ is held by a READ or WRITE entry, UPDATE and DELETE by WRITE.

Fixture (mockdata/molgenis): `base_Notes` is row-level secured; the test user has WRITEMETA on the type (as on
every base_* type) and, per row, READ on n1, WRITE on n2, nothing on n3; anonymous READ on n4 (anonymous has no type
grant, so it still sees nothing); it-user READ on the type and no row entries except anonymous' n4. Test names follow the server class and
method they copy."""
from __future__ import annotations

from typing import Any

import pytest

from tests.molgenis.helpers import IT_USER, TEST_USER, assert_molgenis_error, auth

NOTES = "base_Notes"
V1 = f"/api/v1/{NOTES}"
V2 = f"/api/v2/{NOTES}"


def ids_v1(c: Any, headers: dict[str, str], query: str = "") -> tuple[list[str], int]:
    body = c.get(f"{V1}{query}", headers=headers).json()
    return [item["id"] for item in body["items"]], body["total"]


def ids_v2(c: Any, headers: dict[str, str], query: str = "") -> tuple[list[str], int]:
    body = c.get(f"{V2}{query}", headers=headers).json()
    return [item["id"] for item in body["items"]], body["total"]


def ds06(permission: str, entity_id: str) -> str:
    return f"No '{permission}' permission on entity '{entity_id}' of type 'Notes'"


# -- findAllPermitted / count ---------------------------------------------------------------------------------------

def test_RowLevelSecurityRepositoryDecorator_findAll_filters_rows_and_total(c: Any, admin_h: dict[str, str]) -> None:
    test_h = auth(c, TEST_USER)
    assert ids_v1(c, test_h) == (["n1", "n2", "n4"], 3)
    assert ids_v2(c, test_h) == (["n1", "n2", "n4"], 3)
    assert ids_v1(c, auth(c, IT_USER)) == (["n4"], 1)
    assert ids_v1(c, admin_h) == (["n1", "n2", "n3", "n4"], 4)     # UserPermissionEvaluatorImpl: superuser


def test_RowLevelSecurityRepositoryDecorator_findAllPermitted_pages_after_filtering(c: Any) -> None:
    test_h = auth(c, TEST_USER)
    assert ids_v1(c, test_h, "?start=1&num=1") == (["n2"], 3)
    assert ids_v2(c, test_h, "?start=2&num=1") == (["n4"], 3)
    assert ids_v2(c, test_h, "?q=text=like=admin") == ([], 0)
    lines = c.get(f"/api/v1/csv/{NOTES}", headers=test_h).text.splitlines()
    assert [line.split(",")[0].strip('"') for line in lines[1:]] == ["n1", "n2", "n4"]


def test_RepositorySecurityDecorator_comes_first(c: Any) -> None:
    """Anonymous holds READ on row n4 but nothing on the type: the type-level check refuses before any row."""
    assert_molgenis_error(c.get(V1), 401, "No 'Read metadata' permission on entity type 'Notes' with id 'base_Notes'.",
                          "DS04")


# -- findOneById --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [f"{V1}/n3", f"{V2}/n3", f"{V1}/n3/text"])
def test_RowLevelSecurityRepositoryDecorator_findOneById_hides_the_row(c: Any, path: str) -> None:
    assert_molgenis_error(c.get(path, headers=auth(c, TEST_USER)), 404,
                          "Unknown entity with 'id' 'n3' of type 'Notes'.", "D02")


def test_RowLevelSecurityRepositoryDecorator_findOneById_of_a_readable_row(c: Any) -> None:
    test_h = auth(c, TEST_USER)
    assert c.get(f"{V1}/n1", headers=test_h).json()["text"] == "read by test"
    assert c.get(f"{V2}/n4", headers=test_h).json()["text"] == "read by anyone"


# -- update ---------------------------------------------------------------------------------------------------------

def test_RowLevelSecurityRepositoryDecorator_update_without_update_permission_is_DS06(c: Any,
                                                                                     admin_h: dict[str, str]) -> None:
    test_h = auth(c, TEST_USER)
    assert_molgenis_error(c.put(f"{V1}/n1", json={"id": "n1", "text": "changed"}, headers=test_h), 401,
                          ds06("Update", "n1"), "DS06")
    assert_molgenis_error(c.put(f"{V1}/n1/text", json="changed", headers=test_h), 401, ds06("Update", "n1"), "DS06")
    assert_molgenis_error(c.put(V2, json={"entities": [{"id": "n1", "text": "changed"}]}, headers=test_h), 401,
                          ds06("Update", "n1"), "DS06")
    assert_molgenis_error(c.put(f"{V2}/text", json={"entities": [{"id": "n1", "text": "changed"}]}, headers=test_h),
                          401, ds06("Update", "n1"), "DS06")
    assert c.get(f"{V1}/n1", headers=admin_h).json()["text"] == "read by test"


def test_RowLevelSecurityRepositoryDecorator_update_of_an_unreadable_row_is_404(c: Any) -> None:
    """v1 reads the row first (`findOneById`): a row without READ is unknown."""
    assert_molgenis_error(c.put(f"{V1}/n3", json={"id": "n3", "text": "x"}, headers=auth(c, TEST_USER)), 404,
                          "Unknown entity with 'id' 'n3' of type 'Notes'.", "D02")


def test_RowLevelSecurityRepositoryDecorator_update_with_write_permission(c: Any) -> None:
    test_h = auth(c, TEST_USER)
    assert c.put(f"{V1}/n2", json={"id": "n2", "text": "changed"}, headers=test_h).status_code == 200
    assert c.get(f"{V1}/n2", headers=test_h).json()["text"] == "changed"


def test_RowLevelSecurityRepositoryDecorator_sits_between_validation_and_the_database(c: Any) -> None:
    """RepositoryValidationDecorator is outside the row-level decorator (a too long value is reported first), the
    database inside it (a missing required value is not reached: DS06)."""
    test_h = auth(c, TEST_USER)
    too_long = c.put(f"{V1}/n1", json={"id": "n1", "text": "x" * 300}, headers=test_h)
    assert too_long.status_code == 400 and "DS06" not in too_long.text, too_long.text
    assert_molgenis_error(c.put(f"{V1}/n1", json={"id": "n1"}, headers=test_h), 401, ds06("Update", "n1"), "DS06")


# -- delete ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", [
    ("DELETE", f"{V1}/n1", None),
    ("DELETE", f"{V1}/n3", None),
    ("DELETE", f"{V2}/n1", None),
    ("DELETE", V2, {"entityIds": ["n1", "n3"]}),
])
def test_RowLevelSecurityRepositoryDecorator_deleteById_without_permission_is_silent(
        c: Any, admin_h: dict[str, str], method: str, path: str, body: Any) -> None:
    response = c.request(method, path, json=body, headers=auth(c, TEST_USER))
    assert response.status_code == 204, response.text
    assert ids_v1(c, admin_h) == (["n1", "n2", "n3", "n4"], 4)


def test_RowLevelSecurityRepositoryDecorator_deleteById_with_write(c: Any, admin_h: dict[str, str]) -> None:
    assert c.delete(f"{V1}/n2", headers=auth(c, TEST_USER)).status_code == 204
    assert ids_v1(c, admin_h) == (["n1", "n3", "n4"], 3)


def test_RowLevelSecurityRepositoryDecorator_deleteAll_deletes_only_permitted_rows(c: Any,
                                                                                   admin_h: dict[str, str]) -> None:
    assert c.delete(V1, headers=auth(c, TEST_USER)).status_code == 204
    assert ids_v1(c, admin_h) == (["n1", "n3", "n4"], 3)
    assert c.delete(V1, headers=admin_h).status_code == 204
    assert ids_v1(c, admin_h) == ([], 0)


# -- add / createAcl ------------------------------------------------------------------------------------------------

def test_RowLevelSecurityRepositoryDecorator_add_gives_the_creator_write(c: Any, admin_h: dict[str, str]) -> None:
    test_h = auth(c, TEST_USER)
    assert c.post(V1, json={"id": "mine", "text": "by test"}, headers=test_h).status_code == 201
    assert c.post(V2, json={"entities": [{"id": "mine2", "text": "by test"}]}, headers=test_h).status_code == 201
    assert ids_v1(c, test_h) == (["mine", "mine2", "n1", "n2", "n4"], 5)
    assert c.put(f"{V1}/mine", json={"id": "mine", "text": "changed"}, headers=test_h).status_code == 200
    assert c.delete(f"{V1}/mine2", headers=test_h).status_code == 204
    # admin's rows get admin's ACL: the test user does not see them
    assert c.post(V1, json={"id": "admins", "text": "by admin"}, headers=admin_h).status_code == 201
    assert ids_v1(c, test_h) == (["mine", "n1", "n2", "n4"], 4)


def test_RowLevelSecurityRepositoryDecorator_deleteAcl_goes_with_the_row(c: Any, admin_h: dict[str, str]) -> None:
    """A row deleted and created again by someone else does not keep the old row's entries."""
    assert c.delete(f"{V1}/n2", headers=admin_h).status_code == 204
    assert c.post(V1, json={"id": "n2", "text": "again"}, headers=admin_h).status_code == 201
    assert ids_v1(c, auth(c, TEST_USER)) == (["n1", "n4"], 2)



def test_EntityTypeRepositorySecurityDecorator_deleteAcl_drops_the_types_row_acls(c: Any,
                                                                                  admin_h: dict[str, str]) -> None:
    """A deleted type's row entries go with it (`deleteAcl` drops the ACL class), so a type created again under the
    same id (as the py-client suite's imports do) does not inherit them."""
    store = c.app.apitwin.runtimes["molgenis"].store
    assert [g["row"] for g in store["row_grants"].scan() if g["entity_type"] == NOTES] == ["n1", "n2", "n4"]
    assert c.delete(f"{V1}/meta", headers=admin_h).status_code == 204
    assert [g for g in store["row_grants"].scan() if g["entity_type"] == NOTES] == []
