"""In-memory store: ordered collections with id sequences, snapshot/restore and reset to seed.

Rows are plain JSON-able dicts. Reads hand out copies so handlers can never mutate stored state by accident;
every multi-row change runs under one re-entrant lock (`store.transaction()`), so concurrent requests,
whether on the event loop or in worker threads, always see a consistent state.

The extension point for an API's indexes and parsed views: every change to a collection's rows moves its
`version` (versions come from one process-wide counter, so a collection that reset or import put in place never
repeats an old one); `scan()` hands out the live rows without copying, for one pass that only reads; and
`derived(key, build)` keeps a value built from the rows until the version moves (`Store.derived` does the same
over several collections). A derived value may follow writes instead of being rebuilt: when it has a
`follow(change)` method, each write offers it the `Change` and keeps what it returns (see `Follower`). Stored rows
are never changed in place — an update swaps in a new dict — so rows from a `scan()` or a `Change` stay as they
were, a consistent snapshot, after the lock is released.

Durable or shared state plugs in below the memory (`apitwin/storage.py`): with a backend attached, every write is
also handed to it and committed when the outermost transaction ends — before the handler's response leaves.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections import Counter
from typing import Any, Callable, Hashable, Iterable, NamedTuple, Protocol, TypeVar

from apitwin.storage import Backend, Journal

Row = dict[str, Any]
T = TypeVar("T")
MAX_ID = 2**53 - 1     # ids stay exact in every JSON client (JavaScript numbers); larger ones are refused on load

_log = logging.getLogger(__name__)
_VERSIONS = itertools.count(1)      # next() on it is atomic: versions are unique without a lock


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class Change(NamedTuple):
    """One write to a collection, as its derived values see it. Both rows are the stored dicts: read-only."""

    old: Row | None                  # the row before; None: `new` was inserted after every other row
    new: Row | None                  # the row after, at the same position; None: `old` was deleted


class Follower(Protocol):
    """A derived value that follows writes: `follow` runs under the store lock right after each write, while the
    value is current, and returns the value brought up to date (itself, changed in place, when no reader outside
    the lock holds it; or a new one) — or None to be rebuilt on next use. Values without `follow` are rebuilt."""

    def follow(self, change: Change) -> Any: ...


def matcher(predicate: Callable[[Row], bool] | None, equals: dict[str, Any]) -> Callable[[Row], bool] | None:
    """One cheap test per row: field equality first (no generator per row), then the predicate."""
    items = list(equals.items())
    if not items:
        return predicate
    if len(items) == 1:
        (key, value), = items
        if predicate is None:
            return lambda row: row.get(key) == value
        return lambda row: row.get(key) == value and predicate(row)
    if predicate is None:
        return lambda row: all(row.get(k) == v for k, v in items)
    return lambda row: all(row.get(k) == v for k, v in items) and predicate(row)


IMMUTABLE_TYPES = frozenset((str, int, float, bool, type(None)))   # JSON values shared by copies, never copied


def clone(value: Any) -> Any:
    """Fast deep copy for JSON-shaped data (dicts, lists, scalars): every dict and list is new, everything else
    (immutable) is shared. Plain dicts and lists (what parsed JSON and rows are made of) are copied with their
    scalar values in place, without a call per value — about half the time of one recursive call per value, the
    store's most frequent work (rows are copied in and out); subclasses are copied into plain ones, as before."""
    kind = type(value)
    if kind is dict:
        out = value.copy()
        for key, item in value.items():
            if type(item) not in IMMUTABLE_TYPES:
                out[key] = clone(item)
        return out
    if kind is list:
        return [item if type(item) in IMMUTABLE_TYPES else clone(item) for item in value]
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


_TRIM_INDEX = "apitwin.store.trim_oldest"


class _Droppable:
    """The ids of a collection's rows `predicate` accepts, as a min-heap that follows every write (a `Follower`):
    a row becoming droppable is pushed; one ceasing to be (updated, deleted) leaves a stale entry that `oldest`
    discards when it reaches the top. Every droppable row has at least one entry, so the smallest valid entries are
    exactly the oldest droppable rows. Stale entries never outnumber the rows for long: past twice their count
    (plus slack) the heap is rebuilt, one scan paid for by as many writes."""

    def __init__(self, predicate: Callable[[Row], bool], rows: dict[int, Row]) -> None:
        self.predicate = predicate
        self.rows = rows                                   # the collection's own dict (replaced: index dropped)
        self.heap = [key for key, row in rows.items() if predicate(row)]     # ascending ids: already a heap

    def follow(self, change: Change) -> "_Droppable":
        new = change.new
        if new is not None and self.predicate(new) and (change.old is None or not self.predicate(change.old)):
            heapq.heappush(self.heap, new["id"])
            if len(self.heap) > 2 * len(self.rows) + 64:
                self.heap = [key for key, row in self.rows.items() if self.predicate(row)]
        return self

    def oldest(self, count: int) -> list[int]:
        """Up to `count` ids of the oldest droppable rows, taken off the heap (the caller drops them)."""
        found: list[int] = []
        heap, rows, predicate = self.heap, self.rows, self.predicate
        while heap and len(found) < count:
            row_id = heapq.heappop(heap)
            row = rows.get(row_id)
            if row is not None and predicate(row) and (not found or found[-1] != row_id):
                found.append(row_id)
        return found


class Collection:
    """Rows of one kind, kept in id order, with their own id sequence.

    Look a collection up by name (`store["kits"]`) for each use: reset and import replace the objects."""

    def __init__(self, name: str, lock: threading.RLock, start_id: int = 1, journal: Journal | None = None) -> None:
        self.name = name
        self._lock = lock
        self._journal = journal            # None: memory only (the default)
        self._rows: dict[int, Row] = {}
        self._next_id = start_id
        self._version = next(_VERSIONS)
        self._derived: dict[Hashable, tuple[int, Any]] = {}
        self.listeners: list[Callable[[Row], None]] = []

    def __len__(self) -> int:
        return len(self._rows)

    # -- versions and derived data ---------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Moves (to a number never used before) with every change to the rows: insert, update, delete, load."""
        return self._version

    def _changed(self, old: Row | None, new: Row | None) -> None:
        """Move the version and offer the write to the derived values that were current (see `Follower`)."""
        previous, self._version = self._version, next(_VERSIONS)
        if not self._derived:
            return
        change = Change(old, new)
        for key, (version, value) in list(self._derived.items()):
            follow = getattr(value, "follow", None) if version == previous else None
            try:
                kept = follow(change) if follow is not None else None
            except Exception:                    # the write has happened: a failing follower only costs a rebuild
                _log.exception("derived value %r of collection %r could not follow a write", key, self.name)
                kept = None
            if kept is None:
                del self._derived[key]
            else:
                self._derived[key] = (self._version, kept)

    def scan(self) -> list[Row]:
        """The live rows in id order, without copying: READ-ONLY for the caller. Cheap (one list of references)
        where `filter()` would copy every row; the rows stay unchanged after later writes (see module doc)."""
        with self._lock:
            return list(self._rows.values())

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()`'s value for the current version, kept under `key` and rebuilt only after the version moved.
        Builds run under the store lock (no write can interleave): keep them to one pass over `scan()` and defer
        heavier work into the value itself. The value is shared by every caller: treat it as read-only. A value
        with a `follow` method is kept up to date by the writes instead (see `Follower`)."""
        with self._lock:
            entry = self._derived.get(key)
            if entry is not None and entry[0] == self._version:
                return entry[1]
            value = build()
            self._derived[key] = (self._version, value)
            return value

    def next_id(self) -> int:
        with self._lock:
            journal = self._journal
            if journal is not None and journal.shared:          # ids from the backend's atomic counter
                if journal.depth == 0:
                    with journal.transaction():
                        return self.next_id()
                value = journal.backend.next_id(self.name, self._next_id)   # type: ignore[attr-defined]
                self._next_id = max(self._next_id, value + 1)
                return value
            value = self._next_id
            self._next_id += 1
            return value

    def insert(self, row: Row, *, copy: bool = True) -> Row:
        """Store a copy of `row`; assign the next id unless the row brings one. Returns a copy of the stored row.
        `copy=False` (hot paths, as for `update`): `row` is handed over and stored as it is — a fresh dict the caller
        keeps no reference into that it will mutate (the id is set in it) — and the stored row itself is returned,
        READ-ONLY: two copies fewer per insert."""
        with self._lock:
            journal = self._journal
            if journal is not None and journal.depth == 0:
                with journal.transaction():
                    return self.insert(row, copy=copy)
            if copy:
                row = clone(row)
            if row.get("id") is None:
                if journal is None or not journal.shared:      # `next_id` inline: the lock is already held
                    row["id"] = self._next_id
                    self._next_id += 1
                else:
                    row["id"] = self.next_id()
            elif row["id"] in self._rows:
                raise KeyError(f"{self.name}: id {row['id']} already exists")
            else:
                self._next_id = max(self._next_id, int(row["id"]) + 1)
            out_of_order = bool(self._rows) and row["id"] < next(reversed(self._rows))
            self._rows[row["id"]] = row
            if out_of_order:
                self._rows = dict(sorted(self._rows.items()))
                self._derived.clear()                          # rows moved: nothing can follow that
            self._changed(None, row)
            if journal is not None:            # what listeners write (webhook deliveries) commits with the row
                journal.backend.put(self.name, row, self._next_id)
            for listener in self.listeners:
                listener(clone(row))
            return clone(row) if copy else row

    def get(self, row_id: int) -> Row | None:
        with self._lock:
            row = self._rows.get(row_id)
            return clone(row) if row is not None else None

    def view(self, row_id: int) -> Row | None:
        """The live row, without copying: READ-ONLY for the caller (as `scan()`); it stays unchanged after later
        writes. For hot paths that read a row once (webhook senders); `get` is the safe default."""
        with self._lock:
            return self._rows.get(row_id)

    def update(self, row_id: int, changes: Row, *, copy: bool = True) -> Row:
        """Merge `changes` into the row; returns a copy of the result. `copy=False` (hot paths): `changes` are
        handed over as they are — the caller keeps no reference it will mutate — and the stored row itself is
        returned, READ-ONLY."""
        if "id" in changes and changes["id"] != row_id:
            raise ValueError(f"{self.name}: a row's id cannot change ({row_id} -> {changes['id']})")
        with self._lock:
            journal = self._journal
            if journal is not None and journal.depth == 0:
                with journal.transaction():
                    return self.update(row_id, changes, copy=copy)
            old = self._rows[row_id]
            row = {**old, **(clone(changes) if copy else changes)}   # a new dict: scanned rows stay as they were
            self._rows[row_id] = row
            self._changed(old, row)
            if journal is not None:
                journal.backend.put(self.name, row, self._next_id)
            return clone(row) if copy else row

    def delete(self, row_id: int) -> bool:
        with self._lock:
            journal = self._journal
            if journal is not None and journal.depth == 0:
                with journal.transaction():
                    return self.delete(row_id)
            old = self._rows.pop(row_id, None)
            if old is None:
                return False
            self._changed(old, None)
            if journal is not None:
                journal.backend.remove(self.name, row_id)
            return True

    def filter(self, predicate: Callable[[Row], bool] | None = None, **equals: Any) -> list[Row]:
        """Rows in ascending id order that satisfy every `field=value` and the predicate."""
        test = matcher(predicate, equals)
        with self._lock:
            if test is None:
                return [clone(row) for row in self._rows.values()]
            return [clone(row) for row in self._rows.values() if test(row)]

    @property
    def last_id(self) -> int:
        """Highest id handed out so far (0 when none): rows inserted later have larger ids."""
        return self._next_id - 1

    def after(self, row_id: int) -> list[Row]:
        """Rows with an id above `row_id`, ascending; cheap for the newest rows of a large collection."""
        with self._lock:
            newer = []
            for key in reversed(self._rows):
                if key <= row_id:
                    break
                newer.append(clone(self._rows[key]))
            return newer[::-1]

    def count(self, predicate: Callable[[Row], bool] | None = None, **equals: Any) -> int:
        test = matcher(predicate, equals)
        with self._lock:
            return len(self._rows) if test is None else sum(1 for row in self._rows.values() if test(row))

    def select(self, predicate: Callable[[Row], bool] | None = None, offset: int = 0, limit: int | None = None,
               **equals: Any) -> tuple[list[Row], int]:
        """(copies of one window of the matching rows, total matches): only the window is copied, so paging
        through a large collection costs one scan, not one copy per row."""
        test = matcher(predicate, equals)
        with self._lock:
            matches = list(self._rows.values()) if test is None else [r for r in self._rows.values() if test(r)]
            end = None if limit is None else offset + limit
            return [clone(r) for r in matches[offset:end]], len(matches)

    def trim_oldest(self, keep: int, droppable: Callable[[Row], bool] | None = None) -> int:
        """Drop the oldest rows (lowest ids) that `droppable` accepts until at most `keep` rows remain or none is
        droppable; returns how many were dropped. Log retention, called after every insert into a full log.

        `droppable` must depend on the row alone. Without it the oldest rows go: O(dropped). With it, the droppable
        ids are kept in a heap that follows every write (`_Droppable`), so rows that must stay (pending webhook
        deliveries at the head of a full log) are not rescanned on each call: O(log n) amortised per drop — as long
        as the caller passes the same predicate object each time (another one rebuilds the heap: one scan)."""
        with self._lock:
            if self._journal is not None and self._journal.depth == 0:
                with self._journal.transaction():
                    return self.trim_oldest(keep, droppable)
            excess = len(self._rows) - keep
            if excess <= 0:
                return 0
            doomed: list[int] = []
            if droppable is None:
                for key in self._rows:
                    if len(doomed) >= excess:
                        break
                    doomed.append(key)
            else:
                index = self.derived(_TRIM_INDEX, lambda: _Droppable(droppable, self._rows))
                if index.predicate is not droppable or index.rows is not self._rows:
                    index = _Droppable(droppable, self._rows)
                    self._derived[_TRIM_INDEX] = (self._version, index)
                doomed = index.oldest(excess)
            for key in doomed:
                self._changed(self._rows.pop(key), None)     # each delete offered to the followers
            self._removed(doomed)
            return len(doomed)

    def drop_oldest_while(self, predicate: Callable[[Row], bool]) -> list[Row]:
        """Drop rows from the oldest (lowest id) on while `predicate` holds; returns them (read-only). Expiry of rows
        written in time order: O(dropped), not a scan."""
        with self._lock:
            if self._journal is not None and self._journal.depth == 0:
                with self._journal.transaction():
                    return self.drop_oldest_while(predicate)
            doomed = []
            for row in self._rows.values():
                if not predicate(row):
                    break
                doomed.append(row)
            for row in doomed:
                del self._rows[row["id"]]
                self._changed(row, None)                     # each delete offered to the followers
            self._removed([row["id"] for row in doomed])
            return doomed

    def _removed(self, row_ids: list[int]) -> None:
        if self._journal is not None:
            for row_id in row_ids:
                self._journal.backend.remove(self.name, row_id)

    def _apply(self, row_id: int, row: Row | None, next_id: int | None) -> None:
        """Another process's write (shared backends), applied as the memory's own: versions move, followers follow;
        no backend write, no listener (the writing process fanned out its own events)."""
        with self._lock:
            old = self._rows.get(row_id)
            if row is None:
                if old is not None:
                    del self._rows[row_id]
                    self._changed(old, None)
            elif old is not None:
                self._rows[row_id] = row
                self._changed(old, row)
            else:
                out_of_order = bool(self._rows) and row_id < next(reversed(self._rows))
                self._rows[row_id] = row
                if out_of_order:
                    self._rows = dict(sorted(self._rows.items()))
                    self._derived.clear()
                self._changed(None, row)
            if next_id is not None:
                self._next_id = max(self._next_id, next_id)

    def first(self, **equals: Any) -> Row | None:
        found = self.filter(**equals)
        return found[0] if found else None

    def export(self) -> dict[str, Any]:
        with self._lock:
            return {"next_id": self._next_id, "rows": [clone(r) for r in self._rows.values()]}

    def load(self, state: dict[str, Any]) -> None:
        rows = state.get("rows", [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) and _valid_id(r.get("id")) for r in rows):
            raise ValueError(f"collection {self.name!r}: rows must be objects with an integer id from 1 to {MAX_ID}")
        ids = [r["id"] for r in rows]
        if len(set(ids)) != len(ids):
            duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
            raise ValueError(f"collection {self.name!r}: duplicate row ids {duplicates}")
        with self._lock:
            self._rows = {r["id"]: clone(r) for r in sorted(rows, key=lambda r: r["id"])}
            top = max(self._rows, default=0) + 1
            next_id = state.get("next_id", top)
            if not _valid_id(next_id) and next_id != MAX_ID + 1:
                raise ValueError(f"collection {self.name!r}: next_id must be an integer from 1 to {MAX_ID + 1}")
            self._next_id = max(next_id, top)
            self._derived.clear()
            self._changed(None, None)


class Transaction:
    """`Store.transaction()`: a plain context manager rather than a generator one (every write request enters one;
    a `@contextmanager` costs about a microsecond more). The lock is taken first and the backend's journal read
    under it, as before; with a backend, its transaction is entered inside the lock and left before the lock is
    released, an exception passing through both."""

    __slots__ = ("store", "inner")

    def __init__(self, store: "Store") -> None:
        self.store = store
        self.inner: Any = None

    def __enter__(self) -> "Store":
        store = self.store
        store._lock.acquire()
        journal = store._journal
        if journal is not None:
            try:
                inner = journal.transaction()
                inner.__enter__()
            except BaseException:
                store._lock.release()
                raise
            self.inner = inner
        return store

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        inner, self.inner = self.inner, None
        try:
            if inner is not None:
                return bool(inner.__exit__(exc_type, exc, tb))
            return False
        finally:
            self.store._lock.release()


class Store:
    """Named collections plus the seed snapshot they return to on reset."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._collections: dict[str, Collection] = {}
        self._listeners: dict[str, list[Callable[[Row], None]]] = {}
        self._seed: dict[str, Any] | None = None
        self._derived: dict[Hashable, tuple[tuple[int, ...], Any]] = {}
        self._journal: Journal | None = None
        self._epoch = 0

    def collection(self, name: str) -> Collection:
        with self._lock:
            journal = self._journal
            if journal is not None and journal.shared and journal.depth == 0:
                self._sync()
            found = self._collections.get(name)
            return found if found is not None else self._collection(name)

    def existing(self, name: str) -> Collection | None:
        """The collection `name` when something created it, else None: a look that, unlike `collection`, never
        adds an empty one to the state (exports, reloads)."""
        with self._lock:
            journal = self._journal
            if journal is not None and journal.shared and journal.depth == 0:
                self._sync()     # another worker may have created it
            return self._collections.get(name)

    def _collection(self, name: str) -> Collection:
        with self._lock:
            if name not in self._collections:
                self._collections[name] = Collection(name, self._lock, journal=self._journal)
                self._collections[name].listeners = self._listeners.setdefault(name, [])
            return self._collections[name]

    def on_insert(self, name: str, listener: Callable[[Row], None]) -> None:
        """Call `listener(row)` after every insert into collection `name` (survives reset and import)."""
        with self._lock:
            self._listeners.setdefault(name, []).append(listener)
            if name in self._collections:
                self._collections[name].listeners = self._listeners[name]

    __getitem__ = collection

    def derived(self, key: Hashable, names: Iterable[str], build: Callable[[], T]) -> T:
        """`Collection.derived` over several collections: `build()`'s value, rebuilt only when the version of one
        of the named collections moved (or reset, import or `drop` put another collection in its place). Looking
        does not create a collection: an absent one counts as version 0."""
        names = tuple(names)
        with self._lock:
            stamp = tuple(self._collections[name].version if name in self._collections else 0 for name in names)
            entry = self._derived.get(key)
            if entry is not None and entry[0] == stamp:
                return entry[1]
            value = build()
            self._derived[key] = (stamp, value)
            return value

    def drop(self, name: str) -> None:
        """Forget a collection and its rows (a later lookup starts an empty one)."""
        with self._lock:
            if self._journal is not None and self._journal.depth == 0:
                with self._journal.transaction():
                    return self.drop(name)
            self._collections.pop(name, None)
            if self._journal is not None:
                self._journal.backend.drop(name)

    def transaction(self) -> "Transaction":
        """Hold the store lock across several changes so no request sees half of them; with a backend, they are
        committed together when the outermost transaction ends (also when it ends with an exception: the memory
        keeps what was written, and the backend always holds what the memory holds). `with store.transaction()
        as db:` binds the store."""
        return Transaction(self)

    def export(self) -> dict[str, Any]:
        with self._lock:
            if self._journal is not None and self._journal.shared and self._journal.depth == 0:
                self._sync()
            return {"collections": {name: c.export() for name, c in sorted(self._collections.items())}}

    def load(self, state: dict[str, Any]) -> None:
        """Replace the whole state. Validates everything before touching anything, so bad input loses nothing."""
        collections = state.get("collections") if isinstance(state, dict) else None
        if not isinstance(collections, dict):
            raise ValueError("state must be an object with a 'collections' object")
        staged = {}
        for name, data in collections.items():
            if not isinstance(data, dict):
                raise ValueError(f"collection {name!r} must be an object")
            fresh = Collection(name, self._lock, journal=self._journal)
            fresh.load(data)
            fresh.listeners = self._listeners.setdefault(name, [])
            staged[name] = fresh
        with self._lock:
            self._epoch += 1
            journal = self._journal
            if journal is None:
                self._collections = staged
                return
            with journal.transaction():
                self._collections = staged
                journal.backend.replace(self.export())

    def _install(self, state: dict[str, Any]) -> None:
        """A whole state read from the backend, put in place without writing it back."""
        journal, self._journal = self._journal, None
        try:
            self.load(state)
        finally:
            self._journal = journal
            for collection in self._collections.values():
                collection._journal = journal

    def _sync(self) -> None:
        """Apply what other processes wrote since this one last looked (shared backends; under the lock)."""
        changes = self._journal.backend.changes()      # type: ignore[union-attr]
        if changes is None:
            return
        if isinstance(changes, dict):
            self._install(changes)
            return
        for op in changes:
            kind, name = op[0], op[1]
            if kind == "put":
                self._collection(name)._apply(op[2]["id"], op[2], op[3])
            elif kind == "remove":
                if name in self._collections:
                    self._collections[name]._apply(op[2], None, None)
            elif kind == "drop":
                self._collections.pop(name, None)

    @property
    def backend(self) -> Backend | None:
        return self._journal.backend if self._journal is not None else None

    @property
    def epoch(self) -> int:
        """Moves whenever reset or import puts a whole state in place — here, or (shared backend) in any process, as
        of this process's last look at the shared state (every collection lookup and transaction looks). Ids start
        over then, so work begun on an older epoch must not write into the current state (webhook batches)."""
        journal = self._journal
        if journal is not None and journal.shared:
            return journal.backend.epoch                                # type: ignore[attr-defined]
        return self._epoch

    @property
    def shared(self) -> bool:
        """Whether other processes write this state too (a shared backend: Redis)."""
        return self._journal is not None and self._journal.shared

    def leads(self, name: str, seconds: float) -> bool:
        """Whether this process should do the once-per-state job `name` now (the clock's tick, one receiver's
        webhook deliveries): always without a shared backend; with one, while it holds that job's lease (taken
        when free, renewed by each call, lost `seconds` after its holder stops calling — or dies)."""
        if self._journal is None or not self._journal.shared:
            return True
        return bool(self._journal.backend.lease(name, seconds))          # type: ignore[attr-defined]

    def attach(self, backend: Backend) -> None:
        """Keep this store in `backend` from now on: the state it saved earlier replaces the current one (the seed),
        or, on first use, it is given the current state. Call after `mark_seed`, so reset still returns to the seed."""
        with self._lock:
            journal = Journal(backend, self._sync)
            with journal.transaction(sync=False):  # shared: no other process starts between the look and the seed
                saved = backend.saved()
                if saved is not None:
                    self._install(saved)
                else:
                    backend.replace(self.export())
                for collection in self._collections.values():
                    collection._journal = journal
                self._journal = journal

    def close(self) -> None:
        """Detach and close the backend (the memory keeps the state)."""
        with self._lock:
            journal, self._journal = self._journal, None
            for collection in self._collections.values():
                collection._journal = None
            if journal is not None:
                journal.backend.close()

    def mark_seed(self) -> None:
        """Remember the current state as the one `reset()` returns to."""
        self._seed = self.export()

    def reset(self) -> None:
        with self._lock:
            self.load(self._seed or {"collections": {}})
