"""Query rules (handlers/molgenis/query.py) over HTTP: the POST tunnel's JSON rules, the q[i] GET parameters, sort,
start and num; every malformed or refused rule is a 400 in the server's words."""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.molgenis.helpers import ITEMS, TT, V1, assert_molgenis_error, nested, query, raw


OPERATORS = ("SEARCH, SEARCH_QUERY, EQUALS, IN, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, RANGE, LIKE, NOT, AND, "
             "OR, NESTED, SHOULD, DIS_MAX, FUZZY_MATCH, FUZZY_MATCH_NGRAM")

NUM_MAX = "No more than 10000 rows can be requested"


# -- query rules: POST tunnel and q[i] GET parameters ------------------------------------------------------------------

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
    """Values bound from q[i].value stay strings (Spring binds them as bean properties), so IN can never get its
    list there."""
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
    response = c.get(f"{V1}/{ITEMS}?q[0].foo=1", headers=admin_h)
    errors = assert_molgenis_error(response, 400)
    assert "q[0].foo" in errors[0]["message"]


def test_q_parameter_index_beyond_the_binding_limit(c: Any, admin_h: dict[str, str]) -> None:
    response = c.get(f"{V1}/{ITEMS}?q[999].field=label", headers=admin_h)
    assert_molgenis_error(response, 400, "Invalid property 'q[999].field' of bean class [EntityCollectionRequest]: "
                                         "index 999 exceeds the maximum of 255")


def test_rsql_q_on_the_json_route_is_a_400(c: Any, admin_h: dict[str, str]) -> None:
    """GET /{e} has no converter from a string to a rule list (the core's Spring binding message; it used to be
    hidden behind the generic `q: Unknown query parameter.`); RSQL works on /csv/{e} only."""
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}?q=label==label1", headers=admin_h), 400,
                          "Field 'q' of 'entityCollectionRequest' Failed to convert property value of type "
                          "'java.lang.String' to required type 'java.util.List' for property 'q'")
    # the same query is fine on the CSV route
    assert c.get(f"{V1}/csv/{ITEMS}?q=label==label1", headers=admin_h).text == '"value","label"\n"ref1","label1"\n'


def test_rules_that_are_not_a_list(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(query(c, admin_h, {"q": {"operator": "EQUALS"}}), 400,
                          "Query rules must be a list, not [LinkedTreeMap]")
    assert_molgenis_error(query(c, admin_h, {"q": ["label==x"]}), 400, "A query rule must be an object, not [String]")


# -- sort, start, num --------------------------------------------------------------------------------------------------

def test_sort_on_an_unknown_property(c: Any, admin_h: dict[str, str]) -> None:
    response = query(c, admin_h, {"sort": {"orders": [{"property": "nope", "direction": "ASC"}]}})
    assert_molgenis_error(response, 400, "Unknown attribute 'nope' of entity type 'Items'.")


@pytest.mark.parametrize("order", [{"property": "label"}, {"property": "label", "direction": "SIDEWAYS"},
                                   {"property": "label", "direction": None}])
def test_sort_without_a_known_direction_is_descending(c: Any, admin_h: dict[str, str], order: dict[str, Any]) -> None:
    """Quirk: Gson leaves a missing or unknown direction null, which the controller treats as DESC."""
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
    """GET cannot bind `sort` (SortV1 has no string constructor; the mock rejects the undeclared parameter)."""
    errors = assert_molgenis_error(c.get(f"{V1}/{ITEMS}?sort=label", headers=admin_h), 400)
    assert "sort" in errors[0]["message"]


def test_num_above_10000_in_the_tunnel_body(c: Any, admin_h: dict[str, str]) -> None:
    assert_molgenis_error(query(c, admin_h, {"num": 10001}), 400, NUM_MAX)
    assert query(c, admin_h, {"num": 10000}).status_code == 200


def test_num_above_10000_on_get(c: Any, admin_h: dict[str, str]) -> None:
    """`num` above 10000 on GET: the global handler's binding text (used to be the generic `num: Ensure this value is
    less than or equal to 10000.`)."""
    assert_molgenis_error(c.get(f"{V1}/{ITEMS}?num=10001", headers=admin_h), 400,
                          f"Field 'num' of 'entityCollectionRequest' {NUM_MAX}")
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
    """The server pages mref sub-resources in memory (beyond the list: 500, inferred); the mock: an empty page."""
    response = c.get(f"{V1}/{TT}/1/xmref_value?start=50", headers=admin_h)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
