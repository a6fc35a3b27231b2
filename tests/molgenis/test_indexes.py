"""The query indexes answer exactly what the compiled predicate over a scan answers: same rows, same order, same
total — for generated conjunctions, sorts and pages, and again after writes (stale indexes must never be used)."""
from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from apitwin.store import Store
from apitwin_apis.molgenis import indexes
from apitwin_apis.molgenis.model import Model
from apitwin_apis.molgenis.query import compile_rules, sort_rows
from apitwin_apis.molgenis.repository import Repository, make_lookup
from apitwin_apis.molgenis.seed_loader import load_model
from apitwin.resources import package_path

TYPES = ["plasma", "serum", "tissue", "rna", "dna"]
TYPE = "biobank_Sample"


def _rows(count: int, donors: list[str]) -> list[dict[str, Any]]:
    rng = random.Random(11)
    out = []
    for number in range(count):
        row: dict[str, Any] = {"id": f"G-{number:04d}", "donor": rng.choice(donors), "type": rng.choice(TYPES),
                               "collected": f"202{rng.randint(0, 3)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                                            f"T1{rng.randint(0, 9)}:{rng.choice(['00', '30'])}:00"
                                            f"{rng.choice(['', '.5'])}Z",
                               "consent": rng.random() < 0.7}
        if rng.random() < 0.7:
            row["volume_ml"] = rng.choice([0.5, 1.0, 2.0, 2.5, 5.0, 7.5])
        out.append(row)
    return out


@pytest.fixture(scope="module")
def world() -> tuple[Store, Model]:
    model = load_model(package_path("apitwin_apis.mockdata", "molgenis"))
    store = Store()
    donors = ["D1", "D2", "D3"]
    donor_type = model.get("biobank_Donor")
    for donor in donors:
        store[f"rows:{donor_type.id}"].insert({"values": {donor_type.id_attribute.name: donor}})
    repository = Repository(store, model.get(TYPE))
    for row in _rows(300, donors):
        repository.insert(row)
    return store, model


VALUES = {
    "type": st.sampled_from(TYPES + ["blood"]),
    "donor": st.sampled_from(["D1", "D2", "D3", "D9"]),
    "volume_ml": st.sampled_from([0, 0.5, 1, 2, 2.5, 3, 5, 7.5, 10, "2.5"]),
    "collected": st.sampled_from(["2020-01-01T00:00:00Z", "2021-05-15T12:00:00Z", "2022-03-10T10:30:00Z",
                                  "2022-03-10T10:30:00.5Z", "2023-12-31T23:59:59Z"]),
    "consent": st.sampled_from([True, False, "true", "FALSE"]),
    "id": st.sampled_from(["G-0000", "G-0100", "G-0150", "G-0299", "H"]),
}
ORDERABLE = ["volume_ml", "collected", "id", "type", "donor"]


@st.composite
def condition(draw: Any) -> dict[str, Any]:
    field = draw(st.sampled_from(sorted(VALUES)))
    operators = ["EQUALS", "IN"] + (["LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL", "RANGE"]
                                   if field in ORDERABLE else [])
    operator = draw(st.sampled_from(operators))
    if operator == "IN":
        value: Any = draw(st.lists(VALUES[field], min_size=1, max_size=3))
    elif operator == "RANGE":
        value = sorted([draw(VALUES[field]), draw(VALUES[field])], key=str)
    else:
        value = draw(VALUES[field])
    return {"field": field, "operator": operator, "value": value}


@st.composite
def query(draw: Any) -> tuple[list[dict[str, Any]], Any, int, int]:
    parts = draw(st.lists(condition(), min_size=0, max_size=3))
    rules: list[dict[str, Any]] = []
    for index, part in enumerate(parts):
        if index and draw(st.booleans()):
            rules.append({"operator": "AND"})
        rules.append(part)
    sort = None
    if draw(st.booleans()):
        orders = [{"property": draw(st.sampled_from(ORDERABLE + ["consent"])),
                   "direction": draw(st.sampled_from(["ASC", "DESC", None]))}
                  for _ in range(draw(st.integers(1, 2)))]
        sort = {"orders": orders}
    return rules, sort, draw(st.integers(0, 320)), draw(st.sampled_from([0, 1, 7, 100]))


def _reference(repository: Repository, entity_type: Any, model: Model, lookup: Any, rules: Any, sort: Any,
               start: int, num: int) -> tuple[list[Any], int]:
    predicate = compile_rules(rules, entity_type, model, lookup)
    rows = [row for row in repository.scan() if predicate(row)]
    total = len(rows)
    if sort is not None:
        rows = sort_rows(rows, sort, entity_type)
    return rows[start:None if num == 0 else start + num], total


def _indexed(repository: Repository, entity_type: Any, model: Model, lookup: Any, rules: Any, sort: Any,
             start: int, num: int) -> tuple[list[Any], int]:
    predicate = compile_rules(rules, entity_type, model, lookup) if rules else None
    return indexes.page(repository, entity_type, model, rules=rules, predicate=predicate, sort=sort, start=start,
                        num=num)


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query())
def test_indexed_answers_equal_the_scan(world: tuple[Store, Model], generated: Any) -> None:
    store, model = world
    rules, sort, start, num = generated
    entity_type = model.get(TYPE)
    repository, lookup = Repository(store, entity_type), make_lookup(store, model)
    expected_rows, expected_total = _reference(repository, entity_type, model, lookup, rules, sort, start, num)
    rows, total = _indexed(repository, entity_type, model, lookup, rules, sort, start, num)
    assert total == expected_total
    assert [r["id"] for r in rows] == [r["id"] for r in expected_rows]


def test_the_plan_uses_indexes_only_for_plain_conjunctions(world: tuple[Store, Model]) -> None:
    store, model = world
    entity_type = model.get(TYPE)
    eq = {"field": "type", "operator": "EQUALS", "value": "rna"}
    assert indexes.plan([eq, {"operator": "AND"}, {"field": "volume_ml", "operator": "GREATER", "value": 2}],
                        entity_type, model) is not None
    for rules in ([eq, {"operator": "OR"}, eq], [{"operator": "NOT"}, eq],
                  [{"field": "type", "operator": "LIKE", "value": "r"}],
                  [{"operator": "NESTED", "nestedRules": [eq]}], [{"field": "type", "operator": "EQUALS", "value": None}],
                  [{"field": "donor.id", "operator": "EQUALS", "value": "D1"}]):
        assert indexes.plan(rules, entity_type, model) is None, rules


def test_writes_make_the_indexes_stale(world: tuple[Store, Model]) -> None:
    store, model = world
    entity_type = model.get(TYPE)
    repository, lookup = Repository(store, entity_type), make_lookup(store, model)
    rules = [{"field": "type", "operator": "EQUALS", "value": "blood"}]
    sort = {"orders": [{"property": "volume_ml", "direction": "ASC"}]}
    assert _indexed(repository, entity_type, model, lookup, rules, sort, 0, 10) == ([], 0)
    repository.insert({"id": "G-NEW", "donor": "D1", "type": "blood", "collected": "2024-01-01T00:00:00Z",
                       "consent": True, "volume_ml": 3.0})
    rows, total = _indexed(repository, entity_type, model, lookup, rules, sort, 0, 10)
    assert total == 1 and rows[0]["id"] == "G-NEW"
    stored = repository.get("G-NEW")
    repository.replace("G-NEW", {**stored, "type": "rna"})
    assert _indexed(repository, entity_type, model, lookup, rules, sort, 0, 10) == ([], 0)
    repository.delete("G-NEW")
    rows, total = _indexed(repository, entity_type, model, lookup,
                           [{"field": "id", "operator": "EQUALS", "value": "G-NEW"}], None, 0, 10)
    assert (rows, total) == ([], 0)
