"""Response bodies of API v1 (docs/molgenis-server.md, "Response shapes"): hrefs, entity maps, collections, attribute
sub-resources, entity type meta (ETR) and attribute meta (AR), key order included (Gson writes fields in declaration
order).

Nulls are never written: a null field is simply absent. Everything here is built from stored values (see
`values.py`) and the model; `lookup(entity_type_id)` gives a type's Repository for references. The functions never
change what they read, so they can work on `Repository.scan()` dicts directly.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import quote

from apitwin_apis.molgenis.problem import Problem
from apitwin_apis.molgenis.model import MULTI_REFERENCE_TYPES, SINGLE_REFERENCE_TYPES, Attribute, EntityType, Model
from apitwin_apis.molgenis.values import FILE_META, default_text, ref_entity_id, with_computed

Values = Mapping[str, Any]
Lookup = Callable[[str], Any]          # entity type id -> Repository | None
Expand = dict[str, "set[str] | None"]
Permissions = Sequence[str] | Callable[[str], Sequence[str]]

API_ROOT = "/api/v1"
DEFAULT_NUM = 100                      # EntityCollectionRequest default, also the page of an expanded mref
LANGUAGE_CODE = "en"
# Spring's path-segment encoding: unreserved, sub-delims, ':' and '@' stay; everything else is %XX (UTF-8)
_SEGMENT_SAFE = "!$&'()*+,;=:@-._~"
_EXPAND = re.compile(r"([^\[^\]]+)(?:\[(.+)\])?")


class RenderProblem(Problem):
    """A request the response cannot be built for (e.g. `invalid expand value: x[`): answered 400 without code."""


# -- hrefs ---------------------------------------------------------------------------------------------------------

def encode_segment(segment: Any) -> str:
    """One path segment as UriUtils encodes it: `/`->%2F, `\\`->%5C, `?`->%3F, space->%20; `=;*` stay literal."""
    return quote(str(segment), safe=_SEGMENT_SAFE)


def href(*segments: Any, prefix: str = "") -> str:
    """`<prefix>/api/v1/<seg>/<seg>...`, each segment encoded (prefix = the mock's mount path, "" normally)."""
    return prefix.rstrip("/") + API_ROOT + "".join("/" + encode_segment(s) for s in segments)


# -- attributes= and expand= ---------------------------------------------------------------------------------------

def split_items(text: str) -> list[str]:
    """Comma-separated items; commas inside brackets do not split (`xref[a,b],mref` is two items). The server
    splits on every comma; accepting `xref[a,b]` as well is a documented delta (the issue asks for that form)."""
    items, depth, current = [], 0, []
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        if char == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


def _items(values: Sequence[str] | str | None, split_single: bool) -> list[str]:
    """Spring's String[] binding: one query value is split on commas, repeated values are taken as they are."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    values = list(values)
    if split_single and len(values) == 1:
        return [] if values[0] == "" else split_items(values[0])
    return values


def parse_attributes(values: Sequence[str] | str | None, *, split_single: bool = True) -> set[str] | None:
    """Lower-cased names to include, or None for all (missing or empty). Pass `split_single=False` for a JSON body
    list (no comma splitting there)."""
    items = _items(values, split_single)
    return {item.lower() for item in items} if items else None


def parse_expand(values: Sequence[str] | str | None, *, split_single: bool = True) -> Expand | None:
    """`attr` or `attr[sub1;sub2]` -> {attr: {sub1, sub2} | None}, lower-cased; None when nothing is expanded.
    Items that do not match the server's pattern raise `invalid expand value: <item>`."""
    if values is None:
        return None
    items = _items(values, split_single)
    if not items:
        return None
    expand: Expand = {}
    for item in items:
        match = _EXPAND.fullmatch(item)
        if not match:
            raise RenderProblem(f"invalid expand value: {item}")
        subs = match.group(2)
        expand[match.group(1).lower()] = {s.strip().lower() for s in re.split(r"[;,]", subs)} if subs else None
    return expand


def _wanted(attributes: set[str] | None, name: str) -> bool:
    return attributes is None or name.lower() in attributes


def _lower(attributes: Iterable[str] | None) -> set[str] | None:
    return None if attributes is None else {a.lower() for a in attributes}


# -- entity maps ---------------------------------------------------------------------------------------------------

def _target(model: Model, attribute: Attribute) -> EntityType | None:
    return model.get(ref_entity_id(attribute) or "")


def _one_to_many(attribute: Attribute, owner_id: Any, model: Model, lookup: Lookup) -> list[Values]:
    """Rows of the referenced type whose `mapped_by` attribute points at this row, ordered by their id (the
    PostgreSQL backend's `array_agg(id ORDER BY id)` when the attribute has no orderBy)."""
    target = _target(model, attribute)
    repository = lookup(target.id) if target is not None else None
    if repository is None or target is None or not attribute.mapped_by:
        return []
    key, id_name = attribute.mapped_by, target.id_attribute.name
    return sorted((row for row in repository.scan() if row.get(key) == owner_id), key=lambda row: row[id_name])


def _referenced(attribute: Attribute, values: Values, model: Model, lookup: Lookup,
                owner: EntityType) -> tuple[EntityType | None, list[Values]]:
    """The referenced type and rows of a reference attribute (missing rows are skipped)."""
    target = _target(model, attribute)
    if target is None:
        return None, []
    if attribute.type == "ONE_TO_MANY":
        return target, _one_to_many(attribute, values.get(owner.id_attribute.name), model, lookup)
    repository = lookup(target.id)
    stored = values.get(attribute.name)
    ids = (stored or []) if attribute.type in MULTI_REFERENCE_TYPES else ([] if stored is None else [stored])
    rows = [repository.get(i) for i in ids] if repository is not None else []
    return target, [row for row in rows if row is not None]


def entity_map(entity_type: EntityType, values: Values, *, model: Model, lookup: Lookup,
               attributes: Iterable[str] | None = None, expand: Expand | None = None,
               prefix: str = "") -> dict[str, Any]:
    """One row: href first, then each wanted atomic attribute in order; references as `{"href": ...}` links
    (XREF/FILE only when set, MREF/ONE_TO_MANY always); an expanded XREF is the referenced row's own map, an
    expanded MREF a meta-less collection of all referenced rows (start 0, num 100)."""
    attributes = _lower(attributes)
    expand = {k.lower(): v for k, v in expand.items()} if expand else None
    values = with_computed(entity_type, values, lookup=lookup)
    own_id = values.get(entity_type.id_attribute.name)
    out: dict[str, Any] = {"href": href(entity_type.id, own_id, prefix=prefix)}
    for attribute in entity_type.atomic_attributes():
        name = attribute.name
        if not _wanted(attributes, name):
            continue
        kind = attribute.type
        if kind not in SINGLE_REFERENCE_TYPES and kind not in MULTI_REFERENCE_TYPES:
            value = values.get(name)
            if value is not None:
                out[name] = value
            continue
        link = href(entity_type.id, own_id, name, prefix=prefix)
        expanded = expand is not None and name.lower() in expand
        if kind in SINGLE_REFERENCE_TYPES:
            if values.get(name) is None:
                continue
            if not expanded:
                out[name] = {"href": link}
                continue
            target, rows = _referenced(attribute, values, model, lookup, entity_type)
            if target is not None and rows:
                out[name] = entity_map(target, rows[0], model=model, lookup=lookup, attributes=expand[name.lower()],
                                       prefix=prefix)
            continue
        if not expanded:
            out[name] = {"href": link}
            continue
        target, rows = _referenced(attribute, values, model, lookup, entity_type)
        items = [entity_map(target, row, model=model, lookup=lookup, attributes=expand[name.lower()], prefix=prefix)
                 for row in rows] if target is not None else []
        out[name] = _collection_body(link, None, 0, DEFAULT_NUM, len(items), items)
    return out


# -- collections ---------------------------------------------------------------------------------------------------

def next_start(start: int, num: int, total: int | None) -> int | None:
    """EntityPager.getNextStart: start+num unless that is past the last row (num=0 repeats start while rows remain)."""
    if total is None:
        return start + num
    return None if start + num > total - 1 else start + num


def prev_start(start: int, num: int) -> int | None:
    """EntityPager.getPrevStart: none on the first page, never below 0."""
    if start == 0:
        return None
    return start - num if start - num >= 0 else 0


def _collection_body(link: str, meta: dict[str, Any] | None, start: int, num: int, total: int,
                     items: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"href": link}
    if meta is not None:
        body["meta"] = meta
    body.update(start=start, num=num, total=total)
    previous, following = prev_start(start, num), next_start(start, num, total)
    if previous is not None:
        body["prevHref"] = f"{link}?start={previous}&num={num}"
    if following is not None:
        body["nextHref"] = f"{link}?start={following}&num={num}"
    body["items"] = items
    return body


def collection(entity_type: EntityType, rows: Iterable[Values], *, start: int, num: int, total: int,
               meta: dict[str, Any] | None, model: Model, lookup: Lookup, attributes: Iterable[str] | None = None,
               expand: Expand | None = None, prefix: str = "", link: str | None = None) -> dict[str, Any]:
    """An entity collection of already-paged `rows`: `start`/`num` echo the request, `total` counts every
    match; `meta` (an ETR) only on the top-level collection; links carry start/num only."""
    items = [entity_map(entity_type, row, model=model, lookup=lookup, attributes=attributes, expand=expand,
                        prefix=prefix) for row in rows]
    return _collection_body(link or href(entity_type.id, prefix=prefix), meta, start, num, total, items)


# -- GET /{e}/{id}/{attr} ------------------------------------------------------------------------------------------

def attribute_value(entity_type: EntityType, values: Values, attribute: Attribute, *, model: Model, lookup: Lookup,
                    start: int = 0, num: int = DEFAULT_NUM, attributes: Iterable[str] | None = None,
                    expand: Expand | None = None, prefix: str = "") -> dict[str, Any]:
    """The attribute sub-resource: an XREF is the referenced row's map with the sub-resource href; an MREF a
    meta-less collection paged in memory by start/num (num=0 gives no items, as `subList(start, start)` does; a
    start past the end gives no items instead of the server's 500); anything else `{"href", "<attr>": value}`.
    A null XREF raises `RenderProblem("entity is null")` (the server's IllegalArgumentException, a 500)."""
    name = attribute.name
    values = with_computed(entity_type, values, lookup=lookup)
    own_id = values.get(entity_type.id_attribute.name)
    link = href(entity_type.id, own_id, name, prefix=prefix)
    kind = attribute.type
    if kind == "COMPOUND":
        body: dict[str, Any] = {"href": link}
        for child in attribute.children:
            if values.get(child.name) is not None:
                body[child.name] = values[child.name]
        return body
    if kind in MULTI_REFERENCE_TYPES:
        target, rows = _referenced(attribute, values, model, lookup, entity_type)
        total = len(rows)
        window = rows[start:min(start + num, total)] if start <= total else []
        items = [entity_map(target, row, model=model, lookup=lookup, attributes=attributes, expand=expand,
                            prefix=prefix) for row in window] if target is not None else []
        return _collection_body(link, None, start, num, total, items)
    if kind in ("XREF", "CATEGORICAL"):
        target, rows = _referenced(attribute, values, model, lookup, entity_type)
        if target is None or not rows:
            raise RenderProblem("entity is null")
        body = entity_map(target, rows[0], model=model, lookup=lookup, attributes=attributes, expand=expand,
                          prefix=prefix)
        body["href"] = link                                   # overwritten in place: still the first key
        return body
    body = {"href": link}
    value = values.get(name)
    if kind == "FILE" and value is not None:
        target, rows = _referenced(attribute, values, model, lookup, entity_type)
        value = {"__entityTypeId": target.id if target else FILE_META, **rows[0]} if rows else None
    if value is not None:
        body[name] = value
    return body


# -- entity type meta and attribute meta ---------------------------------------------------------------------------

def _permissions_of(permissions: Permissions | None, entity_type_id: str) -> list[str]:
    if permissions is None:
        return []
    if callable(permissions):
        return list(permissions(entity_type_id))
    return list(permissions)


def entity_type_response(entity_type: EntityType, *, permissions: Permissions | None, model: Model,
                         attributes: Iterable[str] | None = None, expand: Expand | None = None, prefix: str = "",
                         language_code: str = LANGUAGE_CODE) -> dict[str, Any]:
    """ETR (entity type meta). `attributes` filters the meta fields (`name`, `label`, `description`, `attributes`,
    `labelAttribute`, `idAttribute`, `lookupAttributes`, `abstract`); `expand={"attributes": subset}` turns the
    attribute links into ARs whose refEntity is a reduced ETR. `permissions` is the caller's list for this type, or
    a function type id -> list (needed for the exact permissions of expanded referenced types)."""
    attributes = _lower(attributes)
    expand = {k.lower(): v for k, v in expand.items()} if expand else None
    held = _permissions_of(permissions, entity_type.id)
    out: dict[str, Any] = {"href": href(entity_type.id, "meta", prefix=prefix),
                           "hrefCollection": href(entity_type.id, prefix=prefix)}
    if _wanted(attributes, "name"):
        out["name"] = entity_type.id
    if _wanted(attributes, "label"):
        out["label"] = entity_type.display_label
    if _wanted(attributes, "description") and entity_type.description is not None:
        out["description"] = entity_type.description
    if _wanted(attributes, "attributes"):
        listed: dict[str, Any] = {}
        for attribute in entity_type.attributes:
            if attribute.name == "__Type":
                continue
            if expand is not None and "attributes" in expand:
                listed[attribute.name] = attribute_response(
                    entity_type, attribute, model=model, attributes=expand["attributes"],
                    expand={"refentity": {"idattribute"}}, permissions=permissions, prefix=prefix,
                    language_code=language_code)
            else:
                listed[attribute.name] = {"href": href(entity_type.id, "meta", attribute.name, prefix=prefix)}
        out["attributes"] = listed
    if _wanted(attributes, "labelAttribute"):
        out["labelAttribute"] = entity_type.label_attribute.name
    if _wanted(attributes, "idAttribute"):
        out["idAttribute"] = entity_type.id_attribute.name
    if _wanted(attributes, "lookupAttributes"):
        out["lookupAttributes"] = [a.name for a in entity_type.lookup_attributes]
    if _wanted(attributes, "abstract"):
        out["isAbstract"] = entity_type.abstract
    out["languageCode"] = language_code
    out["permissions"] = held
    out["writable"] = bool(("UPDATE_DATA" in held or "UPDATE_METADATA" in held) and entity_type.writable)
    return out


def attribute_response(entity_type: EntityType, attribute: Attribute, *, model: Model,
                       attributes: Iterable[str] | None = None, expand: Expand | None = None,
                       permissions: Permissions | None = None, prefix: str = "",
                       language_code: str = LANGUAGE_CODE) -> dict[str, Any]:
    """AR (attribute meta), keys in AttributeResponse's field order. `attributes` filters meta fields (`isVisible`
    controls `visible`; `href` and `mappedBy` are always there); `expand={"refentity": subset}` expands the referenced
    type, `expand={"attributes": subset}` the compound's children."""
    attributes = _lower(attributes)
    expand = {k.lower(): v for k, v in expand.items()} if expand else None
    out: dict[str, Any] = {"href": href(entity_type.id, "meta", attribute.name, prefix=prefix)}

    def put(key: str, value: Any, filter_name: str | None = None) -> None:
        if _wanted(attributes, filter_name or key) and value is not None:
            out[key] = value

    put("fieldType", attribute.type)
    put("name", attribute.name)
    put("label", attribute.display_label)
    put("description", attribute.description)
    if _wanted(attributes, "attributes"):
        children: list[Any] = []
        for child in attribute.children:
            if expand is not None and "attributes" in expand:
                children.append(attribute_response(entity_type, child, model=model, attributes=expand["attributes"],
                                                   expand={"refentity": None}, permissions=permissions,
                                                   prefix=prefix, language_code=language_code))
            else:
                children.append({"href": href(entity_type.id, "meta", child.name, prefix=prefix)})
        out["attributes"] = children
    put("enumOptions", list(attribute.enum_options))
    put("maxLength", attribute.effective_max_length)
    target = model.get(ref_entity_id(attribute) or "") if attribute.is_reference else None
    if target is not None and _wanted(attributes, "refEntity"):
        if expand is not None and "refentity" in expand:
            out["refEntity"] = entity_type_response(target, permissions=permissions, model=model,
                                                    attributes=expand["refentity"], expand={"attributes": None},
                                                    prefix=prefix, language_code=language_code)
        else:
            out["refEntity"] = {"href": href(target.id, "meta", prefix=prefix),
                                "hrefCollection": href(target.id, prefix=prefix)}
    if attribute.mapped_by is not None:
        out["mappedBy"] = attribute.mapped_by
    put("auto", attribute.auto)
    put("nillable", attribute.nillable)
    put("readOnly", attribute.read_only)
    put("defaultValue", default_text(attribute.default))
    put("labelAttribute", attribute is entity_type.label_attribute)
    put("unique", attribute.unique)
    put("visible", attribute.visible, "isVisible")
    put("lookupAttribute", any(a is attribute for a in entity_type.lookup_attributes))
    put("isAggregatable", attribute.aggregatable)
    if attribute.range_min is not None or attribute.range_max is not None:
        bounds = {key: bound for key, bound in (("min", attribute.range_min), ("max", attribute.range_max))
                  if bound is not None}
        put("range", bounds)
    put("expression", attribute.expression)
    put("nullableExpression", attribute.nullable_expression)
    put("visibleExpression", attribute.visible_expression)
    put("validationExpression", attribute.validation_expression)
    return out
