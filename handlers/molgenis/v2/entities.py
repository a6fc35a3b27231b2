"""/api/v2/{entityTypeId}: retrieve (GET, or POST `_method=GET`), batch create (POST), batch update (PUT), batch
delete (DELETE with `entityIds`) — RestControllerV2's collection mappings over the shared data core."""
from __future__ import annotations

from typing import Any

from apitwin.errors import ApiError
from apitwin_apis.molgenis import data
from apitwin_apis.molgenis.context import RequestContext, request_context
from apitwin_apis.molgenis.inputs import is_form, media_type
from apitwin_apis.molgenis.model import EntityType
from apitwin_apis.molgenis.render import next_start, prev_start
from apitwin_apis.molgenis.v2 import render
from apitwin_apis.molgenis.v2.attrs import to_fetch
from apitwin_apis.molgenis.v2.inputs import CollectionRequest, batch_body, collection_request, page_link
from apitwin_apis.molgenis.values import ValueProblem, convert, typed_id


def retrieve(ctx: RequestContext, entity_type_id: str, wanted: CollectionRequest) -> dict[str, Any]:
    """`createEntityCollectionResponse`: the query and the fetch are built first (their errors first), then the
    count (COUNT_DATA) and, when rows are asked for and exist, the page (READ_DATA). `num=0` returns no items."""
    entity_type = ctx.entity_type(entity_type_id)
    rules = wanted.rules(entity_type, ctx.model)
    sort = wanted.sort_orders()
    fetch = to_fetch(wanted.attr_filter(), entity_type, ctx.model)
    ctx.require(entity_type, "COUNT_DATA")
    _, total = data.query_page(ctx, entity_type, rules=rules, sort=sort, start=0, num=1)
    rows: list[Any] = []
    if total > 0 and wanted.num > 0:
        ctx.require(entity_type, "READ_DATA")
        rows, total = data.query_page(ctx, entity_type, rules=rules, sort=sort, start=wanted.start, num=wanted.num)
    items = [render.entity(entity_type, row, fetch, model=ctx.model, lookup=ctx.lookup, prefix=ctx.prefix)
             for row in rows]
    previous, following = prev_start(wanted.start, wanted.num), next_start(wanted.start, wanted.num, total)
    meta = render.entity_type_response(entity_type, fetch, model=ctx.model, permissions=ctx.permissions,
                                       lookup=ctx.lookup, include_categories=wanted.include_categories,
                                       prefix=ctx.prefix)
    return render.collection(entity_type, items, meta=meta, start=wanted.start, num=wanted.num, total=total,
                             prev_href=page_link(previous) if previous is not None else None,
                             next_href=page_link(following) if following is not None else None, prefix=ctx.prefix)


async def retrieve_entity_collection(entityTypeId: str, q: str | None = None, sort: str | None = None,
                                     attrs: str | None = None, start: int = 0, num: int = 100,
                                     includeCategories: bool = False, token_info: dict[str, Any] | None = None,
                                     **_: Any) -> Any:
    wanted = await collection_request(q, sort, attrs, start, num, includeCategories)
    return retrieve(request_context(token_info), entityTypeId, wanted)


async def post_entity_collection(entityTypeId: str, body: Any = None, _method: str | None = None,
                                 q: str | None = None, sort: str | None = None, attrs: str | None = None,
                                 start: int = 0, num: int = 100, includeCategories: bool = False,
                                 token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    """`_method=GET` retrieves (parameters in the query string or a form body); otherwise a batch create."""
    if _method == "GET":
        wanted = await collection_request(q, sort, attrs, start, num, includeCategories)
        return retrieve(request_context(token_info), entityTypeId, wanted)
    if is_form():                       # the create mapping reads JSON only (@RequestBody)
        raise ApiError(415, [f"Content type '{media_type()}' not supported"])
    return create_entities(request_context(token_info), entityTypeId, batch_body("entities"))


def create_entities(ctx: RequestContext, entity_type_id: str, entities: list[Any]) -> Any:
    """All or nothing: each row is created as a v1 create would be (conversion, defaults, auto ids, validation);
    when one fails, the rows created before it are removed again and the failure is the answer."""
    entity_type = ctx.entity_type(entity_type_id, "ADD_DATA")
    created: list[Any] = []
    repository = ctx.repository(entity_type)
    with ctx.store.transaction():
        try:
            for payload in entities:
                if not isinstance(payload, dict):
                    raise ApiError(400, ["Invalid request body."])
                created.append(data.create(ctx, entity_type, payload, form=False))
        except Exception:
            for entity_id in reversed(created):
                repository.delete(entity_id)
            raise
    ids = [str(entity_id) for entity_id in created]
    id_name = entity_type.id_attribute.name
    quoted = ",".join('"' + render.encode_segment(entity_id) + '"' for entity_id in ids)
    return {"location": f"{render.href(entity_type.id, prefix=ctx.prefix)}?q={id_name}=in=({quoted})",
            "resources": [{"href": render.href(entity_type.id, entity_id, prefix=ctx.prefix)} for entity_id in ids]
            }, 201


def body_id(ctx: RequestContext, entity_type: EntityType, payload: dict[str, Any]) -> Any:
    """The id a batch row names, typed as `RestService.toEntity` types it (None when absent)."""
    raw = payload.get(entity_type.id_attribute.name)
    if raw is None:
        return None
    return convert(entity_type.id_attribute, raw, form=False, model=ctx.model, owner_id=entity_type.id,
                   lookup=ctx.lookup)


def not_updated(entity_type: EntityType, entity_id: Any) -> ApiError:
    """PostgreSqlRepository.verifyUpdate (a MolgenisValidationException: 400 without code in v2)."""
    return ApiError(400, [f"Cannot update [{entity_type.id}] with id [{entity_id}] because it does not exist"])


async def update_entities(entityTypeId: str, body: Any = None, token_info: dict[str, Any] | None = None,
                          **_: Any) -> Any:
    """Full replacement of each named row, all or nothing (rows replaced before a failure get their old values
    back)."""
    entities = batch_body("entities")
    ctx = request_context(token_info)
    entity_type = ctx.entity_type(entityTypeId, "UPDATE_DATA")
    repository = ctx.repository(entity_type)
    done: list[tuple[Any, Any, dict[str, Any]]] = []     # (id before, id after, old values)
    with ctx.store.transaction():
        try:
            for payload in entities:
                if not isinstance(payload, dict):
                    raise ApiError(400, ["Invalid request body."])
                entity_id = body_id(ctx, entity_type, payload)
                old = repository.get(entity_id) if entity_id is not None else None
                if old is None:
                    raise not_updated(entity_type, "null" if entity_id is None else entity_id)
                new_id = data.replace(ctx, entity_type, entity_id, payload, form=False)
                done.append((entity_id, new_id, old))
        except Exception:
            for entity_id, new_id, old in reversed(done):
                repository.replace(new_id, old)
            raise
    return None, 200


async def delete_entity_collection(entityTypeId: str, body: Any = None, token_info: dict[str, Any] | None = None,
                                   **_: Any) -> Any:
    """DELETE with `{"entityIds": [...]}`: ids that do not exist are skipped (the repository deletes by id)."""
    entity_ids = batch_body("entityIds")
    ctx = request_context(token_info)
    entity_type = ctx.entity_type(entityTypeId)
    if entity_type.abstract:
        raise ApiError(400, [f"Cannot delete entities because type [{entityTypeId}] is abstract."])
    ctx.require(entity_type, "DELETE_DATA")
    typed = []
    for raw in entity_ids:
        try:
            typed.append(typed_id(entity_type, str(raw), model=ctx.model))
        except ValueProblem:
            continue                      # no row can have that id (the server: 500 NumberFormatException)
    with ctx.store.transaction():
        for entity_id in typed:
            data.delete_row(ctx, entity_type, entity_id)
    return None, 204
