"""A cache, on disk, of start-up work whose result depends only on the bytes of some files: parsed YAML, and the
verdict of checking a document against the OpenAPI schema. Every start parses the specs and seed files and an
inferred document is checked with openapi-spec-validator (measured with cProfile, bench/bench_startup.py: most of a
large document's start); the second start of the same bytes reads the result instead.

Correct by construction, never stale: an entry is addressed by the SHA-256 of everything its result depends on —
the input's bytes, what is computed from them (`kind`), and `SALT` (the Python version, since `marshal`'s format
belongs to it, and apitwin's version) — so an edited file is a different key, and the old entry is simply never read
again. Callers add whatever else their result depends on (PyYAML's version and loader, a validator's files) to the
key. Values are
plain data written with `marshal` (dicts, lists, strings, numbers; no code runs when they are read); a value
`marshal` cannot write (YAML dates) is not cached. A missing, unreadable or corrupt entry is a miss; a cache that
cannot be written is skipped silently: the cache only ever saves time.

Where: `$APITWIN_CACHE_DIR`, else `$XDG_CACHE_HOME/apitwin`, else `~/.cache/apitwin`; `APITWIN_CACHE_DIR=off`
turns it off. Entries are small (a document's parse is about its own size). The directory is bounded:
after a new entry is written, the least recently used entries (an entry read is marked used) are removed until the
total is back under 80 % of `APITWIN_CACHE_MAX_MB` (default 100 MB), so entries of edited documents and older
versions age out instead of piling up.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, TypeVar

from apitwin import __version__

ENV = "APITWIN_CACHE_DIR"
LIMIT_ENV = "APITWIN_CACHE_MAX_MB"
DEFAULT_LIMIT_MB = 100
SALT = f"apitwin {__version__}; python {sys.version}; marshal {marshal.version}".encode()
_MISS = object()
T = TypeVar("T")


def directory() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    configured = os.environ.get(ENV, "")
    if configured.lower() in ("off", "0", "no", "false"):
        return None
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "apitwin"


def key(kind: str, *parts: bytes | str) -> str:
    """The address of a result: `kind` names the computation, `parts` are everything it reads."""
    digest = hashlib.sha256(SALT)
    for part in (kind, *parts):
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))      # length-prefixed: ("ab", "c") ≠ ("a", "bc")
        digest.update(data)
    return digest.hexdigest()


def get(address: str) -> Any:
    """The stored value, or `MISS` (see `cached`)."""
    where = directory()
    if where is None:
        return _MISS
    path = where / address[:2] / address
    try:
        value = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return _MISS
    try:
        os.utime(path)                      # used now: the bound removes least recently used entries first
    except OSError:
        pass
    return value


def put(address: str, value: Any) -> None:
    where = directory()
    if where is None:
        return
    try:
        data = marshal.dumps(value)
    except ValueError:                      # a value marshal cannot write: not cached
        return
    folder = where / address[:2]
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, folder / address)        # whole entries only, also with parallel starts
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return
    trim(where, limit_bytes())


def limit_bytes() -> int:
    """The directory's bound (`APITWIN_CACHE_MAX_MB`; a value that is not a positive number means the default)."""
    try:
        megabytes = float(os.environ.get(LIMIT_ENV, DEFAULT_LIMIT_MB))
    except ValueError:
        megabytes = DEFAULT_LIMIT_MB
    return int((megabytes if megabytes > 0 else DEFAULT_LIMIT_MB) * 1024 * 1024)


def trim(where: Path, limit: int) -> None:
    """Over `limit` bytes: remove the least recently used entries until the total is under 80 % of it. Runs only
    after a write (a miss), so a start that finds its entries never scans the directory."""
    entries = []
    for path in where.glob("??/*"):
        if path.name.startswith(".tmp-"):
            continue
        try:
            stat = path.stat()
        except OSError:                     # removed by a parallel start meanwhile
            continue
        entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return
    for _, size, path in sorted(entries, key=lambda entry: entry[0]):
        if total <= limit * 0.8:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total -= size


def cached(address: str, compute: Callable[[], T]) -> T:
    """The value stored under `address`, else `compute()`'s, stored for the next time. An exception from `compute`
    propagates and nothing is stored."""
    found = get(address)
    if found is not _MISS:
        return found  # type: ignore[no-any-return]
    value = compute()
    put(address, value)
    return value


def is_miss(value: Any) -> bool:
    return value is _MISS
