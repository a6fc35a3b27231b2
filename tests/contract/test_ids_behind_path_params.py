"""Ids for item paths that carry a parameter naming no resource (`/v{version}/notes/{code}`, as Shlink's
`/rest/v{version}/short-urls/{shortCode}`): the contract reads them from the target's own list, whose path
(`/v{version}/notes`) it fills with the document's value for `{version}`, inside a wrapped page
(`{"notes": {"data": [...], "pagination": {...}}}`), by the item field the document names (`code`, a string). With
them delete_removes and update_round_trip run on those paths instead of skipping, and catch a broken mock there."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from apitwin.cli import main
from apitwin.contract.generic import profile_for
from apitwin.contract.hints import _parent_lists, row_key
from apitwin.inferred import handlers
from tests.contract_report import contract_report

NOTES = Path(__file__).resolve().parent / "fixtures" / "versioned_notes.yaml"
ROWS = [{"code": "abc12", "title": "Shopping"}, {"code": "xyz34", "title": "Travel"}]


def _coded_notes(tmp_path: Path) -> Path:
    """The versioned notes with a string key `code` (the item path's `{code}`) and a list wrapped like Shlink's."""
    doc = yaml.safe_load(NOTES.read_text())
    doc["components"]["schemas"]["Note"] = {
        "type": "object", "required": ["code", "title"],
        "properties": {"code": {"type": "string", "readOnly": True}, "title": {"type": "string", "maxLength": 40}}}
    doc["components"]["parameters"]["code"] = {"name": "code", "in": "path", "required": True,
                                               "schema": {"type": "string"}}
    del doc["components"]["parameters"]["noteId"]
    item = doc["paths"].pop("/v{version}/notes/{noteId}")
    item["parameters"] = [{"$ref": "#/components/parameters/version"}, {"$ref": "#/components/parameters/code"}]
    doc["paths"]["/v{version}/notes/{code}"] = item
    doc["paths"]["/v{version}/notes"]["get"]["responses"]["200"]["content"]["application/json"] = {
        "schema": {"type": "object", "required": ["notes"], "properties": {"notes": {
            "type": "object", "required": ["data"], "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                "pagination": {"type": "object", "properties": {"totalItems": {"type": "integer"}}}}}}},
        "example": {"notes": {"data": ROWS, "pagination": {"totalItems": 2}}}}
    path = tmp_path / "coded.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _run(doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *include: str) -> dict[str, Any]:
    return contract_report(doc, tmp_path, capsys, include=include)


def _outcome(data: dict[str, Any], name: str) -> dict[str, Any]:
    found = [p for p in data["properties"] if p["name"] == name]
    assert len(found) == 1, data["properties"]
    return found[0]


def test_the_list_behind_a_version_parameter_gives_the_item_ids(tmp_path):
    doc = yaml.safe_load(_coded_notes(tmp_path).read_text())
    assert _parent_lists(doc, {"version": "2"}) == {"code": "/v2/notes"}
    assert _parent_lists(doc, {}) == {}          # no value for {version}: no list to ask
    profile = profile_for("notes", "Notes", NOTES, doc, None)
    assert profile.id_fields == {"code": "code"} and profile.path_values == {"version": "2"}
    assert [row_key(row, "code", profile) for row in ROWS] == ["abc12", "xyz34"]
    assert row_key("games", "tag", profile) == "games"      # a list of plain values lists the keys themselves


def test_delete_and_update_run_on_item_paths_behind_a_version(tmp_path, capsys):
    data = _run(_coded_notes(tmp_path), tmp_path, capsys, "PATCH /v{version}/notes/{code}",
                "DELETE /v{version}/notes/{code}")
    assert data["status"] == 0 and data["failures"] == [], data["failures"]
    assert "code (" in data["hints"], data["hints"]
    for name in ("update_round_trip", "delete_removes"):
        outcome = _outcome(data, name)
        assert outcome["probes"] >= 1 and not outcome["skipped"] and not outcome["failed"], outcome


def test_a_delete_that_keeps_the_item_is_caught_behind_a_version(tmp_path, capsys, monkeypatch):
    from connexion.lifecycle import ConnexionResponse

    monkeypatch.setattr(handlers.Handlers, "_delete", lambda self, binding, kwargs: ConnexionResponse(status_code=204))
    data = _run(_coded_notes(tmp_path), tmp_path, capsys, "DELETE /v{version}/notes/{code}")
    assert data["status"] != 0
    assert [f["code"] for f in data["failures"] if f["check"] == "delete_removes"] == ["AT251"]


def test_an_update_that_is_not_kept_is_caught_behind_a_version(tmp_path, capsys, monkeypatch):
    """A PATCH without a documented example changes one free-text field the item has; a mock that answers 200 but
    keeps the old value is caught."""
    monkeypatch.setattr(handlers.Handlers, "_merge", lambda self, binding, kwargs: self._read(binding, kwargs))
    data = _run(_coded_notes(tmp_path), tmp_path, capsys, "PATCH /v{version}/notes/{code}")
    assert [f["code"] for f in data["failures"] if f["check"] == "update_round_trip"] == ["AT241"]


def test_a_listed_id_gone_by_the_time_of_the_delete_is_passed_over(tmp_path, capsys, monkeypatch):
    """The first listed note answers DELETE with 404 (gone since the list was read: an earlier delete, another
    client of a shared target): a 404 deleted nothing, so delete_removes tries the next listed id."""
    from apitwin.errors import ApiError

    delete = handlers.Handlers._delete

    def first_gone(self: Any, binding: Any, kwargs: dict[str, Any]) -> Any:
        if kwargs.get("code") == ROWS[0]["code"]:
            raise ApiError(404, ["gone"])
        return delete(self, binding, kwargs)

    monkeypatch.setattr(handlers.Handlers, "_delete", first_gone)
    data = _run(_coded_notes(tmp_path), tmp_path, capsys, "DELETE /v{version}/notes/{code}")
    outcome = _outcome(data, "delete_removes")
    assert data["failures"] == [] and outcome["probes"] == 1 and not outcome["skipped"], outcome


def test_a_parameter_in_the_middle_of_a_path_is_read_from_the_list_before_it():
    """Shlink's `/rest/v{version}/tags/{tag}/visits` and `/domains/{domain}/visits` have no item read of their own:
    the tags come from `/tags` (a list of plain strings), the domains from `/domains` (rows with a `domain` field)."""
    get = {"get": {"responses": {"200": {"description": "ok"}}}}
    doc = {"paths": {"/v{version}/tags": get, "/v{version}/tags/{tag}/visits": get,
                     "/v{version}/domains": get, "/v{version}/domains/{domain}/visits": get,
                     "/v{version}/owners/{ownerId}/pets": get}}
    assert _parent_lists(doc, {"version": "3"}) == {"tag": "/v3/tags", "domain": "/v3/domains"}
    profile = profile_for("x", "X", NOTES, doc, None)
    assert row_key({"domain": "s.test", "isDefault": True}, "domain", profile) == "s.test"
    assert row_key({"id": 7, "domain": "s.test"}, "domain", profile) == 7      # the id field comes first


def test_a_target_that_is_not_reset_has_its_lists_read_again_for_the_properties(tmp_path, capsys, monkeypatch):
    """Against a target that is not reset between the phases and the properties (`--url`, `--no-reset`), the
    phases may delete every id the lists held at the start: the properties read the lists again. The phases are
    stood in for by deleting both listed notes and creating one."""
    from apitwin.contract import events

    def phases(schema: Any, result: Any, progress: Any, tracker: Any = None) -> None:
        with schema.app.test_client() as client:
            for row in ROWS:
                assert client.delete(f"/api/v2/notes/{row['code']}").status_code == 204
            assert client.post("/api/v2/notes", json={"title": "Fresh"}).status_code == 201

    monkeypatch.setattr(events, "drive", phases)
    report = tmp_path / "report.json"
    main(["contract", str(_coded_notes(tmp_path)), "--no-reset", "-q", "--include",
          "DELETE /v{version}/notes/{code}", "--json", str(report)])
    capsys.readouterr()
    outcome = _outcome(json.loads(report.read_text()), "delete_removes")
    assert outcome["probes"] == 1 and not outcome["skipped"], outcome
