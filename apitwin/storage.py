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
from typing import Any, Protocol, runtime_checkable

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

    def next_id(self, collection: str, at_least: int) -> int: ...

    def lock(self) -> Any: ...                    # a context manager held across one transaction

    def changes(self) -> "Changes | None": ...


class Changes(Protocol):
    """What other processes wrote since this one last looked: `replaced` (a whole new state, after their reset or
    import) or per collection the rows written (None: deleted) and its id sequence."""

    replaced: dict[str, Any] | None
    rows: dict[str, dict[int, Row | None]]
    sequences: dict[str, int]
    dropped: list[str]


class Journal:
    """The store's link to its backend: counts nested transactions so one commit ends the outermost."""

    __slots__ = ("backend", "depth")

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.depth = 0

    def wrote(self) -> None:
        if self.depth == 0:
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
