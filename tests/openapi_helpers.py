"""Reading an OpenAPI document in tests: local `$ref`s followed, operations listed (shared by tests/review/ and the
API folders' spec tests)."""
from __future__ import annotations

from typing import Any, Iterator

from apitwin.http_methods import HTTP_METHODS


def deref(spec: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (`#/...`) of `spec` until a non-reference node."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are expected, got {ref}"
        assert ref not in seen, f"reference cycle at {ref}"
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(path, method, operation, path item) for every operation, in document order."""
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method], item
