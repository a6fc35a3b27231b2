"""Opt-in page envelopes for list endpoints: bare arrays by default, `{count, next, previous, results}` with ?page=."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

DEFAULT_PAGE_SIZE = 100


def window(page: int | None, page_size: int | None) -> tuple[int, int]:
    """(offset, limit) of the requested page (page 1 and the default size when only one is given)."""
    size = page_size or DEFAULT_PAGE_SIZE
    return ((page or 1) - 1) * size, size


def envelope(results: list[Any], total: int, page: int | None, page_size: int | None, url: str,
             query: dict[str, Any]) -> dict[str, Any]:
    """The DRF page body for one already-cut page of `total` matches (cut it with `window`). A page beyond the
    end is an empty page, not an error, so polling clients never break on a shrinking list."""
    start, size = window(page, page_size)
    page = page or 1

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
