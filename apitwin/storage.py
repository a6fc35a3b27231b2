"""Where a store's state lives besides the process's memory: the storage backend seam.

The store keeps every API's rows in memory (reads, indexes and derived data stay as fast as an in-memory mock is);
a `Backend` receives each write as it happens and makes it durable (SQLite, `--state PATH`) or shared (Redis,
`--store redis://…`). Without a backend (the default) the store costs one `is None` test per write, nothing else.

The store calls, always under its lock:
    `saved()`            once at start: the state kept earlier (export shape), or None to be given the seed
    `put(name, row, next_id)` / `remove(name, id)` / `replace(state)` / `drop(name)`: the writes of one transaction
    `commit()`           when the outermost `store.transaction()` ends (or after a write outside one): the writes
                         since the last commit become durable/visible together — or none of them does
A backend shared by several processes also implements `SharedBackend` (ids, one lock and the changes of others).
"""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Protocol, runtime_checkable

Row = dict[str, Any]


class Backend(Protocol):
    """A store's durable or shared copy (see the module doc for when each method is called)."""

    def saved(self) -> dict[str, Any] | None: ...

    def put(self, collection: str, row: Row, next_id: int) -> None: ...

    def remove(self, collection: str, row_id: int) -> None: ...

    def replace(self, state: dict[str, Any]) -> None: ...

    def drop(self, collection: str) -> None: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class SharedBackend(Backend, Protocol):
    """A backend several processes write through: ids come from it, a transaction holds its lock, and before a
    transaction (or a read) the store applies what the other processes wrote since it last looked."""

    epoch: int          # how many times a whole state was put in place (reset, import) by any process, as last read

    def next_id(self, collection: str, at_least: int) -> int: ...

    def lock(self) -> Any: ...                    # a context manager held across one transaction

    def lease(self, name: str, seconds: float) -> bool: ...   # see Store.leads

    def changes(self) -> list[tuple[Any, ...]] | dict[str, Any] | None: ...
    # None: nothing new; a list of ("put", collection, row, next_id) / ("remove", collection, id) /
    # ("drop", collection) in commit order; or a whole state (after another process's reset or import, or when
    # this one fell too far behind)


class Journal:
    """The store's link to its backend: one backend transaction per outermost store transaction (nested ones join
    it). With a shared backend, the outermost one holds the backend's lock and first applies what other processes
    wrote (`sync`), so it works on the current state."""

    __slots__ = ("backend", "depth", "shared", "sync")

    def __init__(self, backend: Backend, sync: Callable[[], None]) -> None:
        self.backend = backend
        self.depth = 0
        self.shared = isinstance(backend, SharedBackend)
        self.sync = sync

    @contextmanager
    def transaction(self, sync: bool = True) -> Iterator[None]:
        """Call under the store lock. Commits when the outermost one ends — also when it ends with an exception:
        the memory keeps what was written, and the backend always holds what the memory holds."""
        if self.depth or not self.shared:
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.backend.commit()
            return
        with self.backend.lock():                          # type: ignore[attr-defined]
            self.depth += 1
            try:
                if sync:
                    self.sync()
                yield
            finally:
                self.depth -= 1
                self.backend.commit()


def open_backend(settings: Any, api: str) -> Backend | None:
    """The backend the settings ask for (`state_path`: SQLite; `store_url`: Redis), or None: memory only."""
    url = getattr(settings, "store_url", None)
    if url:
        from apitwin.storage_redis import RedisBackend
        return RedisBackend.open(url, api)
    path = getattr(settings, "state_path", None)
    if path:
        from apitwin.storage_sqlite import SqliteBackend
        return SqliteBackend.open(path, api)
    return None


def with_stored_secrets(settings: Any) -> Any:
    """Settings whose unset JWT secret is the one kept with the state (generated there on first use), so tokens
    issued before a restart — or by another worker on the same Redis — stay valid. Unchanged without a backend."""
    if getattr(settings, "jwt_secret", None) is not None:
        return settings
    if getattr(settings, "store_url", None):
        from apitwin.storage_redis import stored_secret as redis_secret
        return dataclasses.replace(settings, jwt_secret=redis_secret(settings.store_url, "jwt"))
    if getattr(settings, "state_path", None):
        from apitwin.storage_sqlite import stored_secret
        return dataclasses.replace(settings, jwt_secret=stored_secret(settings.state_path, "jwt"))
    return settings


def attach(runtime: Any, settings: Any) -> None:
    """Give an API's freshly seeded store the backend the settings ask for (no-op for memory)."""
    backend = open_backend(settings, runtime.name)
    if backend is not None:
        runtime.store.attach(backend)
