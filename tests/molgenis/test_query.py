"""apitwin_apis.molgenis.query: GET q[i] binding, rule compilation with SQL semantics and exact messages, sort, RSQL."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.store import Store
from apitwin_apis.molgenis.model import Attribute, EntityType, Model
from apitwin_apis.molgenis.query import (MAX_DEPTH, OPERATORS, QueryProblem, compile_rules, parse_rsql,
                                     rules_from_params, sort_rows)
from apitwin_apis.molgenis.repository import Repository, make_lookup


def build_model() -> Model:
    model = Model()
    model.add(EntityType(id="Tag", label="Tag", attributes=[
        Attribute(name="id", id_attribute=True, unique=True), Attribute(name="label", label_attribute=True)]))
    model.add(EntityType(id="Pet", label="Pet", attributes=[
        Attribute(name="id", id_attribute=True, unique=True), Attribute(name="name"),
        Attribute(name="owner", type="XREF", ref_entity="Person")]))
    model.add(EntityType(id="Person", label="Person label", attributes=[
        Attribute(name="id", id_attribute=True, unique=True),
        Attribute(name="name"),
        Attribute(name="age", type="INT"),
        Attribute(name="big", type="LONG"),
        Attribute(name="height", type="DECIMAL"),
        Attribute(name="active", type="BOOL"),
        Attribute(name="born", type="DATE"),
        Attribute(name="seen", type="DATE_TIME"),
        Attribute(name="kind", type="ENUM", enum_options=["a", "b", "c"]),
        Attribute(name="friend", type="XREF", ref_entity="Person"),
        Attribute(name="tags", type="MREF", ref_entity="Tag"),
        Attribute(name="pets", type="ONE_TO_MANY", ref_entity="Pet", mapped_by="owner"),
        Attribute(name="address", type="COMPOUND", children=[Attribute(name="street"), Attribute(name="city")]),
        Attribute(name="ghost", type="XREF", ref_entity="Missing"),
    ]))
    return model


PEOPLE = [
    {"id": "p1", "name": "Piet", "age": 30, "big": 5, "height": 1.8, "active": True, "born": "1990-01-01",
     "seen": "2020-01-01T10:00:00Z", "kind": "a", "friend": "p2", "tags": ["t1", "t2"], "street": "Main",
     "city": "Delft"},
    {"id": "p2", "name": "Klaas", "age": 40, "height": 1.75, "active": False, "born": "1980-05-05",
     "seen": "2020-01-01T10:00:00.500Z", "kind": "b", "tags": ["t2"], "city": "Leiden"},
    {"id": "p3", "name": "piet jr", "kind": "c"},
    {"id": "p4", "name": "100% real_name", "age": 20, "born": "2000-12-31", "seen": "2020-01-01T09:59:59.999999Z",
     "friend": "p1"},
]


@pytest.fixture(scope="module")
def model() -> Model:
    return build_model()


@pytest.fixture(scope="module")
def store(model: Model) -> Store:
    store = Store()
    for type_id, rows in (("Tag", [{"id": "t1", "label": "Red"}, {"id": "t2", "label": "Blue"}]),
                          ("Person", PEOPLE),
                          ("Pet", [{"id": "pet1", "name": "Rex", "owner": "p1"},
                                   {"id": "pet2", "name": "Tom", "owner": "p1"},
                                   {"id": "pet3", "name": "Rex", "owner": "p2"}])):
        repository = Repository(store, model.get(type_id))
        for row in rows:
            repository.insert(row)
    return store


@pytest.fixture(scope="module")
def people(store: Store, model: Model) -> list[dict[str, Any]]:
    return Repository(store, model.get("Person")).scan()


@pytest.fixture
def match(model: Model, store: Store, people: list[dict[str, Any]]) -> Any:
    def run(rules: Any) -> list[str]:
        predicate = compile_rules(rules, model.get("Person"), model, make_lookup(store, model))
        return [row["id"] for row in people if predicate(row)]
    return run


@pytest.fixture
def fails(model: Model, store: Store) -> Any:
    def run(rules: Any) -> str:
        with pytest.raises(QueryProblem) as caught:
            compile_rules(rules, model.get("Person"), model, make_lookup(store, model))
        assert caught.value.status == 400
        return caught.value.message
    return run


def eq(field: str, value: Any) -> dict[str, Any]:
    return {"field": field, "operator": "EQUALS", "value": value}


AND, OR, NOT = {"operator": "AND"}, {"operator": "OR"}, {"operator": "NOT"}


# --- q[i] GET parameters ------------------------------------------------------------------------------------------

def test_params_become_rules_in_numeric_index_order() -> None:
    params = {"q[10].field": "age", "q[10].operator": "EQUALS", "q[10].value": "1", "q[2].operator": "AND",
              "q[1].field": "name", "q[1].operator": "LIKE", "q[1].value": "pie", "start": "0", "num": "10",
              "attributes": "name"}
    assert rules_from_params(params) == [{"field": "name", "operator": "LIKE", "value": "pie"},
                                         {"operator": "AND"},
                                         {"field": "age", "operator": "EQUALS", "value": "1"}]


def test_params_accept_multidict_style_lists() -> None:
    params = {"q[0].field": ["name"], "q[0].operator": ["IN"], "q[0].value": ["a", "b"], "q[1].field": ["x", "y"]}
    assert rules_from_params(params) == [{"field": "name", "operator": "IN", "value": ("a", "b")},
                                         {"field": "x,y"}]


def test_no_params_no_rules() -> None:
    assert rules_from_params({}) == []
    assert rules_from_params({"num": "5"}) == []


def test_rsql_q_on_the_json_route_is_refused() -> None:
    with pytest.raises(QueryProblem) as caught:
        rules_from_params({"q": "name==Piet"})
    assert caught.value.message.startswith("Field 'q' of 'entityCollectionRequest' Failed to convert")


@pytest.mark.parametrize("key", ["q[x].field", "q[0].nestedRules", "q[0]", "q[0].Field", "q[].value", "q[-1].value"])
def test_malformed_params(key: str) -> None:
    with pytest.raises(QueryProblem) as caught:
        rules_from_params({key: "v"})
    assert caught.value.message == f"Invalid property '{key}' of bean class [EntityCollectionRequest]"


def test_param_index_limit() -> None:
    assert rules_from_params({"q[255].operator": "AND"}) == [{"operator": "AND"}]
    with pytest.raises(QueryProblem) as caught:
        rules_from_params({"q[256].operator": "AND"})
    assert "256" in caught.value.message


def test_get_params_and_json_rules_select_the_same_rows(match: Any) -> None:
    params = {"q[0].field": "name", "q[0].operator": "EQUALS", "q[0].value": "Piet"}
    assert match(rules_from_params(params)) == match([eq("name", "Piet")]) == ["p1"]


# --- EQUALS -------------------------------------------------------------------------------------------------------

def test_no_rules_match_everything(match: Any) -> None:
    assert match(None) == match([]) == ["p1", "p2", "p3", "p4"]


def test_equals_text_is_exact(match: Any) -> None:
    assert match([eq("name", "Piet")]) == ["p1"]
    assert match([eq("name", "piet")]) == []


def test_equals_null_is_is_null(match: Any) -> None:
    assert match([eq("age", None)]) == ["p3"]
    assert match([eq("tags", None)]) == ["p3", "p4"]
    assert match([eq("pets", None)]) == ["p3", "p4"]


def test_equals_coerces_numbers(match: Any) -> None:
    assert match([eq("age", "30")]) == ["p1"]
    assert match([eq("age", 30.0)]) == ["p1"]
    assert match([eq("age", 30.7)]) == ["p1"]                      # intValue() truncates
    assert match([eq("big", "5")]) == ["p1"]
    assert match([eq("height", "1.8")]) == ["p1"]
    assert match([eq("height", 1.75)]) == ["p2"]


def test_equals_number_on_text_compares_java_text(model: Model, store: Store) -> None:
    lookup = make_lookup(store, model)
    predicate = compile_rules([eq("name", 5)], model.get("Person"), model, lookup)
    assert predicate({"id": "x", "name": "5.0"}) and not predicate({"id": "x", "name": "5"})
    assert compile_rules([eq("name", True)], model.get("Person"), model, lookup)({"name": "true"})


def test_bool_uses_is_true_and_is_false(match: Any) -> None:
    assert match([eq("active", True)]) == ["p1"]
    assert match([eq("active", "TRUE")]) == ["p1"]
    assert match([eq("active", False)]) == ["p2"]
    assert match([NOT, eq("active", True)]) == ["p2", "p3", "p4"]     # null IS TRUE is false, not unknown


def test_equals_dates_and_datetimes(match: Any) -> None:
    assert match([eq("born", "1990-01-01")]) == ["p1"]
    assert match([eq("born", "1990-01-01T23:00:00+0100")]) == ["p1"]
    assert match([eq("seen", "2020-01-01T10:00:00.5Z")]) == ["p2"]
    assert match([eq("seen", "2020-01-01T12:00:00+0200")]) == ["p1"]


def test_equals_on_references_compares_ids(match: Any) -> None:
    assert match([eq("friend", "p2")]) == ["p1"]
    assert match([eq("tags", "t2")]) == ["p1", "p2"]
    assert match([eq("pets", "pet3")]) == ["p2"]


def test_equals_enum(match: Any, fails: Any) -> None:
    assert match([eq("kind", "b")]) == ["p2"]
    assert fails([eq("kind", "z")]) == "Attribute [kind] value [z] is not a valid enum option"
    assert fails([eq("kind", 1)]) == "Attribute [kind] value is of type [Double] instead of [String] or [Enum]"


# --- NOT and three-valued logic -----------------------------------------------------------------------------------

def test_not_skips_null_columns(match: Any) -> None:
    assert match([NOT, eq("name", "Piet")]) == ["p2", "p3", "p4"]
    assert match([NOT, eq("age", 30)]) == ["p2", "p4"]                # p3: age null -> unknown
    assert match([NOT, NOT, eq("age", 30)]) == ["p1"]
    assert match([NOT, eq("tags", "t1")]) == ["p2"]                   # empty mref -> unknown


def test_not_negates_only_the_next_rule(match: Any) -> None:
    assert match([NOT, eq("name", "Piet"), AND, eq("kind", "b")]) == ["p2"]


# --- connectors ---------------------------------------------------------------------------------------------------

def test_and_or_precedence_and_implicit_and(match: Any) -> None:
    assert match([eq("name", "Piet"), OR, eq("kind", "b"), AND, eq("age", 40)]) == ["p1", "p2"]
    assert match([eq("name", "Piet"), OR, eq("kind", "b"), AND, eq("age", 41)]) == ["p1"]
    assert match([eq("kind", "a"), eq("age", 30)]) == ["p1"]
    assert match([eq("kind", "a"), eq("age", 40)]) == []


def test_unknown_or_true_is_true_and_unknown_and_false_is_false(match: Any) -> None:
    assert match([NOT, eq("age", 1), OR, eq("kind", "c")]) == ["p1", "p2", "p3", "p4"]
    assert match([NOT, eq("age", 1), AND, eq("kind", "c")]) == []


def test_nested_groups(match: Any) -> None:
    group = {"operator": "NESTED", "nestedRules": [eq("kind", "a"), OR, eq("kind", "b")]}
    assert match([group, AND, {"field": "age", "operator": "GREATER", "value": 35}]) == ["p2"]
    assert match([NOT, group]) == ["p3"]


@pytest.mark.parametrize("rules, message", [
    ([AND, eq("age", 1)], "Query operator [AND] must stand between two rules"),
    ([eq("age", 1), OR], "Query operator [OR] must stand between two rules"),
    ([eq("age", 1), AND, OR, eq("age", 2)], "Query operator [OR] must stand between two rules"),
    ([eq("age", 1), NOT], "Query operator [NOT] must be followed by a rule"),
    ([NOT, AND, eq("age", 1)], "Query operator [AND] must stand between two rules"),
    ([{"operator": "NESTED", "nestedRules": []}], "Query rule with operator [NESTED] needs a non-empty list of "
                                                  "nestedRules"),
    ([{"operator": "NESTED"}], "Query rule with operator [NESTED] needs a non-empty list of nestedRules"),
    ([{"operator": "NESTED", "nestedRules": {"a": 1}}], "Query rule with operator [NESTED] needs a non-empty list "
                                                        "of nestedRules"),
    (["EQUALS"], "A query rule must be an object, not [String]"),
    ({"field": "x"}, "Query rules must be a list, not [LinkedTreeMap]"),
    ([{"field": "name", "value": "x"}], "Query rule without operator"),
    ([{"field": "name", "operator": "", "value": "x"}], "Query rule without operator"),
])
def test_malformed_rule_lists(fails: Any, rules: Any, message: str) -> None:
    assert fails(rules) == message


def test_unknown_operators(fails: Any) -> None:
    expected = ", ".join(OPERATORS)
    assert fails([{"field": "name", "operator": "FOO", "value": "x"}]) == \
        f"Unknown query operator [FOO], expected one of {expected}"
    assert fails([{"field": "name", "operator": "equals", "value": "x"}]) == \
        f"Unknown query operator [equals], expected one of {expected}"
    assert fails([{"field": "name", "operator": 5, "value": "x"}]) == \
        f"Unknown query operator [5], expected one of {expected}"


@pytest.mark.parametrize("operator", ["SEARCH_QUERY", "FUZZY_MATCH", "FUZZY_MATCH_NGRAM", "SHOULD", "DIS_MAX"])
def test_postgres_refuses_free_text_operators(fails: Any, operator: str) -> None:
    assert fails([{"field": "name", "operator": operator, "value": "x"}]) == \
        f"Query operator [{operator}] not supported by PostgreSQL repository"


def test_nesting_is_bounded(match: Any, fails: Any) -> None:
    def nest(levels: int) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = [eq("name", "Piet")]
        for _ in range(levels):
            rules = [{"operator": "NESTED", "nestedRules": rules}]
        return rules
    assert match(nest(MAX_DEPTH)) == ["p1"]
    assert fails(nest(MAX_DEPTH + 1)) == f"Query rules are nested too deeply (more than {MAX_DEPTH} levels)"
    assert fails(nest(5000)) == f"Query rules are nested too deeply (more than {MAX_DEPTH} levels)"


def test_long_flat_rule_lists_are_fine(match: Any) -> None:
    rules: list[dict[str, Any]] = []
    for n in range(3000):
        rules += [eq("age", n), OR]
    rules += [NOT] * 1001 + [eq("kind", "a")]                     # odd number of NOTs: negated once
    assert match(rules) == ["p1", "p2", "p3", "p4"]
    assert match(rules[:-1002] + [NOT, NOT, eq("kind", "c")]) == ["p1", "p2", "p3", "p4"]


# --- fields -------------------------------------------------------------------------------------------------------

def test_unknown_field(fails: Any) -> None:
    assert fails([eq("nope", 1)]) == "Unknown attribute 'nope' of entity type 'Person label'."
    assert fails([eq("", 1)]) == "Unknown attribute '' of entity type 'Person label'."
    assert fails([eq(5, 1)]) == "Unknown attribute '5' of entity type 'Person label'."   # Gson reads it as "5"
    assert fails([{"field": "nope", "operator": "SEARCH", "value": "x"}]) == \
        "Unknown attribute 'nope' of entity type 'Person label'."


def test_missing_field(fails: Any) -> None:
    assert fails([{"operator": "EQUALS", "value": 1}]) == "Missing attribute field in EQUALS query rule"
    for operator in ("LIKE", "IN", "RANGE"):
        assert fails([{"operator": operator, "value": [1]}]) == f"Can't use {operator} without specifying an attribute"
    for operator in ("LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL"):
        assert fails([{"operator": operator, "value": 1}]) == \
            "Can't use GREATER, GREATER_EQUAL, LESS or LESS_EQUAL without specifying an attribute"


def test_dotted_fields_follow_references(match: Any, fails: Any) -> None:
    assert match([eq("friend.name", "Klaas")]) == ["p1"]
    assert match([{"field": "tags.label", "operator": "LIKE", "value": "blu"}]) == ["p1", "p2"]
    assert match([eq("pets.name", "Rex")]) == ["p1", "p2"]
    assert match([eq("friend.friend.name", "Klaas")]) == ["p4"]
    assert fails([eq("friend.nope", 1)]) == "Unknown attribute 'nope' of entity type 'Person label'."
    assert fails([eq("tags.nope", 1)]) == "Unknown attribute 'nope' of entity type 'Tag'."
    assert fails([eq("name.first", 1)]) == ("Attribute 'name' of entity type 'Person label' is not a reference; "
                                            "cannot query 'name.first'.")


def test_compound_fields_cannot_be_compared(fails: Any) -> None:
    assert fails([eq("address", "x")]) == "Attribute [address] type [COMPOUND] is not allowed"
    assert fails([{"field": "address", "operator": "LIKE", "value": "x"}]) == \
        "Attribute [address] type [COMPOUND] is not allowed"


def test_compound_children_are_top_level_fields(match: Any) -> None:
    assert match([eq("city", "Leiden")]) == ["p2"]


def test_reference_to_an_unknown_type(fails: Any) -> None:
    assert fails([eq("ghost", "x")]) == "Unknown entity type 'Missing'."


# --- value coercion messages --------------------------------------------------------------------------------------

@pytest.mark.parametrize("rule, message", [
    (eq("age", "abc"), "Attribute [age] value [abc] cannot be converter to type [Integer]"),
    (eq("age", "3000000000"), "Attribute [age] value [3000000000] cannot be converter to type [Integer]"),
    (eq("big", "x"), "Attribute [big] value [x] cannot be converter to type [Long]"),
    (eq("height", "tall"), "Attribute [height] value [tall] cannot be converter to type [Double]"),
    (eq("active", "yes"), "Attribute [active] value [yes] cannot be converter to type [Boolean]"),
    (eq("active", 1), "Attribute [active] value is of type [Double] instead of [String] or [Boolean]"),
    (eq("age", True), "Attribute [age] value is of type [Boolean] instead of [String] or [Number]"),
    (eq("height", [1]), "Attribute [height] value is of type [ArrayList] instead of [String] or [Number]"),
    (eq("born", "01-01-1990"),
     "Failed to parse attribute [born] value [01-01-1990] as date. Valid date format is [YYYY-MM-DD]."),
    (eq("born", 1990), "Attribute [born] value is of type [Double] instead of [LocalDate] or [String]."),
    (eq("seen", "noon"), "Failed to parse attribute [seen] value [noon] as datetime. Valid datetime format is "
                         "[YYYY-MM-DDThh:mm:ssZ]"),
    (eq("seen", {"a": 1}), "Attribute [seen] value is of type [LinkedTreeMap] instead of [String] or [Instant]"),
    (eq("friend", 5), None),
])
def test_coercion_messages(fails: Any, match: Any, rule: dict[str, Any], message: str | None) -> None:
    if message is None:
        assert match([rule]) == []                                   # 5 -> "5.0": no such id, no error
    else:
        assert fails([rule]) == message


# --- IN, RANGE, comparisons ---------------------------------------------------------------------------------------

def test_in(match: Any, fails: Any) -> None:
    assert match([{"field": "age", "operator": "IN", "value": ["30", 40]}]) == ["p1", "p2"]
    assert match([{"field": "tags", "operator": "IN", "value": ["t1"]}]) == ["p1"]
    assert match([{"field": "age", "operator": "IN", "value": [None]}]) == []
    assert match([NOT, {"field": "age", "operator": "IN", "value": [30]}]) == ["p2", "p4"]
    assert fails([{"field": "age", "operator": "IN", "value": "30"}]) == \
        "Query rule with operator [IN] value is of type [String] instead of [Iterable]"
    assert fails([{"field": "age", "operator": "IN", "value": 30}]) == \
        "Query rule with operator [IN] value is of type [Double] instead of [Iterable]"
    assert fails([{"field": "age", "operator": "IN", "value": ("30", "40")}]) == \
        "Query rule with operator [IN] value is of type [String[]] instead of [Iterable]"
    assert fails([{"field": "age", "operator": "IN"}]) == "Missing value for IN query"
    assert fails([{"field": "kind", "operator": "IN", "value": ["a", "q"]}]) == \
        "Attribute [kind] value [q] is not a valid enum option"


def test_deeply_nested_values_do_not_exhaust_the_stack(match: Any) -> None:
    nested: Any = "x"
    for _ in range(5000):
        nested = [nested]
    assert match([{"field": "name", "operator": "IN", "value": [nested]}]) == []
    assert match([{"field": "name", "operator": "EQUALS", "value": {"k": nested}}]) == []


def test_range_is_inclusive(match: Any, fails: Any) -> None:
    assert match([{"field": "age", "operator": "RANGE", "value": [20, 30]}]) == ["p1", "p4"]
    assert match([{"field": "born", "operator": "RANGE", "value": ["1985-01-01", "2000-12-31"]}]) == ["p1", "p4"]
    assert match([{"field": "age", "operator": "RANGE", "value": [None, 30]}]) == []
    assert match([{"field": "age", "operator": "RANGE", "value": [20, 30, 99]}]) == ["p1", "p4"]
    assert fails([{"field": "age", "operator": "RANGE", "value": [20]}]) == \
        "Query rule with operator [RANGE] needs a value [from, to]"
    assert fails([{"field": "age", "operator": "RANGE", "value": "20"}]) == \
        "Query rule with operator [RANGE] value is of type [String] instead of [Iterable]"
    assert fails([{"field": "age", "operator": "RANGE"}]) == "Missing value for RANGE query"


def test_comparisons(match: Any) -> None:
    def cmp(operator: str, field: str, value: Any) -> list[str]:
        return match([{"field": field, "operator": operator, "value": value}])
    assert cmp("LESS", "age", 30) == ["p4"]
    assert cmp("LESS_EQUAL", "age", "30") == ["p1", "p4"]
    assert cmp("GREATER", "age", 30.0) == ["p2"]
    assert cmp("GREATER_EQUAL", "age", 30) == ["p1", "p2"]
    assert cmp("GREATER", "born", "1985-01-01") == ["p1", "p4"]
    assert cmp("GREATER", "seen", "2020-01-01T10:00:00Z") == ["p2"]              # .500 after whole seconds
    assert cmp("LESS", "seen", "2020-01-01T10:00:00Z") == ["p4"]
    assert cmp("LESS", "age", None) == []
    assert cmp("GREATER", "name", "P") == ["p1", "p3"]                             # text compares as text
    assert cmp("GREATER", "tags", "t1") == ["p1", "p2"]


# --- LIKE and SEARCH ----------------------------------------------------------------------------------------------

def test_like_is_a_case_insensitive_substring_match(match: Any) -> None:
    def like(field: str, value: Any) -> list[str]:
        return match([{"field": field, "operator": "LIKE", "value": value}])
    assert like("name", "pie") == ["p1", "p3"]
    assert like("name", "IET J") == ["p3"]
    assert like("name", "p%t") == ["p1", "p3"]                                   # % is a wildcard
    assert like("name", "l_a") == ["p2"]                                          # so is _
    assert like("name", "100\\%") == ["p4"]
    assert like("name", "real\\_") == ["p4"]
    assert like("age", "3") == ["p1"]                                             # non-text compared as text
    assert like("height", "1.8") == ["p1"]
    assert like("active", "TRUE") == ["p1"]                                       # value coerced first
    assert like("friend", "p") == ["p1", "p4"]
    assert like("tags", "1") == ["p1"]
    assert like("seen", "2020-01-01T10:00:00.5Z") == ["p2"]
    assert match([NOT, {"field": "age", "operator": "LIKE", "value": "3"}]) == ["p2", "p4"]


def test_like_value_is_coerced_to_the_attribute_type(fails: Any) -> None:
    assert fails([{"field": "active", "operator": "LIKE", "value": "ru"}]) == \
        "Attribute [active] value [ru] cannot be converter to type [Boolean]"
    assert fails([{"field": "age", "operator": "LIKE", "value": "3x"}]) == \
        "Attribute [age] value [3x] cannot be converter to type [Integer]"


def test_search(match: Any) -> None:
    def search(value: Any, field: str | None = None) -> list[str]:
        rule: dict[str, Any] = {"operator": "SEARCH", "value": value}
        if field:
            rule["field"] = field
        return match([rule])
    assert search("PIET") == ["p1", "p3"]
    assert search("40") == ["p2"]
    assert search("delft") == ["p1"]
    assert search("t2") == ["p1", "p2"]
    assert search("piet", "name") == ["p1", "p3"]
    assert search("lei", "address") == ["p2"]
    assert search("") == search(None) == ["p1", "p2", "p3", "p4"]
    assert search(30) == []                                                       # 30 -> "30.0"
    assert search("%") == ["p4"]                                                  # no wildcards in SEARCH


# --- sorting ------------------------------------------------------------------------------------------------------

def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


def order(prop: str, direction: str | None = "ASC") -> dict[str, Any]:
    entry: dict[str, Any] = {"property": prop}
    if direction is not None:
        entry["direction"] = direction
    return {"orders": [entry]}


def test_no_sort_keeps_storage_order(model: Model, people: list[dict[str, Any]]) -> None:
    assert ids(sort_rows(people, None, model.get("Person"))) == ["p1", "p2", "p3", "p4"]


def test_sort_directions_and_nulls(model: Model, people: list[dict[str, Any]]) -> None:
    person = model.get("Person")
    assert ids(sort_rows(people, order("age"), person)) == ["p4", "p1", "p2", "p3"]       # nulls last ascending
    assert ids(sort_rows(people, order("age", "DESC"), person)) == ["p3", "p2", "p1", "p4"]  # nulls first descending
    assert ids(sort_rows(people, order("age", None), person)) == ["p3", "p2", "p1", "p4"]  # missing = DESC
    assert ids(sort_rows(people, order("age", "asc"), person)) == ["p3", "p2", "p1", "p4"]  # unknown = DESC
    assert ids(sort_rows(people, order("seen"), person)) == ["p4", "p1", "p2", "p3"]


def test_sort_ties_are_broken_by_id(model: Model) -> None:
    rows = [{"id": "b", "kind": "a"}, {"id": "c", "kind": "b"}, {"id": "a", "kind": "a"}]
    assert ids(sort_rows(rows, order("kind"), model.get("Person"))) == ["a", "b", "c"]
    assert ids(sort_rows(rows, order("kind", "DESC"), model.get("Person"))) == ["c", "a", "b"]


def test_sort_on_several_attributes(model: Model) -> None:
    rows = [{"id": "1", "kind": "a", "age": 1}, {"id": "2", "kind": "b", "age": 1}, {"id": "3", "kind": "a", "age": 2}]
    sort = {"orders": [{"property": "age", "direction": "DESC"}, {"property": "kind", "direction": "ASC"}]}
    assert ids(sort_rows(rows, sort, model.get("Person"))) == ["3", "1", "2"]
    by_id = {"orders": [{"property": "id", "direction": "DESC"}]}
    assert ids(sort_rows(rows, by_id, model.get("Person"))) == ["3", "2", "1"]


@pytest.mark.parametrize("sort, message", [
    ("name", "Invalid sort: expected {\"orders\": [{\"property\": ..., \"direction\": ...}]}"),
    ({"orders": "name"}, "Invalid sort: expected {\"orders\": [{\"property\": ..., \"direction\": ...}]}"),
    ({"orders": ["name"]}, "Invalid sort: expected {\"orders\": [{\"property\": ..., \"direction\": ...}]}"),
    ({"orders": [{"direction": "ASC"}]}, "Property must not null or empty!"),
    ({"orders": [{"property": ""}]}, "Property must not null or empty!"),
    ({"orders": [{"property": "nope"}]}, "Unknown attribute 'nope' of entity type 'Person label'."),
    ({"orders": [{"property": "address"}]}, "Cannot sort on attribute 'address' of type [COMPOUND]"),
    ({"orders": [{"property": "pets"}]}, "Cannot sort on attribute 'pets' of type [ONE_TO_MANY]"),
])
def test_sort_errors(model: Model, people: list[dict[str, Any]], sort: Any, message: str) -> None:
    with pytest.raises(QueryProblem) as caught:
        sort_rows(people, sort, model.get("Person"))
    assert caught.value.message == message


# --- RSQL ---------------------------------------------------------------------------------------------------------

def test_rsql_comparisons() -> None:
    assert parse_rsql("name==Piet") == [eq("name", "Piet")]
    assert parse_rsql("name!=Piet") == [NOT, eq("name", "Piet")]
    assert parse_rsql("name=like=pie") == [{"field": "name", "operator": "LIKE", "value": "pie"}]
    assert parse_rsql("name=notlike=pie") == [NOT, {"field": "name", "operator": "LIKE", "value": "pie"}]
    assert parse_rsql("age=in=(1,2)") == [{"field": "age", "operator": "IN", "value": ["1", "2"]}]
    assert parse_rsql("age=in=1") == [{"field": "age", "operator": "IN", "value": ["1"]}]
    assert parse_rsql("age=rng=(1,5)") == [{"field": "age", "operator": "RANGE", "value": ["1", "5"]}]
    assert parse_rsql("name=q=pie") == [{"field": "name", "operator": "SEARCH", "value": "pie"}]
    assert parse_rsql("*=q=pie") == [{"operator": "SEARCH", "value": "pie"}]
    assert parse_rsql("name=sq=pie") == [{"field": "name", "operator": "SEARCH_QUERY", "value": "pie"}]
    assert parse_rsql("*=sq=pie") == [{"operator": "SEARCH_QUERY", "value": "pie"}]
    for symbol, operator in (("=lt=", "LESS"), ("<", "LESS"), ("=le=", "LESS_EQUAL"), ("<=", "LESS_EQUAL"),
                             ("=gt=", "GREATER"), (">", "GREATER"), ("=ge=", "GREATER_EQUAL"),
                             (">=", "GREATER_EQUAL")):
        assert parse_rsql(f"age{symbol}5") == [{"field": "age", "operator": operator, "value": "5"}]


def test_rsql_empty_values_are_null_for_typed_operators() -> None:
    assert parse_rsql('name==""') == [eq("name", None)]
    assert parse_rsql("name=like=''") == [{"field": "name", "operator": "LIKE", "value": ""}]
    assert parse_rsql("age=in=(1,'')") == [{"field": "age", "operator": "IN", "value": ["1", None]}]


def test_rsql_quoting_and_whitespace() -> None:
    assert parse_rsql('name=="Piet Paulusma"') == [eq("name", "Piet Paulusma")]
    with pytest.raises(QueryProblem):
        parse_rsql("name=='it''s'")                                              # no SQL-style doubling
    assert parse_rsql(r"name=='it\'s'") == [eq("name", "it's")]
    assert parse_rsql(r'name=="a \"b\" \\ c"') == [eq("name", 'a "b" \\ c')]
    assert parse_rsql("  name==Piet  ") == [eq("name", "Piet")]
    assert parse_rsql('name=="a;b,c(d)"') == [eq("name", "a;b,c(d)")]


def test_rsql_logic_becomes_nested_rules() -> None:
    a, b, c = eq("a", "1"), eq("b", "2"), eq("c", "3")
    assert parse_rsql("a==1;b==2") == [{"operator": "NESTED", "nestedRules": [a, AND, b]}]
    assert parse_rsql("a==1 and b==2") == parse_rsql("a==1;b==2")
    assert parse_rsql("a==1,b==2") == [{"operator": "NESTED", "nestedRules": [a, OR, b]}]
    assert parse_rsql("a==1 or b==2") == parse_rsql("a==1,b==2")
    assert parse_rsql("a==1;b==2,c==3") == [{"operator": "NESTED", "nestedRules": [
        {"operator": "NESTED", "nestedRules": [a, AND, b]}, OR, c]}]
    assert parse_rsql("a==1;(b==2,c==3)") == [{"operator": "NESTED", "nestedRules": [
        a, AND, {"operator": "NESTED", "nestedRules": [b, OR, c]}]}]
    assert parse_rsql("(a==1)") == [a]
    assert parse_rsql("a!=1;b==2") == [{"operator": "NESTED", "nestedRules": [NOT, a, AND, b]}]


@pytest.mark.parametrize("text, message", [
    ("name=foo=x", "Unknown operator: =foo="),
    ("name=should=x", "Unknown operator: =should="),
    ("name=dismax=x", "Unknown operator: =dismax="),
    ("name=fuzzy=x", "Unknown operator: =fuzzy="),
    ("name=out=(a,b)", "Unknown rsql operator: =out="),
    ("name=like=(a,b)", "Operator =like= expects single value, but multiple values given"),
    ("name==(a,b)", "Operator == expects single value, but multiple values given"),
    ("age=rng=1", "Operator =rng= expects two values (from, to)"),
])
def test_rsql_operator_errors(text: str, message: str) -> None:
    with pytest.raises(QueryProblem) as caught:
        parse_rsql(text)
    assert caught.value.message == message


@pytest.mark.parametrize("text", ["", "   ", "name", "name==", "name==Piet;", ";name==Piet", "(name==Piet",
                                  "name==Piet)", "name=='Piet", "name==Piet AND age==1", "name~=x", "==x",
                                  "name=in=()", "a==1;;b==2", "name!x"])
def test_rsql_syntax_errors(text: str) -> None:
    with pytest.raises(QueryProblem) as caught:
        parse_rsql(text)
    assert caught.value.message.startswith(("Invalid RSQL query", "Unknown operator"))


def test_rsql_must_be_text() -> None:
    with pytest.raises(QueryProblem):
        parse_rsql(None)  # type: ignore[arg-type]


def test_rsql_nesting_is_bounded() -> None:
    assert parse_rsql("(" * MAX_DEPTH + "a==1" + ")" * MAX_DEPTH) == [eq("a", "1")]
    with pytest.raises(QueryProblem):
        parse_rsql("(" * (MAX_DEPTH + 1) + "a==1" + ")" * (MAX_DEPTH + 1))


def test_rsql_with_entity_type_checks_selectors_and_operators(model: Model) -> None:
    person = model.get("Person")
    assert parse_rsql("active==yes", entity_type=person, model=model) == [eq("active", False)]
    assert parse_rsql("active==TRUE", entity_type=person, model=model) == [eq("active", True)]
    assert parse_rsql("friend.active==true", entity_type=person, model=model) == [eq("friend.active", True)]
    assert parse_rsql("age=lt=5", entity_type=person, model=model) == [
        {"field": "age", "operator": "LESS", "value": "5"}]
    with pytest.raises(QueryProblem) as caught:
        parse_rsql("name=lt=x", entity_type=person, model=model)
    assert caught.value.message == ("Can't perform RSQL query operator [=lt=] on STRING attribute 'name' of entity "
                                    "type 'Person label'.")
    with pytest.raises(QueryProblem) as caught:
        parse_rsql("name=rng=(a,b)", entity_type=person, model=model)
    assert caught.value.message.startswith("Can't perform RSQL query operator [=rng=] on STRING")
    with pytest.raises(QueryProblem) as caught:
        parse_rsql("nope==x", entity_type=person, model=model)
    assert caught.value.message == "Unknown attribute 'nope' of entity type 'Person label'."
    with pytest.raises(QueryProblem) as caught:
        parse_rsql("tags.nope==x", entity_type=person, model=model)
    assert caught.value.message == "Unknown attribute 'tags.nope' of entity type 'Tag'."
    with pytest.raises(QueryProblem) as caught:
        parse_rsql("name.x==x", entity_type=person, model=model)
    assert caught.value.message == "Unknown attribute 'name.x' of entity type 'Person label'."
    assert parse_rsql("nope=like=x", entity_type=person, model=model)[0]["field"] == "nope"   # checked at compile


def test_rsql_rules_compile(match: Any) -> None:
    assert match(parse_rsql("name==Piet")) == ["p1"]
    assert match(parse_rsql("name=like=pie;age=gt=25")) == ["p1"]
    assert match(parse_rsql("kind==c,age=rng=(35,45)")) == ["p2", "p3"]
    assert match(parse_rsql("age==''")) == ["p3"]
    assert match(parse_rsql("*=q=delft")) == ["p1"]
    assert match(parse_rsql("name!=Piet;kind=in=(a,b,c)")) == ["p2", "p3"]
