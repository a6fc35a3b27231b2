"""A DELETE whose request body names what it removes (Libre Graph's `DELETE /extensions/org.libregraph/tags` with
{"resourceId", "tags"}) is not expected to empty its URL: the delete_removes property skips it, with the reason,
instead of reporting the tag list as "deleted resource still there"."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from apitwin.cli import main

TAGS = {"type": "object", "properties": {"value": {"type": "array", "items": {"type": "string"}}}}
UNASSIGN = {"type": "object", "required": ["resourceId", "tags"], "properties": {
    "resourceId": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}}
DOC = {"openapi": "3.0.1", "info": {"title": "Tags", "version": "1"}, "paths": {"/tags": {
    "get": {"operationId": "getTags", "responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": TAGS, "example": {"value": ["blue", "green"]}}}}}},
    "delete": {"operationId": "unassignTags", "requestBody": {"content": {"application/json": {
        "schema": UNASSIGN}}}, "responses": {"200": {"description": "done"}}}}}}


def test_a_delete_naming_its_target_in_the_body_is_skipped(tmp_path: Path, capsys):
    doc = tmp_path / "tags.yaml"
    doc.write_text(yaml.safe_dump(DOC))
    report = tmp_path / "report.json"
    main(["contract", str(doc), "--max-examples", "1", "--phases", "examples", "-q", "--json", str(report)])
    capsys.readouterr()
    data = json.loads(report.read_text())
    assert not [f for f in data["failures"] if f.get("check") == "delete_removes"], data["failures"]
    outcome = next(p for p in data["properties"] if p["name"] == "delete_removes")
    assert outcome["skipped"] == "removes what its request body names" and not outcome["failed"]
