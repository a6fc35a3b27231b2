"""The rows of one entity type, kept in the API's store and found by entity id in O(1).

Each row lives in store collection `rows:<entityTypeId>` as `{"id": <internal int>, "values": {...}}`. The internal
id is the storage order (what an unsorted MOLGENIS query returns); the entity id is whatever the id attribute holds.
Stored values use one representation per attribute type (see `values.py`); a null value is an absent key.

An index entity id -> internal id makes `get` O(1) on 100 000 rows. It belongs to the collection *object*, not to a
`Repository`, so any number of `Repository` instances over the same store share it, and reset/import (which replace
the collection objects) start a fresh index automatically. Write rows only through `Repository`, or the index goes
stale (a cheap size check catches most of that and rebuilds).

Stored `values` dicts are never mutated in place — a replace swaps in a new dict — so `scan()` can hand out the live
dicts without copying: a scan is a consistent snapshot even after the lock is released. Callers must treat them as
read-only.
"""
from __future__ import annotations

import itertools
import threading
import weakref
from typing import Any, Callable, Iterator

from apitwin.store import Collection, Store, clone
from handlers.molgenis.model import EntityType, Model

Values = dict[str, Any]
Lookup = Callable[[str], "Repository | None"]



_VERSIONS = itertools.count(1)


class _Index:
    """entity id -> internal id, plus the row count it was last in sync with (a cheap staleness check that stays
    cheap even when an imported state holds duplicate entity ids), and a version that every write renews (query
    indexes built for one version are stale at the next; versions are unique process-wide)."""

    __slots__ = ("ids", "size", "version")

    def __init__(self, ids: dict[Any, int], size: int) -> None:
        self.ids = ids
        self.size = size
        self.version = next(_VERSIONS)

    def touch(self) -> None:
        self.version = next(_VERSIONS)


# collection object -> its index; entries vanish with the collection (reset, import). Each store's lock guards its
# own indexes; this lock only guards the shared mapping itself (several stores live in one process in tests).
_INDEXES: "weakref.WeakKeyDictionary[Collection, _Index]" = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def _index_of(collection: Collection) -> "_Index | None":
    with _INDEXES_LOCK:
        return _INDEXES.get(collection)


def _set_index(collection: Collection, index: "_Index") -> None:
    with _INDEXES_LOCK:
        _INDEXES[collection] = index


def collection_name(entity_type_id: str) -> str:
    return f"rows:{entity_type_id}"


def _live_rows(collection: Collection) -> dict[int, dict[str, Any]]:
    """The collection's own row dicts. apitwin.store only hands out copies; scanning 100 000 rows for a query must
    not copy them all, so this reads the private mapping. Call under the store lock; never mutate what it returns."""
    return collection._rows  # noqa: SLF001 - deliberate, see docstring


class Repository:
    """Rows of `entity_type` in `store`. Every method takes the store lock, so each call is atomic."""

    def __init__(self, store: Store, entity_type: EntityType) -> None:
        self.store = store
        self.entity_type = entity_type
        self.name = collection_name(entity_type.id)
        self.id_name = entity_type.id_attribute.name

    # -- index -------------------------------------------------------------------------------------------------
    def _state(self) -> tuple[Collection, dict[int, dict[str, Any]], _Index]:
        """(collection, live rows, index), the index rebuilt when missing or visibly stale. Call under the lock."""
        collection = self.store[self.name]
        rows = _live_rows(collection)
        index = _index_of(collection)
        if index is None or index.size != len(rows):
            index = self._rebuild(collection, rows)
        return collection, rows, index

    def _rebuild(self, collection: Collection, rows: dict[int, dict[str, Any]]) -> _Index:
        id_name = self.id_name
        index = _Index({row["values"].get(id_name): key for key, row in rows.items()}, len(rows))
        _set_index(collection, index)
        return index

    def _locate(self, entity_id: Any) -> tuple[Collection, dict[int, dict[str, Any]], _Index, int | None]:
        """Internal id of `entity_id` (None when absent), verified against the row so a stale index self-heals."""
        collection, rows, index = self._state()
        internal = index.ids.get(entity_id)
        if internal is not None:
            row = rows.get(internal)
            if row is None or row["values"].get(self.id_name) != entity_id:
                index = self._rebuild(collection, rows)
                internal = index.ids.get(entity_id)
        return collection, rows, index, internal

    # -- reads ---------------------------------------------------------------------------------------------------
    def get(self, entity_id: Any) -> Values | None:
        """A copy of the row's values, or None."""
        with self.store.transaction():
            _, rows, _, internal = self._locate(entity_id)
            return clone(rows[internal]["values"]) if internal is not None else None

    def exists(self, entity_id: Any) -> bool:
        with self.store.transaction():
            return self._locate(entity_id)[3] is not None

    def all(self) -> list[Values]:
        """Copies of every row's values, in storage order."""
        with self.store.transaction():
            return [clone(row["values"]) for row in _live_rows(self.store[self.name]).values()]

    def scan(self) -> list[Values]:
        """The live values dicts in storage order, without copying: read-only for the caller (see module doc)."""
        with self.store.transaction():
            return [row["values"] for row in _live_rows(self.store[self.name]).values()]

    def version(self) -> int:
        with self.store.transaction():
            return self._state()[2].version

    def snapshot(self) -> tuple[int, list[Values]]:
        """(version, live values dicts in storage order): the version changes with every write, so anything
        derived from these rows may be cached under it (see `indexes.py`)."""
        with self.store.transaction():
            _, rows, index = self._state()
            return index.version, [row["values"] for row in rows.values()]

    def __iter__(self) -> Iterator[Values]:
        return iter(self.scan())

    def count(self) -> int:
        with self.store.transaction():
            return len(self.store[self.name])

    def holder_of(self, attribute_name: str, value: Any) -> Any:
        """Entity id of a row whose `attribute_name` equals `value` (None if none); O(1) for the id attribute."""
        if attribute_name == self.id_name:
            return value if self.exists(value) else None
        with self.store.transaction():
            for row in _live_rows(self.store[self.name]).values():
                if row["values"].get(attribute_name) == value:
                    return row["values"].get(self.id_name)
        return None

    def next_sequence(self) -> int:
        """A number never handed out before for this type (persisted as the collection's `next_id`): the source of
        auto ids. Internal ids come from the same sequence; gaps are harmless."""
        with self.store.transaction():
            return self.store[self.name].next_id()

    # -- writes --------------------------------------------------------------------------------------------------
    def insert(self, values: Values) -> Any:
        """Store a new row at the end; returns its entity id. KeyError when the id is taken, ValueError without id."""
        entity_id = values.get(self.id_name)
        if entity_id is None:
            raise ValueError(f"{self.entity_type.id}: a row needs a value for id attribute {self.id_name!r}")
        with self.store.transaction():
            collection, _, index, internal = self._locate(entity_id)
            if internal is not None:
                raise KeyError(f"{self.entity_type.id}: id {entity_id!r} already exists")
            stored = collection.insert({"values": values})
            index.ids[entity_id] = stored["id"]
            index.size = len(collection)
            index.touch()
            return entity_id

    def replace(self, entity_id: Any, values: Values) -> Any:
        """Full replacement of row `entity_id` (it keeps its storage position); the id may change. Returns the new
        id. KeyError when `entity_id` is missing or the new id belongs to another row."""
        new_id = values.get(self.id_name)
        if new_id is None:
            raise ValueError(f"{self.entity_type.id}: a row needs a value for id attribute {self.id_name!r}")
        with self.store.transaction():
            collection, _, index, internal = self._locate(entity_id)
            if internal is None:
                raise KeyError(f"{self.entity_type.id}: no row with id {entity_id!r}")
            if new_id != entity_id:
                collection, _, index, other = self._locate(new_id)
                if other is not None:
                    raise KeyError(f"{self.entity_type.id}: id {new_id!r} already exists")
            collection.update(internal, {"values": values})   # swaps in a fresh dict; old dicts stay untouched
            if new_id != entity_id:
                index.ids.pop(entity_id, None)
                index.ids[new_id] = internal
            index.touch()
            return new_id

    def delete(self, entity_id: Any) -> bool:
        with self.store.transaction():
            collection, _, index, internal = self._locate(entity_id)
            if internal is None:
                return False
            collection.delete(internal)
            index.ids.pop(entity_id, None)
            index.size = len(collection)
            index.touch()
            return True

    def delete_all(self) -> int:
        """Remove every row (the sequence continues); returns how many there were."""
        with self.store.transaction():
            collection = self.store[self.name]
            removed = len(collection)
            collection.load({"next_id": collection.last_id + 1, "rows": []})
            _set_index(collection, _Index({}, 0))
            return removed


def make_lookup(store: Store, model: Model) -> Lookup:
    """`lookup(entity_type_id)` -> Repository of that type in `store` (None for an unknown type). Cheap: the
    indexes live with the collections, so a fresh Repository per call costs nothing."""
    def lookup(entity_type_id: str) -> Repository | None:
        entity_type = model.get(entity_type_id)
        return Repository(store, entity_type) if entity_type is not None else None
    return lookup
