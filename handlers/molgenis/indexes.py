"""Query indexes: collection queries over 100 000 rows answered from per-attribute indexes instead of a scan.

A rule list that is a plain conjunction of EQUALS / IN / LESS(_EQUAL) / GREATER(_EQUAL) / RANGE on direct,
single-valued attributes (the common case: "type is plasma and volume above 2") is answered by intersecting
position sets from a hash index (equality) or a sorted key list (ranges, with bisect). A sort on one attribute walks
a pre-sorted order of all rows and keeps the matching ones until the page is full. Everything else (OR, NOT, NESTED,
LIKE, SEARCH, mrefs, dotted paths, multi-key sorts) falls back to the compiled predicate over a scan — same answers,
just slower.

The indexes live in a snapshot of the rows (`snapshot.py`), built lazily on first use and brought forward over
writes by the next query instead of rebuilt; reset and import start clean. Correctness is pinned by property
tests comparing indexed and scanned answers, also across writes.
"""
from __future__ import annotations

import bisect
from typing import Any, Callable, Mapping, Sequence

from apitwin_apis.molgenis.model import MULTI_REFERENCE_TYPES, Attribute, EntityType, Model
from apitwin_apis.molgenis.query import _order_key, coerce, sort_rows
from apitwin_apis.molgenis.repository import Repository
from apitwin_apis.molgenis.snapshot import Snapshot, snapshot_of

Values = Mapping[str, Any]
RANGE_OPERATORS = {"LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL", "RANGE"}
ORDERABLE = {"INT", "LONG", "DECIMAL", "DATE", "DATE_TIME", "STRING", "TEXT", "EMAIL", "HYPERLINK", "ENUM", "HTML",
             "SCRIPT", "XREF", "CATEGORICAL", "FILE"}


# -- planning ------------------------------------------------------------------------------------------------------

Condition = tuple[Attribute, str, Any]


def plan(rules: Sequence[Mapping[str, Any]] | None, entity_type: EntityType, model: Model) -> list[Condition] | None:
    """The rules as index conditions, or None when any rule needs the scan. Call after `compile_rules` has
    accepted the rules (it raises the server's errors; this only decides the access path)."""
    conditions: list[Condition] = []
    expect_operand = True
    for rule in rules or []:
        operator = rule.get("operator")
        if operator == "AND" and not expect_operand:
            expect_operand = True
            continue
        if operator not in ("EQUALS", "IN") and operator not in RANGE_OPERATORS:
            return None
        field = rule.get("field")
        attribute = entity_type.attribute(field) if isinstance(field, str) and "." not in field else None
        if attribute is None or attribute.type in MULTI_REFERENCE_TYPES or attribute.type == "COMPOUND" \
                or attribute.expression is not None:
            return None
        raw = rule.get("value")
        if operator in ("IN", "RANGE"):
            if not isinstance(raw, list) or (operator == "RANGE" and len(raw) < 2):
                return None
            value: Any = [coerce(attribute, item, model) for item in raw]
            if operator == "RANGE" and (value[0] is None or value[1] is None):
                return None
        else:
            value = coerce(attribute, raw, model)
            if value is None:
                return None
        if operator in RANGE_OPERATORS and attribute.type not in ORDERABLE:
            return None
        conditions.append((attribute, operator, value))
        expect_operand = False
    return conditions


def _range_slice(keys: list[Any], operator: str, value: Any, kind: str) -> slice:
    """Positions (into the sorted key list) whose keys satisfy the comparison."""
    if operator == "RANGE":
        low, high = _order_key(value[0], kind), _order_key(value[1], kind)
        return slice(bisect.bisect_left(keys, low), bisect.bisect_right(keys, high))
    bound = _order_key(value, kind)
    return {"LESS": slice(0, bisect.bisect_left(keys, bound)),
            "LESS_EQUAL": slice(0, bisect.bisect_right(keys, bound)),
            "GREATER": slice(bisect.bisect_right(keys, bound), None),
            "GREATER_EQUAL": slice(bisect.bisect_left(keys, bound), None)}[operator]


def _narrow(snapshot: Snapshot, condition: Condition, candidates: frozenset[int] | set[int] | None
            ) -> frozenset[int] | set[int]:
    """The positions satisfying `condition` (within `candidates` when given): from the hash index, a slice of the
    sorted keys, or — when the candidates are fewer than the slice — by testing the candidates' keys. The result
    may be an index's own frozenset: never mutate it."""
    attribute, operator, value = condition
    kind = attribute.type
    if operator in ("EQUALS", "IN"):
        index = snapshot.equal_index(attribute)
        items = [value] if operator == "EQUALS" else [item for item in value if item is not None]
        parts = [index.get(_order_key(item, kind), frozenset()) for item in items]
        found = parts[0] if len(parts) == 1 else frozenset().union(*parts)
        return found if candidates is None else candidates & found
    keys, positions = snapshot.range_index(attribute)
    window = _range_slice(keys, operator, value, kind)
    size = len(range(*window.indices(len(keys))))
    if candidates is None or size <= len(candidates):
        found = set(positions[window])
        return found if candidates is None else candidates & found
    by = snapshot.key_list(attribute)
    if operator == "RANGE":
        low, high = _order_key(value[0], kind), _order_key(value[1], kind)
        return {p for p in candidates if by[p] is not None and low <= by[p] <= high}
    bound = _order_key(value, kind)
    if operator == "LESS":
        return {p for p in candidates if by[p] is not None and by[p] < bound}
    if operator == "LESS_EQUAL":
        return {p for p in candidates if by[p] is not None and by[p] <= bound}
    if operator == "GREATER":
        return {p for p in candidates if by[p] is not None and by[p] > bound}
    return {p for p in candidates if by[p] is not None and by[p] >= bound}


def _single_order(sort: Any, entity_type: EntityType) -> tuple[str, bool] | None:
    orders = sort.get("orders") if isinstance(sort, Mapping) else None
    if not isinstance(orders, list) or len(orders) != 1 or not isinstance(orders[0], Mapping):
        return None
    prop = orders[0].get("property")
    if not isinstance(prop, str) or entity_type.attribute(prop) is None:
        return None
    return prop, orders[0].get("direction") == "ASC"


# -- answering -----------------------------------------------------------------------------------------------------

def page(repository: Repository, entity_type: EntityType, model: Model, *, rules: Any,
         predicate: Callable[[Values], bool] | None, sort: Any, start: int, num: int) -> tuple[list[Values], int]:
    """(the page's rows, total matches) for rules already compiled into `predicate` (None = every row)."""
    if sort is not None:
        sort_rows([], sort, entity_type)           # the server's sort errors, before any work
    snapshot = snapshot_of(repository)
    rows = snapshot.rows
    end = None if num == 0 else start + num
    conditions = plan(rules, entity_type, model) if predicate is not None else []
    matched: frozenset[int] | set[int] | None = None   # None = every row
    if conditions is None:                         # the scan: hits come in storage order already
        hits = [position for position, row in enumerate(rows) if predicate(row)]  # type: ignore[misc]
        if sort is None:
            return [rows[p] for p in hits[start:end]], len(hits)
        matched = set(hits)
    elif conditions:
        for condition in sorted(conditions, key=lambda c: c[1] not in ("EQUALS", "IN")):
            matched = _narrow(snapshot, condition, matched)
            if not matched:
                break
    total = len(rows) if matched is None else len(matched)
    single = _single_order(sort, entity_type) if sort is not None else None
    if sort is None:
        if matched is None:
            return rows[start:end], total
        return [rows[p] for p in sorted(matched)[start:end]], total
    if single is None:
        chosen = rows if matched is None else [rows[p] for p in sorted(matched)]
        return sort_rows(chosen, sort, entity_type)[start:end], total
    order = snapshot.order(entity_type, sort, single)
    if matched is None:
        return [rows[p] for p in order[start:end]], total
    wanted = total if end is None else min(end, total)
    if wanted <= start:
        return [], total
    # walk the sorted order (about wanted / density steps) or sort the matches by rank (|matched| log |matched|)
    walk_cost = wanted * len(rows) / total
    if walk_cost > 4 * total:
        ranks = snapshot.rank(single)
        ordered = sorted(matched, key=ranks.__getitem__)
        return [rows[p] for p in ordered[start:end]], total
    picked: list[Values] = []
    seen = 0
    for position in order:
        if position in matched:
            if seen >= start:
                picked.append(rows[position])
                if len(picked) >= wanted - start:
                    break
            seen += 1
    return picked, total
