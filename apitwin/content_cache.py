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
turns it off. Entries are small (a document's parse is about its own size); delete the directory to reclaim it.
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
    try:
        return marshal.loads((where / address[:2] / address).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return _MISS


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
        pass


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
