"""/api/v2/{entityTypeId}/{id}: one row with its `_meta` (GET, or POST `_method=GET`), DELETE; and
PUT /api/v2/{entityTypeId}/{attributeName}: one attribute of many rows (`updateAttribute`)."""
from __future__ import annotations

from typing import Any

from apitwin.errors import ApiError
from apitwin_apis.molgenis import data
from apitwin_apis.molgenis.context import RequestContext, request_context, unknown_attribute, unknown_entity
from apitwin_apis.molgenis.v2 import render
from apitwin_apis.molgenis.v2.attrs import parse_attrs, to_fetch
from apitwin_apis.molgenis.v2.entities import body_id
from apitwin_apis.molgenis.v2.inputs import batch_body, collection_request


def retrieve(ctx: RequestContext, entity_type_id: str, raw_id: str, attrs: str | None, include_categories: bool
             ) -> dict[str, Any]:
    """`getEntityResponse`: type (READ_METADATA), fetch (unknown attrs 404 D04), row (READ_DATA, 404 D02), then
    `_meta` first and the row's values after it."""
    entity_type = ctx.entity_type(entity_type_id)
    fetch = to_fetch(parse_attrs(attrs) if attrs is not None else None, entity_type, ctx.model)
    ctx.require(entity_type, "READ_DATA")
    _, values = ctx.row(entity_type, raw_id)
    body: dict[str, Any] = {"_meta": render.entity_type_response(
        entity_type, fetch, model=ctx.model, permissions=ctx.permissions, lookup=ctx.lookup,
        include_categories=include_categories, prefix=ctx.prefix)}
    return render.entity(entity_type, values, fetch, model=ctx.model, lookup=ctx.lookup, prefix=ctx.prefix, out=body)


async def retrieve_entity(entityTypeId: str, id: str, attrs: str | None = None, includeCategories: bool = False,
                          token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    return retrieve(request_context(token_info), entityTypeId, id, attrs, includeCategories)


async def post_entity(entityTypeId: str, id: str, _method: str | None = None, attrs: str | None = None,
                      includeCategories: bool = False, token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    """The `_method=GET` tunnel (`attrs`/`includeCategories` from the query string or a form body)."""
    wanted = await collection_request(None, None, attrs, 0, 100, includeCategories)
    return retrieve(request_context(token_info), entityTypeId, id, wanted.attrs, wanted.include_categories)


async def delete_entity(entityTypeId: str, id: str, token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    """204 also when the row does not exist (the repository deletes by id)."""
    ctx = request_context(token_info)
    entity_type = ctx.entity_type(entityTypeId, "DELETE_DATA")
    entity_id = ctx.typed_id(entity_type, id)
    if entity_id is not None:
        data.delete_row(ctx, entity_type, entity_id)
    return None, 204


async def update_attribute(entityTypeId: str, id: str, body: Any = None, token_info: dict[str, Any] | None = None,
                           **_: Any) -> Any:
    """PUT /{e}/{attributeName} with `{"entities": [{<id attr>: ..., <attribute>: ...}, ...]}`: each entry names
    a row and the new value, nothing else; all or nothing."""
    entities = batch_body("entities")
    ctx = request_context(token_info)
    entity_type = ctx.entity_type(entityTypeId)
    attribute = entity_type.attribute(id)
    if attribute is None:
        raise unknown_attribute(entity_type, id)
    if attribute.read_only:
        raise ApiError(401, [f"Operation failed. Attribute '{attribute.name}' of entity '{entity_type.id}' is "
                             "readonly"])
    if any(not isinstance(e, dict) or len(e) != 2 for e in entities):
        raise ApiError(400, ["Operation failed. Entities must provide only an identifier and a value"])
    ctx.require(entity_type, "UPDATE_DATA")
    repository = ctx.repository(entity_type)
    done: list[tuple[Any, dict[str, Any]]] = []
    with ctx.store.transaction():
        try:
            for index, payload in enumerate(entities):
                entity_id = body_id(ctx, entity_type, payload)
                if entity_id is None:
                    raise ApiError(400, [f"Operation failed. Unknown identifier on index {index}"])
                stored = repository.get(entity_id)
                if stored is None:
                    raise unknown_entity(entity_type, entity_id)
                data.set_value(ctx, entity_type, attribute, entity_id, stored, payload.get(attribute.name))
                done.append((entity_id, stored))
        except Exception:
            for entity_id, stored in reversed(done):
                repository.replace(entity_id, stored)
            raise
    return None, 200
