"""crud_round_trip looks for the item it created in the whole list, not its first page: it follows what each page
says about the rest (page numbers and page counts, totals with an offset, next cursors, next links), and it never
concludes "missing" from a page of a longer list it cannot read further. A mock that leaves created items out of
its list is still caught, after every page was read."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from apitwin.inferred import listing
from tests.contract_report import contract_report, property_outcomes

NOTE = {"type": "object", "required": ["id", "title"],
        "properties": {"id": {"type": "integer", "readOnly": True}, "title": {"type": "string", "maxLength": 40}}}
SEEDED = [{"id": i, "title": f"note {i}"} for i in range(1, 26)]       # more than the mock's default page of 20
INT = {"type": "integer"}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10}}
STYLES: dict[str, tuple[list[dict[str, Any]], dict[str, Any], str]] = {
    # Shlink: `page` but no page size; the rows and a pagination object inside one wrapping object
    "page numbers": ([{"name": "page", "in": "query", "schema": INT}],
                     {"notes": {"type": "object", "properties": {
                         "data": {"type": "array", "items": NOTE},
                         "pagination": {"type": "object", "properties": {
                             "currentPage": INT, "pagesCount": INT, "totalItems": INT}}}}}, "notes"),
    "offset and total": ([LIMIT, {"name": "offset", "in": "query", "schema": INT}],
                         {"results": {"type": "array", "items": NOTE}, "total": INT}, ""),
    "cursor": ([LIMIT, {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
               {"items": {"type": "array", "items": NOTE}, "next_cursor": {"type": ["string", "null"]}}, ""),
    "next link": ([LIMIT, {"name": "page", "in": "query", "schema": INT}],
                  {"results": {"type": "array", "items": NOTE},
                   "next": {"type": ["string", "null"], "format": "uri"}}, ""),
}


def _document(tmp_path: Path, style: str) -> Path:
    parameters, envelope, wrapper = STYLES[style]
    body_rows = {"notes": {"data": SEEDED}} if wrapper else {next(k for k in envelope if
                                                                   envelope[k].get("type") == "array"): SEEDED}
    doc = {
        "openapi": "3.1.0", "info": {"title": "Paged notes", "version": "1"}, "servers": [{"url": "/api"}],
        "paths": {
            "/notes": {
                "get": {"operationId": "listNotes", "parameters": parameters, "responses": {"200": {
                    "description": "a page of notes", "content": {"application/json": {
                        "schema": {"type": "object", "properties": envelope}, "example": body_rows}}}}},
                "post": {"operationId": "createNote", "requestBody": {"required": True, "content": {
                    "application/json": {"schema": NOTE, "example": {"title": "Shopping"}}}},
                    "responses": {"201": {"description": "created", "content": {
                        "application/json": {"schema": NOTE}}}}}},
            "/notes/{noteId}": {
                "parameters": [{"name": "noteId", "in": "path", "required": True, "schema": INT}],
                "get": {"operationId": "getNote", "responses": {
                    "200": {"description": "a note", "content": {"application/json": {"schema": NOTE}}},
                    "404": {"description": "no such note"}}},
                "delete": {"operationId": "deleteNote", "responses": {"204": {"description": "deleted"},
                                                                      "404": {"description": "no such note"}}}},
        },
    }
    path = tmp_path / "paged.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _crud(doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], list[str]]:
    data = contract_report(doc, tmp_path, capsys, include=("POST /notes",))
    outcomes, codes = property_outcomes(data, "crud_round_trip")
    assert len(outcomes) == 1, data["properties"]
    return outcomes[0], codes


@pytest.mark.parametrize("style", sorted(STYLES))
def test_the_created_item_is_found_on_a_later_page(tmp_path, capsys, style):
    outcome, codes = _crud(_document(tmp_path, style), tmp_path, capsys)
    assert codes == [] and outcome["probes"] == 1 and not outcome["failed"], (outcome, codes)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_list_that_leaves_created_items_out_is_caught_after_every_page(tmp_path, capsys, monkeypatch, style):
    select = listing.select
    monkeypatch.setattr(listing, "select", lambda rows, *args: select(rows[:len(SEEDED)], *args))
    _, codes = _crud(_document(tmp_path, style), tmp_path, capsys)
    assert codes == ["AT272"]


def test_a_page_of_a_longer_list_it_cannot_page_through_proves_nothing(tmp_path, capsys, monkeypatch):
    """The list says it holds more rows (`total`) than it answered, and declares no way to ask for the rest."""
    select = listing.select

    def first_five(rows: list[Any], *args: Any) -> Any:
        page, facts = select(rows, *args)
        return page[:5], facts

    monkeypatch.setattr(listing, "select", first_five)
    path = _document(tmp_path, "offset and total")
    doc = yaml.safe_load(path.read_text())
    doc["paths"]["/notes"]["get"]["parameters"] = []
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    outcome, codes = _crud(path, tmp_path, capsys)
    assert codes == [] and outcome["probes"] == 1, (outcome, codes)


def _paging(doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], list[str]]:
    data = contract_report(doc, tmp_path, capsys, include=("GET /notes",))
    outcomes, codes = property_outcomes(data, "paging_total")
    assert len(outcomes) == 1, data["properties"]
    return outcomes[0], codes


@pytest.mark.parametrize("style", sorted(STYLES))
def test_paging_total_pages_a_document_list_the_way_it_declares(tmp_path, capsys, style):
    """paging_total on a plain document: pages of 2 rows, read to the end, hold exactly the list's rows."""
    outcome, codes = _paging(_document(tmp_path, style), tmp_path, capsys)
    assert codes == [] and outcome["probes"] == 1, (outcome, codes)


def test_paging_total_catches_a_wrong_total(tmp_path, capsys, monkeypatch):
    select = listing.select

    def one_more(rows: list[Any], *args: Any) -> Any:
        page, facts = select(rows, *args)
        return page, {**facts, "total": facts["total"] + 1}

    monkeypatch.setattr(listing, "select", one_more)
    _, codes = _paging(_document(tmp_path, "page numbers"), tmp_path, capsys)
    assert codes == ["AT212"]


def test_paging_total_catches_pages_that_overlap(tmp_path, capsys, monkeypatch):
    """Each page starts one row early (an off-by-one offset): a row shows up twice."""
    select = listing.select

    def overlapping(rows: list[Any], spec: Any, query: Any, props: Any) -> Any:
        page, facts = select(rows, spec, query, props)
        start = facts["offset"]
        return (rows[start - 1:start - 1 + len(page)] if start else page), facts

    monkeypatch.setattr(listing, "select", overlapping)
    _, codes = _paging(_document(tmp_path, "offset and total"), tmp_path, capsys)
    assert codes == ["AT213"]
