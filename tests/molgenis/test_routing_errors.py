"""MOLGENIS routing errors over HTTP: unknown paths and unmapped methods answer RFC 7807 problem+json, control
characters in a path a 400, and the `_method` tunnels exist only where the server maps them (the GET tunnels need a
body)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.molgenis.helpers import ITEMS, V1, assert_molgenis_error, raw


def assert_problem(response: Any, status: int, title: str) -> dict[str, Any]:
    """RFC 7807 body of a path-level error: problem+json with type, title and status (and no MOLGENIS `errors`)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].split(";")[0].strip() == "application/problem+json", response.headers
    body = response.json()
    assert {"type", "title", "status"} <= set(body) and "errors" not in body, body
    assert body["title"] == title and body["status"] == status and isinstance(body["type"], str), body
    return body


# -- routing errors: problem+json -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    f"{V1}/{ITEMS}/ref1/label/extra",      # one segment more than any route
    f"{V1}",                               # no root listing in v1
    f"{V1}/",
    "/api/v3/V1_API_Items",                # not this API (v1 and v2 are served)
])
def test_unknown_path_is_a_404_problem(c: Any, admin_h: dict[str, str], path: str) -> None:
    assert_problem(c.get(path, headers=admin_h), 404, "Not Found")


@pytest.mark.parametrize("method, path, allow", [
    ("PUT", f"{V1}/{ITEMS}", {"GET", "POST", "DELETE"}),                  # PUT /{e} is not a v1 route
    ("PATCH", f"{V1}/{ITEMS}", {"GET", "POST", "DELETE"}),
    ("PATCH", f"{V1}/{ITEMS}/ref1", {"GET", "POST", "PUT", "DELETE"}),
    ("PATCH", f"{V1}/{ITEMS}/ref1/label", {"GET", "POST", "PUT"}),
    ("PATCH", f"{V1}/{ITEMS}/meta", {"GET", "POST", "DELETE"}),
    ("PUT", f"{V1}/login", {"POST"}),
    ("PATCH", f"{V1}/logout", {"POST"}),
])
def test_unmapped_method_is_a_405_problem(c: Any, admin_h: dict[str, str], method: str, path: str,
                                           allow: set[str]) -> None:
    response = c.request(method, path, json={"label": "x"}, headers=admin_h)
    assert_problem(response, 405, "Method Not Allowed")
    assert allow <= {m.strip() for m in response.headers["allow"].split(",")}, response.headers.get("allow")
    assert method not in response.headers["allow"]


def test_get_login_and_logout_fall_through_to_the_collection_route(c: Any) -> None:
    """GET /login and GET /logout are not routes; they reach GET /{e} and answer D01."""
    assert_molgenis_error(c.get(f"{V1}/login"), 404, "Unknown entity type 'login'.", "D01")
    assert_molgenis_error(c.get(f"{V1}/logout"), 404, "Unknown entity type 'logout'.", "D01")


@pytest.mark.parametrize("path", [f"{V1}/{ITEMS}/a%0Ab", f"{V1}/{ITEMS}%0D/meta", f"{V1}/{ITEMS}/ref1/la%00bel",
                                  f"{V1}/csv/{ITEMS}%7F"])
def test_control_characters_in_the_path_are_a_400(c: Any, admin_h: dict[str, str], path: str) -> None:
    """Encoded control characters in a path (Spring's firewall refuses them too) answer a 400 in the MOLGENIS error
    shape — found by the contract run: a %0A used to miss every route and answer a routing 404 problem+json."""
    assert_molgenis_error(c.get(path, headers=admin_h), 400, "The request path contains control characters.")


# -- _method tunnels ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [f"{V1}/{ITEMS}", f"{V1}/{ITEMS}/ref1", f"{V1}/{ITEMS}/ref1/label",
                                  f"{V1}/{ITEMS}/meta", f"{V1}/{ITEMS}/meta/label"])
@pytest.mark.parametrize("method", ["PATCH", "POST", "HEAD", "bogus"])
def test_unsupported_tunnel_method(c: Any, admin_h: dict[str, str], path: str, method: str) -> None:
    errors = assert_molgenis_error(c.post(f"{path}?_method={method}", json={}, headers=admin_h), 400)
    assert method in errors[0]["message"] and "_method" in errors[0]["message"]
    assert c.get(f"{V1}/{ITEMS}/ref1", headers=admin_h).json()["label"] == "label1"


def test_unsupported_tunnel_method_in_a_form_body(c: Any, admin_h: dict[str, str]) -> None:
    response = c.post(f"{V1}/{ITEMS}/ref1", data={"_method": "PATCH", "label": "x"}, headers=admin_h)
    assert_molgenis_error(response, 400, "Request method 'POST' with _method=PATCH not supported")


@pytest.mark.parametrize("path, method", [(f"{V1}/{ITEMS}", "PUT"), (f"{V1}/{ITEMS}/meta", "PUT"),
                                          (f"{V1}/{ITEMS}/meta/label", "DELETE"),
                                          (f"{V1}/{ITEMS}/ref1/label", "DELETE")])
def test_tunnel_method_not_mapped_on_that_path(c: Any, admin_h: dict[str, str], path: str, method: str) -> None:
    errors = assert_molgenis_error(c.post(f"{path}?_method={method}", json={}, headers=admin_h), 400)
    assert method in errors[0]["message"]
    assert c.get(f"{V1}/{ITEMS}", headers=admin_h).json()["total"] == 5


def test_post_on_a_row_without_method(c: Any, admin_h: dict[str, str]) -> None:
    """POST /{e}/{id} without _method has no mapping on the server (400)."""
    response = c.post(f"{V1}/{ITEMS}/ref1", json={"value": "ref1", "label": "x"}, headers=admin_h)
    assert_molgenis_error(response, 400, "Request method 'POST' not supported on a row without _method=GET, PUT or "
                                         "DELETE")
    assert c.get(f"{V1}/{ITEMS}/ref1", headers=admin_h).json()["label"] == "label1"


@pytest.mark.parametrize("path", [f"{V1}/{ITEMS}/meta/label", f"{V1}/{ITEMS}/meta", f"{V1}/{ITEMS}/ref1/label"])
def test_tunnel_without_method_where_it_is_required(c: Any, admin_h: dict[str, str], path: str) -> None:
    errors = assert_molgenis_error(c.post(path, json={}, headers=admin_h), 400)
    assert "_method" in errors[0]["message"]


GET_TUNNELS = [f"{V1}/{ITEMS}?_method=GET", f"{V1}/{ITEMS}/ref1?_method=GET", f"{V1}/{ITEMS}/ref1/label?_method=GET",
               f"{V1}/{ITEMS}/meta?_method=GET", f"{V1}/{ITEMS}/meta/label?_method=GET"]


@pytest.mark.parametrize("path", GET_TUNNELS)
@pytest.mark.parametrize("content_type", ["application/json", None])
def test_get_tunnel_without_body(c: Any, admin_h: dict[str, str], path: str, content_type: str | None) -> None:
    """The _method=GET tunnels bind a request body (`{}` is fine); none is Spring's missing body. These used to
    answer 200: an absent body reached the handlers as {}."""
    headers = {**admin_h, "content-type": content_type} if content_type else admin_h
    assert_molgenis_error(c.post(path, headers=headers), 400, "Required request body is missing")
    assert c.post(path, json={}, headers=admin_h).status_code == 200


@pytest.mark.parametrize("path", GET_TUNNELS)
def test_json_null_body_on_a_get_tunnel(c: Any, admin_h: dict[str, str], path: str) -> None:
    """Gson reads `null` as no request object: `Required request body is missing` (used to answer 200 as if {})."""
    assert_molgenis_error(raw(c, "POST", path, admin_h, "null"), 400, "Required request body is missing")


def test_non_object_body_on_the_attribute_get_tunnel(c: Any, admin_h: dict[str, str]) -> None:
    response = raw(c, "POST", f"{V1}/{ITEMS}/ref1/label?_method=GET", admin_h, "5")
    assert_molgenis_error(response, 400, "Request body must be a JSON object")
