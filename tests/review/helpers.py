"""Shared by the review tests: edit a document by JSON pointer, write it, and lint/diff it."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent / "corpus"


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    *head, last = _tokens(pointer)
    node = doc
    for token in head:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node, last


def edit(doc: dict[str, Any], edits: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of `doc` with the edits applied: {op: set|remove|move, path, value | from}."""
    doc = copy.deepcopy(doc)
    for change in edits:
        if change["op"] == "move":
            source, key = _parent(doc, change["from"])
            value = source.pop(key)
            target, new_key = _parent(doc, change["path"])
            target[new_key] = value
            continue
        node, key = _parent(doc, change["path"])
        if change["op"] == "remove":
            del node[int(key) if isinstance(node, list) else key]
        elif isinstance(node, list):
            if key == "-":
                node.append(change["value"])
            else:
                node[int(key)] = change["value"]
        else:
            node[key] = change["value"]
    return doc


def write(path: Path, doc: Any) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
