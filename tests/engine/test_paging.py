"""apitwin.paging: bare lists by default, DRF page envelopes on request (window cuts the page, envelope wraps it)."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from apitwin.paging import DEFAULT_PAGE_SIZE, envelope, window

URL = "http://testserver/api/v1/kits/"
ITEMS = [{"id": n} for n in range(1, 6)]          # 5 items


def paginate(items: Any, page: int | None, page_size: int | None, url: str, query: dict[str, Any]) -> Any:
    """What a list handler does (handlers/partners/common.listing) with the store's rows."""
    if page is None and page_size is None:
        return list(items)
    offset, limit = window(page, page_size)
    return envelope(list(items[offset:offset + limit]), len(items), page, page_size, url, query)


def link_parts(link: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(link)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query, keep_blank_values=True)


def test_without_page_or_page_size_the_items_themselves() -> None:
    out = paginate(tuple(ITEMS), None, None, URL, {"status": "shipped"})
    assert out == ITEMS
    assert isinstance(out, list)


def test_first_page_envelope() -> None:
    out = paginate(ITEMS, 1, 2, URL, {})
    assert set(out) == {"count", "next", "previous", "results"}
    assert out["count"] == 5
    assert out["results"] == ITEMS[:2]
    assert out["previous"] is None
    base, params = link_parts(out["next"])
    assert base == URL
    assert params == {"page": ["2"], "page_size": ["2"]}


def test_links_keep_the_other_query_parameters() -> None:
    query: dict[str, Any] = {"status": "shipped", "created_at__gte": "2019-10-01 00:00:00", "tag": ["a", "b"]}
    out = paginate(ITEMS, 2, 2, URL, query)
    assert out["results"] == ITEMS[2:4]
    for link, page in ((out["next"], "3"), (out["previous"], "1")):
        base, params = link_parts(link)
        assert base == URL
        assert params == {"status": ["shipped"], "created_at__gte": ["2019-10-01 00:00:00"], "tag": ["a", "b"],
                          "page": [page], "page_size": ["2"]}
    assert query == {"status": "shipped", "created_at__gte": "2019-10-01 00:00:00", "tag": ["a", "b"]}


def test_links_replace_a_page_already_in_the_query() -> None:
    out = paginate(ITEMS, 2, 2, URL, {"page": "2", "status": "x"})
    assert link_parts(out["next"])[1]["page"] == ["3"]
    assert link_parts(out["previous"])[1]["page"] == ["1"]


def test_last_page_has_no_next() -> None:
    out = paginate(ITEMS, 3, 2, URL, {})
    assert out["results"] == ITEMS[4:]
    assert out["count"] == 5
    assert out["next"] is None
    assert link_parts(out["previous"])[1] == {"page": ["2"], "page_size": ["2"]}


def test_exactly_full_last_page_has_no_next() -> None:
    out = paginate(ITEMS[:4], 2, 2, URL, {})
    assert out["results"] == ITEMS[2:4]
    assert out["next"] is None


def test_beyond_the_end_is_an_empty_page_with_the_count() -> None:
    out = paginate(ITEMS, 10, 2, URL, {})
    assert out["results"] == []
    assert out["count"] == 5
    assert out["next"] is None


def test_page_size_alone_means_page_one() -> None:
    out = paginate(ITEMS, None, 2, URL, {"q": "x"})
    assert out["count"] == 5
    assert out["results"] == ITEMS[:2]
    assert out["previous"] is None
    assert link_parts(out["next"])[1] == {"q": ["x"], "page": ["2"], "page_size": ["2"]}


def test_page_alone_uses_the_default_size_and_no_page_size_in_links() -> None:
    items = list(range(DEFAULT_PAGE_SIZE + 1))
    out = paginate(items, 1, None, URL, {})
    assert out["results"] == items[:DEFAULT_PAGE_SIZE]
    assert link_parts(out["next"])[1] == {"page": ["2"]}
    second = paginate(items, 2, None, URL, {})
    assert second["results"] == items[DEFAULT_PAGE_SIZE:]
    assert second["next"] is None
    assert link_parts(second["previous"])[1] == {"page": ["1"]}


def test_empty_list_with_paging() -> None:
    out = paginate([], 1, 10, URL, {})
    assert out == {"count": 0, "next": None, "previous": None, "results": []}
