"""Unknown entity types, rows and attributes (handlers/molgenis/context.py) over HTTP: 404 D01, D02 and D04, the
id typed by the id attribute, and the server's quirks."""
from __future__ import annotations

from typing import Any

import pytest

from tests.molgenis.helpers import DISEASE, ITEMS, TT, TT_BASE, TT_LABEL, V1, assert_molgenis_error, d02


# -- unknown type, row, attribute (D01/D02/D04) ------------------------------------------------------------------------

UNKNOWN_TYPE_CALLS = [
    ("GET", f"{V1}/nope", None), ("GET", f"{V1}/nope/meta", None), ("GET", f"{V1}/nope/meta/x", None),
    ("GET", f"{V1}/nope/1", None), ("GET", f"{V1}/nope/1/x", None), ("GET", f"{V1}/csv/nope", None),
    ("POST", f"{V1}/nope", {"value": "x"}), ("POST", f"{V1}/nope?_method=GET", {}),
    ("POST", f"{V1}/nope/meta?_method=GET", {}), ("POST", f"{V1}/nope/1?_method=GET", {}),
    ("PUT", f"{V1}/nope/1", {"value": "1"}), ("PUT", f"{V1}/nope/1/x", "y"),
    ("DELETE", f"{V1}/nope/1", None), ("DELETE", f"{V1}/nope", None), ("DELETE", f"{V1}/nope/meta", None),
    ("POST", f"{V1}/nope/1?_method=DELETE", None), ("POST", f"{V1}/nope?_method=DELETE", None),
]


@pytest.mark.parametrize("method, path, body", UNKNOWN_TYPE_CALLS, ids=[f"{m} {p}" for m, p, _ in UNKNOWN_TYPE_CALLS])
def test_unknown_entity_type(c: Any, admin_h: dict[str, str], method: str, path: str, body: Any) -> None:
    response = c.request(method, path, json=body, headers=admin_h) if body is not None else \
        c.request(method, path, headers=admin_h)
    assert_molgenis_error(response, 404, "Unknown entity type 'nope'.", "D01")


def test_entity_type_ids_are_case_sensitive(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(c.get(f"{V1}/v1_api_items", headers=admin_h), 404, "Unknown entity type 'v1_api_items'.",
                          "D01")
    assert c.get(f"{V1}/v1_api_items/exist", headers=admin_h).json() is False


def test_deleted_entity_type_is_unknown(c: Any, admin_h: dict[str, str]) -> None:
    assert c.delete(f"{V1}/base_APITest3/meta", headers=admin_h).status_code == 204
    assert_molgenis_error(c.get(f"{V1}/base_APITest3", headers=admin_h), 404, "Unknown entity type 'base_APITest3'.",
                          "D01")
    assert_molgenis_error(c.delete(f"{V1}/base_APITest3/meta", headers=admin_h), 404,
                          "Unknown entity type 'base_APITest3'.", "D01")


UNKNOWN_ROW_CALLS = [
    ("GET", f"{V1}/{ITEMS}/nope", None, d02("value label", "nope", "Items")),
    ("GET", f"{V1}/{TT}/999", None, d02("id label", "999", TT_LABEL)),
    ("GET", f"{V1}/sys_FreemarkerTemplate/test.csv", None, d02("Id", "test.csv", "Freemarker template")),
    ("GET", f"{V1}/{DISEASE}/NOPE", None, d02("ICD-10 code", "NOPE", "Disease")),
    ("GET", f"{V1}/{ITEMS}/nope/label", None, d02("value label", "nope", "Items")),
    ("PUT", f"{V1}/{ITEMS}/nope", {"value": "nope", "label": "x"}, d02("value label", "nope", "Items")),
    ("PUT", f"{V1}/{ITEMS}/nope/label", "x", d02("value label", "nope", "Items")),
    ("POST", f"{V1}/{ITEMS}/nope?_method=GET", {}, d02("value label", "nope", "Items")),
    ("POST", f"{V1}/{ITEMS}/nope?_method=PUT", {"value": "nope", "label": "x"}, d02("value label", "nope", "Items")),
    ("POST", f"{V1}/{ITEMS}/nope/label?_method=GET", {}, d02("value label", "nope", "Items")),
    ("POST", f"{V1}/{ITEMS}/nope/label?_method=PUT", "x", d02("value label", "nope", "Items")),
]


@pytest.mark.parametrize("method, path, body, message", UNKNOWN_ROW_CALLS,
                         ids=[f"{m} {p}" for m, p, _, _ in UNKNOWN_ROW_CALLS])
def test_unknown_row(c: Any, admin_h: dict[str, str], method: str, path: str, body: Any, message: str) -> None:
    response = c.request(method, path, json=body, headers=admin_h) if body is not None else \
        c.request(method, path, headers=admin_h)
    assert_molgenis_error(response, 404, message, "D02")


def test_unknown_row_in_a_form_update(c: Any, admin_h: dict[str, str]) -> None:
    response = c.post(f"{V1}/{ITEMS}/nope?_method=PUT", data={"value": "nope", "label": "x"}, headers=admin_h)
    assert_molgenis_error(response, 404, d02("value label", "nope", "Items"), "D02")


def test_deleting_a_missing_row_is_not_an_error(c: Any, admin_h: dict[str, str]) -> None:
    """DELETE by id: 204 even when the id does not exist (contrast with the 404s above)."""
    assert c.delete(f"{V1}/{ITEMS}/nope", headers=admin_h).status_code == 204
    assert c.delete(f"{V1}/sys_FileMeta/non-existing-entity_id", headers=admin_h).status_code == 204
    assert c.post(f"{V1}/{ITEMS}/nope?_method=DELETE", headers=admin_h).status_code == 204
    assert c.get(f"{V1}/{ITEMS}", headers=admin_h).json()["total"] == 5


@pytest.mark.parametrize("path", [f"{V1}/{TT}/abc", f"{V1}/{TT}/abc/xint", f"{V1}/{TT}/1.5", f"{V1}/{TT}/99999999999"])
def test_int_path_id_that_is_not_an_int(c: Any, admin_h: dict[str, str], path: str) -> None:
    """The server answers 500 NumberFormatException (path ids are typed by the id attribute); no row can have such
    an id, so the mock says D02."""
    raw_id = path.split("/")[4]
    assert_molgenis_error(c.get(path, headers=admin_h), 404, d02("id label", raw_id, TT_LABEL), "D02")


def test_int_path_id_that_is_not_an_int_on_writes(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(c.put(f"{V1}/{TT}/abc", json={**TT_BASE, "id": 1}, headers=admin_h), 404,
                          d02("id label", "abc", TT_LABEL), "D02")
    assert_molgenis_error(c.put(f"{V1}/{TT}/abc/xint", json=5, headers=admin_h), 404,
                          d02("id label", "abc", TT_LABEL), "D02")
    assert c.delete(f"{V1}/{TT}/abc", headers=admin_h).status_code == 204
    assert c.get(f"{V1}/{TT}", headers=admin_h).json()["total"] == 38


UNKNOWN_ATTRIBUTE_CALLS = [
    ("GET", f"{V1}/{ITEMS}/ref1/nope", None),
    ("GET", f"{V1}/{ITEMS}/nope/nope", None),          # the attribute is checked before the row
    ("PUT", f"{V1}/{ITEMS}/ref1/nope", "x"),
    ("POST", f"{V1}/{ITEMS}/ref1/nope?_method=GET", {}),
    ("POST", f"{V1}/{ITEMS}/ref1/nope?_method=PUT", "x"),
    ("GET", f"{V1}/{ITEMS}/ref1/LABEL", None),         # attribute names in paths are case-sensitive
]


@pytest.mark.parametrize("method, path, body", UNKNOWN_ATTRIBUTE_CALLS,
                         ids=[f"{m} {p}" for m, p, _ in UNKNOWN_ATTRIBUTE_CALLS])
def test_unknown_attribute(c: Any, admin_h: dict[str, str], method: str, path: str, body: Any) -> None:
    response = c.request(method, path, json=body, headers=admin_h) if body is not None else \
        c.request(method, path, headers=admin_h)
    name = path.split("/")[5].split("?")[0]
    assert_molgenis_error(response, 404, f"Unknown attribute '{name}' of entity type 'Items'.", "D04")


def test_unknown_attribute_on_meta_is_the_d01_quirk(c: Any, admin_h: dict[str, str]) -> None:
    """Quirk: GET /{e}/meta/{unknown} throws an unknown-entity-type error (D01 naming the type), not D04."""
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}/meta/nope", headers=admin_h), 404,
                          f"Unknown entity type '{ITEMS}'.", "D01")
    assert_molgenis_error(c.post(f"{V1}/{ITEMS}/meta/nope?_method=GET", json={}, headers=admin_h), 404,
                          f"Unknown entity type '{ITEMS}'.", "D01")


@pytest.mark.parametrize("method, path", [("PUT", f"{V1}/{TT}/1/xstringnillable"),
                                          ("POST", f"{V1}/{TT}/1/xstringnillable?_method=PUT")])
def test_attribute_put_without_body_and_content_type_sets_null(c: Any, admin_h: dict[str, str], method: str,
                                                               path: str) -> None:
    """Attribute PUT: an empty body is null (this used to be a 400 `... [LinkedTreeMap] ...`: the absent body reached
    the handler as {})."""
    response = c.request(method, path, headers=admin_h)
    assert response.status_code == 200, response.text
    assert "xstringnillable" not in c.get(f"{V1}/{TT}/1", headers=admin_h).json()


def test_null_xref_sub_resource(c: Any, admin_h: dict[str, str]) -> None:
    """A null reference's sub-resource: the server answers 500 `entity is null`; the mock a 404 with the same message
    (spec, GET /{e}/{id}/{attr})."""
    assert c.put(f"{V1}/{TT}/1/xxrefnillable_value", headers={**admin_h, "content-type": "application/json"}
                 ).status_code == 200
    assert_molgenis_error(c.get(f"{V1}/{TT}/1/xxrefnillable_value", headers=admin_h), 404, "entity is null")
