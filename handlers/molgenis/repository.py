"""The rows of one entity type, kept in the API's store and found by entity id in O(1).

Each row lives in store collection `rows:<entityTypeId>` as `{"id": <internal int>, "values": {...}}`. The internal
id is the storage order (what an unsorted MOLGENIS query returns); the entity id is whatever the id attribute holds.
Stored values use one representation per attribute type (see `values.py`); a null value is an absent key.

An index entity id -> internal id makes `get` O(1) on 100 000 rows. It is data derived from the collection
(`Collection.derived`), so any number of `Repository` instances over the same store share it; it follows every
write to the collection (through this class or behind its back), and reset and import start a fresh one. Likewise
one index per attribute that `holder_of` was asked about (it follows inserts; other writes rebuild it).

Stored `values` dicts are never mutated in place — a replace swaps in a new dict — so `scan()` can hand out the live
dicts without copying: a scan is a consistent snapshot even after the lock is released. Callers must treat them as
read-only.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, Iterator, TypeVar

from apitwin.store import Change, Collection, Store, clone
from apitwin_apis.molgenis.model import EntityType, Model

Values = dict[str, Any]
Lookup = Callable[[str], "Repository | None"]
T = TypeVar("T")

_IDS = "molgenis.entity-ids"          # derived keys: (_IDS, id attribute), (_HOLDERS, attribute)
_HOLDERS = "molgenis.holders"


def collection_name(entity_type_id: str) -> str:
    return f"rows:{entity_type_id}"


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _Ids(dict[Any, int]):
    """entity id -> internal id. For duplicate entity ids, which only an imported state can hold, the last row
    wins, and any write but an insert rebuilds the index (which of the duplicates is left is a matter of order)."""

    def __init__(self, rows: list[dict[str, Any]], id_name: str) -> None:
        super().__init__((row["values"].get(id_name), row["id"]) for row in rows)
        self.id_name = id_name
        self.duplicates = len(self) != len(rows)

    def follow(self, change: Change) -> "_Ids | None":
        old, new = change
        if old is None and new is not None:                  # appended: the last row wins
            entity_id = new["values"].get(self.id_name)
            self.duplicates = self.duplicates or entity_id in self
            self[entity_id] = new["id"]
            return self
        if self.duplicates or old is None:
            return None
        old_id = old["values"].get(self.id_name)
        if self.get(old_id) != old["id"]:
            return None
        del self[old_id]
        if new is not None:
            new_id = new["values"].get(self.id_name)
            if new_id in self:
                return None
            self[new_id] = new["id"]
        return self


class _Holders(dict[Any, Any]):
    """value of one attribute -> entity id of the first row holding it (absent = None; unhashable values, which no
    hashable value can equal, are left out)."""

    def __init__(self, rows: list[dict[str, Any]], attribute_name: str, id_name: str) -> None:
        super().__init__()
        self.attribute_name, self.id_name = attribute_name, id_name
        for row in rows:
            self._add(row["values"])

    def _add(self, values: Values) -> None:
        value = values.get(self.attribute_name)
        if _hashable(value):
            self.setdefault(value, values.get(self.id_name))

    def follow(self, change: Change) -> "_Holders | None":
        old, new = change
        if old is None and new is not None:                  # appended: holds only what nobody held yet
            self._add(new["values"])
            return self
        if old is not None and new is not None and all(
                old["values"].get(name) == new["values"].get(name) for name in (self.attribute_name, self.id_name)):
            return self
        return None


class Repository:
    """Rows of `entity_type` in `store`. Every method takes the store lock, so each call is atomic."""

    def __init__(self, store: Store, entity_type: EntityType) -> None:
        self.store = store
        self.entity_type = entity_type
        self.name = collection_name(entity_type.id)
        self.id_name = entity_type.id_attribute.name

    # -- indexes -------------------------------------------------------------------------------------------------
    def _collection(self) -> Collection:
        return self.store[self.name]

    def _ids(self, collection: Collection) -> _Ids:
        return collection.derived((_IDS, self.id_name), lambda: _Ids(collection.scan(), self.id_name))

    def _holders(self, collection: Collection, attribute_name: str) -> _Holders:
        return collection.derived((_HOLDERS, attribute_name),
                                  lambda: _Holders(collection.scan(), attribute_name, self.id_name))

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """A value derived from this type's rows, rebuilt only after a write or following it (see
        `apitwin.store`). The rows it sees are {"id": internal id, "values": values}."""
        return self._collection().derived(key, build)

    # -- reads ---------------------------------------------------------------------------------------------------
    def get(self, entity_id: Any) -> Values | None:
        """A copy of the row's values, or None."""
        with self.store.transaction():
            collection = self._collection()
            internal = self._ids(collection).get(entity_id) if _hashable(entity_id) else None
            row = collection.get(internal) if internal is not None else None
            return row["values"] if row is not None else None

    def exists(self, entity_id: Any) -> bool:
        with self.store.transaction():
            return _hashable(entity_id) and entity_id in self._ids(self._collection())

    def all(self) -> list[Values]:
        """Copies of every row's values, in storage order."""
        return [clone(values) for values in self.scan()]

    def scan(self) -> list[Values]:
        """The live values dicts in storage order, without copying: read-only for the caller (see module doc)."""
        return [row["values"] for row in self._collection().scan()]

    def stored(self) -> list[dict[str, Any]]:
        """The stored rows ({"id": internal id, "values": values}) in storage order, live: read-only."""
        return self._collection().scan()

    @property
    def version(self) -> int:
        """The version of the rows (moves with every write; see `apitwin.store`)."""
        return self._collection().version

    def __iter__(self) -> Iterator[Values]:
        return iter(self.scan())

    def count(self) -> int:
        with self.store.transaction():
            return len(self._collection())

    def holder_of(self, attribute_name: str, value: Any) -> Any:
        """Entity id of a row whose `attribute_name` equals `value` (None if none); O(1) from an index kept per
        attribute asked about."""
        if attribute_name == self.id_name:
            return value if self.exists(value) else None
        if not _hashable(value):
            for values in self.scan():
                if values.get(attribute_name) == value:
                    return values.get(self.id_name)
            return None
        with self.store.transaction():
            return self._holders(self._collection(), attribute_name).get(value)

    def next_sequence(self) -> int:
        """A number never handed out before for this type (persisted as the collection's `next_id`): the source of
        auto ids. Internal ids come from the same sequence; gaps are harmless."""
        with self.store.transaction():
            return self._collection().next_id()

    # -- writes --------------------------------------------------------------------------------------------------
    def insert(self, values: Values) -> Any:
        """Store a new row at the end; returns its entity id. KeyError when the id is taken, ValueError without id."""
        entity_id = values.get(self.id_name)
        if entity_id is None:
            raise ValueError(f"{self.entity_type.id}: a row needs a value for id attribute {self.id_name!r}")
        with self.store.transaction():
            collection = self._collection()
            if entity_id in self._ids(collection):
                raise KeyError(f"{self.entity_type.id}: id {entity_id!r} already exists")
            collection.insert({"values": values})
            return entity_id

    def replace(self, entity_id: Any, values: Values) -> Any:
        """Full replacement of row `entity_id` (it keeps its storage position); the id may change. Returns the new
        id. KeyError when `entity_id` is missing or the new id belongs to another row."""
        new_id = values.get(self.id_name)
        if new_id is None:
            raise ValueError(f"{self.entity_type.id}: a row needs a value for id attribute {self.id_name!r}")
        with self.store.transaction():
            collection = self._collection()
            ids = self._ids(collection)
            internal = ids.get(entity_id) if _hashable(entity_id) else None
            if internal is None:
                raise KeyError(f"{self.entity_type.id}: no row with id {entity_id!r}")
            if new_id != entity_id and new_id in ids:
                raise KeyError(f"{self.entity_type.id}: id {new_id!r} already exists")
            collection.update(internal, {"values": values})   # swaps in a fresh dict; old dicts stay untouched
            return new_id

    def delete(self, entity_id: Any) -> bool:
        with self.store.transaction():
            collection = self._collection()
            internal = self._ids(collection).get(entity_id) if _hashable(entity_id) else None
            if internal is None:
                return False
            collection.delete(internal)
            return True

    def delete_all(self) -> int:
        """Remove every row (the sequence continues); returns how many there were."""
        with self.store.transaction():
            collection = self._collection()
            removed = len(collection)
            collection.load({"next_id": collection.last_id + 1, "rows": []})
            return removed


def make_lookup(store: Store, model: Model) -> Lookup:
    """`lookup(entity_type_id)` -> Repository of that type in `store` (None for an unknown type). Cheap: the
    indexes live with the collections, so a fresh Repository per call costs nothing."""
    def lookup(entity_type_id: str) -> Repository | None:
        entity_type = model.get(entity_type_id)
        return Repository(store, entity_type) if entity_type is not None else None
    return lookup
