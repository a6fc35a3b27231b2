"""Opt-in page envelopes for list endpoints: bare arrays by default, `{count, next, previous, results}` with ?page=."""
from __future__ import annotations

from typing import Any, Sequence
from urllib.parse import urlencode

DEFAULT_PAGE_SIZE = 100


def paginate(items: Sequence[Any], page: int | None, page_size: int | None, url: str,
             query: dict[str, Any]) -> Any:
    """The items themselves without `page`/`page_size`; otherwise one page with absolute next/previous links.

    `url` is the request URL without query; `query` the request's other query parameters (kept in the links).
    A page beyond the end is an empty page, not an error, so polling clients never break on a shrinking list.
    """
    if page is None and page_size is None:
        return list(items)
    page = page or 1
    size = page_size or DEFAULT_PAGE_SIZE
    start = (page - 1) * size
    return envelope(list(items[start:start + size]), len(items), page, page_size, url, query)


def window(page: int | None, page_size: int | None) -> tuple[int, int]:
    """(offset, limit) of the requested page (page 1 and the default size when only one is given)."""
    size = page_size or DEFAULT_PAGE_SIZE
    return ((page or 1) - 1) * size, size


def envelope(results: list[Any], total: int, page: int | None, page_size: int | None, url: str,
             query: dict[str, Any]) -> dict[str, Any]:
    """The DRF page body for one already-cut page of `total` matches."""
    page = page or 1
    size = page_size or DEFAULT_PAGE_SIZE
    start = (page - 1) * size

    def link(number: int) -> str:
        params = {**query, "page": number}
        if page_size is not None:
            params["page_size"] = page_size
        return f"{url}?{urlencode(params, doseq=True)}"

    return {
        "count": total,
        "next": link(page + 1) if start + size < total else None,
        "previous": link(page - 1) if page > 1 and start - size < total else None,
        "results": results,
    }
