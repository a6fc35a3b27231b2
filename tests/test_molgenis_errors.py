"""Every bad input and error path of the MOLGENIS v1 mock answers a clear 4xx — never a 500, never a hang.

Error bodies are MOLGENIS' `{"errors":[{"message", "code"?}]}` (reference §7.1, §9); routing errors (unknown path
404, unmapped method 405) are RFC 7807 `application/problem+json` with type/title/status (§3). Messages are asserted
exactly where the reference (§4, §5, §8, §10, §12) or the mock's core (handlers/molgenis/query.py, values.py,
auth.py, security.py, context.py, inputs.py) gives the text; [F]-marked server texts that the reference only guesses
are asserted by their substance.

One app per module; every test starts from the seed (POST /__apitwin/apis/molgenis/reset) and logs in afresh (a reset
also drops issued tokens). Where the mock differs from the reference the test keeps the strict assertion and is
marked `xfail(strict=True, reason="BUG: ...")`.
"""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from tests.molgenis_helpers import ADMIN, IT_USER, TEST_USER, assert_molgenis_error, auth, molgenis_app

V1 = "/api/v1"
RESET = "/__apitwin/apis/molgenis/reset"
ITEMS = "V1_API_Items"                  # label Items; id attribute `value` (label `value label`), rows ref1..ref5
TT = "V1_API_TypeTestAPIV1"             # label TypeTestAPIV1; INT id `id` (label `id label`), rows 1..38
DISEASE = "biobank_Disease"             # label Disease; anonymous holds READ (security.yaml)
ADMIN_USER_ID = "AAAAAAJY5XDXHKGAIXRE5MXZS4"
TEST_USER_ID = "AAAAAAZ246IT3IBKM37IMXS5MI"

MISSING_TOKEN = ("Missing molgenis token. Token should either be present in the x-molgenis-token request header "
                 "or the molgenis-token parameter.")
TWO_FACTOR = "Login using /api/v1/login is disabled, two factor authentication is enabled"
PASSWORD_RESET = ("Unable to log in because a password reset is required. Sign in to the website to reset your "
                  "password.")
OPERATORS = ("SEARCH, SEARCH_QUERY, EQUALS, IN, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, RANGE, LIKE, NOT, AND, "
             "OR, NESTED, SHOULD, DIS_MAX, FUZZY_MATCH, FUZZY_MATCH_NGRAM")
NUM_MAX = "No more than 10000 rows can be requested"
INACTIVE = ("User is disabled org.springframework.security.core.userdetails.User [Username=inactive, "
            "Password=[PROTECTED], Enabled=false, AccountNonExpired=true, credentialsNonExpired=true, "
            "AccountNonLocked=true, Granted Authorities=[ROLE_USER]]")
DATE_MESSAGE = "Failed to parse attribute [xdate] value [maybe] as date. Valid date format is [YYYY-MM-DD]."
DATETIME_MESSAGE = ("Failed to parse attribute [xdatetime] value [maybe] as datetime. Valid datetime format is "
                    "[YYYY-MM-DDThh:mm:ssZ]")


def ds04(permission: str, label: str, entity_type_id: str) -> str:
    return f"No '{permission}' permission on entity type '{label}' with id '{entity_type_id}'."


def d02(id_label: str, raw_id: str, type_label: str) -> str:
    return f"Unknown entity with '{id_label}' '{raw_id}' of type '{type_label}'."


def assert_problem(response: Any, status: int, title: str) -> dict[str, Any]:
    """RFC 7807 body of a path-level error: problem+json with type, title and status (and no MOLGENIS `errors`)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].split(";")[0].strip() == "application/problem+json", response.headers
    body = response.json()
    assert {"type", "title", "status"} <= set(body) and "errors" not in body, body
    assert body["title"] == title and body["status"] == status and isinstance(body["type"], str), body
    return body


def messages(response: Any) -> list[str]:
    return [entry["message"] for entry in response.json()["errors"]]


# -- fixtures -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_client() -> Iterator[Any]:
    with molgenis_app().test_client() as test_client:
        yield test_client


@pytest.fixture
def c(app_client: Any) -> Any:
    """The module's client, its API back at the seed."""
    response = app_client.post(RESET)
    assert response.status_code == 200, response.text
    return app_client


@pytest.fixture
def admin_h(c: Any) -> dict[str, str]:
    return auth(c, ADMIN)


@pytest.fixture
def test_h(c: Any) -> dict[str, str]:
    return auth(c, TEST_USER)


@pytest.fixture
def it_h(c: Any) -> dict[str, str]:
    return auth(c, IT_USER)


def query(c: Any, headers: dict[str, str], body: Any, entity_type: str = ITEMS) -> Any:
    """The POST tunnel `POST /{e}?_method=GET` with a JSON collection request."""
    return c.post(f"{V1}/{entity_type}?_method=GET", json=body, headers=headers)


def raw(c: Any, method: str, path: str, headers: dict[str, str], content: bytes | str,
        content_type: str = "application/json") -> Any:
    return c.request(method, path, content=content, headers={**headers, "content-type": content_type})


def nested(levels: int) -> dict[str, Any]:
    rule: dict[str, Any] = {"operator": "EQUALS", "field": "label", "value": "label1"}
    for _ in range(levels):
        rule = {"operator": "NESTED", "nestedRules": [rule]}
    return rule


# -- routing errors: problem+json (§3) --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    f"{V1}/{ITEMS}/ref1/label/extra",      # one segment more than any route
    f"{V1}",                               # no root listing in v1
    f"{V1}/",
    "/api/v2/V1_API_Items",                # not this API
])
def test_unknown_path_is_a_404_problem(c: Any, admin_h: dict[str, str], path: str) -> None:
    assert_problem(c.get(path, headers=admin_h), 404, "Not Found")


@pytest.mark.parametrize("method, path, allow", [
    ("PUT", f"{V1}/{ITEMS}", {"GET", "POST", "DELETE"}),                  # PUT /{e} does not exist (§2)
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
    """§3: GET /login and GET /logout are not routes; they reach GET /{e} and answer D01."""
    assert_molgenis_error(c.get(f"{V1}/login"), 404, "Unknown entity type 'login'.", "D01")
    assert_molgenis_error(c.get(f"{V1}/logout"), 404, "Unknown entity type 'logout'.", "D01")


@pytest.mark.parametrize("path", [f"{V1}/{ITEMS}/a%0Ab", f"{V1}/{ITEMS}%0D/meta", f"{V1}/{ITEMS}/ref1/la%00bel",
                                  f"{V1}/csv/{ITEMS}%7F"])
def test_control_characters_in_the_path_are_a_400(c: Any, admin_h: dict[str, str], path: str) -> None:
    """Encoded control characters in a path (Spring's firewall refuses them too) answer a 400 in the MOLGENIS error
    shape — found by the contract run: a %0A used to miss every route and answer a routing 404 problem+json."""
    assert_molgenis_error(c.get(path, headers=admin_h), 400, "The request path contains control characters.")


# -- query rules (§5): POST tunnel and q[i] GET parameters -------------------------------------------------------------

def test_unknown_operator(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"q": [{"operator": "BOGUS", "field": "label", "value": "x"}]})
    assert_molgenis_error(response, 400, f"Unknown query operator [BOGUS], expected one of {OPERATORS}")


def test_unknown_operator_in_get_parameters(c: Any, admin_h: dict[str, str]) -> None:
    response = c.get(f"{V1}/{ITEMS}?q[0].field=label&q[0].operator=BOGUS&q[0].value=x", headers=admin_h)
    assert_molgenis_error(response, 400, f"Unknown query operator [BOGUS], expected one of {OPERATORS}")


def test_rule_without_operator(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(query(c, admin_h, {"q": [{"field": "label", "value": "x"}]}), 400,
                          "Query rule without operator")


@pytest.mark.parametrize("rule, message", [
    ({"operator": "EQUALS", "value": "x"}, "Missing attribute field in EQUALS query rule"),
    ({"operator": "LESS", "value": 3}, "Can't use GREATER, GREATER_EQUAL, LESS or LESS_EQUAL without specifying an "
                                       "attribute"),
    ({"operator": "GREATER_EQUAL", "value": 3}, "Can't use GREATER, GREATER_EQUAL, LESS or LESS_EQUAL without "
                                                "specifying an attribute"),
    ({"operator": "IN", "value": ["x"]}, "Can't use IN without specifying an attribute"),
    ({"operator": "LIKE", "value": "x"}, "Can't use LIKE without specifying an attribute"),
    ({"operator": "RANGE", "value": [1, 2]}, "Can't use RANGE without specifying an attribute"),
])
def test_operator_without_field(c: Any, admin_h: dict[str, str], rule: dict[str, Any], message: str) -> None:
    assert_molgenis_error(query(c, admin_h, {"q": [rule]}, TT), 400, message)


def test_operator_without_field_in_get_parameters(c: Any, admin_h: dict[str, str]) -> None:
    response = c.get(f"{V1}/{ITEMS}?q[0].operator=EQUALS&q[0].value=label1", headers=admin_h)
    assert_molgenis_error(response, 400, "Missing attribute field in EQUALS query rule")


LABEL1 = {"operator": "EQUALS", "field": "label", "value": "label1"}


@pytest.mark.parametrize("rules, connector", [
    ([{"operator": "AND"}, LABEL1], "AND"),
    ([{"operator": "OR"}, LABEL1], "OR"),
    ([LABEL1, {"operator": "AND"}], "AND"),
    ([LABEL1, {"operator": "OR"}], "OR"),
    ([LABEL1, {"operator": "AND"}, {"operator": "OR"}, LABEL1], "OR"),
    ([{"operator": "AND"}], "AND"),
])
def test_connector_at_an_end(c: Any, admin_h: dict[str, str], rules: list[Any], connector: str) -> None:
    assert_molgenis_error(query(c, admin_h, {"q": rules}), 400,
                          f"Query operator [{connector}] must stand between two rules")


def test_connector_at_the_end_in_get_parameters(c: Any, admin_h: dict[str, str]) -> None:
    response = c.get(f"{V1}/{ITEMS}?q[0].field=label&q[0].operator=EQUALS&q[0].value=label1&q[1].operator=OR",
                     headers=admin_h)
    assert_molgenis_error(response, 400, "Query operator [OR] must stand between two rules")


@pytest.mark.parametrize("rules", [
    [LABEL1, {"operator": "NOT"}],
    [{"operator": "NOT"}],
    [LABEL1, {"operator": "AND"}, {"operator": "NOT"}, {"operator": "NOT"}],
])
def test_not_at_the_end(c: Any, admin_h: dict[str, str], rules: list[Any]) -> None:
    assert_molgenis_error(query(c, admin_h, {"q": rules}), 400, "Query operator [NOT] must be followed by a rule")


@pytest.mark.parametrize("value, java_type", [("label1", "String"), (5, "Double"), ({"a": 1}, "LinkedTreeMap"),
                                              (True, "Boolean")])
def test_in_with_a_value_that_is_not_a_list(c: Any, admin_h: dict[str, str], value: Any, java_type: str) -> None:
    response = query(c, admin_h, {"q": [{"operator": "IN", "field": "label", "value": value}]})
    assert_molgenis_error(response, 400,
                          f"Query rule with operator [IN] value is of type [{java_type}] instead of [Iterable]")


def test_in_over_get_parameters_is_a_string(c: Any, admin_h: dict[str, str]) -> None:
    """Values bound from q[i].value stay strings (§4.3), so IN can never get its list there."""
    response = c.get(f"{V1}/{ITEMS}?q[0].field=label&q[0].operator=IN&q[0].value=label1", headers=admin_h)
    assert_molgenis_error(response, 400,
                          "Query rule with operator [IN] value is of type [String] instead of [Iterable]")


def test_in_without_value(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"q": [{"operator": "IN", "field": "label"}]})
    assert_molgenis_error(response, 400, "Missing value for IN query")


@pytest.mark.parametrize("value", [[], [3]])
def test_range_with_wrong_arity(c: Any, admin_h: dict[str, str], value: list[Any]) -> None:
    response = query(c, admin_h, {"q": [{"operator": "RANGE", "field": "xint", "value": value}]}, TT)
    assert_molgenis_error(response, 400, "Query rule with operator [RANGE] needs a value [from, to]")


def test_range_with_a_value_that_is_not_a_list(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"q": [{"operator": "RANGE", "field": "xint", "value": "1,5"}]}, TT)
    assert_molgenis_error(response, 400,
                          "Query rule with operator [RANGE] value is of type [String] instead of [Iterable]")


def test_rule_value_not_of_the_attribute_type(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"q": [{"operator": "EQUALS", "field": "xenum", "value": "enum9"}]}, TT)
    assert_molgenis_error(response, 400, "Attribute [xenum] value [enum9] is not a valid enum option")
    response = query(c, admin_h, {"q": [{"operator": "EQUALS", "field": "xint", "value": "abc"}]}, TT)
    assert_molgenis_error(response, 400, "Attribute [xint] value [abc] cannot be converter to type [Integer]")


def test_nested_empty_group(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"q": [{"operator": "NESTED", "nestedRules": []}]})
    assert_molgenis_error(response, 400, "Query rule with operator [NESTED] needs a non-empty list of nestedRules")


def test_nested_40_levels_deep_is_refused(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"q": [nested(40)]})
    assert_molgenis_error(response, 400, "Query rules are nested too deeply (more than 32 levels)")
    # 32 levels are still answered, and the app keeps serving
    ok = query(c, admin_h, {"q": [nested(32)]})
    assert ok.status_code == 200 and [i["value"] for i in ok.json()["items"]] == ["ref1"]


@pytest.mark.parametrize("method, path", [("POST", f"{V1}/{ITEMS}?_method=GET"), ("POST", f"{V1}/{ITEMS}"),
                                          ("PUT", f"{V1}/{ITEMS}/ref1/label")])
def test_json_nested_3000_levels_deep_is_a_400(c: Any, admin_h: dict[str, str], method: str, path: str) -> None:
    """Found here: Python's JSON parser used to overflow the stack (500) before the rule-depth limit could act."""
    leaf = json.dumps(LABEL1)
    body = '{"q":[' + '{"operator":"NESTED","nestedRules":[' * 3000 + leaf + ']}' * 3000 + ']}'
    assert_molgenis_error(raw(c, method, path, admin_h, body), 400, "Request body is nested too deeply.")
    assert_molgenis_error(raw(c, method, path, admin_h, "[" * 5000 + "]" * 5000), 400,
                          "Request body is nested too deeply.")
    assert c.get(f"{V1}/{ITEMS}/ref1", headers=admin_h).json()["label"] == "label1"


@pytest.mark.parametrize("field, label", [("nme", "Items"), ("", "Items"), ("value.label", None)])
def test_unknown_field(c: Any, admin_h: dict[str, str], field: str, label: str | None) -> None:
    response = query(c, admin_h, {"q": [{"operator": "EQUALS", "field": field, "value": "x"}]})
    if label is None:   # a dotted path through a non-reference attribute
        assert_molgenis_error(response, 400, "Attribute 'value' of entity type 'Items' is not a reference; cannot "
                                             "query 'value.label'.")
    else:
        assert_molgenis_error(response, 400, f"Unknown attribute '{field}' of entity type '{label}'.")


def test_unknown_field_in_get_parameters(c: Any, admin_h: dict[str, str]) -> None:
    response = c.get(f"{V1}/{ITEMS}?q[0].field=nme&q[0].operator=EQUALS&q[0].value=x", headers=admin_h)
    assert_molgenis_error(response, 400, "Unknown attribute 'nme' of entity type 'Items'.")


def test_unknown_field_through_a_reference(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"q": [{"operator": "EQUALS", "field": "xxref_value.nope", "value": "x"}]}, TT)
    assert_molgenis_error(response, 400, "Unknown attribute 'nope' of entity type 'TypeTestRefAPIV1'.")


@pytest.mark.parametrize("operator", ["SEARCH_QUERY", "FUZZY_MATCH", "FUZZY_MATCH_NGRAM", "SHOULD", "DIS_MAX"])
def test_elasticsearch_only_operators(c: Any, admin_h: dict[str, str], operator: str) -> None:
    response = query(c, admin_h, {"q": [{"operator": operator, "field": "label", "value": "x"}]})
    assert_molgenis_error(response, 400, f"Query operator [{operator}] not supported by PostgreSQL repository")


def test_unknown_q_parameter_property(c: Any, admin_h: dict[str, str]) -> None:
    """Spring's DataBinder ignores unknown fields (`ignoreUnknownFields`), and so does the mock."""
    response = c.get(f"{V1}/{ITEMS}?q[0].foo=1", headers=admin_h)
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 5


def test_q_parameter_index_beyond_the_binding_limit(c: Any, admin_h: dict[str, str]) -> None:
    response = c.get(f"{V1}/{ITEMS}?q[999].field=label", headers=admin_h)
    assert_molgenis_error(response, 400, "Invalid property 'q[999].field' of bean class [EntityCollectionRequest]: "
                                         "index 999 exceeds the maximum of 255")


def test_rsql_q_on_the_json_route_is_a_400(c: Any, admin_h: dict[str, str]) -> None:
    """§4.3: GET /{e} has no converter from a string to a rule list (the core's Spring binding message; it used to be
    hidden behind the generic `q: Unknown query parameter.`); RSQL works on /csv/{e} only."""
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}?q=label==label1", headers=admin_h), 400,
                          "Field 'q' of 'entityCollectionRequest' Failed to convert property value of type "
                          "'java.lang.String' to required type 'java.util.List' for property 'q'", "typeMismatch")
    # the same query is fine on the CSV route
    assert c.get(f"{V1}/csv/{ITEMS}?q=label==label1", headers=admin_h).text == '"value","label"\n"ref1","label1"\n'


def test_rules_that_are_not_a_list(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(query(c, admin_h, {"q": {"operator": "EQUALS"}}), 400,
                          "Query rules must be a list, not [LinkedTreeMap]")
    assert_molgenis_error(query(c, admin_h, {"q": ["label==x"]}), 400, "A query rule must be an object, not [String]")


# -- attributes and expand (§4.5) -------------------------------------------------------------------------------------

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
    """§5.4/§12: RSQL is parsed and checked against the entity type; every refusal is a 400 (the server's servlet
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
    """§4.5: in POST tunnel bodies both are JSON arrays; a JSON string is a 400."""
    assert_molgenis_error(query(c, admin_h, {name: "label"}), 400, f"Field '{name}' must be an array of strings")
    response = c.post(f"{V1}/{ITEMS}/ref1?_method=GET", json={name: "label"}, headers=admin_h)
    assert_molgenis_error(response, 400, f"Field '{name}' must be an array of strings")


# -- sort, start, num (§4.1, §4.2, §4.4) -------------------------------------------------------------------------------

def test_sort_on_an_unknown_property(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"sort": {"orders": [{"property": "nope", "direction": "ASC"}]}})
    assert_molgenis_error(response, 400, "Unknown attribute 'nope' of entity type 'Items'.")


@pytest.mark.parametrize("order", [{"property": "label"}, {"property": "label", "direction": "SIDEWAYS"},
                                   {"property": "label", "direction": None}])
def test_sort_without_a_known_direction_is_descending(c: Any, admin_h: dict[str, str], order: dict[str, Any]) -> None:
    """§4.4 quirk: Gson leaves a missing or unknown direction null, which the controller treats as DESC."""
    response = query(c, admin_h, {"sort": {"orders": [order]}})
    assert response.status_code == 200, response.text
    assert [i["value"] for i in response.json()["items"]] == ["ref5", "ref4", "ref3", "ref2", "ref1"]


@pytest.mark.parametrize("sort, message", [
    ({"orders": [{"direction": "ASC"}]}, "Property must not null or empty!"),
    ({"orders": [{"property": "", "direction": "ASC"}]}, "Property must not null or empty!"),
    ({}, 'Invalid sort: expected {"orders": [{"property": ..., "direction": ...}]}'),
    ("label", 'Invalid sort: expected {"orders": [{"property": ..., "direction": ...}]}'),
])
def test_malformed_sort(c: Any, admin_h: dict[str, str], sort: Any, message: str) -> None:
    assert_molgenis_error(query(c, admin_h, {"sort": sort}), 400, message)


def test_sort_is_not_a_get_parameter(c: Any, admin_h: dict[str, str]) -> None:
    """§4.4: GET cannot bind `sort` (the mock rejects the undeclared parameter)."""
    errors = assert_molgenis_error(c.get(f"{V1}/{ITEMS}?sort=label", headers=admin_h), 400)
    assert "sort" in errors[0]["message"]


def test_num_above_10000_in_the_tunnel_body(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(query(c, admin_h, {"num": 10001}), 400, NUM_MAX)
    assert query(c, admin_h, {"num": 10000}).status_code == 200


def test_num_above_10000_on_get(c: Any, admin_h: dict[str, str]) -> None:
    """§4.2: the global handler's binding text (used to be the generic `num: Ensure this value is less than or equal
    to 10000.`)."""
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}?num=10001", headers=admin_h), 400,
                          f"Field 'num' of 'entityCollectionRequest' {NUM_MAX}", "Max")
    assert c.get(f"{V1}/{ITEMS}?num=10000", headers=admin_h).status_code == 200


def test_csv_num_above_10000(c: Any, admin_h: dict[str, str]) -> None:
    errors = assert_molgenis_error(c.get(f"{V1}/csv/{ITEMS}?num=10001", headers=admin_h), 400)
    assert "num" in errors[0]["message"].lower()


@pytest.mark.parametrize("param", ["start=-1", "num=-1", "start=abc", "num=1.5"])
def test_bad_start_or_num_on_get(c: Any, admin_h: dict[str, str], param: str) -> None:
    errors = assert_molgenis_error(c.get(f"{V1}/{ITEMS}?{param}", headers=admin_h), 400)
    assert param.split("=")[0] in errors[0]["message"]


@pytest.mark.parametrize("body, message", [
    ({"start": -1}, "must be greater than or equal to 0"),
    ({"num": -1}, "must be greater than or equal to 0"),
    ({"start": "abc"}, "Field 'start' must be an integer"),
    ({"num": "5"}, "Field 'num' must be an integer"),
    ({"num": True}, "Field 'num' must be an integer"),
])
def test_bad_start_or_num_in_the_tunnel_body(c: Any, admin_h: dict[str, str], body: dict[str, Any],
                                             message: str) -> None:
    assert_molgenis_error(query(c, admin_h, body), 400, message)


@pytest.mark.parametrize("how", ["get", "tunnel"])
def test_start_beyond_total_is_an_empty_page(c: Any, admin_h: dict[str, str], how: str) -> None:
    if how == "get":
        response = c.get(f"{V1}/{ITEMS}?start=100", headers=admin_h)
    else:
        response = query(c, admin_h, {"start": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["start"], body["num"], body["total"], body["items"]) == (100, 100, 5, [])
    assert body["prevHref"] == f"{V1}/{ITEMS}?start=0&num=100" and "nextHref" not in body


def test_start_beyond_an_mref_list(c: Any, admin_h: dict[str, str]) -> None:
    """The server pages mref sub-resources in memory (a start beyond the list → 500 [F]); the mock: an empty page."""
    response = c.get(f"{V1}/{TT}/1/xmref_value?start=50", headers=admin_h)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


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
    """§6.2: unquoted keys, single quotes and bare words, as Gson reads them."""
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
    """§8.1: a JSON body that is not an object is a 400 (v1 has no batch create)."""
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
    """§8.1 / §14.3: what molgenis-py-client's add() sends for empty data."""
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


# -- create: value conversion and validation (§8.1, §8.5, §8.6; values.py deltas) --------------------------------------

TT_BASE = {"id": 100, "xmref_value": ["ref1"], "xxref_value": "ref1", "xstring_unique": "u100", "xint_unique": 100}
TT_LABEL = "TypeTestAPIV1"


def _plain(kind: str, value: str, label: str, tail: str = "") -> str:
    return f"Invalid {kind} value '{value}' for attribute '{label}' of entity '{TT}'.{tail}"


def _bracket(kind: str, value: str, label: str, tail: str) -> str:
    return f"Invalid [{kind}] value [{value}] for attribute [{label}] of entity [100] with type [{TT}]. {tail}"


WRONG_VALUES = [
    # INT/LONG/DECIMAL strings that are no number: the server's NumberFormatException (500) is a 400 in the mock
    # with the §8.6 template (documented delta in values.py)
    ("xint", "abc", [_plain("int", "abc", "xint label")]),
    ("xint", "3000000000", [_plain("int", "3000000000", "xint label")]),
    ("xint", "1.5", [_plain("int", "1.5", "xint label")]),
    ("xlong", "12.5", [_plain("long", "12.5", "xlong label")]),
    ("xlong", "99999999999999999999", [_plain("long", "99999999999999999999", "xlong label")]),
    ("xdecimal", "abc", [_plain("decimal", "abc", "xdecimal label")]),
    ("xint", True, ["Attribute [xint] value is of type [Boolean] instead of [String] or [Number]"]),
    ("xint", [1], ["Attribute [xint] value is of type [ArrayList] instead of [String] or [Number]"]),
    ("xstring", 5, ["Attribute [xstring] value is of type [Double] instead of [String]"]),
    ("xenum", 1, ["Attribute [xenum] value is of type [Double] instead of [String]"]),
    ("xbool", 5, ["Attribute [xbool] value is of type [Double] instead of [String] or [Boolean]"]),
    ("xdate", "maybe", [DATE_MESSAGE]),
    ("xdate", "2020-13-01", ["Failed to parse attribute [xdate] value [2020-13-01] as date. Valid date format is "
                             "[YYYY-MM-DD]."]),
    ("xdate", 5, ["Attribute [xdate] value is of type [Double] instead of [String] or [LocalDate]"]),
    ("xdatetime", "maybe", [DATETIME_MESSAGE]),
    ("xemail", "not-an-email", [_bracket("email", "not-an-email", "xemail label", "Not a valid e-mail address.")]),
    ("xhyperlink", "not a link", [_bracket("hyperlink", "not a link", "xhyperlink label", "Not a valid hyperlink.")]),
    ("xenum", "enum4", [_bracket("enum", "enum4", "xenum", "Value must be one of [enum1, enum2, enum3]")]),
    # PostgreSQL's constraints (PostgreSqlExceptionTranslator): the first failure only, coded (DB_CODES)
    ("xxref_value", "nope", [f"Unknown xref value 'nope' for attribute 'xxref_value' of entity '{TT}'."]),
    ("xmref_value", ["ref1", "nope", "nope2"], [f"Unknown xref value 'nope' for attribute '<unknown>' of entity '{TT}'."]),
    ("xmref_value", "ref1,nope", [f"Unknown xref value 'nope' for attribute '<unknown>' of entity '{TT}'."]),
    ("xstring", "x" * 256, [_plain("string", "x" * 256, "xstring label",
                                   "Value must be less than or equal to 255 characters")]),
    ("xintrange", 11, [_plain("int", "11", "xintrange label", "Value must be between null and 10")]),
    ("xintrangenillable", -1, [_plain("int", "-1", "xintrangenillable label", "Value must be between 0 and null")]),
    ("xlongrange", 11, [_plain("long", "11", "xlongrange label", "Value must be between 0 and 10")]),
    ("xlongrange", -1, [_plain("long", "-1", "xlongrange label", "Value must be between 0 and 10")]),
    ("xstring_unique", "str1", [f"Value 'str1' for unique attribute 'xstring_unique' from entity '{TT}' already "
                                "exists."]),
    ("xint_unique", 1, [f"Value '1' for unique attribute 'xint_unique' from entity '{TT}' already exists."]),
    ("xxref_value", None, [f"The attribute 'xxref_value' of entity '{TT}' can not be null."]),
]
DB_CODES = {"Unknown xref": "D23", "Value '": "D24a", "The attribute": "D21a"}


def codes(response: Any) -> list[str | None]:
    return [entry.get("code") for entry in response.json()["errors"]]


def db_code(message: str) -> str | None:
    """The translator's code for a database constraint message (None for the validators' messages)."""
    return next((code for head, code in DB_CODES.items() if message.startswith(head)), None)


@pytest.mark.parametrize("attribute, value, expected", WRONG_VALUES,
                         ids=[f"{a}={json.dumps(v)[:20]}" for a, v, _ in WRONG_VALUES])
def test_create_with_a_wrong_value(c: Any, admin_h: dict[str, str], attribute: str, value: Any,
                                   expected: list[str]) -> None:
    response = c.post(f"{V1}/{TT}", json={**TT_BASE, attribute: value}, headers=admin_h)
    assert_molgenis_error(response, 400)
    assert messages(response) == expected
    assert codes(response) == [db_code(m) for m in expected]
    assert_molgenis_error(c.get(f"{V1}/{TT}/100", headers=admin_h), 404, d02("id label", "100", TT_LABEL), "D02")


def test_the_base_body_of_the_wrong_values_is_valid(c: Any, admin_h: dict[str, str]) -> None:
    """Control for test_create_with_a_wrong_value: the unchanged body creates row 100."""
    response = c.post(f"{V1}/{TT}", json=TT_BASE, headers=admin_h)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{V1}/{TT}/100"


def test_int_number_beyond_range_is_truncated_like_java(c: Any, admin_h: dict[str, str]) -> None:
    """§6.2/§8.5: a JSON number for INT is a Gson Double converted with `intValue()`, which saturates: 3000000000
    is stored as 2147483647 (no error on the server either). As a string it is refused (above)."""
    response = c.post(f"{V1}/{TT}", json={**TT_BASE, "xint": 3000000000, "xlong": 1.9}, headers=admin_h)
    assert response.status_code == 201, response.text
    row = c.get(f"{V1}/{TT}/100", headers=admin_h).json()
    assert (row["xint"], row["xlong"]) == (2147483647, 1)


def test_the_database_reports_its_first_violation_only(c: Any, admin_h: dict[str, str]) -> None:
    """PostgreSQL stops at the first failure: the unique index (immediate) before the deferred foreign key."""
    body = {**TT_BASE, "xxref_value": "nope", "xstring_unique": "str1"}
    response = c.post(f"{V1}/{TT}", json=body, headers=admin_h)
    assert_molgenis_error(response, 400, f"Value 'str1' for unique attribute 'xstring_unique' from entity '{TT}' "
                                         "already exists.", "D24a")
    assert len(messages(response)) == 1


@pytest.mark.parametrize("entity_type, body, attribute, value", [
    (ITEMS, {"value": "ref1", "label": "x"}, "value", "ref1"),
    ("V1_API_TypeTestRefAPIV1", {"value": "ref3", "label": "x"}, "value", "ref3"),
    (TT, {**TT_BASE, "id": 1}, "id", "1"),
])
def test_create_with_a_duplicate_id(c: Any, admin_h: dict[str, str], entity_type: str, body: dict[str, Any],
                                    attribute: str, value: str) -> None:
    """A duplicate id is the primary key's unique violation (400 D24a), not 409."""
    response = c.post(f"{V1}/{entity_type}", json=body, headers=admin_h)
    assert_molgenis_error(response, 400, f"Value '{value}' for unique attribute '{attribute}' from entity "
                                         f"'{entity_type}' already exists.", "D24a")


def test_create_by_form_with_a_wrong_value(c: Any, admin_h: dict[str, str]) -> None:
    form = {k: (",".join(v) if isinstance(v, list) else str(v)) for k, v in {**TT_BASE, "xint": "abc"}.items()}
    response = c.post(f"{V1}/{TT}", data=form, headers=admin_h)
    assert_molgenis_error(response, 400, _plain("int", "abc", "xint label"))


# -- updates (§8.2, §8.3) ----------------------------------------------------------------------------------------------

def test_put_changing_a_read_only_attribute(c: Any, admin_h: dict[str, str]) -> None:
    """Read-only attributes may be resent unchanged; changing one is refused by the table's update trigger (D18)."""
    row = c.get(f"{V1}/sys_sec_User/{TEST_USER_ID}", headers=admin_h).json()
    body = {k: v for k, v in row.items() if k != "href"}
    assert c.put(f"{V1}/sys_sec_User/{TEST_USER_ID}", json=body, headers=admin_h).status_code == 200
    response = c.put(f"{V1}/sys_sec_User/{TEST_USER_ID}", json={**body, "username": "renamed"}, headers=admin_h)
    assert_molgenis_error(response, 400, "Updating read-only attribute 'username' of type 'sys_sec_User' with id "
                                         f"'{TEST_USER_ID}' is not allowed.", "D18")
    tunnel = c.post(f"{V1}/sys_sec_User/{TEST_USER_ID}?_method=PUT", json={**body, "username": "renamed"},
                    headers=admin_h)
    assert_molgenis_error(tunnel, 400, "Updating read-only attribute 'username' of type 'sys_sec_User' with id "
                                       f"'{TEST_USER_ID}' is not allowed.", "D18")
    assert c.get(f"{V1}/sys_sec_User/{TEST_USER_ID}", headers=admin_h).json()["username"] == "test"


@pytest.mark.parametrize("entity_type, row_id, attribute, body", [
    (ITEMS, "ref1", "value", "ref1"),                        # the id (read-only even when unchanged)
    (TT, "1", "id", 1),
    (TT, "1", "xcomputedint", 5),                            # a computed attribute
    ("sys_sec_User", TEST_USER_ID, "username", "renamed"),
])
def test_single_attribute_put_on_a_read_only_attribute(c: Any, admin_h: dict[str, str], entity_type: str,
                                                       row_id: str, attribute: str, body: Any) -> None:
    """§8.3: MolgenisDataAccessException → 401 without code."""
    message = f"Attribute '{attribute}' of entity '{entity_type}' is readonly"
    for method, path in (("PUT", f"{V1}/{entity_type}/{row_id}/{attribute}"),
                         ("POST", f"{V1}/{entity_type}/{row_id}/{attribute}?_method=PUT")):
        response = c.request(method, path, json=body, headers=admin_h)
        assert_molgenis_error(response, 401, message)


@pytest.mark.parametrize("attribute, value, expected", [
    ("xint", "abc", _plain("int", "abc", "xint label")),
    ("xenum", "enum4", "Invalid [enum] value [enum4] for attribute [xenum] of entity [1] with type "
                       f"[{TT}]. Value must be one of [enum1, enum2, enum3]"),
    ("xxref_value", "nope", f"Unknown xref value 'nope' for attribute 'xxref_value' of entity '{TT}'."),
    ("xint_unique", 2, f"Value '2' for unique attribute 'xint_unique' from entity '{TT}' already exists."),
    ("xxref_value", None, f"The attribute 'xxref_value' of entity '{TT}' can not be null."),
])
def test_single_attribute_put_with_a_wrong_value(c: Any, admin_h: dict[str, str], attribute: str, value: Any,
                                                 expected: str) -> None:
    before = c.get(f"{V1}/{TT}/1", headers=admin_h).json()
    response = raw(c, "PUT", f"{V1}/{TT}/1/{attribute}", admin_h, json.dumps(value))
    assert_molgenis_error(response, 400, expected, db_code(expected))
    assert c.get(f"{V1}/{TT}/1", headers=admin_h).json() == before


def test_single_attribute_put_on_a_compound(c: Any, admin_h: dict[str, str]) -> None:
    response = c.put(f"{V1}/{TT}/1/xcompound", json="x", headers=admin_h)
    assert_molgenis_error(response, 400, f"Attribute 'xcompound' of entity '{TT}' cannot be set directly")


# -- unknown type, row, attribute (§9) ---------------------------------------------------------------------------------

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
    """§8.4: 204 even when the id does not exist (contrast with the 404s above)."""
    assert c.delete(f"{V1}/{ITEMS}/nope", headers=admin_h).status_code == 204
    assert c.delete(f"{V1}/sys_FileMeta/non-existing-entity_id", headers=admin_h).status_code == 204
    assert c.post(f"{V1}/{ITEMS}/nope?_method=DELETE", headers=admin_h).status_code == 204
    assert c.get(f"{V1}/{ITEMS}", headers=admin_h).json()["total"] == 5


@pytest.mark.parametrize("path", [f"{V1}/{TT}/abc", f"{V1}/{TT}/abc/xint", f"{V1}/{TT}/1.5", f"{V1}/{TT}/99999999999"])
def test_int_path_id_that_is_not_an_int(c: Any, admin_h: dict[str, str], path: str) -> None:
    """The server answers 500 NumberFormatException (§8.5); no row can have such an id, so the mock says D02."""
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
    ("GET", f"{V1}/{ITEMS}/nope/nope", None),          # the attribute is checked before the row (§7.4)
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
    """§7.6 quirk: GET /{e}/meta/{unknown} throws an unknown-entity-type error (D01 naming the type), not D04."""
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}/meta/nope", headers=admin_h), 404,
                          f"Unknown entity type '{ITEMS}'.", "D01")
    assert_molgenis_error(c.post(f"{V1}/{ITEMS}/meta/nope?_method=GET", json={}, headers=admin_h), 404,
                          f"Unknown entity type '{ITEMS}'.", "D01")


@pytest.mark.parametrize("method, path", [("PUT", f"{V1}/{TT}/1/xstringnillable"),
                                          ("POST", f"{V1}/{TT}/1/xstringnillable?_method=PUT")])
def test_attribute_put_without_body_and_content_type_sets_null(c: Any, admin_h: dict[str, str], method: str,
                                                               path: str) -> None:
    """§8.3: an empty body is null (this used to be a 400 `... [LinkedTreeMap] ...`: the absent body reached the
    handler as {})."""
    response = c.request(method, path, headers=admin_h)
    assert response.status_code == 200, response.text
    assert "xstringnillable" not in c.get(f"{V1}/{TT}/1", headers=admin_h).json()


def test_null_xref_sub_resource(c: Any, admin_h: dict[str, str]) -> None:
    """§7.4: the server answers 500 `entity is null`; the mock a 404 with the same message (spec, GET
    /{e}/{id}/{attr})."""
    assert c.put(f"{V1}/{TT}/1/xxrefnillable_value", headers={**admin_h, "content-type": "application/json"}
                 ).status_code == 200
    assert_molgenis_error(c.get(f"{V1}/{TT}/1/xxrefnillable_value", headers=admin_h), 404, "entity is null")


# -- _method tunnels (§2, §4.6) ----------------------------------------------------------------------------------------

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
    """§3: POST /{e}/{id} without _method has no mapping on the server (400)."""
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
    """§2 #3: the _method=GET tunnels bind a request body (`{}` is fine); none is Spring's missing body. These used to
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


# -- permissions: 401 DS04 for anonymous and logged-in callers alike (§10.2, §10.5) ------------------------------------

DISEASE_ROW = {"code": "C50", "name": "Breast cancer"}
ANONYMOUS_DENIED = [
    # anonymous holds READ on the biobank demo types: every write is refused with its own permission
    ("POST", f"{V1}/{DISEASE}", {"code": "X99", "name": "x"}, ds04("Add data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}", None, ds04("Add data", "Disease", DISEASE)),                      # form
    ("PUT", f"{V1}/{DISEASE}/C50", {**DISEASE_ROW, "name": "x"}, ds04("Update data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}/C50?_method=PUT", {**DISEASE_ROW, "name": "x"},
     ds04("Update data", "Disease", DISEASE)),
    ("PUT", f"{V1}/{DISEASE}/C50/name", "x", ds04("Update data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}/C50/name?_method=PUT", "x", ds04("Update data", "Disease", DISEASE)),
    ("DELETE", f"{V1}/{DISEASE}/C50", None, ds04("Delete data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}/C50?_method=DELETE", None, ds04("Delete data", "Disease", DISEASE)),
    ("DELETE", f"{V1}/{DISEASE}", None, ds04("Delete data", "Disease", DISEASE)),
    ("POST", f"{V1}/{DISEASE}?_method=DELETE", None, ds04("Delete data", "Disease", DISEASE)),
    # deleting metadata is a delete on sys_md_EntityType (RepositorySecurityDecorator: DELETE_DATA there)
    ("DELETE", f"{V1}/{DISEASE}/meta", None, ds04("Delete data", "Entity type", "sys_md_EntityType")),
    ("POST", f"{V1}/{DISEASE}/meta?_method=DELETE", None, ds04("Delete data", "Entity type", "sys_md_EntityType")),
    # anonymous holds nothing on system types: even reading the metadata is refused (IT-01, IT-08)
    ("GET", f"{V1}/sys_md_EntityType", None, ds04("Read metadata", "Entity type", "sys_md_EntityType")),
    ("GET", f"{V1}/sys_scr_ScriptType", None, ds04("Read metadata", "Script type", "sys_scr_ScriptType")),
    ("GET", f"{V1}/sys_App/meta", None, ds04("Read metadata", "App", "sys_App")),
    ("GET", f"{V1}/sys_App/meta/label", None, ds04("Read metadata", "App", "sys_App")),
    ("POST", f"{V1}/sys_App/meta?_method=GET", {}, ds04("Read metadata", "App", "sys_App")),
    ("GET", f"{V1}/sys_scr_ScriptType/R", None, ds04("Read metadata", "Script type", "sys_scr_ScriptType")),
    ("GET", f"{V1}/sys_scr_ScriptType/R/name", None, ds04("Read metadata", "Script type", "sys_scr_ScriptType")),
    ("POST", f"{V1}/sys_App?_method=GET", {}, ds04("Read metadata", "App", "sys_App")),
    ("GET", f"{V1}/csv/sys_App", None, ds04("Read metadata", "App", "sys_App")),
    ("GET", f"{V1}/{ITEMS}", None, ds04("Read metadata", "Items", ITEMS)),
    ("PUT", f"{V1}/sys_set_auth/auth/sign_in_2fa", "Disabled",
     ds04("Read metadata", "Authentication settings", "sys_set_auth")),
]


def _send(c: Any, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    if body is None and method == "POST" and "_method" not in path:
        return c.post(path, data={"code": "X98", "name": "y"}, headers=headers)     # a form create
    if body is None:
        return c.request(method, path, headers=headers)
    return c.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("method, path, body, message", ANONYMOUS_DENIED,
                         ids=[f"{m} {p}" for m, p, _, _ in ANONYMOUS_DENIED])
def test_anonymous_is_refused_with_ds04(c: Any, admin_h: dict[str, str], method: str, path: str, body: Any,
                                        message: str) -> None:
    before = c.get(f"{V1}/{DISEASE}", headers=admin_h).json()["items"]
    assert_molgenis_error(_send(c, method, path, body, {}), 401, message, "DS04")
    assert "www-authenticate" not in {k.lower() for k in _send(c, method, path, body, {}).headers}
    assert c.get(f"{V1}/{DISEASE}", headers=admin_h).json()["items"] == before      # nothing changed


def test_anonymous_may_read_the_demo_types(c: Any) -> None:
    """The positive side of the table above: READ is enough to list, read a row and export CSV."""
    assert c.get(f"{V1}/{DISEASE}").json()["total"] == 8
    assert c.get(f"{V1}/{DISEASE}/C50").json() == {"href": f"{V1}/{DISEASE}/C50", **DISEASE_ROW}
    assert c.get(f"{V1}/csv/{DISEASE}?q=code==C50").text == '"code","name"\n"C50","Breast cancer"\n'


NON_ADMIN_DENIED = [
    # RestControllerIT's user: READ on sys_scr_ScriptType, COUNT on sys_sec_User (§16.3)
    (IT_USER, "DELETE", f"{V1}/sys_scr_ScriptType/R", None, ds04("Delete data", "Script type", "sys_scr_ScriptType")),
    (IT_USER, "POST", f"{V1}/sys_scr_ScriptType/R?_method=DELETE", None,
     ds04("Delete data", "Script type", "sys_scr_ScriptType")),
    (IT_USER, "DELETE", f"{V1}/sys_scr_ScriptType", None, ds04("Delete data", "Script type", "sys_scr_ScriptType")),
    (IT_USER, "POST", f"{V1}/sys_scr_ScriptType", {"name": "Q"}, ds04("Add data", "Script type",
                                                                      "sys_scr_ScriptType")),
    (IT_USER, "PUT", f"{V1}/sys_scr_ScriptType/R", {"name": "R"}, ds04("Update data", "Script type",
                                                                       "sys_scr_ScriptType")),
    (IT_USER, "DELETE", f"{V1}/sys_scr_ScriptType/meta", None, ds04("Delete data", "Entity type",
                                                                    "sys_md_EntityType")),
    (IT_USER, "GET", f"{V1}/sys_sec_User", None, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "POST", f"{V1}/sys_sec_User?_method=GET", {}, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "GET", f"{V1}/sys_sec_User/{TEST_USER_ID}", None, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "GET", f"{V1}/sys_sec_User/{TEST_USER_ID}/username", None, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "GET", f"{V1}/csv/sys_sec_User", None, ds04("Read data", "User", "sys_sec_User")),
    (IT_USER, "GET", f"{V1}/sys_App", None, ds04("Read metadata", "App", "sys_App")),
    # RestControllerV1APIIT's user: WRITE (not WRITEMETA) on the V1_API types, nothing on settings
    (TEST_USER, "GET", f"{V1}/sys_App/meta", None, ds04("Read metadata", "App", "sys_App")),
    (TEST_USER, "PUT", f"{V1}/sys_set_auth/auth/sign_in_2fa", "Enforced",
     ds04("Read metadata", "Authentication settings", "sys_set_auth")),
    (TEST_USER, "POST", f"{V1}/sys_sec_User", {"username": "x", "password_": "x", "Email": "x@example.org"},
     ds04("Read metadata", "User", "sys_sec_User")),
]


@pytest.mark.parametrize("user, method, path, body, message", NON_ADMIN_DENIED,
                         ids=[f"{u[0]} {m} {p}" for u, m, p, _, _ in NON_ADMIN_DENIED])
def test_logged_in_user_is_refused_with_ds04_too(c: Any, admin_h: dict[str, str], user: tuple[str, str],
                                                 method: str, path: str, body: Any, message: str) -> None:
    """Permission failures are 401 (never 403) for logged-in users as well (§10.2)."""
    headers = auth(c, user)
    assert_molgenis_error(_send(c, method, path, body, headers), 401, message, "DS04")
    assert c.get(f"{V1}/sys_scr_ScriptType/R", headers=admin_h).status_code == 200
    assert c.get(f"{V1}/{ITEMS}/meta", headers=admin_h).status_code == 200


def test_count_permission_reads_metadata_only(c: Any, it_h: dict[str, str]) -> None:
    """IT-09: COUNT implies READ_METADATA, so the meta succeeds where the rows are refused (above)."""
    response = c.get(f"{V1}/sys_sec_User/meta", headers=it_h)
    assert response.status_code == 200 and response.json()["name"] == "sys_sec_User"


# -- tokens: an unusable token is anonymous, never a 401 by itself (§10.1) -------------------------------------------

def _expired_token(c: Any, admin_h: dict[str, str], name: str = "expired-admin-token") -> str:
    """A sys_sec_Token row of the admin whose expirationDate lies in the past (tokens created by hand count)."""
    response = c.post(f"{V1}/sys_sec_Token", json={"User": ADMIN_USER_ID, "token": name,
                                                   "expirationDate": "2000-01-01T00:00:00Z"}, headers=admin_h)
    assert response.status_code == 201, response.text
    return name


@pytest.mark.parametrize("kind", ["garbage", "hex-unknown", "expired", "logged-out", "blank"])
@pytest.mark.parametrize("transport", ["header", "parameter"])
def test_unusable_token_is_anonymous(c: Any, admin_h: dict[str, str], kind: str, transport: str) -> None:
    if kind == "expired":
        value = _expired_token(c, admin_h)
    elif kind == "logged-out":
        value = token_of(c, ADMIN)
        assert c.post(f"{V1}/logout", headers={"x-molgenis-token": value}).status_code == 200
    else:
        value = {"garbage": "not-a-token!", "hex-unknown": "0" * 32, "blank": " "}[kind]
    headers = {"x-molgenis-token": value} if transport == "header" else {}
    suffix = "" if transport == "header" else "?molgenis-token=" + value.replace(" ", "%20")
    # anonymous may read the demo types: the token alone causes no 401 ...
    readable = c.get(f"{V1}/{DISEASE}/C50{suffix}", headers=headers)
    assert readable.status_code == 200, readable.text
    assert readable.json()["code"] == "C50"
    # ... but anonymous holds nothing on sys_App: the anonymous DS04
    assert_molgenis_error(c.get(f"{V1}/sys_App{suffix}", headers=headers), 401,
                          ds04("Read metadata", "App", "sys_App"), "DS04")


def test_header_token_wins_over_the_parameter(c: Any, admin_h: dict[str, str]) -> None:
    response = c.get(f"{V1}/sys_App?molgenis-token=garbage", headers=admin_h)
    assert response.status_code == 200, response.text


def token_of(c: Any, user: tuple[str, str]) -> str:
    return auth(c, user)["x-molgenis-token"]


# -- logout (§10.4) ----------------------------------------------------------------------------------------------------

def test_logout_without_token(c: Any) -> None:
    assert_molgenis_error(c.post(f"{V1}/logout"), 400, MISSING_TOKEN)


@pytest.mark.parametrize("value", ["0" * 32, "garbage"])
def test_logout_with_unknown_token(c: Any, value: str) -> None:
    assert_molgenis_error(c.post(f"{V1}/logout", headers={"x-molgenis-token": value}), 404, "Invalid token")
    assert_molgenis_error(c.post(f"{V1}/logout?molgenis-token={value}"), 404, "Invalid token")


def test_logout_twice(c: Any) -> None:
    value = token_of(c, TEST_USER)
    assert c.post(f"{V1}/logout?molgenis-token={value}").status_code == 200
    assert_molgenis_error(c.post(f"{V1}/logout", headers={"x-molgenis-token": value}), 404, "Invalid token")


def test_logout_with_expired_token(c: Any, admin_h: dict[str, str]) -> None:
    """§10.4: unknown or expired → 404 (an expired token used to be revoked with 200)."""
    value = _expired_token(c, admin_h)
    assert_molgenis_error(c.post(f"{V1}/logout", headers={"x-molgenis-token": value}), 404, "Invalid token")


# -- login (§10.3) -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, count", [
    ({"username": "", "password": ""}, 2),
    ({"username": "admin", "password": "  "}, 1),
    ({"username": " \t", "password": "admin"}, 1),
])
def test_login_with_blank_fields(c: Any, body: dict[str, Any], count: int) -> None:
    response = c.post(f"{V1}/login", json=body)
    assert_molgenis_error(response, 400)
    assert messages(response) == ["must not be blank"] * count


@pytest.mark.parametrize("body, count", [({}, 2), ({"username": "admin"}, 1),
                                         ({"username": None, "password": None}, 2), ({"password": 5}, 2)])
def test_login_with_missing_fields(c: Any, body: dict[str, Any], count: int) -> None:
    """§10.3: @NotBlank also fails on missing and null (these used to get the generic `This field is required.`)."""
    response = c.post(f"{V1}/login", json=body)
    assert_molgenis_error(response, 400)
    assert messages(response) == ["must not be blank"] * count


@pytest.mark.parametrize("username, password", [("admin", "wrong"), ("nobody", "admin"), ("ADMIN", "admin"),
                                                ("test", "admin")])
def test_login_with_bad_credentials(c: Any, username: str, password: str) -> None:
    assert_molgenis_error(c.post(f"{V1}/login", json={"username": username, "password": password}), 401,
                          "Bad credentials")


def test_login_of_an_inactive_user(c: Any) -> None:
    response = c.post(f"{V1}/login", json={"username": "inactive", "password": "inactive-password"})
    assert_molgenis_error(response, 401, INACTIVE)


def test_login_of_a_user_deactivated_through_the_api(c: Any, admin_h: dict[str, str]) -> None:
    assert c.put(f"{V1}/sys_sec_User/{TEST_USER_ID}/active", json=False, headers=admin_h).status_code == 200
    response = c.post(f"{V1}/login", json={"username": "test", "password": "test"})
    assert_molgenis_error(response, 401)
    assert messages(response)[0].startswith("User is disabled org.springframework.security.core.userdetails.User "
                                            "[Username=test, Password=[PROTECTED], Enabled=false")


def test_login_requiring_a_password_reset(c: Any) -> None:
    response = c.post(f"{V1}/login", json={"username": "reset-me", "password": "reset-password"})
    assert_molgenis_error(response, 401, PASSWORD_RESET)


def test_login_account_state_beats_a_wrong_password(c: Any) -> None:
    """MolgenisUserDetailsChecker runs as the pre-authentication check, before the password is compared."""
    response = c.post(f"{V1}/login", json={"username": "inactive", "password": "wrong"})
    assert_molgenis_error(response, 401, INACTIVE)


def _set_2fa(c: Any, headers: dict[str, str], mode: str) -> Any:
    """2FA-01: the setting is a single-attribute PUT with the bare word as JSON body."""
    return raw(c, "PUT", f"{V1}/sys_set_auth/auth/sign_in_2fa", headers, mode)


def test_two_factor_enforced_refuses_every_login(c: Any, admin_h: dict[str, str]) -> None:
    assert _set_2fa(c, admin_h, "Enforced").status_code == 200
    for user in (TEST_USER, ADMIN, ("twofactor", "twofactor-password")):
        response = c.post(f"{V1}/login", json={"username": user[0], "password": user[1]})
        assert_molgenis_error(response, 401, TWO_FACTOR)
    # bad credentials are still bad credentials
    assert_molgenis_error(c.post(f"{V1}/login", json={"username": "test", "password": "nope"}), 401,
                          "Bad credentials")
    # tokens issued before keep working; switching back restores login
    assert _set_2fa(c, admin_h, "Disabled").status_code == 200
    assert c.post(f"{V1}/login", json={"username": "test", "password": "test"}).status_code == 200


def test_two_factor_enabled_refuses_users_with_2fa(c: Any, admin_h: dict[str, str]) -> None:
    assert _set_2fa(c, admin_h, "Enabled").status_code == 200
    response = c.post(f"{V1}/login", json={"username": "twofactor", "password": "twofactor-password"})
    assert_molgenis_error(response, 401, TWO_FACTOR)
    assert c.post(f"{V1}/login", json={"username": "test", "password": "test"}).status_code == 200


def test_two_factor_setting_outside_its_options(c: Any, admin_h: dict[str, str]) -> None:
    response = _set_2fa(c, admin_h, "Sometimes")
    assert_molgenis_error(response, 400, "Invalid [enum] value [Sometimes] for attribute [Two Factor Authentication] "
                                         "of entity [auth] with type [sys_set_auth]. Value must be one of [Disabled, "
                                         "Enabled, Enforced]")
    assert c.post(f"{V1}/login", json={"username": "test", "password": "test"}).status_code == 200


def test_login_with_a_non_object_body(c: Any) -> None:
    for body in (["admin", "admin"], "admin"):
        assert_molgenis_error(c.post(f"{V1}/login", json=body), 400)


@pytest.mark.parametrize("password", ["é", "пароль", "admin\u0000"])
def test_login_with_a_non_ascii_password_is_refused_not_a_500(c: Any, password: str) -> None:
    """Found by the contract suite's fuzzing: hmac.compare_digest on non-ASCII str raised a TypeError (500)."""
    assert_molgenis_error(c.post(f"{V1}/login", json={"username": "admin", "password": password}), 401,
                          "Bad credentials")
