"""Secrets in an exported state (passwords, tokens, webhook secrets) are masked unless the request carried the admin
token; a masked state imports back, each masked value keeping what the mock holds for that row.

Which fields are secret: the engine's own (`webhook_endpoints.secret`) plus each plugin's `secret_fields`
(collection → dotted field paths, e.g. `rows:sys_sec_User` → `values.password_`).
"""
from __future__ import annotations

from typing import Any, Iterator

MASK = "********"
ENGINE_SECRETS = {"webhook_endpoints": ["secret"]}


def secret_fields(plugin_fields: dict[str, list[str]]) -> dict[str, list[str]]:
    merged = {name: list(paths) for name, paths in ENGINE_SECRETS.items()}
    for name, paths in plugin_fields.items():
        merged.setdefault(name, []).extend(paths)
    return merged


def _holder(row: Any, path: str) -> tuple[dict[str, Any] | None, str]:
    """(the dict holding the last key of `path`, that key); None when the path does not exist in the row."""
    *parents, last = path.split(".")
    current = row
    for key in parents:
        current = current.get(key) if isinstance(current, dict) else None
    return (current if isinstance(current, dict) else None), last


def _secret_slots(state: dict[str, Any], fields: dict[str, list[str]]) -> Iterator[tuple[str, Any, dict, str]]:
    """(collection, row id, holder dict, key) of every secret value present in the state."""
    collections = state.get("collections") if isinstance(state, dict) else None
    if not isinstance(collections, dict):
        return
    for name, paths in fields.items():
        data = collections.get(name)
        rows = data.get("rows") if isinstance(data, dict) else None
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict):
                continue
            for path in paths:
                holder, key = _holder(row, path)
                if holder is not None and holder.get(key) is not None:
                    yield name, row.get("id"), holder, key


def mask(state: dict[str, Any], fields: dict[str, list[str]]) -> dict[str, Any]:
    """Masks every secret in place (the state is a fresh export) and returns it."""
    for _, _, holder, key in list(_secret_slots(state, fields)):
        holder[key] = MASK
    return state


def unmask(state: dict[str, Any], current: dict[str, Any], fields: dict[str, list[str]]) -> None:
    """Puts back, in place, the value the mock holds now for every masked secret of `state` (same collection and
    row id). ValueError names the first masked secret the mock holds no value for."""
    held: dict[tuple[str, Any, str], Any] = {}
    for name, row_id, holder, key in _secret_slots(current, fields):
        held[(name, row_id, key)] = holder[key]
    for name, row_id, holder, key in list(_secret_slots(state, fields)):
        if holder[key] != MASK:
            continue
        if (name, row_id, key) not in held:
            raise ValueError(f"collection {name!r}, row {row_id}: {key!r} is masked ({MASK}) and the mock holds no "
                             "value for it; export with the admin token to get a state with its secrets")
        holder[key] = held[(name, row_id, key)]
