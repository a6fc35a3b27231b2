"""Lists as the document declares them: filters (query parameters naming item properties), sort (a declared
sort parameter), paging (limit/offset, page/per_page, cursors) and the answer's shape (a bare array, or an envelope
such as `items`/`results`/`data` with totals and paging fields filled in)."""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from typing import Any

from apitwin.inferred.model import list_items_schema, wrapped_list
from apitwin.inferred.schemas import Schemas
from apitwin.inferred.values import generate

SIZE = ("limit", "per_page", "perpage", "page_size", "pagesize", "size", "count", "max", "maxresults", "max_results",
        "top", "$top", "first", "take", "pagelen", "results_per_page", "rows", "num", "number", "itemsperpage",
        "items_per_page")
OFFSET = ("offset", "skip", "start", "$skip", "from", "startindex", "start_index")
PAGE = ("page", "pagenumber", "page_number", "pageno", "page_no", "pageindex", "page_index", "p")
CURSOR = ("cursor", "after", "next", "nexttoken", "next_token", "pagetoken", "page_token", "starting_after",
          "startingafter", "continuationtoken", "continuation_token", "continuation", "marker", "page_cursor")
SORT = ("sort", "sort_by", "sortby", "order_by", "orderby", "ordering", "$orderby", "sortfield", "sort_field")
DIRECTION = ("order", "direction", "sort_order", "sortorder", "dir", "sort_direction", "sortdirection")

TOTAL = ("total", "totalcount", "total_count", "totalitems", "total_items", "totalelements", "total_elements",
         "totalresults", "total_results", "totalrecords", "total_records", "count", "totalsize", "total_size")
PAGES = ("totalpages", "total_pages", "pages", "pagecount", "page_count", "num_pages", "numpages", "last_page",
         "lastpage", "pagescount")
NEXT = ("next", "nextcursor", "next_cursor", "cursor", "nexttoken", "next_token", "nextpagetoken",
        "next_page_token", "endcursor", "end_cursor", "next_page", "nextpage", "after")
HAS_MORE = ("has_more", "hasmore", "hasnext", "has_next", "hasnextpage", "has_next_page", "more")


@dataclass
class ListSpec:
    """What one list operation declares."""

    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # query name → parameter
    size: str | None = None
    sizes: tuple[str, ...] = ()         # every size parameter declared (Kratos: per_page and page_size), size first
    offset: str | None = None
    page: str | None = None
    page_base: int = 1
    cursor: str | None = None
    sort: str | None = None
    direction: str | None = None
    default_size: int = 20
    envelope: str | None = None
    wrapper: str | None = None          # the one object the envelope sits in ({"shortUrls": {"data": [...]}})
    response_schema: Any = None
    items_schema: Any = None


def _find(params: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in params:
        if name.lower() in names:
            return name
    return None


def list_spec(operation: dict[str, Any], response_schema: Any, schemas: Schemas,
              path_item_params: list[Any] = ()) -> ListSpec:
    params = {}
    for param in [*path_item_params, *(operation.get("parameters") or [])]:
        param = schemas.deref(param)
        if isinstance(param, dict) and param.get("in") == "query":
            params[param["name"]] = param
    spec = ListSpec(params=params, response_schema=response_schema)
    spec.size, spec.offset = _find(params, SIZE), _find(params, OFFSET)
    spec.sizes = tuple(name for name in params if name.lower() in SIZE)
    spec.page, spec.cursor = _find(params, PAGE), _find(params, CURSOR)
    spec.sort, spec.direction = _find(params, SORT), _find(params, DIRECTION)
    if spec.page:
        minimum = schemas.flat(params[spec.page].get("schema") or {}).get("minimum")
        spec.page_base = 0 if minimum == 0 else 1
    if spec.size:
        size_schema = schemas.flat(params[spec.size].get("schema") or {})
        default = size_schema.get("default")
        spec.default_size = default if isinstance(default, int) and default > 0 else 20
        if isinstance(size_schema.get("maximum"), int):
            spec.default_size = min(spec.default_size, size_schema["maximum"])
    spec.envelope, spec.items_schema = list_items_schema(response_schema, schemas)
    if spec.envelope is None and spec.items_schema is None:
        spec.wrapper, spec.envelope, spec.items_schema = wrapped_list(response_schema, schemas)
    return spec


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


URL_FORMATS = ("uri", "uri-reference", "iri", "iri-reference", "url")


def next_url(url: Any, spec: ListSpec, facts: dict[str, Any]) -> str | None:
    """The absolute URL of the next page (the request's, with its paging parameter moved on), for a `next` link
    whose schema is a URI; None when there is no next page or no parameter that names one."""
    if facts["next"] is None:
        return None
    if spec.cursor:
        return str(url.include_query_params(**{spec.cursor: facts["next"]}))
    if spec.offset:
        return str(url.include_query_params(**{spec.offset: facts["offset"] + facts["size"]}))
    if spec.page:
        return str(url.include_query_params(**{spec.page: facts["page"] + 1}))
    return None


def select(rows: list[dict[str, Any]], spec: ListSpec, query: Any, props: dict[str, Any]) -> tuple[list, dict]:
    """(the page of item bodies, paging facts) for the query; `query` is a multi-dict of raw query values."""
    skip = {*spec.sizes, spec.size, spec.offset, spec.page, spec.cursor, spec.sort, spec.direction}
    for name in spec.params:
        if name in skip or name not in props or name not in query:
            continue
        wanted = set(query.getlist(name)) if hasattr(query, "getlist") else {query[name]}
        wanted |= {part for value in list(wanted) for part in value.split(",")}
        rows = [row for row in rows if _matches(row.get(name), wanted)]
    if spec.sort and query.get(spec.sort):
        rows = _sorted(rows, query.get(spec.sort), query.get(spec.direction) if spec.direction else None)
    total = len(rows)
    paged = bool(spec.size or spec.offset or spec.page or spec.cursor)
    # of several size parameters, the one the client sent
    sent_size = next((name for name in spec.sizes if query.get(name) is not None), spec.size)
    size = _int(query.get(sent_size), spec.default_size) if sent_size else spec.default_size
    size = max(size, 0)
    offset = 0
    if spec.offset:
        offset = max(_int(query.get(spec.offset), 0), 0)
    elif spec.page and query.get(spec.page) is not None:
        offset = max(_int(query.get(spec.page), spec.page_base) - spec.page_base, 0) * size
    if spec.cursor and query.get(spec.cursor):
        offset = max(_int(query.get(spec.cursor), 0), 0)
    page = rows[offset:offset + size] if paged else rows
    facts = {"total": total, "offset": offset, "size": size if paged else max(total, 1),
             "next": str(offset + size) if paged and offset + size < total else None,
             "page": (offset // size if size else 0) + spec.page_base}
    return page, facts


def _matches(value: Any, wanted: set[str]) -> bool:
    if isinstance(value, list):
        return any(_text(v) in wanted for v in value)
    return _text(value) in wanted or (isinstance(value, str) and value.lower() in {w.lower() for w in wanted})


def _sorted(rows: list[dict[str, Any]], raw: str, direction: str | None) -> list[dict[str, Any]]:
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    for key in reversed(keys):
        descending = key.startswith("-") or key.lower().endswith((":desc", " desc", ".desc"))
        name = key.lstrip("+-").split(":")[0].split(" ")[0].removesuffix(".desc").removesuffix(".asc")
        if direction and direction.lower().startswith("desc"):
            descending = True
        rows = sorted(rows, key=lambda r: (r.get(name) is None, _text(r.get(name))
                                           if not isinstance(r.get(name), (int, float)) else r.get(name)),
                      reverse=descending)
    return rows


def shape(items: list[Any], facts: dict[str, Any], spec: ListSpec, schemas: Schemas, rng: random.Random) -> Any:
    """The list answer: a bare array, or the envelope with its totals and paging fields."""
    if spec.envelope is None:
        return items
    return _envelope(spec.response_schema, items, facts, spec, schemas, rng, depth=0, rows_here=spec.wrapper is None)


def _envelope(schema: Any, items: list[Any], facts: dict[str, Any], spec: ListSpec, schemas: Schemas,
              rng: random.Random, depth: int, rows_here: bool = False) -> dict[str, Any]:
    """`rows_here`: this object holds the envelope array (the top, or the one object wrapping it)."""
    props = schemas.properties(schema)
    required = set(schemas.flat(schema).get("required") or [])
    out: dict[str, Any] = {}
    for name, prop in props.items():
        lower = name.lower()
        kind = prop.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if name == spec.envelope and rows_here:
            out[name] = items
        elif name == spec.wrapper and depth == 0:
            out[name] = _envelope(prop, items, facts, spec, schemas, rng, depth + 1, rows_here=True)
        elif lower in PAGES and "integer" in kinds:      # before totals: `pagesCount` ends like a total
            out[name] = math.ceil(facts["total"] / facts["size"]) if facts["size"] else 0
        elif (lower in TOTAL or lower.endswith(("count", "total"))) and "integer" in kinds:
            out[name] = facts["total"]
        elif lower in PAGE and "integer" in kinds:
            out[name] = facts["page"]
        elif lower in SIZE and "integer" in kinds:
            out[name] = facts["size"]
        elif lower in OFFSET and "integer" in kinds:
            out[name] = facts["offset"]
        elif lower in HAS_MORE and "boolean" in kinds:
            out[name] = facts["next"] is not None
        elif lower in NEXT and ("string" in kinds or "null" in kinds):
            if prop.get("format") in URL_FORMATS:   # a link to the next page, not a bare cursor token
                if facts.get("next_url") is not None and "string" in kinds:
                    out[name] = facts["next_url"]
                elif "null" in kinds:
                    out[name] = None
            elif facts["next"] is not None and "string" in kinds:
                out[name] = facts["next"]
            elif "null" in kinds:
                out[name] = None
            elif name in required:
                out[name] = ""
        elif "object" in kinds and prop.get("properties") and depth < 2 and (name in required or _pagey(prop)):
            out[name] = _envelope(prop, items, facts, spec, schemas, rng, depth + 1)
        elif name in required:
            out[name] = generate(schemas, prop, rng)
    return out


def _pagey(schema: dict[str, Any]) -> bool:
    names = {n.lower() for n in schema.get("properties") or {}}
    return bool(names & set(TOTAL + PAGES + NEXT + HAS_MORE))
