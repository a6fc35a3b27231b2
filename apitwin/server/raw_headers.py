"""Edits of raw ASGI header lists (lower-case byte names), exactly as Starlette's `MutableHeaders` makes them —
without building a `MutableHeaders` per answer in `Front`'s send wrapper (its fixed headers, its CORS): `set` replaces
the first entry of a name in place and drops the others (appends when absent), `drop` removes every entry,
`first` reads the first value. tests/engine/test_raw_headers.py compares each with MutableHeaders."""
from __future__ import annotations

Raw = list[tuple[bytes, bytes]]


def first(raw: Raw, name: bytes) -> bytes | None:
    for key, value in raw:
        if key == name:
            return value
    return None


def values(raw: Raw, name: bytes) -> list[bytes]:
    return [value for key, value in raw if key == name]


def set(raw: Raw, name: bytes, value: bytes) -> None:   # noqa: A001 - MutableHeaders' own word
    found = [i for i, (key, _) in enumerate(raw) if key == name]
    for i in reversed(found[1:]):
        del raw[i]
    if found:
        raw[found[0]] = (name, value)
    else:
        raw.append((name, value))


def drop(raw: Raw, name: bytes) -> None:
    raw[:] = [(key, value) for key, value in raw if key != name]
