"""The indexed view of one entity type's rows that collection queries are answered from (`indexes.py`): the rows
in storage order and, each built on first use, hash indexes (value -> positions), sorted keys (ranges) and
pre-sorted orders.

It is data derived from the rows' collection (`apitwin.store`) that follows writes: a write only queues its
change (O(1), under the store lock), and the next query applies the queue to the indexes built so far instead of
rebuilding every index from all rows. A long queue (a bulk load) is dropped instead, and the next query builds what
it needs once. A snapshot handed to a query never changes while the query holds it, so queries run outside the store
lock: when no query holds the current snapshot (the usual case: a query's page is cut before the next request runs),
the queue is applied to it in place — a few list inserts and the touched index entries; while one does, to a copy
(the lists copied, index entries shared until touched).
"""
from __future__ import annotations

import bisect
import logging
import sys
import threading
from typing import Any, Callable, Mapping

from apitwin.store import Change
from apitwin_apis.molgenis.model import Attribute, EntityType
from apitwin_apis.molgenis.query import _order_key, sort_rows
from apitwin_apis.molgenis.repository import Repository

Values = Mapping[str, Any]
OrderKey = tuple[str, bool]                       # (attribute name, ascending)
_log = logging.getLogger(__name__)
MAX_QUEUED = 1000                                 # more writes than this between two queries: rebuild instead


class _Descending:
    """A sort key compared the other way round (keys of any orderable type, so no negation)."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.key == other.key

    def __lt__(self, other: "_Descending") -> bool:
        return other.key < self.key


def place_key(entity_type: EntityType, name: str, ascending: bool) -> Callable[[Values, int], tuple[Any, ...]]:
    """The total order `sort_rows` gives one sort attribute, as a key of (values, position): nulls last ascending
    and first descending; ties broken by the id ascending unless the attribute is unique; then storage order."""
    attribute = entity_type.attribute(name)
    assert attribute is not None
    kind = attribute.type
    id_attribute = entity_type.id_attribute
    tie_name = None if (attribute.unique or attribute is id_attribute) else id_attribute.name
    tie_kind = id_attribute.type

    def key(values: Values, position: int) -> tuple[Any, ...]:
        tie = _order_key(values.get(tie_name), tie_kind) if tie_name is not None else 0
        value = values.get(name)
        if value is None:
            return (1 if ascending else 0, 0, tie, position)
        primary = _order_key(value, kind)
        return (0, primary, tie, position) if ascending else (1, _Descending(primary), tie, position)
    return key


class Snapshot:
    """Rows of one version and the indexes built over them so far. Positions index `rows`."""

    def __init__(self, rows: list[Values], internals: list[int]) -> None:
        self.rows = rows
        self.internals = internals                # internal id of each position, ascending
        self.lock = threading.Lock()
        # value key -> positions; a frozenset until a write touches it, then a set this snapshot owns (`owned`)
        self.equal: dict[str, dict[Any, frozenset[int] | set[int]]] = {}
        self.owned: set[int] = set()              # ids of the equal-index sets created for this snapshot alone
        self.ranges: dict[str, tuple[list[Any], list[int]]] = {}
        self.keys: dict[str, list[Any]] = {}
        self.kinds: dict[str, str] = {}           # attribute name -> the type its equal/range index was built for
        self.orders: dict[OrderKey, list[int]] = {}
        self.place_keys: dict[OrderKey, Callable[[Values, int], tuple[Any, ...]]] = {}
        self.ranks: dict[OrderKey, list[int]] = {}

    @classmethod
    def of(cls, stored: list[dict[str, Any]]) -> "Snapshot":
        """From the collection's stored rows ({"id": internal id, "values": ...}, in storage order)."""
        return cls([row["values"] for row in stored], [row["id"] for row in stored])

    # -- indexes, built on first use ---------------------------------------------------------------------------
    def equal_index(self, attribute: Attribute) -> dict[Any, frozenset[int] | set[int]]:
        with self.lock:
            index = self.equal.get(attribute.name)
            if index is None:
                lists: dict[Any, list[int]] = {}
                name, kind = attribute.name, attribute.type
                for position, row in enumerate(self.rows):
                    value = row.get(name)
                    if value is not None:
                        lists.setdefault(_order_key(value, kind), []).append(position)
                index = {key: frozenset(positions) for key, positions in lists.items()}
                self.equal[name] = index
                self.kinds[name] = kind
            return index

    def rank(self, key: OrderKey) -> list[int]:
        """Inverse of an order: rank[position] = place of that row in the sorted order."""
        with self.lock:
            ranks = self.ranks.get(key)
            if ranks is None:
                order = self.orders[key]
                ranks = [0] * len(order)
                for place, position in enumerate(order):
                    ranks[position] = place
                self.ranks[key] = ranks
            return ranks

    def range_index(self, attribute: Attribute) -> tuple[list[Any], list[int]]:
        with self.lock:
            index = self.ranges.get(attribute.name)
            if index is None:
                name, kind = attribute.name, attribute.type
                keys = [None if row.get(name) is None else _order_key(row[name], kind) for row in self.rows]
                pairs = sorted((key, position) for position, key in enumerate(keys) if key is not None)
                index = ([key for key, _ in pairs], [position for _, position in pairs])
                self.ranges[name] = index
                self.keys[name] = keys
                self.kinds[name] = kind
            return index

    def key_list(self, attribute: Attribute) -> list[Any]:
        """Compare key of each row's value by position (None for null): filters small candidate sets."""
        self.range_index(attribute)
        return self.keys[attribute.name]

    def order(self, entity_type: EntityType, sort: Mapping[str, Any], key: OrderKey) -> list[int]:
        with self.lock:
            order = self.orders.get(key)
            if order is None:                     # (positions by row identity: only while sorting, not kept)
                positions = {id(row): position for position, row in enumerate(self.rows)}
                order = [positions[id(row)] for row in sort_rows(self.rows, sort, entity_type)]
                self.orders[key] = order
                self.place_keys[key] = place_key(entity_type, *key)
            return order

    # -- following writes --------------------------------------------------------------------------------------
    def advanced(self, changes: list[Change], in_place: bool = False) -> "Snapshot":
        """This snapshot with `changes` (in order) applied: to itself when `in_place` (no query holds it), else to
        a new snapshot with copies of the indexes built so far."""
        if in_place:
            self.ranks = {}                       # inverses of the orders, which the changes move: built anew
            _Advance(self).apply(changes)
            return self
        with self.lock:
            new = Snapshot(list(self.rows), list(self.internals))
            new.equal = {name: dict(index) for name, index in self.equal.items()}
            new.ranges = {name: (list(keys), list(positions)) for name, (keys, positions) in self.ranges.items()}
            new.keys = {name: list(keys) for name, keys in self.keys.items()}
            new.kinds = dict(self.kinds)
            new.orders = {key: list(order) for key, order in self.orders.items()}
            new.place_keys = dict(self.place_keys)
        _Advance(new).apply(changes)
        return new


class _Lost(Exception):
    """The changes do not fit the snapshot (cannot happen while every write is followed): rebuild instead."""


class _Advance:
    """Applies changes to a snapshot nobody else holds yet. Deleted positions stay in `rows` (out of every index)
    until the end, when one pass renumbers everything."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.s = snapshot
        self.touched: dict[tuple[str, Any], set[int]] = {}   # (attribute, key) -> positions, frozen at the end
        self.deleted: set[int] = set()

    def apply(self, changes: list[Change]) -> None:
        s = self.s
        for old, new in changes:
            if old is None and new is not None:
                position = len(s.rows)
                s.rows.append(new["values"])
                s.internals.append(new["id"])
                for keys in s.keys.values():
                    keys.append(None)
                self._enter(position, new["values"])
                continue
            if old is None:
                raise _Lost("a change without rows")
            position = bisect.bisect_left(s.internals, old["id"])
            if position >= len(s.internals) or s.internals[position] != old["id"] or position in self.deleted:
                raise _Lost(f"row {old['id']} is not in the snapshot")
            self._leave(position, old["values"])
            if new is None:
                self.deleted.add(position)
            else:
                s.rows[position] = new["values"]
                self._enter(position, new["values"])
        for (name, key), positions in self.touched.items():
            if positions:
                s.equal[name][key] = positions
            else:
                s.owned.discard(id(s.equal[name].pop(key, None)))
        if self.deleted:
            self._renumber()

    def _positions_of(self, name: str, key: Any) -> set[int]:
        """The positions of one index entry, as a set this snapshot owns (copied once if another may hold it)."""
        found = self.touched.get((name, key))
        if found is None:
            current = self.s.equal[name].get(key)
            if isinstance(current, set) and id(current) in self.s.owned:
                found = current
            else:
                found = set(current or ())
                self.s.owned.add(id(found))
            self.touched[(name, key)] = found
        return found

    def _enter(self, position: int, values: Values) -> None:
        s = self.s
        for name in s.equal:
            value = values.get(name)
            if value is not None:
                self._positions_of(name, _order_key(value, s.kinds[name])).add(position)
        for name, (keys, positions) in s.ranges.items():
            value = values.get(name)
            key = None if value is None else _order_key(value, s.kinds[name])
            s.keys[name][position] = key
            if key is not None:
                low, high = bisect.bisect_left(keys, key), bisect.bisect_right(keys, key)
                at = bisect.bisect_left(positions, position, low, high)
                keys.insert(at, key)
                positions.insert(at, position)
        for order_key, order in s.orders.items():
            place = s.place_keys[order_key]
            wanted = place(values, position)
            order.insert(self._bisect(order, place, wanted), position)

    def _leave(self, position: int, values: Values) -> None:
        s = self.s
        for name in s.equal:
            value = values.get(name)
            if value is not None:
                self._positions_of(name, _order_key(value, s.kinds[name])).discard(position)
        for name, (keys, positions) in s.ranges.items():
            key = s.keys[name][position]
            if key is not None:
                low, high = bisect.bisect_left(keys, key), bisect.bisect_right(keys, key)
                at = bisect.bisect_left(positions, position, low, high)
                if at >= high or positions[at] != position:
                    raise _Lost(f"position {position} is not in the range index of {name}")
                del keys[at], positions[at]
            s.keys[name][position] = None
        for order_key, order in s.orders.items():
            place = s.place_keys[order_key]
            at = self._bisect(order, place, place(values, position))
            if at >= len(order) or order[at] != position:
                raise _Lost(f"position {position} is not in the order {order_key}")
            del order[at]

    def _bisect(self, order: list[int], place: Callable[[Values, int], tuple[Any, ...]], wanted: tuple[Any, ...]
                ) -> int:
        """Where `wanted` goes in `order` (keys include the position, so they are all distinct)."""
        rows = self.s.rows
        low, high = 0, len(order)
        while low < high:
            middle = (low + high) // 2
            position = order[middle]
            if place(rows[position], position) < wanted:
                low = middle + 1
            else:
                high = middle
        return low

    def _renumber(self) -> None:
        s, deleted = self.s, self.deleted
        renumbered: list[int] = []
        kept = 0
        for position in range(len(s.rows)):
            renumbered.append(kept)
            if position not in deleted:
                kept += 1
        s.rows = [row for position, row in enumerate(s.rows) if position not in deleted]
        s.internals = [internal for position, internal in enumerate(s.internals) if position not in deleted]
        s.equal = {name: {key: frozenset(renumbered[p] for p in found) for key, found in index.items()}
                   for name, index in s.equal.items()}
        s.owned = set()
        s.ranges = {name: (keys, [renumbered[p] for p in positions]) for name, (keys, positions) in s.ranges.items()}
        s.keys = {name: [key for position, key in enumerate(keys) if position not in deleted]
                  for name, keys in s.keys.items()}
        s.orders = {key: [renumbered[p] for p in order] for key, order in s.orders.items()}


class Live:
    """The derived value kept with the collection: the latest snapshot and the writes queued since."""

    def __init__(self, build: Callable[[], Snapshot]) -> None:
        self.build = build
        self.snapshot = build()
        self.queued: list[Change] = []

    def follow(self, change: Change) -> "Live | None":
        if len(self.queued) >= MAX_QUEUED:
            return None
        self.queued.append(change)
        return self

    def _held(self) -> bool:
        """Whether anything beside this object refers to the snapshot (a query still reading it, on another
        thread). New references come only from `current`, under the store lock, so a False stays true while the
        queue is applied. CPython counts references exactly: here this attribute and getrefcount's argument."""
        return sys.getrefcount(self.snapshot) > 2

    def current(self) -> Snapshot:
        """The snapshot of the current rows. Call under the store lock."""
        if self.queued:
            in_place = not self._held()           # before `self.snapshot.advanced` binds one more reference
            try:
                self.snapshot = self.snapshot.advanced(self.queued, in_place=in_place)
            except _Lost:
                self.snapshot = self.build()
            except Exception:                     # a bug here must cost a rebuild, never a wrong or failed answer
                _log.exception("query indexes could not follow %d writes; rebuilt", len(self.queued))
                self.snapshot = self.build()
            self.queued = []
        return self.snapshot


_KEY = "molgenis.query-snapshot"


def snapshot_of(repository: Repository) -> Snapshot:
    """The current snapshot of the repository's rows (built, or advanced over the writes since the last one)."""
    with repository.store.transaction():
        live: Live = repository.derived(_KEY, lambda: Live(lambda: Snapshot.of(repository.stored())))
        return live.current()
