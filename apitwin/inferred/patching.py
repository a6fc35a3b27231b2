"""PATCH bodies: JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902) applied to a stored item. A patch that
cannot apply (a path that is not there, a failed `test`) leaves the item as it was."""
from __future__ import annotations

import copy
from typing import Any

from apitwin.review.loader import split


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch) if patch is not None else target
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def json_patch(target: Any, operations: list[Any]) -> Any:
    doc = copy.deepcopy(target)
    try:
        for op in operations:
            if not isinstance(op, dict) or not isinstance(op.get("path"), str):
                return target
            kind = op.get("op")
            if kind in ("add", "replace"):
                doc = _put(doc, split(op["path"]), copy.deepcopy(op.get("value")), insert=kind == "add")
            elif kind == "remove":
                doc = _remove(doc, split(op["path"]))
            elif kind in ("move", "copy") and isinstance(op.get("from"), str):
                value = _get(doc, split(op["from"]))
                if kind == "move":
                    doc = _remove(doc, split(op["from"]))
                doc = _put(doc, split(op["path"]), copy.deepcopy(value), insert=True)
            elif kind == "test":
                if _get(doc, split(op["path"])) != op.get("value"):
                    return target
            else:
                return target
    except (KeyError, IndexError, TypeError, ValueError):
        return target
    return doc


def _get(doc: Any, tokens: list[str]) -> Any:
    for token in tokens:
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


def _put(doc: Any, tokens: list[str], value: Any, *, insert: bool) -> Any:
    if not tokens:
        return value
    parent = _get(doc, tokens[:-1])
    last = tokens[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if insert:
            parent.insert(index, value)
        else:
            parent[index] = value
    elif isinstance(parent, dict):
        if not insert and last not in parent:
            raise KeyError(last)
        parent[last] = value
    else:
        raise TypeError("not a container")
    return doc


def _remove(doc: Any, tokens: list[str]) -> Any:
    parent = _get(doc, tokens[:-1])
    if isinstance(parent, list):
        parent.pop(int(tokens[-1]))
    else:
        del parent[tokens[-1]]
    return doc
