"""Metadata API (`GET /api/metadata/{entityTypeId}`, `.../attributes/{attributeId}`): one entity type or one of its
own attributes as `MetadataApiController#getEntityType`/`#getAttribute` render them through
`EntityTypeResponseMapperImpl` and `AttributeResponseMapperImpl` (molgenis-api-metadata 10.2.4).

Links are absolute (`fromCurrentRequestUri().replacePath(null)`); nulls are omitted (Gson). Failures leave as the
server's problem+json (`problem.render_error` picks that shape for this document's paths).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from connexion import request

from apitwin_apis.molgenis.context import RequestContext, request_context, unknown_attribute, unknown_entity_type
from apitwin_apis.molgenis.data import is_system_type
from apitwin_apis.molgenis.model import Attribute, EntityType

META_PATH = "/api/metadata"
INDEXING_DEPTH = 1          # EntityTypeMetadata's default for every type the mock has


def _links(self_url: str) -> dict[str, str]:
    return {"self": self_url}


def _i18n(default: str) -> dict[str, Any]:
    """`I18nValue`: the default and the per-language values (`label-nl`, ...); the mock's model has none."""
    return {"defaultValue": default, "translations": {}}


def _add_texts(out: dict[str, Any], label: str, description: str | None, i18n: bool) -> None:
    """label, description and (with `i18n`) their translations, in the order both response mappers write them."""
    out["label"] = label
    if description is not None:
        out["description"] = description
    if i18n:
        out["labelI18n"] = _i18n(label)
        if description is not None:
            out["descriptionI18n"] = _i18n(description)


def attribute_id(entity_type: EntityType, attribute: Attribute) -> str:
    """The attribute's identifier. The server generates one when the attribute is created; the mock derives a
    stable one from the owning type and the name (docs/molgenis-deltas.md)."""
    return f"{entity_type.id}_{attribute.name}"


class Renderer:
    """One request's rendering: the absolute base URL and the model (for parents, references and categories)."""

    def __init__(self, ctx: RequestContext, base: str) -> None:
        self.ctx = ctx
        self.base = base

    def type_url(self, entity_type_id: str) -> str:
        return f"{self.base}{META_PATH}/{entity_type_id}"

    def owner(self, entity_type: EntityType, attribute: Attribute) -> EntityType:
        """The type that defines `attribute` (a parent for inherited ones): its links and id name that type."""
        parent = self.parent(entity_type)
        if parent is not None and parent.attribute(attribute.name) is not None:
            return self.owner(parent, attribute)
        return entity_type

    def parent(self, entity_type: EntityType) -> EntityType | None:
        return self.ctx.model.get(entity_type.extends) if entity_type.extends else None

    def entity_type(self, entity_type: EntityType, *, flatten: bool, i18n: bool, data: bool = True,
                    expand_attributes: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"links": _links(self.type_url(entity_type.id))}
        if not data:
            return out
        body: dict[str, Any] = {"id": entity_type.id}
        _add_texts(body, entity_type.display_label, entity_type.description, i18n)
        if entity_type.package:
            body["package"] = {"links": _links(f"{self.base}/api/data/sys_md_Package/{entity_type.package}")}
        attributes: dict[str, Any] = {"links": _links(f"{self.type_url(entity_type.id)}/attributes")}
        if expand_attributes:
            shown = (list(entity_type.all_attributes()) if flatten
                     else entity_type.own_attributes(self.parent(entity_type)))
            attributes["items"] = [self.attribute(entity_type, a, i18n=i18n) for a in shown]
        body["attributes"] = attributes
        body["abstract"] = entity_type.abstract
        parent = self.parent(entity_type)
        if parent is not None:      # `mapInternal(parent, false, false, false, i18n)`: its links only
            body["extends"] = self.entity_type(parent, flatten=False, i18n=i18n, data=False)
        body["indexingDepth"] = INDEXING_DEPTH
        out["data"] = body
        return out

    def attribute(self, entity_type: EntityType, attribute: Attribute, *, i18n: bool) -> dict[str, Any]:
        owner = self.owner(entity_type, attribute)
        own = list(owner.own_attributes(self.parent(owner)))
        identifier = attribute_id(owner, attribute)
        data: dict[str, Any] = {
            "id": identifier, "name": attribute.name,
            "sequenceNr": next((i for i, a in enumerate(own) if a.name == attribute.name), 0),
            "type": attribute.type.replace("_", "").lower(),   # AttributeType.getValueString
        }
        if attribute.effective_max_length is not None:
            data["maxLength"] = attribute.effective_max_length
        data["idAttribute"] = attribute.id_attribute
        data["labelAttribute"] = attribute.label_attribute
        lookups = [a.name for a in entity_type.lookup_attributes]
        if attribute.name in lookups:
            data["lookupAttributeIndex"] = lookups.index(attribute.name)
        if attribute.is_reference and attribute.ref_entity:
            data["refEntityType"] = _links(self.type_url(attribute.ref_entity))
        ref_type = self.ctx.model.get(attribute.ref_entity) if attribute.ref_entity else None
        if attribute.mapped_by and ref_type is not None:
            mapped = ref_type.attribute(attribute.mapped_by)
            if mapped is not None:
                data["mappedBy"] = self.attribute(ref_type, mapped, i18n=i18n)
                data["orderBy"] = []          # the model keeps no `orderBy`
        _add_texts(data, attribute.display_label, attribute.description, i18n)
        data.update({"nullable": attribute.nillable, "auto": attribute.auto, "visible": attribute.visible,
                     "unique": attribute.unique, "readOnly": attribute.read_only,
                     "aggregatable": attribute.aggregatable})
        if attribute.expression is not None:
            data["expression"] = attribute.expression
        if attribute.type == "ENUM":
            data["enumOptions"] = list(attribute.enum_options)
        if attribute.type in ("CATEGORICAL", "CATEGORICAL_MREF") and ref_type is not None:
            data["categoricalOptions"] = self.categories(ref_type)
        if attribute.range_min is not None or attribute.range_max is not None:
            data["range"] = {k: v for k, v in (("min", attribute.range_min), ("max", attribute.range_max))
                             if v is not None}
        parent = next((a for a in owner.all_attributes() if attribute in a.children), None)
        if parent is not None:
            data["parentAttributeId"] = attribute_id(owner, parent)
        for key, value in (("nullableExpression", attribute.nullable_expression),
                           ("visibleExpression", attribute.visible_expression),
                           ("validationExpression", attribute.validation_expression),
                           ("defaultValue", attribute.default)):
            if value is not None:
                data[key] = str(value)
        link = _links(f"{self.type_url(owner.id)}/attributes/{identifier}")
        return {"link": link, "data": data}

    def categories(self, ref_type: EntityType) -> list[dict[str, Any]]:
        """`getCategories`: every row of the referenced type as {id, label} (the label as text)."""
        id_name, label_name = ref_type.id_attribute.name, ref_type.label_attribute.name
        return [{"id": values.get(id_name), "label": str(values.get(label_name))}
                for values in self.ctx.repository(ref_type).scan()]


def readable_type(ctx: RequestContext, entity_type_id: str) -> EntityType:
    """`MetaDataService#getEntityType`: a system type comes from the registry, which checks READ_METADATA (401 DS04);
    any other type is read through EntityTypeRepositorySecurityDecorator, which hides a type the caller may not read,
    so it is unknown (404 D01)."""
    entity_type = ctx.model.get(entity_type_id)
    if entity_type is not None and not is_system_type(entity_type) \
            and "READ_METADATA" not in ctx.security.permissions(ctx.username, entity_type.id):
        raise unknown_entity_type(entity_type_id)
    return ctx.entity_type(entity_type_id)


def _base_url() -> str:
    """scheme://host[:port] plus the mount prefix: the server's `fromCurrentRequestUri().replacePath(null)`."""
    url = urlsplit(str(request.url))
    return f"{url.scheme}://{url.netloc}"


async def get_entity_type(entityTypeId: str, flattenAttributes: bool = False, i18n: bool = False,
                          token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    ctx = request_context(token_info)
    entity_type = readable_type(ctx, entityTypeId)
    body = Renderer(ctx, _base_url() + ctx.prefix).entity_type(entity_type, flatten=flattenAttributes, i18n=i18n)
    # the document also names problem+json (for failures), so the media type of a success is said here
    return body, 200, {"Content-Type": "application/json"}


async def get_attribute(entityTypeId: str, attributeId: str, token_info: dict[str, Any] | None = None,
                        **_: Any) -> Any:
    """`findAttribute`: the type (D01, DS04), then an attribute it defines itself by id (`getOwnAttributeById`:
    D04 with the id in the message)."""
    ctx = request_context(token_info)
    entity_type = readable_type(ctx, entityTypeId)
    renderer = Renderer(ctx, _base_url() + ctx.prefix)
    own = entity_type.own_attributes(renderer.parent(entity_type))
    attribute = next((a for a in own if attribute_id(entity_type, a) == attributeId), None)
    if attribute is None:
        raise unknown_attribute(entity_type, attributeId)
    return renderer.attribute(entity_type, attribute, i18n=False), 200, {"Content-Type": "application/json"}
