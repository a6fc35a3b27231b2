"""`--state PATH`: every acknowledged write kept in one SQLite file (stdlib sqlite3), so a restart — also after
`kill -9` — comes back with it.

Durability. The store commits when its outermost transaction ends, before the handler returns, so a response
never leaves before its writes are on disk; a crash mid-transaction leaves none of them (SQLite's atomic commit).
The file is in WAL mode with `synchronous=FULL`: each commit is fsync'ed to the WAL before it returns, so an
acknowledged write survives a power loss or OS crash too, not only a killed process. (`NORMAL` in WAL mode would
survive `kill -9` as well and save that fsync, but could lose the last commits on power loss: a response would
then have promised something the file no longer holds.) Writers are serialised by the store lock already, so the
cost is one fsync per write request.

One file holds every API of a server (a column names the API); one process owns it at a time (an exclusive
`flock` on `PATH.lock`, released by the OS when the process dies), so two servers never interleave their writes.
Tables: `collections(api, name, next_id)`, `rows(api, collection, id, data)` (data: the row as JSON),
`meta(key, value)` (`saved:<api>` marks an API whose state the file holds; secrets such as the JWT secret).
"""
from __future__ import annotations

import fcntl
import json
import os
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any

Row = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collections (api TEXT NOT NULL, name TEXT NOT NULL, next_id INTEGER NOT NULL,
                                        PRIMARY KEY (api, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rows (api TEXT NOT NULL, collection TEXT NOT NULL, id INTEGER NOT NULL,
                                 data TEXT NOT NULL, PRIMARY KEY (api, collection, id)) WITHOUT ROWID;
"""


SYNCHRONOUS = ("FULL", "NORMAL")


def _connect(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS}")
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.executescript(SCHEMA)
    return db


class StateFileBusy(RuntimeError):
    """Another process serves from this state file."""


class SqliteFile:
    """One open state file shared by the APIs of this process (reference counted)."""

    _open: dict[Path, "SqliteFile"] = {}
    _open_lock = threading.Lock()

    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        self.path = path
        self._lock_file = open(str(path) + ".lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            raise StateFileBusy(f"state file {path} is in use by another apitwin server") from None
        self.db = _connect(path, synchronous)
        self.lock = threading.Lock()           # one connection, several stores (each with its own lock)
        self.users = 0

    @classmethod
    def acquire(cls, path: str | os.PathLike[str], synchronous: str = "FULL") -> "SqliteFile":
        resolved = Path(path).expanduser().resolve()
        with cls._open_lock:
            found = cls._open.get(resolved)
            if found is None:
                found = cls._open[resolved] = cls(resolved, synchronous)
            found.users += 1
            return found

    def release(self) -> None:
        with self._open_lock:
            self.users -= 1
            if self.users > 0:
                return
            self._open.pop(self.path, None)
            self.db.close()
            self._lock_file.close()              # releases the flock


def stored_secret(path: str | os.PathLike[str], key: str) -> str:
    """The secret named `key` kept in the state file, generated on first use (so JWTs survive restarts)."""
    db = _connect(Path(path).expanduser())
    try:
        db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (f"secret:{key}", secrets.token_urlsafe(32)))
        return db.execute("SELECT value FROM meta WHERE key = ?", (f"secret:{key}",)).fetchone()[0]
    finally:
        db.close()


class SqliteBackend:
    """One API's part of a state file. Writes are buffered per transaction (the last write of a row wins) and
    written in one SQLite transaction by `commit`."""

    def __init__(self, file: SqliteFile, api: str) -> None:
        self.file = file
        self.api = api
        self._rows: dict[tuple[str, int], Row | None] = {}
        self._sequences: dict[str, int] = {}
        self._replace: dict[str, Any] | None = None
        self._dropped: set[str] = set()
        self._closed = False

    @classmethod
    def open(cls, path: str | os.PathLike[str], api: str, synchronous: str = "FULL") -> "SqliteBackend":
        """`synchronous="NORMAL"` is for tests of the store contract only (same logic, no fsync per write)."""
        return cls(SqliteFile.acquire(path, synchronous), api)

    # -- reading at start ------------------------------------------------------------------------------------------
    def saved(self) -> dict[str, Any] | None:
        db = self.file.db
        with self.file.lock:
            if db.execute("SELECT 1 FROM meta WHERE key = ?", (f"saved:{self.api}",)).fetchone() is None:
                return None
            collections = {name: {"next_id": next_id, "rows": []} for name, next_id in db.execute(
                "SELECT name, next_id FROM collections WHERE api = ?", (self.api,))}
            for name, data in db.execute("SELECT collection, data FROM rows WHERE api = ? ORDER BY collection, id",
                                         (self.api,)):
                collections.setdefault(name, {"rows": []})["rows"].append(json.loads(data))
        return {"collections": collections}

    # -- writes of one transaction ---------------------------------------------------------------------------------
    def put(self, collection: str, row: Row, next_id: int) -> None:
        self._rows[(collection, row["id"])] = row
        self._sequences[collection] = next_id

    def remove(self, collection: str, row_id: int) -> None:
        self._rows[(collection, row_id)] = None

    def replace(self, state: dict[str, Any]) -> None:
        self._rows.clear()
        self._sequences.clear()
        self._dropped.clear()
        self._replace = state

    def drop(self, collection: str) -> None:
        self._rows = {key: row for key, row in self._rows.items() if key[0] != collection}
        self._sequences.pop(collection, None)
        self._dropped.add(collection)

    def commit(self) -> None:
        if self._replace is None and not self._rows and not self._sequences and not self._dropped:
            return
        api, db = self.api, self.file.db
        with self.file.lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                if self._replace is not None:
                    db.execute("DELETE FROM rows WHERE api = ?", (api,))
                    db.execute("DELETE FROM collections WHERE api = ?", (api,))
                    for name, data in self._replace["collections"].items():
                        db.execute("INSERT INTO collections VALUES (?, ?, ?)", (api, name, data["next_id"]))
                        db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?)",
                                       ((api, name, row["id"], json.dumps(row)) for row in data["rows"]))
                    db.execute("INSERT OR IGNORE INTO meta VALUES (?, '1')", (f"saved:{api}",))
                for name in self._dropped:
                    db.execute("DELETE FROM rows WHERE api = ? AND collection = ?", (api, name))
                    db.execute("DELETE FROM collections WHERE api = ? AND name = ?", (api, name))
                db.executemany("INSERT OR REPLACE INTO collections VALUES (?, ?, ?)",
                               ((api, name, next_id) for name, next_id in self._sequences.items()))
                written = [(api, name, row_id, json.dumps(row)) for (name, row_id), row in self._rows.items()
                           if row is not None]
                deleted = [(api, name, row_id) for (name, row_id), row in self._rows.items() if row is None]
                db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?)", written)
                db.executemany("DELETE FROM rows WHERE api = ? AND collection = ? AND id = ?", deleted)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                self._rows.clear()
                self._sequences.clear()
                self._dropped.clear()
                self._replace = None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.file.release()
