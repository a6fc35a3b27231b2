"""A whole list read from the target, page after page, by what each page says about the rest: a `next` link, a next
cursor (sent back in the cursor parameter the list declares), page numbers and page counts
(`pagination.pagesCount`, `currentPage`), totals (`total`, `totalItems`, `count`) against the rows seen so far
(then the next offset or page), `has_more`. The names are those apitwin.inferred.listing serves, the usual ones.

A list that says nothing about further pages is whole, unless a page size was asked for and the page is full; a
list that says there are more rows, but declares no way to ask for them, is *not* whole: a property looking for an
item there must not conclude it is missing."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urljoin

from apitwin.contract.hints import rows_anywhere
from apitwin.contract.target import Reply
from apitwin.inferred.listing import CURSOR, HAS_MORE, NEXT, OFFSET, PAGE, PAGES, TOTAL

MAX_PAGES = 50
CURRENT = (*PAGE, "currentpage", "current_page")
Send = Callable[[str, dict[str, Any] | None], Reply]      # (path or absolute URL, query) → reply


@dataclass
class Walked:
    """What the walk saw: every row's key in order, whether that is every row of the list, the last reply."""

    keys: list[str] = field(default_factory=list)
    complete: bool = False
    pages: int = 0
    last: Reply | None = None
    total: int | None = None       # the number of rows the first page says the list holds
    repeated: int = 0              # rows a later page showed again
    stalled: bool = False          # a page promised more rows, and the next brought none


def _facts(body: Any, depth: int = 3) -> dict[str, Any]:
    """Scalar fields of the answer and of the objects in it (`pagination`, `meta`, `links`, a wrapping object),
    by lower-case name; the shallower wins. A `next` given as `{"href": ...}` counts as its href."""
    found: dict[str, Any] = {}
    level = [body] if isinstance(body, dict) else []
    for _ in range(depth):
        deeper = []
        for node in level:
            for name, value in node.items():
                lower = name.lower()
                if isinstance(value, dict) and lower in NEXT and isinstance(value.get("href"), str):
                    found.setdefault(lower, value["href"])
                elif isinstance(value, dict):
                    deeper.append(value)
                elif not isinstance(value, list):
                    found.setdefault(lower, value)
        level = deeper
    return found


def _first(facts: dict[str, Any], names: tuple[str, ...], kind: type) -> Any:
    """The first of `names` holding a `kind` (an int is never a bool here, nor a bool an int)."""
    for name in names:
        value = facts.get(name)
        if isinstance(value, bool) == (kind is bool) and isinstance(value, kind):
            return value
    return None


def _declared(operation: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The list's query parameter named like one of `names` (case-insensitive)."""
    for parameter in operation.get("parameters") or []:
        if isinstance(parameter, dict) and parameter.get("in") == "query" and \
                str(parameter.get("name", "")).lower() in names:
            return str(parameter["name"])
    return None


def _is_link(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith(("http://", "https://", "/", "?")))


def walk(send: Send, url: str, operation: dict[str, Any], params: dict[str, Any],
         keys_of: Callable[[list[Any]], list[str]], wanted: str | None = None) -> Walked:
    """Read the list at `url` (first page with `params`) until `wanted` is seen or the list ends."""
    cursor, offset, page = (_declared(operation, names) for names in (CURSOR, OFFSET, PAGE))
    size = next((v for v in params.values() if isinstance(v, int)), None)
    query: dict[str, Any] = dict(params)
    walked = Walked()
    target: str = url
    while True:
        reply = send(target, query or None)
        walked.last, walked.pages = reply, walked.pages + 1
        if reply.status != 200:
            return walked
        body = reply.json_or_none()
        rows = rows_anywhere(body)
        keys = keys_of(rows)
        fresh = [k for k in keys if k not in walked.keys]
        walked.repeated += len(keys) - len(fresh)
        walked.keys += fresh
        if wanted is not None and wanted in walked.keys:
            walked.complete = True
            return walked
        facts = _facts(body)
        total = _first(facts, TOTAL, int)
        if walked.pages == 1:
            walked.total = total
        pages = _first(facts, PAGES, int)
        current = _first(facts, CURRENT, int)
        has_more = _first(facts, HAS_MORE, bool)
        following = next((facts[n] for n in NEXT if facts.get(n) not in (None, "", False)), None)
        said = any(v is not None for v in (total, pages, has_more, following))
        more = has_more is True or (has_more is None and (
            following is not None or (total is not None and len(walked.keys) < total)
            or (pages is not None and current is not None and current < pages)))
        if not more:
            walked.complete = said or not (size is not None and len(rows) >= size)
            return walked
        if not fresh or walked.pages >= MAX_PAGES:
            walked.stalled = not fresh                      # more is promised, but no new row comes: not whole
            return walked
        if _is_link(following):
            target, query = urljoin(reply.request.url, following), {}
        elif cursor is not None and isinstance(following, (str, int)) and not isinstance(following, bool):
            query = {**query, cursor: following}
        elif offset is not None:
            query = {**query, offset: _int(query.get(offset), 0) + len(rows)}
        elif page is not None:
            number = following if isinstance(following, int) and not isinstance(following, bool) else None
            query = {**query, page: number if number is not None else
                     (current if current is not None else _int(query.get(page), 1)) + 1}
        else:
            return walked                                   # more rows, but no declared way to ask for them


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
