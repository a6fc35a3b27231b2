"""The data operations behind the v1 routes — query a page, create, replace, set one value, delete — each with
the server's permission checks, validation and side effects (files become sys_FileMeta rows, deleting a package
deletes its entity types). Handlers only choose the operation and shape the answer."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from apitwin.errors import ApiError
from handlers.molgenis.context import Ctx
from handlers.molgenis.model_store import edit_model, save_model
from handlers.molgenis.inputs import Upload
from handlers.molgenis.model import Attribute, EntityType
from handlers.molgenis import indexes
from handlers.molgenis.query import compile_rules
from handlers.molgenis.repository import collection_name
from handlers.molgenis.values import (FILE_META, build_entity, convert, readonly_attribute_message, ref_entity_id,
                                      validate)

Values = dict[str, Any]


# -- reading -------------------------------------------------------------------------------------------------------

def query_page(c: Ctx, entity_type: EntityType, *, rules: Any, sort: Any, start: int, num: int
               ) -> tuple[list[Values], int]:
    """(rows of the page, total matching). `num=0` means every row from `start` (the data layer's "no limit")."""
    predicate = compile_rules(rules, entity_type, c.model, c.lookup) if rules else None
    return indexes.page(c.repository(entity_type), entity_type, c.model, rules=rules, predicate=predicate,
                        sort=sort, start=start, num=num)


# -- writing -------------------------------------------------------------------------------------------------------

def _refuse(violations: list[str]) -> None:
    if violations:
        raise ApiError(400, violations)


def store_files(c: Ctx, entity_type: EntityType, uploads: Mapping[str, Upload], base_url: str) -> dict[str, Any]:
    """One sys_FileMeta row per uploaded file of a FILE attribute; returns attribute name -> FileMeta id."""
    stored: dict[str, Any] = {}
    for name, upload in uploads.items():
        attribute = entity_type.attribute(name)
        if attribute is None or attribute.type != "FILE":
            continue                       # the server ignores parts that are not FILE attributes
        meta_type = c.model.get(ref_entity_id(attribute) or FILE_META)
        if meta_type is None:
            raise ApiError(400, [f"Entity type '{FILE_META}' is missing: files cannot be stored"])
        meta = c.repository(meta_type)
        file_id = build_entity(meta_type, {"filename": upload.filename}, form=False, model=c.model,
                               lookup=c.lookup, sequence=meta.next_sequence)[meta_type.id_attribute.name]
        values = {meta_type.id_attribute.name: file_id, "filename": upload.filename,
                  "contentType": upload.content_type or "application/octet-stream", "size": len(upload.content),
                  "url": f"{base_url.rstrip('/')}/files/{file_id}"}
        meta.insert({k: v for k, v in values.items() if meta_type.attribute(k) is not None})
        stored[name] = file_id
    return stored


def create(c: Ctx, entity_type: EntityType, payload: Mapping[str, Any], *, form: bool,
           files: Mapping[str, Any] | None = None) -> Any:
    """RestController.create: build (auto ids, defaults), validate, add; returns the new entity id."""
    repository = c.repository(entity_type)
    with c.store.transaction():
        values = build_entity(entity_type, payload, form=form, model=c.model, lookup=c.lookup,
                              sequence=repository.next_sequence, now=datetime.now(timezone.utc), files=files)
        _refuse(validate(entity_type, values, model=c.model, lookup=c.lookup))
        return repository.insert(values)


def replace(c: Ctx, entity_type: EntityType, entity_id: Any, payload: Mapping[str, Any], *, form: bool,
            files: Mapping[str, Any] | None = None) -> Any:
    """Full replacement (as the server): attributes missing from the body go back to default/null."""
    repository = c.repository(entity_type)
    with c.store.transaction():
        values = build_entity(entity_type, payload, form=form, model=c.model, existing_id=entity_id,
                              lookup=c.lookup, sequence=repository.next_sequence,
                              now=datetime.now(timezone.utc), files=files)
        _refuse(validate(entity_type, values, model=c.model, lookup=c.lookup, existing_id=entity_id))
        return repository.replace(entity_id, values)


def set_value(c: Ctx, entity_type: EntityType, attribute: Attribute, entity_id: Any, stored: Values,
              raw: Any) -> None:
    """PUT /{e}/{id}/{attr}: one value converted and validated in the context of the whole row."""
    if attribute.read_only or attribute.expression is not None:
        raise ApiError(401, [readonly_attribute_message(entity_type.id, attribute.name)])
    if attribute.type == "COMPOUND" or attribute.type == "ONE_TO_MANY":
        raise ApiError(400, [f"Attribute '{attribute.name}' of entity '{entity_type.id}' cannot be set directly"])
    value = convert(attribute, raw, form=False, model=c.model, owner_id=entity_type.id, lookup=c.lookup,
                    existing=stored)
    values = dict(stored)
    if value is None or value == []:
        values.pop(attribute.name, None)
    else:
        values[attribute.name] = value
    with c.store.transaction():
        _refuse(validate(entity_type, values, model=c.model, lookup=c.lookup, existing_id=entity_id))
        c.repository(entity_type).replace(entity_id, values)


def delete_row(c: Ctx, entity_type: EntityType, entity_id: Any) -> None:
    """Deletes the row (nothing when it does not exist). A `sys_md_Package` row takes its entity types along."""
    with c.store.transaction():
        c.repository(entity_type).delete(entity_id)
        if entity_type.id == "sys_md_Package" and isinstance(entity_id, str):
            doomed = [t for t in c.model.entity_types.values()
                      if t.package == entity_id or (t.package or "").startswith(entity_id + "_")]
            drop_entity_types(c, [t.id for t in doomed])


def delete_all(c: Ctx, entity_type: EntityType) -> None:
    c.repository(entity_type).delete_all()


def drop_entity_types(c: Ctx, entity_type_ids: list[str]) -> None:
    """Removes entity types and their rows from the model and the store (DELETE /{e}/meta)."""
    if not entity_type_ids:
        return
    with c.store.transaction():
        model = edit_model(c.store)
        for type_id in entity_type_ids:
            model.remove(type_id)
            c.store.drop(collection_name(type_id))
        save_model(c.store, model)
