"""Reading a request (handlers/molgenis/inputs.py, csv.py) over HTTP: `attributes` and `expand`, RSQL and
`attributes` on the CSV route, and request bodies (encoding, syntax, shape, media type, multipart)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.molgenis.helpers import ITEMS, TT, V1, assert_molgenis_error, query, raw


# -- attributes and expand --------------------------------------------------------------------------------------------

def test_unknown_attributes_are_ignored_on_json_routes(c: Any, admin_h: dict[str, str]) -> None:
    row = c.get(f"{V1}/{ITEMS}/ref1?attributes=notname", headers=admin_h)
    assert row.status_code == 200 and row.json() == {"href": f"{V1}/{ITEMS}/ref1"}
    rows = c.get(f"{V1}/{ITEMS}?attributes=nope,LABEL", headers=admin_h)
    assert rows.status_code == 200
    assert rows.json()["items"][0] == {"href": f"{V1}/{ITEMS}/ref1", "label": "label1"}
    tunnel = query(c, admin_h, {"attributes": ["nope"]})
    assert tunnel.status_code == 200 and tunnel.json()["items"][0] == {"href": f"{V1}/{ITEMS}/ref1"}


@pytest.mark.parametrize("attributes, unknown", [("nope", "nope"), ("value,nope", "nope"), ("zz,aa", "aa, zz")])
def test_unknown_attributes_on_csv_are_a_400(c: Any, admin_h: dict[str, str], attributes: str, unknown: str) -> None:
    response = c.get(f"{V1}/csv/{ITEMS}?attributes={attributes}", headers=admin_h)
    assert_molgenis_error(response, 400, f"Unknown attributes [{unknown}]")


@pytest.mark.parametrize("q, message", [
    ("nope==1", "Unknown attribute 'nope' of entity type 'TypeTestAPIV1'."),
    ("xxref_value.nope==1", "Unknown attribute 'xxref_value.nope' of entity type 'TypeTestRefAPIV1'."),
    ("xint==", "Invalid RSQL query 'xint==': expected a value, found 'end of input'"),
    ("xint==1)", "Invalid RSQL query 'xint==1)': unexpected ')'"),
    ("'open", "Invalid RSQL query ''open': unterminated quoted value"),
    ("xint=out=(1,2)", "Unknown rsql operator: =out="),
    ("xint=dismax=1", "Unknown operator: =dismax="),
    ("xint=rng=(1)", "Operator =rng= expects two values (from, to)"),
    ("xstring=lt=a", "Can't perform RSQL query operator [=lt=] on STRING attribute 'xstring' of entity type "
                     "'TypeTestAPIV1'."),
    ("xenum==nope", "Attribute [xenum] value [nope] is not a valid enum option"),
    ("xdate=lt=abc", "Failed to parse attribute [xdate] value [abc] as date. Valid date format is [YYYY-MM-DD]."),
    ("(" * 40 + "xint==1" + ")" * 40, "Query rules are nested too deeply (more than 32 levels)"),
])
def test_invalid_rsql_on_csv(c: Any, admin_h: dict[str, str], q: str, message: str) -> None:
    """CSV route: RSQL is parsed and checked against the entity type; every refusal is a 400 (the server's servlet
    error page has no defined body; the mock uses the JSON error shape)."""
    response = c.get(f"{V1}/csv/{TT}", params={"q": q, "attributes": "id"}, headers=admin_h)
    assert_molgenis_error(response, 400, message)


@pytest.mark.parametrize("path", [f"{V1}/{TT}", f"{V1}/{TT}/1", f"{V1}/{TT}/meta", f"{V1}/{TT}/meta/xxref_value",
                                  f"{V1}/{TT}/1/xmref_value"])
def test_invalid_expand_value(c: Any, admin_h: dict[str, str], path: str) -> None:
    """An expand item outside the grammar `attr` / `attr[sub;...]` (here unbalanced) is a 400 on every route. The
    server answers the same for `xref[a,b]` (split into `xref[a` and `b]`); the mock accepts that form on purpose
    (documented delta in specs/molgenis_v1.yaml, parameter `expand`)."""
    response = c.get(f"{path}?expand=xxref_value[label", headers=admin_h)
    assert_molgenis_error(response, 400, "invalid expand value: xxref_value[label")


def test_invalid_expand_value_in_a_tunnel_body(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(query(c, admin_h, {"expand": ["xref[a"]}), 400, "invalid expand value: xref[a")
    assert_molgenis_error(query(c, admin_h, {"expand": [""]}), 400, "invalid expand value: ")


@pytest.mark.parametrize("name", ["attributes", "expand"])
def test_tunnel_attributes_and_expand_must_be_arrays(c: Any, admin_h: dict[str, str], name: str) -> None:
    """In POST tunnel bodies both are JSON arrays; a JSON string is a 400."""
    assert_molgenis_error(query(c, admin_h, {name: "label"}), 400, f"Field '{name}' must be an array of strings")
    response = c.post(f"{V1}/{ITEMS}/ref1?_method=GET", json={name: "label"}, headers=admin_h)
    assert_molgenis_error(response, 400, f"Field '{name}' must be an array of strings")


# -- request bodies: encoding, syntax, shape, media type ---------------------------------------------------------------

BODY_ROUTES = [
    ("POST", f"{V1}/{ITEMS}"),
    ("PUT", f"{V1}/{ITEMS}/ref1"),
    ("PUT", f"{V1}/{ITEMS}/ref1/label"),
    ("POST", f"{V1}/{ITEMS}?_method=GET"),
    ("POST", f"{V1}/{ITEMS}/ref1?_method=PUT"),
    ("POST", f"{V1}/{ITEMS}/ref1/label?_method=PUT"),
    ("POST", f"{V1}/{ITEMS}/meta?_method=GET"),
    ("POST", f"{V1}/login"),
]


@pytest.mark.parametrize("method, path", BODY_ROUTES)
@pytest.mark.parametrize("content", [b"\xff\xfe\xfa", b'{"label": "\xe9t\xe9"}'])
def test_non_utf8_body(c: Any, admin_h: dict[str, str], method: str, path: str, content: bytes) -> None:
    errors = assert_molgenis_error(raw(c, method, path, admin_h, content), 400)
    assert "utf-8" in errors[0]["message"].lower()
    assert c.get(f"{V1}/{ITEMS}/ref1", headers=admin_h).json()["label"] == "label1"


@pytest.mark.parametrize("method, path", BODY_ROUTES)
@pytest.mark.parametrize("content", ['{"label": ', '{"label": "x"', '{"a": 1}}', "[1,"])
def test_malformed_json(c: Any, admin_h: dict[str, str], method: str, path: str, content: str) -> None:
    errors = assert_molgenis_error(raw(c, method, path, admin_h, content), 400)
    assert "json" in errors[0]["message"].lower()
    assert c.get(f"{V1}/{ITEMS}/ref1", headers=admin_h).json()["label"] == "label1"


def test_lenient_json_is_accepted(c: Any, admin_h: dict[str, str]) -> None:
    """Lenient JSON input: unquoted keys, single quotes and bare words, as Gson reads them."""
    created = raw(c, "POST", f"{V1}/{ITEMS}", admin_h, "{value:ref7, label:'x'}")
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{V1}/{ITEMS}/ref7"
    assert c.get(f"{V1}/{ITEMS}/ref7", headers=admin_h).json() == {"href": f"{V1}/{ITEMS}/ref7", "value": "ref7",
                                                                   "label": "x"}
    assert raw(c, "PUT", f"{V1}/{ITEMS}/ref7", admin_h, "{value:ref7, label:label900}").status_code == 200
    assert raw(c, "PUT", f"{V1}/{ITEMS}/ref7/label", admin_h, "label901").status_code == 200
    assert c.get(f"{V1}/{ITEMS}/ref7", headers=admin_h).json()["label"] == "label901"
    paged = raw(c, "POST", f"{V1}/{ITEMS}?_method=GET", admin_h,
                "{start:1, num:2, q:[{operator:LIKE,field:label,value:label}]}")
    assert paged.status_code == 200, paged.text
    assert (paged.json()["start"], paged.json()["num"], paged.json()["total"]) == (1, 2, 6)    # ref1..ref5, ref7
    assert [i["value"] for i in paged.json()["items"]] == ["ref2", "ref3"]


@pytest.mark.parametrize("body", [[{"value": "ref8", "label": "x"}], "ref8", 8])
def test_create_body_that_is_not_an_object(c: Any, admin_h: dict[str, str], body: Any) -> None:
    """Create: a JSON body that is not an object is a 400 (v1 has no batch create)."""
    response = raw(c, "POST", f"{V1}/{ITEMS}", admin_h, json.dumps(body))
    errors = assert_molgenis_error(response, 400)
    assert "object" in errors[0]["message"].lower()
    assert c.get(f"{V1}/{ITEMS}", headers=admin_h).json()["total"] == 5


def test_create_with_a_json_null_body(c: Any, admin_h: dict[str, str]) -> None:
    """Server: `Required request body is missing`; the mock builds an empty row, which fails validation: a 400
    either way, and nothing is created."""
    assert_molgenis_error(raw(c, "POST", f"{V1}/{ITEMS}", admin_h, "null"), 400)
    assert c.get(f"{V1}/{ITEMS}", headers=admin_h).json()["total"] == 5


@pytest.mark.parametrize("body", [[{"value": "ref1", "label": "x"}], "ref1"])
def test_update_body_that_is_not_an_object(c: Any, admin_h: dict[str, str], body: Any) -> None:
    for method, path in (("PUT", f"{V1}/{ITEMS}/ref1"), ("POST", f"{V1}/{ITEMS}/ref1?_method=PUT")):
        errors = assert_molgenis_error(raw(c, method, path, admin_h, json.dumps(body)), 400)
        assert "object" in errors[0]["message"].lower()
    assert c.get(f"{V1}/{ITEMS}/ref1", headers=admin_h).json()["label"] == "label1"


def test_create_without_body_and_content_type_is_a_415(c: Any, admin_h: dict[str, str]) -> None:
    """What molgenis-py-client's add() sends for empty data: no body and no Content-Type (the server: 415)."""
    assert_molgenis_error(c.post(f"{V1}/{ITEMS}", headers=admin_h), 415, "Content type '' not supported")


@pytest.mark.parametrize("method, path", [("POST", f"{V1}/{ITEMS}"), ("PUT", f"{V1}/{ITEMS}/ref1"),
                                          ("POST", f"{V1}/login"), ("POST", f"{V1}/{ITEMS}?_method=GET")])
def test_text_plain_body_is_a_415(c: Any, admin_h: dict[str, str], method: str, path: str) -> None:
    response = raw(c, method, path, admin_h, "value=ref9", content_type="text/plain")
    errors = assert_molgenis_error(response, 415)
    assert "text/plain" in errors[0]["message"]
    assert c.get(f"{V1}/{ITEMS}", headers=admin_h).json()["total"] == 5


MULTIPART_PATHS = [f"{V1}/{ITEMS}", f"{V1}/{ITEMS}/ref1?_method=PUT", f"{V1}/{ITEMS}?_method=GET"]


@pytest.mark.parametrize("path", MULTIPART_PATHS)
def test_multipart_without_boundary_is_a_400(c: Any, admin_h: dict[str, str], path: str) -> None:
    """Found by the contract run (ST102): Starlette's MultiPartException used to escape as a 500."""
    response = raw(c, "POST", path, admin_h, b"value=ref9", content_type="multipart/form-data")
    assert_molgenis_error(response, 400, "Malformed form body: Missing boundary in multipart.")
    assert c.get(f"{V1}/{ITEMS}", headers=admin_h).json()["total"] == 5


@pytest.mark.parametrize("path", MULTIPART_PATHS)
@pytest.mark.parametrize("content", [b"{}", b"--xyz\r\nNone--xyz--\r\n"])
def test_multipart_not_matching_its_boundary_is_a_400(c: Any, admin_h: dict[str, str], path: str,
                                                      content: bytes) -> None:
    response = raw(c, "POST", path, admin_h, content, content_type="multipart/form-data; boundary=xyz")
    assert_molgenis_error(response, 400, "Malformed form body: Invalid multipart data.")
    assert c.get(f"{V1}/{ITEMS}/ref1", headers=admin_h).json()["label"] == "label1"
