"""/api/v2/{entityTypeId}/meta/{attributeName}: one attribute's `AttributeResponseV2` (GET, or POST
`_method=GET`). v2 has no entity type metadata route: the metadata comes with every collection and row."""
from __future__ import annotations

from typing import Any

from apitwin_apis.molgenis.context import request_context, unknown_attribute
from apitwin_apis.molgenis.v2 import render


def _attribute(entity_type_id: str, attribute_name: str, token_info: dict[str, Any] | None) -> dict[str, Any]:
    ctx = request_context(token_info)
    entity_type = ctx.entity_type(entity_type_id)
    attribute = entity_type.attribute(attribute_name)
    if attribute is None:
        raise unknown_attribute(entity_type, attribute_name)
    # the controller passes no fetch: a referenced type is shown with all its attributes
    return render.attribute_response(entity_type, attribute, None, model=ctx.model, permissions=ctx.permissions,
                                     lookup=ctx.lookup, prefix=ctx.prefix)


async def retrieve_attribute_meta(entityTypeId: str, attributeName: str, token_info: dict[str, Any] | None = None,
                                  **_: Any) -> Any:
    return _attribute(entityTypeId, attributeName, token_info)


async def post_attribute_meta(entityTypeId: str, attributeName: str, _method: str | None = None,
                              token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    return _attribute(entityTypeId, attributeName, token_info)
