"""A list declaring several page-size parameters (Ory Kratos' GET /admin/identities: the deprecated `per_page`
beside `page_size`) pages by the one the client sent: `?page_size=2` answered every row, since only the first
declared (`per_page`) was read (apitwin contract's paging_total: "Paged list answers 200" with all rows)."""
from __future__ import annotations

from starlette.datastructures import QueryParams

from apitwin.inferred.listing import list_spec, select
from apitwin.inferred.schemas import Schemas

ITEMS = {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}
OPERATION = {"parameters": [
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "default": 250}},
    {"name": "page", "in": "query", "schema": {"type": "integer"}},
    {"name": "page_size", "in": "query", "schema": {"type": "integer", "default": 250}},
    {"name": "page_token", "in": "query", "schema": {"type": "string"}},
]}
ROWS = [{"id": n} for n in range(1, 8)]


def _page(query: str) -> list[int]:
    spec = list_spec(OPERATION, ITEMS, Schemas({}))
    page, _ = select(ROWS, spec, QueryParams(query), {"id": {}})
    return [row["id"] for row in page]


def test_the_size_parameter_sent_is_the_one_read():
    assert _page("page_size=2") == [1, 2]
    assert _page("per_page=3") == [1, 2, 3]
    assert _page("per_page=3&page=2") == [4, 5, 6]
    assert _page("page_size=2&page_token=4") == [5, 6]
    assert _page("") == [1, 2, 3, 4, 5, 6, 7]
