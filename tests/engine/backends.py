"""Store backends for the store contract tests: the same tests run on memory, on a SQLite state file and on Redis
(`tests/engine/redis_server.py` starts a real one; without it the Redis variants skip with the reason)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from apitwin.store import Store

BACKENDS = ["memory", "sqlite", "redis"]


class Opened:
    """A store on one backend, and how to open a second store on the same state (a restart, another worker)."""

    def __init__(self, kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self.kind = kind
        self.stores: list[Store] = []
        self._open: Callable[[], Any] | None = None
        if kind == "sqlite":
            from apitwin.storage_sqlite import SqliteBackend
            path = tmp_path / "state.db"
            self._open = lambda: SqliteBackend.open(path, "api", synchronous="NORMAL")
        elif kind == "redis":
            from tests.engine.redis_server import redis_url
            url = redis_url(request)
            try:
                from apitwin.storage_redis import RedisBackend
            except ImportError as exc:
                pytest.skip(f"Redis tests SKIPPED: the Redis backend cannot load ({exc})")
            self._open = lambda: RedisBackend.open(url, "api")

    @property
    def durable(self) -> bool:
        return self._open is not None

    def new(self, seed: Callable[[Store], None] | None = None) -> Store:
        """A store as a server builds one: seeded, seed marked, then attached (it takes the kept state if any)."""
        store = Store()
        self._seed = seed = seed or getattr(self, "_seed", None)     # a restart seeds as the first start did
        if seed is not None:
            seed(store)
        store.mark_seed()
        if self._open is not None:
            store.attach(self._open())
        self.stores.append(store)
        return store

    def peek(self) -> dict[str, Any] | None:
        """What another process opening the backend now would find (without waiting for a writer's lock)."""
        assert self._open is not None
        backend = self._open()
        try:
            return backend.saved()
        finally:
            backend.close()

    def reopened(self) -> Store:
        """The state as a restart finds it: the first store closed, a new one attached to the same backend."""
        for store in self.stores:
            store.close()
        return self.new()

    def close(self) -> None:
        for store in self.stores:
            store.close()
