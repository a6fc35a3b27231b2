"""One API serving several documents (ApiPlugin.extra_specs): the operations of all of them in one index, refused
when two documents share a root or an operationId (one handler would answer for both)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apitwin.app import merged_operations
from apitwin.plugin import ApiPlugin, Wire


def spec(root: str, *operation_ids: str) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": root}],
            "paths": {f"/p{i}": {"get": {"operationId": op, "responses": {"200": {"description": "ok"}}}}
                      for i, op in enumerate(operation_ids)}}


def plugin(tmp_path: Path) -> ApiPlugin:
    return ApiPlugin(name="twice", title="Twice", spec_file=tmp_path / "v1.yaml", mockdata_dir=tmp_path,
                     wire=Wire(render_error=lambda e: {"errors": e.messages}), seed=lambda rt, d: None,
                     extra_specs=(tmp_path / "v2.yaml",))


def test_spec_files_lists_the_main_document_first(tmp_path: Path) -> None:
    assert plugin(tmp_path).spec_files == (tmp_path / "v1.yaml", tmp_path / "v2.yaml")


def test_operations_of_every_document(tmp_path: Path) -> None:
    merged = merged_operations(plugin(tmp_path), [spec("/api/v1", "m.a", "m.b"), spec("/api/v2", "m.v2.a")])
    assert sorted(merged) == ["m.a", "m.b", "m.v2.a"]


def test_an_operation_id_in_two_documents_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="operationId m.a appears in two of its documents"):
        merged_operations(plugin(tmp_path), [spec("/api/v1", "m.a"), spec("/api/v2", "m.a")])


def test_two_documents_on_one_root_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two documents share the root /api"):
        merged_operations(plugin(tmp_path), [spec("/api", "m.a"), spec("/api", "m.b")])


