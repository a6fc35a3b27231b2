"""All rows of an entity type: GET /{e} (numbered q[i] rules), POST /{e} (create, or `_method=GET|DELETE`),
DELETE /{e}."""
from __future__ import annotations

from typing import Any

from connexion import request

from apitwin.errors import ApiError
from apitwin.server.state import patterned_query
from apitwin_apis.molgenis import data
from apitwin_apis.molgenis.context import RequestContext, request_context
from apitwin_apis.molgenis.inputs import (collection_request, is_form, media_type, read_form, refuse_query_sort,
                                      require_object_body,
                                      string_array, tunnel_method)
from apitwin_apis.molgenis.query import rules_from_params
from apitwin_apis.molgenis.render import collection, entity_type_response, href, parse_attributes, parse_expand


def _collection_body(ctx: RequestContext, entity_type_id: str, *, start: int, num: int, rules: Any, sort: Any,
                     attributes: list[str] | None, expand: list[str] | None) -> dict[str, Any]:
    entity_type = ctx.entity_type(entity_type_id, "READ_DATA", "COUNT_DATA")
    wanted = parse_attributes(attributes, split_single=False)
    expanded = parse_expand(expand, split_single=False)
    rows, total = data.query_page(ctx, entity_type, rules=rules, sort=sort, start=start, num=num)
    meta = entity_type_response(entity_type, permissions=ctx.permissions, model=ctx.model, prefix=ctx.prefix)
    return collection(entity_type, rows, start=start, num=num, total=total, meta=meta, model=ctx.model,
                      lookup=ctx.lookup, attributes=wanted, expand=expanded, prefix=ctx.prefix)


async def list_rows(entityTypeId: str, start: int = 0, num: int = 100, token_info: dict[str, Any] | None = None,
                    **_: Any) -> Any:
    refuse_query_sort()
    params: dict[str, list[str]] = {}
    for name, value in patterned_query(request.scope):    # q[i].* (set aside by the engine)
        params.setdefault(name, []).append(value)
    rules = rules_from_params(params)
    return _collection_body(request_context(token_info), entityTypeId, start=start, num=num, rules=rules or None,
                            sort=None, attributes=string_array("attributes"), expand=string_array("expand"))


async def delete_all(entityTypeId: str, token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    ctx = request_context(token_info)
    data.delete_all(ctx, ctx.entity_type(entityTypeId, "DELETE_DATA"))
    return None, 204


async def post_collection(entityTypeId: str, body: Any = None, token_info: dict[str, Any] | None = None,
                          _method: str | None = None, **_: Any) -> Any:
    method = await tunnel_method(_method)
    ctx = request_context(token_info)
    if method == "GET":
        wanted = collection_request(body)
        return _collection_body(ctx, entityTypeId, start=wanted["start"], num=wanted["num"], rules=wanted["q"],
                                sort=wanted["sort"], attributes=wanted["attributes"], expand=wanted["expand"])
    if method == "DELETE":
        return await delete_all(entityTypeId, token_info)
    if method == "PUT":
        raise ApiError(405, ["Request method 'PUT' not supported"])
    return await _create(ctx, entityTypeId, body)


async def _create(ctx: RequestContext, entity_type_id: str, body: Any) -> Any:
    # RestController#createInternal converts the values first; ADD_DATA is checked when the row is added (before
    # uploaded files are stored for a form)
    entity_type = ctx.entity_type(entity_type_id)
    if is_form():
        ctx.require(entity_type, "ADD_DATA")
        form = await read_form()
        files = data.store_files(ctx, entity_type, form.files, str(request.base_url))
        entity_id = data.create(ctx, entity_type, form.values, form=True, files=files)
    else:
        if not media_type():
            raise ApiError(415, ["Content type '' not supported"])
        require_object_body()      # @RequestBody Map: no body and `null` are Spring's "missing body" (400)
        if not isinstance(body, dict):
            raise ApiError(400, ["Request body must be a JSON object with attribute values"])
        entity_id = data.create(ctx, entity_type, body, form=False)
    return None, 201, {"Location": href(entity_type.id, entity_id, prefix=ctx.prefix)}
