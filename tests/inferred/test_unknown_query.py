"""Undeclared query parameters on an inferred API: a real server answers them with 400 only if it refuses bad input
at all. Where an operation documents no refusal (no 400, 4XX, 422 or default: Pi-hole's GETs document only 200 and
401), the mock ignores them, as Spring and most servers do, instead of answering a status the document never
promises; where it documents one, they stay refused. An operation's own `x-apitwin-unknown-query` wins."""
from __future__ import annotations

from pathlib import Path

import yaml

from apitwin.inferred.errors import refuses_input, unknown_query_view
from tests.inferred.conftest import serve

ITEM = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
ERROR = {"description": "refused", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}}}}}}
LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer"}}


def _get(operation_id: str, refusals: dict, **extra: object) -> dict:
    return {"get": {"operationId": operation_id, "parameters": [LIMIT], **extra, "responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": ITEM, "example": {"id": 1}}}},
        "401": ERROR, **refusals}}}


def _document(tmp_path: Path) -> Path:
    doc = {
        "openapi": "3.0.3", "info": {"title": "Refusals", "version": "1"},
        "components": {"securitySchemes": {"Session": {"type": "apiKey", "in": "cookie", "name": "sid"}}},
        "security": [{"Session": []}],
        "paths": {
            "/quiet": _get("quiet", {}),
            "/missing": _get("missing", {"404": ERROR}),
            "/strict": _get("strict", {"400": ERROR}),
            "/ranged": _get("ranged", {"4XX": ERROR}),
            "/unprocessable": _get("unprocessable", {"422": ERROR}),
            "/fallback": _get("fallback", {"default": ERROR}),
            "/pinned": _get("pinned", {}, **{"x-apitwin-unknown-query": "refuse"}),
        },
    }
    path = tmp_path / "refusals.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_an_operation_documenting_no_refusal_ignores_undeclared_query_parameters(tmp_path: Path):
    client = serve(_document(tmp_path))
    client.cookies.set("sid", "any")
    for path in ("/quiet", "/missing"):
        answer = client.get(path, params={"": "null", "unheard-of": "1", "limit": "5"})
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json() == {"id": 1}
        # declared parameters are still validated, and credentials still checked
        assert client.get(path, params={"limit": "many"}).status_code != 200
    client.cookies.clear()
    assert client.get("/quiet", params={"unheard-of": "1"}).status_code == 401


def test_an_operation_documenting_a_refusal_keeps_refusing_them(tmp_path: Path):
    client = serve(_document(tmp_path))
    client.cookies.set("sid", "any")
    expected = {"/strict": 400, "/ranged": 400, "/unprocessable": 422, "/fallback": 400, "/pinned": 400}
    for path, status in expected.items():
        answer = client.get(path, params={"unheard-of": "1"})
        assert answer.status_code == status, (path, answer.text)
        assert "Unknown query parameter" in answer.text
        assert client.get(path, params={"limit": "5"}).status_code == 200


def test_a_document_root_saying_refuse_keeps_refusing(tmp_path: Path):
    path = _document(tmp_path)
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "x-apitwin-unknown-query": "refuse"}))
    client = serve(path)
    client.cookies.set("sid", "any")
    assert client.get("/quiet", params={"unheard-of": "1"}).status_code == 400


def test_the_mark_is_in_connexions_view_only(tmp_path: Path):
    client = serve(_document(tmp_path))
    served = client.get("/openapi.json").json()
    assert all("x-apitwin-unknown-query" not in item["get"] for path, item in served["paths"].items()
               if path != "/pinned")
    view = {"paths": {"/a": {"parameters": [], "get": {"responses": {"200": {}}}, "post": {"responses": {"400": {}}}},
                      "/b": {"get": {"responses": {"default": {}}}}}}
    marked = unknown_query_view(view)
    assert marked["paths"]["/a"]["get"]["x-apitwin-unknown-query"] == "ignore"
    assert "x-apitwin-unknown-query" not in marked["paths"]["/a"]["post"]
    assert marked["paths"]["/a"]["parameters"] == []
    assert marked["paths"]["/b"] is view["paths"]["/b"]
    assert "x-apitwin-unknown-query" not in view["paths"]["/a"]["get"]      # the input view is not changed
    assert unknown_query_view({**view, "x-apitwin-unknown-query": "refuse"})["paths"] is view["paths"]
    assert refuses_input({"4xx": {}}) and not refuses_input({"404": {}, "401": {}}) and not refuses_input(None)
