"""The data operations behind the v1 routes — query a page, create, replace, set one value, delete — each with
the server's permission checks, validation and side effects (files become sys_FileMeta rows, deleting a package
deletes its entity types). Handlers only choose the operation and shape the answer."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from apitwin.errors import ApiError
from apitwin_apis.molgenis.constraints import delete_problem, drop_problem, is_postgresql, write_problem
from apitwin_apis.molgenis.context import RequestContext
from apitwin_apis.molgenis.model_store import edit_model, save_model
from apitwin_apis.molgenis.inputs import Upload
from apitwin_apis.molgenis.model import MULTI_REFERENCE_TYPES, Attribute, EntityType
from apitwin_apis.molgenis import indexes
from apitwin_apis.molgenis.query import compile_rules
from apitwin_apis.molgenis.repository import collection_name
from apitwin_apis.molgenis.values import (FILE_META, build_entity, convert, default_text, java_str,
                                      readonly_attribute_message, ref_entity_id, validate)

Values = dict[str, Any]


# -- reading -------------------------------------------------------------------------------------------------------

def query_page(ctx: RequestContext, entity_type: EntityType, *, rules: Any, sort: Any, start: int, num: int
               ) -> tuple[list[Values], int]:
    """(rows of the page, total matching). `num=0` means every row from `start` (the data layer's "no limit").
    Without a sort the rows come ordered by the id attribute, ascending: `PostgreSqlQueryGenerator#getSqlSort`
    always adds `ORDER BY <id>` (string ids sort as text: ref1, ref10, ref11, ref2)."""
    if sort is None:
        sort = default_sort(entity_type)
    predicate = compile_rules(rules, entity_type, ctx.model, ctx.lookup) if rules else None
    if entity_type.row_level_secured:
        # RowLevelSecurityRepositoryDecorator#findAllPermitted: the query without offset and limit, the rows the
        # caller may read, then offset and limit (the total counts readable rows only)
        rows, _ = indexes.page(ctx.repository(entity_type), entity_type, ctx.model, rules=rules, predicate=predicate,
                               sort=sort, start=0, num=0)
        id_name = entity_type.id_attribute.name
        readable = [row for row in rows if ctx.may(entity_type, row.get(id_name), "READ")]
        return readable[start:None if num == 0 else start + num], len(readable)
    return indexes.page(ctx.repository(entity_type), entity_type, ctx.model, rules=rules, predicate=predicate,
                        sort=sort, start=start, num=num)


def default_sort(entity_type: EntityType) -> dict[str, Any]:
    """The SortV1 the PostgreSQL backend uses when the request has none: the id attribute ascending."""
    return {"orders": [{"property": entity_type.id_attribute.name, "direction": "ASC"}]}


# -- writing -------------------------------------------------------------------------------------------------------

def _refuse(violations: list[str]) -> None:
    if violations:
        raise ApiError(400, violations)


def _check(ctx: RequestContext, entity_type: EntityType, values: Values, existing_id: Any = None) -> None:
    """RepositoryValidationDecorator's checks, then (PostgreSQL repository) the database's constraints."""
    database = is_postgresql(entity_type)
    _refuse(validate(entity_type, values, model=ctx.model, lookup=ctx.lookup, existing_id=existing_id,
                     database=database))
    if existing_id is not None:        # RowLevelSecurityRepositoryDecorator#update, inside the validation decorator
        ctx.require_row(entity_type, existing_id, "UPDATE")
    if database:
        problem = write_problem(entity_type, values, model=ctx.model, lookup=ctx.lookup, existing_id=existing_id)
        if problem is not None:
            raise problem


def store_files(ctx: RequestContext, entity_type: EntityType, uploads: Mapping[str, Upload],
                base_url: str) -> dict[str, Any]:
    """One sys_FileMeta row per uploaded file of a FILE attribute; returns attribute name -> FileMeta id."""
    stored: dict[str, Any] = {}
    for name, upload in uploads.items():
        attribute = entity_type.attribute(name)
        if attribute is None or attribute.type != "FILE":
            continue                       # the server ignores parts that are not FILE attributes
        meta_type = ctx.model.get(ref_entity_id(attribute) or FILE_META)
        if meta_type is None:
            raise ApiError(400, [f"Entity type '{FILE_META}' is missing: files cannot be stored"])
        meta = ctx.repository(meta_type)
        file_id = build_entity(meta_type, {"filename": upload.filename}, form=False, model=ctx.model,
                               lookup=ctx.lookup, sequence=meta.next_sequence)[meta_type.id_attribute.name]
        values = {meta_type.id_attribute.name: file_id, "filename": upload.filename,
                  "contentType": upload.content_type or "application/octet-stream", "size": len(upload.content),
                  "url": f"{base_url.rstrip('/')}/files/{file_id}"}
        meta.insert({k: v for k, v in values.items() if meta_type.attribute(k) is not None})
        stored[name] = file_id
    return stored


def create(ctx: RequestContext, entity_type: EntityType, payload: Mapping[str, Any], *, form: bool,
           files: Mapping[str, Any] | None = None) -> Any:
    """RestController.create: build (auto ids, defaults; conversion errors first), ADD_DATA, validate, add;
    returns the new entity id."""
    repository = ctx.repository(entity_type)
    with ctx.store.transaction():
        values = build_entity(entity_type, payload, form=form, model=ctx.model, lookup=ctx.lookup,
                              sequence=repository.next_sequence, now=datetime.now(timezone.utc), files=files)
        ctx.require(entity_type, "ADD_DATA")
        _check(ctx, entity_type, values)
        entity_id = repository.insert(values)
        if entity_type.row_level_secured:     # createAcl: the creator gets WRITE on the new row
            ctx.security.grant_row(ctx.username, entity_type.id, entity_id)
        return entity_id


def replace(ctx: RequestContext, entity_type: EntityType, entity_id: Any, payload: Mapping[str, Any], *, form: bool,
            files: Mapping[str, Any] | None = None) -> Any:
    """Full replacement (as the server): attributes missing from the body go back to default/null."""
    repository = ctx.repository(entity_type)
    with ctx.store.transaction():
        values = build_entity(entity_type, payload, form=form, model=ctx.model, existing_id=entity_id,
                              lookup=ctx.lookup, sequence=repository.next_sequence,
                              now=datetime.now(timezone.utc), files=files)
        ctx.require(entity_type, "UPDATE_DATA")
        _check(ctx, entity_type, values, entity_id)
        return repository.replace(entity_id, values)


def set_value(ctx: RequestContext, entity_type: EntityType, attribute: Attribute, entity_id: Any, stored: Values,
              raw: Any) -> None:
    """PUT /{e}/{id}/{attr}: one value converted and validated in the context of the whole row."""
    if attribute.read_only or attribute.expression is not None:
        raise ApiError(401, [readonly_attribute_message(entity_type.id, attribute.name)])
    if attribute.type == "COMPOUND" or attribute.type == "ONE_TO_MANY":
        raise ApiError(400, [f"Attribute '{attribute.name}' of entity '{entity_type.id}' cannot be set directly"])
    value = convert(attribute, raw, form=False, model=ctx.model, owner_id=entity_type.id, lookup=ctx.lookup,
                    existing=stored)
    values = dict(stored)
    if value is None or value == []:
        values.pop(attribute.name, None)
    else:
        values[attribute.name] = value
    ctx.require(entity_type, "UPDATE_DATA")
    with ctx.store.transaction():
        _check(ctx, entity_type, values, entity_id)
        ctx.repository(entity_type).replace(entity_id, values)


def _default_value_users(ctx: RequestContext, entity_type: EntityType) -> dict[str, list[str]]:
    """DefaultValueReferenceValidatorImpl#getDefaultValueMap: referenced id (as text) -> names of the attributes
    (of any entity type) whose default value points at it."""
    users: dict[str, list[str]] = {}
    for owner in ctx.model.entity_types.values():
        for attribute in owner.atomic_attributes():
            if not attribute.is_reference or attribute.default is None or attribute.type == "ONE_TO_MANY":
                continue
            if ref_entity_id(attribute) != entity_type.id:
                continue
            text = default_text(attribute.default) or ""
            ids = text.split(",") if attribute.type in MULTI_REFERENCE_TYPES else [text]
            for ref in ids:
                names = users.setdefault(ref.strip() if attribute.type in MULTI_REFERENCE_TYPES else ref, [])
                if attribute.name not in names:
                    names.append(attribute.name)
    return users


def refuse_default_value_row(ctx: RequestContext, entity_type: EntityType, entity_id: Any) -> None:
    """A row some attribute uses as its default value cannot be deleted (checked before the row is looked up, so
    this holds for an id that does not exist too)."""
    names = _default_value_users(ctx, entity_type).get(java_str(entity_id))
    if names:
        raise ApiError(400, [f"'{entity_type.display_label}' with id '{java_str(entity_id)}' is referenced as default "
                             f"value by attribute(s): '{', '.join(names)}'"])


def refuse_default_value_type(ctx: RequestContext, entity_type: EntityType) -> None:
    """`deleteAll` is refused as soon as any attribute has a default value in this entity type."""
    if _default_value_users(ctx, entity_type):
        raise ApiError(400, [f"'{entity_type.display_label}' entities are referenced as default value by attributes"])


def _refuse_referenced(ctx: RequestContext, entity_type: EntityType, entity_ids: list[Any]) -> None:
    """The database's foreign keys (PostgreSQL repositories): a row still referenced elsewhere stays (D22)."""
    problem = delete_problem(entity_type, entity_ids, model=ctx.model, lookup=ctx.lookup)
    if problem is not None:
        raise problem


PACKAGE_TYPE = "sys_md_Package"
SYSTEM_PACKAGE = "sys"
SYSTEM_METADATA = "System metadata cannot be modified."      # the server's DS05
SYSTEM_TYPE_PREFIX = "sys_"      # the system entity types (SystemEntityTypeRegistry): modified by the system only


def is_system_type(entity_type: EntityType) -> bool:
    return entity_type.id.startswith(SYSTEM_TYPE_PREFIX)


ENTITY_TYPE_META = "sys_md_EntityType"


def delete_entity_type_row(ctx: RequestContext, entity_type: EntityType) -> None:
    """A delete of the type's `sys_md_EntityType` row (the caller checked DELETE_DATA on sys_md_EntityType):
    EntityTypeRepositorySecurityDecorator, a row-level decorator, skips it silently (nothing deleted) without
    DELETE_METADATA on the type, and with it refuses system types (SystemMetadataModificationException, DS05)."""
    if "DELETE_METADATA" in ctx.permissions(entity_type.id):
        if is_system_type(entity_type):
            raise ApiError(401, [SYSTEM_METADATA], code="DS05")
        drop_entity_types(ctx, [entity_type.id])


def delete_row(ctx: RequestContext, entity_type: EntityType, entity_id: Any) -> None:
    """Deletes the row (nothing when it does not exist). A `sys_md_Package` row takes its entity types along, as
    the server's PackageRepositoryDecorator does, after the server's checks (see `_package_delete_plan`); a
    `sys_md_EntityType` row whose id is a type of the model deletes that type (`delete_entity_type_row`). Refused
    when an attribute uses the row as default value, or (database) another row still references it."""
    if entity_type.id == ENTITY_TYPE_META and isinstance(entity_id, str) and ctx.model.get(entity_id) is not None:
        delete_entity_type_row(ctx, ctx.model.get(entity_id))
        return
    if not ctx.may(entity_type, entity_id, "DELETE"):
        return                  # RowLevelSecurityRepositoryDecorator#deleteById: silently nothing, 204
    refuse_default_value_row(ctx, entity_type, entity_id)
    with ctx.store.transaction():
        repository = ctx.repository(entity_type)
        if entity_type.id == PACKAGE_TYPE:
            if repository.get(entity_id) is None:
                return
            doomed = _package_delete_plan(ctx, entity_id)
            if doomed is None:
                return
            drop_entity_types(ctx, doomed)
            _drop_sub_packages(ctx, entity_type, entity_id)
        _refuse_referenced(ctx, entity_type, [entity_id])
        repository.delete(entity_id)
        if entity_type.row_level_secured:
            ctx.security.drop_row_grants(entity_type.id, [entity_id])


def _drop_sub_packages(ctx: RequestContext, package_type: EntityType, package_id: Any) -> None:
    """PackageRepositoryDecorator deletes the package's children (deepest first) with it; the model forgets them."""
    parents = _package_parents(ctx)
    repository = ctx.repository(package_type)

    def drop(parent: Any) -> None:
        for child in [p for p, up in parents.items() if up == parent and p != parent]:
            drop(child)
            repository.delete(child)
    drop(package_id)
    model = edit_model(ctx.store)
    for package in _package_subtree(parents, package_id):
        model.packages.pop(package, None)
    save_model(ctx.store, model)


def _package_parents(ctx: RequestContext) -> dict[str, str | None]:
    """Package id -> parent id, from the model's packages and the sys_md_Package rows (rows win)."""
    parents: dict[str, str | None] = {p.id: p.parent for p in ctx.model.packages.values()}
    package_type = ctx.model.get(PACKAGE_TYPE)
    if package_type is not None and package_type.attribute("parent") is not None:
        for row in ctx.repository(package_type).scan():
            parents[row[package_type.id_attribute.name]] = row.get("parent")
    return parents


def _package_subtree(parents: dict[Any, Any], package_id: Any) -> set[Any]:
    """The package and every package below it (`parents`: package id -> parent id)."""
    subtree = {package_id}
    grew = True
    while grew:
        children = {p for p, parent in parents.items() if parent in subtree} - subtree
        subtree |= children
        grew = bool(children)
    return subtree


def _package_delete_plan(ctx: RequestContext, package_id: str) -> list[str] | None:
    """The entity types deleting this package removes, or None when the server silently deletes nothing.

    - a system package (`sys` or below it; the packages the `sys_*` types live in) refuses for every user
      (SystemMetadataModificationException, DS05);
    - a top-level package is deleted by superusers only: for anyone else the server's row-level security skips
      the row and answers 204 (PackageRepositorySecurityDecorator.deleteById);
    - every entity type in the package and its sub-packages needs DELETE_METADATA (the entity type
      repository's security decorator), else 401 DS04 and nothing is deleted."""
    parents = _package_parents(ctx)
    chain, current = [], package_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    system_homes = {t.package for t in ctx.model.entity_types.values() if is_system_type(t)}
    if SYSTEM_PACKAGE in chain or chain[-1] in system_homes:
        raise ApiError(401, [SYSTEM_METADATA], code="DS05")
    subtree = _package_subtree(parents, package_id)
    doomed = [t for t in ctx.model.entity_types.values() if t.package in subtree]
    superuser = bool((ctx.security.user(ctx.username) or {}).get("superuser")) if ctx.username else False
    if not superuser:
        if parents.get(package_id) is None:
            return None
        for doomed_type in doomed:
            ctx.require(doomed_type, "DELETE_METADATA")
    return [t.id for t in doomed]


def delete_all(ctx: RequestContext, entity_type: EntityType) -> None:
    """Every row, with the same refusals as `delete_row` (default values first, then references)."""
    refuse_default_value_type(ctx, entity_type)
    repository = ctx.repository(entity_type)
    with ctx.store.transaction():
        id_name = entity_type.id_attribute.name
        ids = [row.get(id_name) for row in repository.scan()]
        permitted = [entity_id for entity_id in ids if ctx.may(entity_type, entity_id, "DELETE")]
        _refuse_referenced(ctx, entity_type, permitted)
        if len(permitted) == len(ids):
            repository.delete_all()
        else:                   # RowLevelSecurityRepositoryDecorator#deleteAll: only the rows it may delete
            for entity_id in permitted:
                repository.delete(entity_id)
        if entity_type.row_level_secured:
            ctx.security.drop_row_grants(entity_type.id, permitted)


def drop_entity_types(ctx: RequestContext, entity_type_ids: list[str]) -> None:
    """Removes entity types and their rows from the model and the store (DELETE /{e}/meta)."""
    if not entity_type_ids:
        return
    problem = drop_problem(entity_type_ids, model=ctx.model)
    if problem is not None:
        raise problem
    with ctx.store.transaction():
        model = edit_model(ctx.store)
        for type_id in entity_type_ids:
            model.remove(type_id)
            ctx.store.drop(collection_name(type_id))
            ctx.security.drop_row_grants(type_id)
        save_model(ctx.store, model)
