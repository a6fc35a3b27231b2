"""One row and one value: GET/PUT/DELETE /{e}/{id}, GET/PUT /{e}/{id}/{attr}, and their POST `_method` tunnels."""
from __future__ import annotations

from typing import Any

from connexion import request

from apitwin.errors import ApiError
from apitwin_apis.molgenis import data
from apitwin_apis.molgenis.context import RequestContext, attribute_of, request_context
from apitwin_apis.molgenis.inputs import (ABSENT, body_array, collection_request, is_form, read_form, refuse_query_sort,
                                      require_object_body, sent_json, string_array, tunnel_method)
from apitwin_apis.molgenis.render import RenderProblem, attribute_value, entity_map, parse_attributes, parse_expand


def _row_body(ctx: RequestContext, entity_type_id: str, raw_id: str, attributes: list[str] | None,
              expand: list[str] | None) -> dict[str, Any]:
    """`attributes`/`expand` arrive as item lists (query items already split, or a tunnel body's arrays)."""
    entity_type = ctx.entity_type(entity_type_id, "READ_DATA")
    _, values = ctx.row(entity_type, raw_id)
    return entity_map(entity_type, values, model=ctx.model, lookup=ctx.lookup,
                      attributes=parse_attributes(attributes, split_single=False),
                      expand=parse_expand(expand, split_single=False), prefix=ctx.prefix)


async def get_row(entityTypeId: str, id: str, token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    return _row_body(request_context(token_info), entityTypeId, id, string_array("attributes"), string_array("expand"))


async def update_row(entityTypeId: str, id: str, body: Any = None, token_info: dict[str, Any] | None = None,
                     **_: Any) -> Any:
    await _replace(request_context(token_info), entityTypeId, id, body)
    return None, 200


async def _replace(ctx: RequestContext, entity_type_id: str, raw_id: str, body: Any) -> int:
    """The PUT behaviour for JSON (200) and forms (204, as the server's form mapping answers)."""
    # RestController#updateInternal: the row is read first (READ_DATA, 404 D02); UPDATE_DATA when it is written
    entity_type = ctx.entity_type(entity_type_id, "READ_DATA")
    entity_id, _ = ctx.row(entity_type, raw_id)
    if is_form():
        ctx.require(entity_type, "UPDATE_DATA")
        form = await read_form()
        files = data.store_files(ctx, entity_type, form.files, str(request.base_url))
        data.replace(ctx, entity_type, entity_id, form.values, form=True, files=files)
        return 204
    if not isinstance(body, dict):
        raise ApiError(400, ["Request body must be a JSON object with attribute values"])
    data.replace(ctx, entity_type, entity_id, body, form=False)
    return 200


async def delete_row(entityTypeId: str, id: str, token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    ctx = request_context(token_info)
    entity_type = ctx.entity_type(entityTypeId, "DELETE_DATA")
    entity_id = ctx.typed_id(entity_type, id)
    if entity_id is not None:
        data.delete_row(ctx, entity_type, entity_id)
    return None, 204


async def post_row(entityTypeId: str, id: str, body: Any = None, token_info: dict[str, Any] | None = None,
                   _method: str | None = None, **_: Any) -> Any:
    method = await tunnel_method(_method)
    ctx = request_context(token_info)
    if method == "GET":
        require_object_body(absent_allowed=True)
        return _row_body(ctx, entityTypeId, id, body_array(body, "attributes"), body_array(body, "expand"))
    if method == "PUT":
        return None, await _replace(ctx, entityTypeId, id, body)
    if method == "DELETE":
        return await delete_row(entityTypeId, id, token_info)
    raise ApiError(400, ["Request method 'POST' not supported on a row without _method=GET, PUT or DELETE"])


# -- /{e}/{id}/{attr} ----------------------------------------------------------------------------------------------

def _value_body(ctx: RequestContext, entity_type_id: str, raw_id: str, attribute_name: str, *, start: int, num: int,
                attributes: list[str] | None, expand: list[str] | None) -> dict[str, Any]:
    entity_type = ctx.entity_type(entity_type_id, "READ_DATA")
    attribute = attribute_of(entity_type, attribute_name)          # the attribute is checked before the row
    _, values = ctx.row(entity_type, raw_id)
    try:
        return attribute_value(entity_type, values, attribute, model=ctx.model, lookup=ctx.lookup, start=start,
                               num=num, attributes=parse_attributes(attributes, split_single=False),
                               expand=parse_expand(expand, split_single=False), prefix=ctx.prefix)
    except RenderProblem as problem:
        if problem.message == "entity is null":   # the server's 500; a reference that is not there: 404
            raise ApiError(404, ["entity is null"]) from None
        raise


async def get_attribute_value(entityTypeId: str, id: str, attributeName: str, start: int = 0, num: int = 100,
                              token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    refuse_query_sort()
    return _value_body(request_context(token_info), entityTypeId, id, attributeName, start=start, num=num,
                       attributes=string_array("attributes"), expand=string_array("expand"))


async def update_attribute(entityTypeId: str, id: str, attributeName: str, body: Any = None,
                           token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    ctx = request_context(token_info)
    # RestController#updateAttribute: the row is read first (404 D02), then the attribute (404 D04), then the
    # read-only check and the conversion; UPDATE_DATA is checked when the row is written
    entity_type = ctx.entity_type(entityTypeId, "READ_DATA")
    entity_id, stored = ctx.row(entity_type, id)
    attribute = attribute_of(entity_type, attributeName)
    value = sent_json()                      # the value as sent; no body at all means null (as the server)
    data.set_value(ctx, entity_type, attribute, entity_id, stored, None if value is ABSENT else value)
    return None, 200


async def post_attribute_value(entityTypeId: str, id: str, attributeName: str, body: Any = None,
                               token_info: dict[str, Any] | None = None, _method: str | None = None,
                               **_: Any) -> Any:
    method = await tunnel_method(_method)
    if method == "GET":
        wanted = collection_request(body)
        return _value_body(request_context(token_info), entityTypeId, id, attributeName, start=wanted["start"],
                           num=wanted["num"], attributes=wanted["attributes"], expand=wanted["expand"])
    if method == "PUT":
        return await update_attribute(entityTypeId, id, attributeName, body, token_info)
    raise ApiError(400, ["Request method 'POST' not supported on an attribute without _method=GET or PUT"])
