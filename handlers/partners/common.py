"""Shared by the Partners handlers: the tenant's store, ownership checks (404 across tenants), output shaping."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from connexion import request

from apitwin import runtime
from apitwin.errors import not_found
from apitwin.paging import envelope, window
from apitwin.store import IMMUTABLE_TYPES, Row, Store, clone, matcher

TENANT = "_partner"   # internal key on every tenant-owned row; never leaves the mock
NULL_CHARACTERS = "Null characters are not allowed."   # DRF's ProhibitNullCharactersValidator on every CharField


def refuse_null_characters(body: Any, problems: Any, fields: Mapping[str, Any] | None = None, path: str = "") -> None:
    """Every text value of the body's declared `fields` (nested objects and lists too; a nested mapping names the
    declared fields of a nested object, None: all of it) must be free of NUL, as DRF's CharFields require; unknown
    fields are ignored, as DRF ignores them. The spec states the same rule as each field's `pattern`; this check
    gives it DRF's wording. The problem is named by its dotted field path. Tolerates any input.
    Text values are tested where they are met, without a call each (the walk runs on every write)."""
    if isinstance(body, dict):
        for key, value in body.items():
            if fields is not None and key not in fields:
                continue
            if type(value) is str:
                if "\x00" in value:
                    problems.add(f"{path}.{key}" if path else str(key), NULL_CHARACTERS)
            elif value is not None:
                refuse_null_characters(value, problems, fields[key] if fields is not None else None,
                                       f"{path}.{key}" if path else str(key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            if type(value) is str:
                if "\x00" in value:
                    problems.add(f"{path}.{index}" if path else str(index), NULL_CHARACTERS)
            elif value is not None:
                refuse_null_characters(value, problems, fields, f"{path}.{index}" if path else str(index))
    elif isinstance(body, str) and "\x00" in body:
        problems.add(path or "body", NULL_CHARACTERS)


def store() -> Store:
    return runtime.current().store


def partner_of(token_info: dict[str, Any]) -> str:
    return token_info["partner"]


def public(row: Row) -> Row:
    """Drop internal keys (leading underscore) before a row leaves the mock."""
    out = {"id": row["id"]} if "id" in row else {}
    for key, value in row.items():
        if not key.startswith("_"):
            out[key] = value
    return out


def public_copy(row: Row) -> Row:
    """`public` of a live store row (read-only, `Table.scan`): the kept values deep-copied once, where
    `public(table.filter(...))` copied every row twice (the whole row, then the kept keys). Rows of a collection
    share a few key layouts: each layout gets one function building the public dict in a single expression
    (`_copier`), a third faster than a loop over the keys."""
    keys = tuple(row)
    copier = _COPIERS.get(keys)
    if copier is None:
        copier = _copier(keys)
        if copier is None:
            return _public_copy(row)
        if len(_COPIERS) < _LAYOUTS:
            _COPIERS[keys] = copier
    return copier(row)


_LAYOUTS = 256      # key layouts remembered (rows of one collection share a few)
_COPIERS: dict[tuple[Any, ...], Callable[[Row], Row]] = {}


def _copier(keys: tuple[Any, ...]) -> Callable[[Row], Row] | None:
    """A function returning `_public_copy(row)` for rows with exactly these keys in this order: one dict display
    (the id first, then the other public keys in row order), each value shared if immutable, else cloned. None for
    keys that are not all text (left to `_public_copy`, which fails on them as before)."""
    if not all(type(key) is str for key in keys):
        return None
    kept = (["id"] if "id" in keys else []) + [key for key in keys if key != "id" and not key.startswith("_")]
    # keys are written as literals (repr of a str is always a valid, exact literal)
    items = ", ".join(f"{key!r}: v if type(v := row[{key!r}]) in IMMUTABLE else clone(v)" for key in kept)
    namespace: dict[str, Any] = {"IMMUTABLE": IMMUTABLE_TYPES, "clone": clone}
    exec(f"def copier(row):\n    return {{{items}}}\n", namespace)   # noqa: S102 - built from repr'd keys only
    return namespace["copier"]  # type: ignore[no-any-return]


def _public_copy(row: Row) -> Row:
    out = {"id": row["id"]} if "id" in row else {}
    for key, value in row.items():
        if not key.startswith("_"):
            out[key] = value if type(value) in IMMUTABLE_TYPES else clone(value)
    return out


def live_rows(collection: str, predicate: Callable[[Row], bool] | None, equals: dict[str, Any]) -> list[Row]:
    """The matching live rows in id order, uncopied: READ-ONLY (rows are replaced, never changed, by writes)."""
    test = matcher(predicate, equals)
    rows = store()[collection].scan()
    return rows if test is None else [r for r in rows if test(r)]


def owned(collection: str, row_id: int, token_info: dict[str, Any]) -> Row:
    """The row if it exists and belongs to the caller's partner account; otherwise 404 (never 403: another
    tenant's ids must not even be confirmed to exist)."""
    row = store()[collection].get(row_id)
    if row is None or row.get(TENANT) != partner_of(token_info):
        raise not_found()
    return row


def owned_public(collection: str, row_id: int, token_info: dict[str, Any]) -> Row:
    """`public(owned(...))` with one copy instead of two: the kept values of the live row, after the same check."""
    row = store()[collection].view(row_id)
    if row is None or row.get(TENANT) != partner_of(token_info):
        raise not_found()
    return public_copy(row)


def mine(collection: str, token_info: dict[str, Any], predicate: Any = None, **equals: Any) -> list[Row]:
    return store()[collection].filter(predicate, **{TENANT: partner_of(token_info)}, **equals)


def api_url(path: str) -> str:
    """Mount-aware path for Location headers and links (the API may be served under a prefix)."""
    return runtime.current().prefix + path


def absolute_url(path: str) -> str:
    base = f"{request.url.scheme}://{request.url.netloc}"
    return base + api_url(path)


def listing(collection: str, token_info: dict[str, Any] | None, page: int | None, page_size: int | None, *,
            shape: Callable[[Row], Any] = public, predicate: Callable[[Row], bool] | None = None,
            link_params: dict[str, Any] | None = None, **equals: Any) -> Any:
    """A list response: the caller's rows (all tenants' for shared catalogues: token_info=None) ascending by id,
    as a bare array, or as the DRF page envelope when page/page_size is asked for (only that page is copied)."""
    if token_info is not None:
        equals[TENANT] = partner_of(token_info)
    if shape is public:   # one copy per row: the kept values of the live rows
        matches = live_rows(collection, predicate, equals)
        if page is None and page_size is None:
            return [public_copy(r) for r in matches]
        offset, limit = window(page, page_size)
        return page_of(matches[offset:offset + limit], len(matches), page, page_size, public_copy, link_params)
    rows = store()[collection]
    if page is None and page_size is None:
        return [shape(r) for r in rows.filter(predicate, **equals)]
    offset, limit = window(page, page_size)
    chunk, total = rows.select(predicate, offset=offset, limit=limit, **equals)
    return page_of(chunk, total, page, page_size, shape, link_params)


def indexed_listing(collection: str, ids: list[int], page: int | None, page_size: int | None, *,
                    shape: Callable[[Row], Any] = public, link_params: dict[str, Any] | None = None) -> Any:
    """`listing` for rows an index already chose (the caller's, ascending ids): only the page is copied. Call it
    inside `store().transaction()`, with the ids read there."""
    rows = store()[collection]
    if page is None and page_size is None:
        return [shape(r) for r in map(rows.get, ids) if r is not None]
    offset, limit = window(page, page_size)
    chunk = [r for r in map(rows.get, ids[offset:offset + limit]) if r is not None]
    return page_of(chunk, len(ids), page, page_size, shape, link_params)


def page_of(chunk: list[Row], total: int, page: int | None, page_size: int | None, shape: Callable[[Row], Any],
            link_params: dict[str, Any] | None) -> Any:
    here = request.url    # each read of `request.url` builds a new request object and URL
    url = f"{here.scheme}://{here.netloc}{here.path}"
    query = {k: v for k, v in (link_params or {}).items() if v is not None}
    return envelope([shape(r) for r in chunk], total, page, page_size, url, query)


def customer_reference(body: dict[str, Any], token_info: dict[str, Any], problems: Any) -> Row | None:
    """Resolve `customer_id` (G1) or `customer` (G2 alias) to one of the caller's customers, DRF-style errors.
    Sending both is refused by the schema (`not: {required: [customer_id, customer]}`)."""
    given = {k: body[k] for k in ("customer_id", "customer")
             if isinstance(body.get(k), int) and not isinstance(body.get(k), bool)}
    if not given:  # missing or ill-typed: the schema reports it
        return None
    field, value = next(iter(given.items()))
    row = store()["customers"].get(value)
    if row is None or row.get(TENANT) != partner_of(token_info):
        problems.add(field, f'Invalid pk "{value}" - object does not exist.')
        return None
    return row


def created(row: Row, path: str, *, live: bool = False) -> tuple[Row, int, dict[str, str]]:
    """The 201 answer. `live`: `row` is the stored row itself (`insert(copy=False)`, read-only), whose kept values
    are copied once here, so the answer shares nothing with the store."""
    return (public_copy(row) if live else public(row)), 201, {"Location": api_url(path)}
