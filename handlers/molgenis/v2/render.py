"""Response bodies of API v2 (RestControllerV2 and its response classes), key order as Gson writes them, nulls
omitted (Gson without serializeNulls): an entity is `_href` then its fetched attributes, references inline as the
referenced rows' own maps (`_href` + their fetched attributes), multi-references as lists (empty lists included);
`_meta` is an `EntityTypeResponseV2`, attributes `AttributeResponseV2`. hrefs are `/api/v2/...` paths, encoded as
the v1 ones (`render.encode_segment`), under the mount prefix."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

from apitwin_apis.molgenis.model import MULTI_REFERENCE_TYPES, SINGLE_REFERENCE_TYPES, Attribute, EntityType, Model
from apitwin_apis.molgenis.render import encode_segment
from apitwin_apis.molgenis.v2.attrs import Fetch, default_attribute_fetch
from apitwin_apis.molgenis.values import default_text, ref_entity_id, with_computed

Values = Mapping[str, Any]
Lookup = Callable[[str], Any]                      # entity type id -> Repository | None
Permissions = Callable[[str], Sequence[str]]       # entity type id -> the caller's permissions on it

API_ROOT = "/api/v2"
LANGUAGE_CODE = "en"
_OBJECT_EXPRESSION = re.compile(r"\{(.*)\}", re.S)
_MAX_META_DEPTH = 8                                # reference cycles in metadata end here (the server recurses)


def href(*segments: Any, prefix: str = "") -> str:
    return prefix.rstrip("/") + API_ROOT + "".join("/" + encode_segment(s) for s in segments)


# -- entities ------------------------------------------------------------------------------------------------------

def _computed_object(attribute: Attribute, values: Values, model: Model) -> dict[str, Any] | None:
    """A computed XREF written as an object expression (`{Chromosome: xstring, Position: xint}`) is, on the
    server, an entity built from those values (the script result), not a stored row: it exists whether or not the
    referenced table holds such a row."""
    match = _OBJECT_EXPRESSION.fullmatch((attribute.expression or "").strip())
    if not match or model.get(ref_entity_id(attribute) or "") is None:
        return None
    built: dict[str, Any] = {}
    for pair in match.group(1).split(","):
        key, sep, source = pair.partition(":")
        if not sep:
            return None
        built[key.strip()] = values.get(source.strip())
    target = model.get(ref_entity_id(attribute) or "")
    return built if built.get(target.id_attribute.name) is not None else None


def _references(attribute: Attribute, own_id: Any, values: Values, model: Model, lookup: Lookup
                ) -> tuple[EntityType | None, list[Values]]:
    target = model.get(ref_entity_id(attribute) or "")
    if target is None:
        return None, []
    repository = lookup(target.id)
    if repository is None:
        return target, []
    if attribute.type == "ONE_TO_MANY":
        key = attribute.mapped_by
        return target, [row for row in repository.scan() if key and row.get(key) == own_id]
    stored = values.get(attribute.name)
    ids = (stored or []) if attribute.type in MULTI_REFERENCE_TYPES else ([] if stored is None else [stored])
    rows = [repository.get(ref_id) for ref_id in ids]
    return target, [row for row in rows if row is not None]


def _plain(attribute: Attribute, value: Any) -> Any:
    if value is None:
        return None
    if attribute.type == "DECIMAL":
        return float(value)
    return value


def entity(entity_type: EntityType, values: Values, fetch: Fetch | None, *, model: Model, lookup: Lookup,
           prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """`createEntityValuesResponse`: `_href`, then every atomic attribute the fetch holds (all when None)."""
    body: dict[str, Any] = {} if out is None else out
    shown = with_computed(entity_type, values, lookup=lookup)
    own_id = shown.get(entity_type.id_attribute.name)
    body["_href"] = href(entity_type.id, own_id, prefix=prefix)
    for attribute in entity_type.atomic_attributes():
        name = attribute.name
        if fetch is not None and name not in fetch:
            continue
        kind = attribute.type
        if kind not in SINGLE_REFERENCE_TYPES and kind not in MULTI_REFERENCE_TYPES:
            value = _plain(attribute, shown.get(name))
            if value is not None:
                body[name] = value
            continue
        sub = fetch[name] if fetch is not None else default_attribute_fetch(attribute, model)
        if kind in SINGLE_REFERENCE_TYPES:
            built = _computed_object(attribute, values, model) if attribute.expression is not None else None
            target = model.get(ref_entity_id(attribute) or "")
            if built is not None and target is not None:
                body[name] = entity(target, built, sub, model=model, lookup=lookup, prefix=prefix)
                continue
            target, rows = _references(attribute, own_id, shown, model, lookup)
            if target is not None and rows:
                body[name] = entity(target, rows[0], sub, model=model, lookup=lookup, prefix=prefix)
            continue
        target, rows = _references(attribute, own_id, shown, model, lookup)
        body[name] = [entity(target, row, sub, model=model, lookup=lookup, prefix=prefix)
                      for row in rows] if target is not None else []
    return body


# -- metadata ------------------------------------------------------------------------------------------------------

def _kept(fetch: Fetch | None, attribute: Attribute) -> bool:
    """`AttributeResponseV2.filterAttributeRec`: a compound stays when any of its parts is fetched."""
    if fetch is None:
        return True
    if attribute.type == "COMPOUND":
        return any(_kept(fetch, child) for child in attribute.children)
    return attribute.name in fetch


def _sub_fetch(fetch: Fetch | None, attribute: Attribute, model: Model) -> Fetch | None:
    if fetch is not None:
        return fetch if attribute.type == "COMPOUND" else fetch.get(attribute.name)
    return default_attribute_fetch(attribute, model)


def entity_type_response(entity_type: EntityType, fetch: Fetch | None, *, model: Model, permissions: Permissions,
                         lookup: Lookup | None = None, include_categories: bool = False, prefix: str = "",
                         _depth: int = 0) -> dict[str, Any]:
    """`EntityTypeResponseV2`: `href` is the collection (v2 has no metadata route); attributes filtered by the
    fetch, each with the sub-fetch its references are shown with."""
    held = list(permissions(entity_type.id))
    out: dict[str, Any] = {"href": href(entity_type.id, prefix=prefix),
                           "hrefCollection": href(entity_type.id, prefix=prefix),
                           "name": entity_type.id, "label": entity_type.display_label}
    if entity_type.description is not None:
        out["description"] = entity_type.description
    out["attributes"] = [
        attribute_response(entity_type, attribute, _sub_fetch(fetch, attribute, model), model=model,
                           permissions=permissions, lookup=lookup, include_categories=include_categories,
                           prefix=prefix, _depth=_depth)
        for attribute in entity_type.attributes if attribute.name != "__Type" and _kept(fetch, attribute)]
    out["labelAttribute"] = entity_type.label_attribute.name
    out["idAttribute"] = entity_type.id_attribute.name
    out["lookupAttributes"] = [a.name for a in entity_type.lookup_attributes]
    out["isAbstract"] = entity_type.abstract
    out["writable"] = "UPDATE_DATA" in held and entity_type.writable
    out["languageCode"] = LANGUAGE_CODE
    out["permissions"] = held
    return out


def _categorical_options(target: EntityType, lookup: Lookup) -> list[dict[str, Any]]:
    """`CategoricalUtils`: every row of the referenced type as {id, label}, sorted by its first visible unique
    attribute (storage order otherwise)."""
    repository = lookup(target.id)
    rows = list(repository.scan()) if repository is not None else []
    key = next((a for a in target.attributes if a.visible and a.unique and a.type != "COMPOUND"), None)
    if key is not None:
        present = sorted((r for r in rows if r.get(key.name) is not None), key=lambda r: r[key.name])
        rows = present + [r for r in rows if r.get(key.name) is None]
    options = []
    for row in rows:
        option = {"id": row.get(target.id_attribute.name)}
        if row.get(target.label_attribute.name) is not None:
            option["label"] = row[target.label_attribute.name]
        options.append(option)
    return options


def attribute_response(entity_type: EntityType, attribute: Attribute, fetch: Fetch | None, *, model: Model,
                       permissions: Permissions, lookup: Lookup | None = None, include_categories: bool = False,
                       prefix: str = "", _depth: int = 0) -> dict[str, Any]:
    """`AttributeResponseV2`, fields in its declaration order; `refEntity` is the referenced type's full
    `EntityTypeResponseV2` (attributes limited by the sub-fetch); `attributes` lists compound parts (else [])."""
    out: dict[str, Any] = {"href": href(entity_type.id, "meta", attribute.name, prefix=prefix),
                           "fieldType": attribute.type, "name": attribute.name, "label": attribute.display_label}
    if attribute.description is not None:
        out["description"] = attribute.description
    out["attributes"] = [
        attribute_response(entity_type, child, _sub_fetch(fetch, child, model), model=model,
                           permissions=permissions, lookup=lookup, include_categories=include_categories,
                           prefix=prefix, _depth=_depth)
        for child in attribute.children if _kept(fetch, child)]
    if attribute.type == "ENUM":
        out["enumOptions"] = list(attribute.enum_options)
    if attribute.effective_max_length is not None:
        out["maxLength"] = attribute.effective_max_length
    target = model.get(ref_entity_id(attribute) or "") if attribute.is_reference else None
    if target is not None and _depth < _MAX_META_DEPTH:
        out["refEntity"] = entity_type_response(target, fetch, model=model, permissions=permissions, lookup=lookup,
                                                include_categories=include_categories, prefix=prefix,
                                                _depth=_depth + 1)
    if attribute.mapped_by is not None:
        out["mappedBy"] = attribute.mapped_by
    out["auto"] = attribute.auto
    out["nillable"] = attribute.nillable
    out["readOnly"] = attribute.read_only
    if default_text(attribute.default) is not None:
        out["defaultValue"] = default_text(attribute.default)
    out["labelAttribute"] = attribute is entity_type.label_attribute
    out["unique"] = attribute.unique
    out["visible"] = attribute.visible
    out["lookupAttribute"] = any(a is attribute for a in entity_type.lookup_attributes)
    out["isAggregatable"] = attribute.aggregatable
    if attribute.range_min is not None or attribute.range_max is not None:
        out["range"] = {key: bound for key, bound in (("min", attribute.range_min), ("max", attribute.range_max))
                        if bound is not None}
    for key, value in (("expression", attribute.expression), ("nullableExpression", attribute.nullable_expression),
                       ("visibleExpression", attribute.visible_expression),
                       ("validationExpression", attribute.validation_expression)):
        if value is not None:
            out[key] = value
    if (include_categories and target is not None and lookup is not None
            and attribute.type in ("CATEGORICAL", "CATEGORICAL_MREF")):
        out["categoricalOptions"] = _categorical_options(target, lookup)
    out["tags"] = []
    return out


# -- collections ---------------------------------------------------------------------------------------------------

def collection(entity_type: EntityType, items: list[dict[str, Any]], *, meta: dict[str, Any], start: int, num: int,
               total: int, prev_href: str | None, next_href: str | None, prefix: str = "") -> dict[str, Any]:
    """`EntityCollectionResponseV2`: href, meta, start, num, total, prevHref, nextHref, items."""
    body: dict[str, Any] = {"href": href(entity_type.id, prefix=prefix), "meta": meta, "start": start, "num": num,
                            "total": total}
    if prev_href is not None:
        body["prevHref"] = prev_href
    if next_href is not None:
        body["nextHref"] = next_href
    body["items"] = items
    return body
