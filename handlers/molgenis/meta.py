"""Metadata: GET /{e}/meta (ETR), GET /{e}/meta/{attr} (AR), their `_method=GET` tunnels, DELETE /{e}/meta,
and GET /{e}/exist."""
from __future__ import annotations

from typing import Any

from apitwin.errors import ApiError
from apitwin_apis.molgenis import data
from apitwin_apis.molgenis.context import RequestContext, request_context, unknown_entity_type
from apitwin_apis.molgenis.model_store import model_of
from apitwin_apis.molgenis.inputs import body_array, require_object_body, string_array, tunnel_method
from apitwin_apis.molgenis.render import attribute_response, entity_type_response, parse_attributes, parse_expand

from apitwin import runtime


def _type_body(ctx: RequestContext, entity_type_id: str, attributes: list[str] | None, expand: list[str] | None,
               ) -> dict[str, Any]:
    entity_type = ctx.entity_type(entity_type_id)
    return entity_type_response(entity_type, permissions=ctx.permissions, model=ctx.model,
                                attributes=parse_attributes(attributes, split_single=False),
                                expand=parse_expand(expand, split_single=False), prefix=ctx.prefix)


def _attribute_body(ctx: RequestContext, entity_type_id: str, attribute_name: str, attributes: list[str] | None,
                    expand: list[str] | None) -> dict[str, Any]:
    entity_type = ctx.entity_type(entity_type_id)
    attribute = entity_type.attribute(attribute_name)
    if attribute is None:                   # server quirk: an unknown attribute here is an unknown entity type
        raise unknown_entity_type(entity_type_id)
    return attribute_response(entity_type, attribute, model=ctx.model,
                              attributes=parse_attributes(attributes, split_single=False),
                              expand=parse_expand(expand, split_single=False), permissions=ctx.permissions,
                              prefix=ctx.prefix)


async def get_entity_type(entityTypeId: str, token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    return _type_body(request_context(token_info), entityTypeId, string_array("attributes"), string_array("expand"))


async def delete_entity_type(entityTypeId: str, token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    """`MetaDataService#deleteEntityType` is `deleteById` on sys_md_EntityType: RepositorySecurityDecorator wants
    DELETE_DATA on sys_md_EntityType (401 DS04 on 'Entity type'), then the row-level decorator decides
    (`data.delete_entity_type_row`: silently nothing without DELETE_METADATA, DS05 for system types)."""
    ctx = request_context(token_info)
    entity_type = ctx.model.get(entityTypeId)
    if entity_type is None:
        raise unknown_entity_type(entityTypeId)
    meta_type = ctx.model.get(data.ENTITY_TYPE_META)
    if meta_type is not None:
        ctx.require(meta_type, "DELETE_DATA")
    data.delete_entity_type_row(ctx, entity_type)
    return None, 204


async def post_entity_type(entityTypeId: str, body: Any = None, token_info: dict[str, Any] | None = None,
                           _method: str | None = None, **_: Any) -> Any:
    method = await tunnel_method(_method)
    if method == "GET":
        require_object_body()
        return _type_body(request_context(token_info), entityTypeId, body_array(body, "attributes"),
                          body_array(body, "expand"))
    if method == "DELETE":
        return await delete_entity_type(entityTypeId, token_info)
    raise ApiError(400, ["Request method 'POST' not supported on /meta without _method=GET or DELETE"])


async def get_attribute(entityTypeId: str, attributeName: str, token_info: dict[str, Any] | None = None,
                        **_: Any) -> Any:
    return _attribute_body(request_context(token_info), entityTypeId, attributeName, string_array("attributes"),
                           string_array("expand"))


async def post_attribute(entityTypeId: str, attributeName: str, body: Any = None,
                         token_info: dict[str, Any] | None = None, _method: str | None = None, **_: Any) -> Any:
    method = await tunnel_method(_method)
    if method != "GET":
        raise ApiError(400, ["Request method 'POST' not supported on /meta/{attribute} without _method=GET"])
    require_object_body()
    return _attribute_body(request_context(token_info), entityTypeId, attributeName, body_array(body, "attributes"),
                           body_array(body, "expand"))


async def exists(entityTypeId: str, **_: Any) -> Any:
    """Does a repository exist (the controller checks no permission)."""
    return model_of(runtime.current().store).get(entityTypeId) is not None
