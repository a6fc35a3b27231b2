"""apitwin.sorted_groups: the same ids a scan would give, for every bound combination, after every kind of write."""
from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from apitwin.sorted_groups import SortedGroups
from apitwin.store import Store

KEY = "test.by-group"


def groups_of(row: dict[str, Any]) -> list[Any]:
    return [(row["who"], ""), (row["who"], row["kind"])]


def index_of(store: Store) -> SortedGroups:
    rows = store["events"]
    return rows.derived(KEY, lambda: SortedGroups.build(rows.scan(), groups_of, "at"))


def scanned(store: Store, group: Any, lows: list[Any], highs: list[Any]) -> list[int]:
    out = []
    for row in store["events"].scan():
        if group not in groups_of(row):
            continue
        at = row["at"]
        if all(at >= v if inc else at > v for v, inc in lows) and all(at <= v if inc else at < v for v, inc in highs):
            out.append(row["id"])
    return out


BOUNDS = [[], [("t05", True)], [("t05", False)], [("t03", True), ("t04", False)]]
HIGHS = [[], [("t08", True)], [("t08", False)], [("t09", False), ("t07", True)]]


def check_all(store: Store) -> None:
    index = index_of(store)
    for group in [("a", ""), ("a", "x"), ("b", "y"), ("c", "")]:
        for lows, highs in itertools.product(BOUNDS, HIGHS):
            assert index.ids(group, lows, highs) == scanned(store, group, lows, highs), (group, lows, highs)


@pytest.fixture
def store() -> Store:
    db = Store()
    rng = random.Random(7)
    for n in range(40):
        db["events"].insert({"who": rng.choice("ab"), "kind": rng.choice("xy"), "at": f"t{n // 4:02d}"})
    return db


def test_built_index_answers_like_a_scan(store: Store) -> None:
    check_all(store)


def test_index_follows_inserts_deletes_and_updates(store: Store) -> None:
    first = index_of(store)
    store["events"].insert({"who": "a", "kind": "x", "at": "t10"})
    store["events"].trim_oldest(30)                        # retention drops the oldest
    store["events"].update(35, {"kind": "y"})              # moves between groups
    store["events"].update(36, {"at": "t09"})              # same groups, new value
    store["events"].delete(37)
    assert index_of(store) is first                        # followed, never rebuilt
    check_all(store)


def test_out_of_order_values_fall_back_to_a_scan(store: Store) -> None:
    index_of(store)
    store["events"].insert({"who": "a", "kind": "x", "at": "t01"})   # older instant, newer id
    store["events"].insert({"who": "a", "kind": "x", "at": "t12"})
    check_all(store)


def test_rows_without_the_field_are_left_out_of_bounded_queries(store: Store) -> None:
    store["events"].insert({"who": "a", "kind": "x", "at": None})
    index = index_of(store)
    assert index.ids(("a", "x"), [("t00", True)], []) == [i for i in scanned_ids(store) if i != 41]
    assert 41 in index.ids(("a", "x"))


def scanned_ids(store: Store) -> list[int]:
    return [r["id"] for r in store["events"].scan() if r["who"] == "a" and r["kind"] == "x" and r["at"] is not None]


def test_unknown_group_is_empty(store: Store) -> None:
    assert index_of(store).ids(("zz", ""), [("t01", True)]) == []
