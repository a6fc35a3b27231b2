"""The contract's crud_round_trip on a plain document whose paths carry a parameter that names no resource (an API
version, `/v{version}/notes`): the generic profile takes its value from the document itself (enum, const,
example/examples/default, a server variable of the same name) and the round trip runs — and still catches a mock
that keeps a deleted item. With no value anywhere, the skip names the parameter."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from apitwin.contract.document_values import path_values
from apitwin.contract.properties import rows_anywhere
from apitwin.inferred import handlers
from tests.contract_report import contract_report, property_outcomes

NOTES = Path(__file__).resolve().parent / "fixtures" / "versioned_notes.yaml"


def _crud(doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], list[str]]:
    data = contract_report(doc, tmp_path, capsys, include=("POST /v{version}/notes",))
    return (data["status"], *property_outcomes(data, "crud_round_trip"))


def _variant(tmp_path: Path, version: dict[str, Any], servers: list[dict[str, Any]] | None = None) -> Path:
    """The fixture with its `version` parameter replaced by `version` (and its servers by `servers`)."""
    doc = yaml.safe_load(NOTES.read_text())
    doc["components"]["parameters"]["version"] = {"name": "version", "in": "path", "required": True, **version}
    if servers is not None:
        doc["servers"] = servers
    path = tmp_path / "notes.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_round_trip_runs_through_a_versioned_path(tmp_path, capsys):
    status, outcomes, codes = _crud(NOTES, tmp_path, capsys)
    assert status == 0 and codes == []
    assert len(outcomes) == 1 and outcomes[0]["probes"] == 1 and not outcomes[0]["failed"], outcomes


def test_a_delete_that_keeps_the_item_is_caught_on_a_versioned_path(tmp_path, capsys, monkeypatch):
    from connexion.lifecycle import ConnexionResponse

    monkeypatch.setattr(handlers.Handlers, "_delete", lambda self, binding, kwargs: ConnexionResponse(status_code=204))
    status, _, codes = _crud(NOTES, tmp_path, capsys)
    assert status != 0 and "AT274" in codes


def test_without_any_documented_value_the_skip_names_the_parameter(tmp_path, capsys):
    doc = _variant(tmp_path, {"schema": {"type": "string", "pattern": "^[0-9]$"}})
    status, outcomes, _ = _crud(doc, tmp_path, capsys)
    assert status == 0 and outcomes and outcomes[0]["probes"] == 0
    assert "{version}" in outcomes[0]["skipped"] and "enum, const, example, default or server variable" in \
        outcomes[0]["skipped"]


def test_a_server_variable_of_the_same_name_supplies_the_value(tmp_path, capsys):
    doc = _variant(tmp_path, {"schema": {"type": "string"}},
                   servers=[{"url": "/api", "variables": {"version": {"default": "1", "enum": ["1", "2"]}}}])
    status, outcomes, codes = _crud(doc, tmp_path, capsys)
    assert status == 0 and codes == [] and outcomes[0]["probes"] == 1, outcomes


@pytest.mark.parametrize(("parameter", "expected"), [
    ({"schema": {"type": "string", "enum": ["3", "2"], "const": "9", "default": "2"}}, "3"),
    ({"schema": {"type": "string", "const": "9", "example": "2"}}, "9"),
    ({"example": "4", "schema": {"type": "string", "default": "2"}}, "4"),
    ({"examples": {"latest": {"value": "5"}}, "schema": {"type": "string"}}, "5"),
    ({"schema": {"type": "string", "examples": ["6", "7"]}}, "6"),
    ({"schema": {"type": "string", "default": "8"}}, "8"),
    ({"schema": {"type": "integer", "default": 0}}, 0),
])
def test_documented_values_in_order(tmp_path, parameter, expected):
    servers = [{"url": "/api", "variables": {"version": {"default": "server"}}}]
    doc = yaml.safe_load(_variant(tmp_path, parameter, servers).read_text())
    assert path_values(doc) == {"version": expected}


def test_resource_ids_get_no_documented_value(tmp_path):
    """`{noteId}` has an example, but it names a note: its values come from the target's lists, never the document."""
    doc = yaml.safe_load(NOTES.read_text())
    doc["components"]["parameters"]["noteId"]["example"] = 7
    assert path_values(doc) == {"version": "2"}



@pytest.mark.parametrize(("body", "rows"), [
    ({"shortUrls": {"data": [{"shortCode": "a"}], "pagination": {"totalItems": 1}}}, [{"shortCode": "a"}]),
    ({"page": {"items": [1, 2]}}, [1, 2]),
    ([3], [3]),
    ({"data": [4], "total": 1}, [4]),
    ({"a": {"b": {"c": {"d": [5]}}}}, []),          # two wrapping objects at most
    ({"meta": {"x": 1}, "other": {"y": 2}}, []),    # no single wrapping object: no rows
])
def test_rows_are_found_inside_one_wrapping_object(body, rows):
    """Shlink lists as `{"shortUrls": {"data": [...], "pagination": {...}}}`: the round trip looks for the created
    item in there (the corpus run reported it missing from the list before)."""
    assert rows_anywhere(body) == rows


def test_the_list_may_wrap_its_rows_in_one_more_object(tmp_path, capsys):
    """A list shaped like Shlink's (`{"notes": {"data": [...], "pagination": {...}}}`): the inferred mock lists what
    was created inside the wrapper, and the round trip finds it there."""
    doc = yaml.safe_load(NOTES.read_text())
    doc["paths"]["/v{version}/notes"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object", "required": ["notes"],
        "properties": {"notes": {"type": "object", "required": ["data"], "properties": {
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
            "pagination": {"type": "object", "properties": {"totalItems": {"type": "integer"}}}}}}}
    path = tmp_path / "wrapped.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    status, outcomes, codes = _crud(path, tmp_path, capsys)
    assert status == 0 and codes == [] and outcomes[0]["probes"] == 1, (outcomes, codes)
