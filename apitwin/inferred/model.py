"""Resources inferred from a document's paths, methods and schemas: `POST/GET /things` is a collection,
`GET/PUT/PATCH/DELETE /things/{id}` its items, `/owners/{ownerId}/pets` a collection scoped by its parent. Every
operation gets a role (list, create, read, replace, merge, delete) on its resource, or `other` (answered from its
documented example or generated data)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from apitwin.http_methods import HTTP_METHODS
from apitwin.inferred.schemas import Schemas, json_media

ID_NAMES = ("id", "uuid", "_id", "key", "name", "slug", "code")


@dataclass
class Resource:
    name: str                          # store collection name: the literal segments, e.g. "owners.pets"
    collection_path: str               # "/owners/{ownerId}/pets"
    item_path: str | None = None       # "/owners/{ownerId}/pets/{petId}"
    id_param: str | None = None        # "petId"
    id_field: str | None = None        # the item property holding the id, e.g. "id"
    id_schema: dict[str, Any] = field(default_factory=dict)
    schema: Any = None                 # the item schema (as in the document, refs kept)
    parent: "Resource | None" = None
    scope_params: tuple[str, ...] = () # path parameters of the collection path (its parents' ids)
    wrapper: str | None = None         # items travel wrapped in one property ({"article": {...}})
    operations: dict[str, str] = field(default_factory=dict)   # role → operationId

    @property
    def parent_param(self) -> str | None:
        return self.scope_params[-1] if self.scope_params else None


@dataclass
class Binding:
    operation_id: str
    method: str
    path: str
    operation: dict[str, Any]
    role: str                          # list, create, read, replace, merge, delete, other
    resource: Resource | None = None
    owner: Resource | None = None      # an `other` operation under an item (/drives/{id}/root): that item's resource


@dataclass
class Model:
    resources: dict[str, Resource]
    bindings: dict[str, Binding]       # operationId → binding
    schemas: Schemas

    def route(self, method: str, path: str) -> Binding | None:
        """The binding serving `method path` (a concrete path, without the API's root); a path with an empty
        parameter (`/things/`) belongs to the operation it was meant for, whose documented errors answer it."""
        for loose in (False, True):
            for binding in self.bindings.values():
                if binding.method == method.lower() and _template_regex(binding.path, loose).fullmatch(path):
                    return binding
        return None


_PARAM = re.compile(r"\{([^}/]+)\}")
_REGEX_CACHE: dict[tuple[str, bool], re.Pattern[str]] = {}


def _template_regex(template: str, loose: bool = False) -> re.Pattern[str]:
    found = _REGEX_CACHE.get((template, loose))
    if found is None:
        parts = _PARAM.split(template)
        value = "[^/]*" if loose else "[^/]+"
        pattern = "".join(re.escape(p) if i % 2 == 0 else value for i, p in enumerate(parts))
        found = _REGEX_CACHE[(template, loose)] = re.compile(pattern + "/?")
    return found


def _owner(path: str, resources: Any) -> Resource | None:
    """The resource whose item path is the longest one `path` starts with, segment by segment."""
    segments = _segments(path)
    found: Resource | None = None
    longest = 0
    for resource in resources:
        item = _segments(resource.item_path) if resource.item_path else []
        if item and segments[:len(item)] == item and len(item) > longest:
            found, longest = resource, len(item)
    return found


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def success(operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The first documented 2xx response (by code; 2XX after the numbered ones), or None."""
    responses = operation.get("responses") or {}
    codes = sorted(c for c in responses if str(c)[:1] == "2" and str(c)[1:].isdigit())
    codes += [c for c in responses if str(c).upper() == "2XX"]
    if not codes:   # no success documented: `default`, else the first documented answer (all a client expects)
        codes = [c for c in responses if str(c) == "default"] + [c for c in responses if str(c)[:1] in "13"]
        codes += [c for c in responses if str(c)[:1] in "45" and str(c)[1:].isdigit()]
    return (str(codes[0]), responses[codes[0]]) if codes else None


def infer(doc: dict[str, Any]) -> Model:
    schemas = Schemas(doc)
    paths = {p: schemas.deref(item) for p, item in (doc.get("paths") or {}).items() if isinstance(item, dict)}
    resources: dict[str, Resource] = {}
    # collections: a path whose last segment is literal and which is followed by `/{param}` or answers POST/list
    for path, item in paths.items():
        segments = _segments(path)
        if not segments or _is_param(segments[-1]):
            continue
        item_path = next((p for p in paths if _segments(p)[:-1] == segments and len(_segments(p)) == len(segments) + 1
                          and _is_param(_segments(p)[-1])), None)
        if item_path is None and "post" not in item:
            continue
        name = ".".join(s for s in segments if not _is_param(s)) or "root"
        scope = tuple(s[1:-1] for s in segments if _is_param(s))
        resource = Resource(name=name, collection_path=path, item_path=item_path, scope_params=scope)
        if item_path:
            resource.id_param = _segments(item_path)[-1][1:-1]
        resources[path] = resource
    # items without a collection path of their own (GET /pets/{id} only)
    for path in paths:
        segments = _segments(path)
        if len(segments) >= 2 and _is_param(segments[-1]) and not _is_param(segments[-2]):
            collection = "/" + "/".join(segments[:-1])
            if collection not in resources and not any(r.item_path == path for r in resources.values()):
                name = ".".join(s for s in segments[:-1] if not _is_param(s))
                resources[collection] = Resource(name=name, collection_path=collection, item_path=path,
                                                 id_param=segments[-1][1:-1],
                                                 scope_params=tuple(s[1:-1] for s in segments[:-1] if _is_param(s)))
    for resource in resources.values():
        parent_segments = _segments(resource.collection_path)
        if resource.scope_params:
            # the parent's item path is the collection path up to (and with) its last parameter
            last = max(i for i, s in enumerate(parent_segments) if _is_param(s))
            parent_item = "/" + "/".join(parent_segments[:last + 1])
            resource.parent = next((r for r in resources.values() if r.item_path == parent_item), None)

    bindings: dict[str, Binding] = {}
    by_item = {r.item_path: r for r in resources.values() if r.item_path}
    for path, item in paths.items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            op_id = operation["operationId"]
            role, resource = "other", None
            if path in resources:
                resource = resources[path]
                role = {"get": "list", "post": "create"}.get(method, "other")
            elif path in by_item:
                resource = by_item[path]
                role = {"get": "read", "put": "replace", "patch": "merge", "delete": "delete"}.get(method, "other")
            if role != "other" and resource is not None:
                resource.operations.setdefault(role, op_id)
            else:
                resource = None if role == "other" else resource
            bindings[op_id] = Binding(op_id, method, path, operation, role, resource)
    for resource in resources.values():
        _schema_and_id(resource, bindings, schemas)
    for binding in bindings.values():
        if binding.role == "other":
            binding.owner = _owner(binding.path, resources.values())
    # a list that is not a list of the resource's items (an object answer) cannot be served from the store
    for binding in bindings.values():
        if binding.role == "list" and binding.resource is not None and binding.resource.schema is None:
            binding.role, binding.resource = "other", None
    return Model(resources, bindings, schemas)


def response_schema(operation: dict[str, Any], schemas: Schemas) -> Any:
    found = success(operation)
    if found is None:
        return None
    media = json_media(schemas.deref(found[1]).get("content"))
    return media[1].get("schema") if media else None


def list_items_schema(schema: Any, schemas: Schemas) -> tuple[str | None, Any]:
    """(envelope property or None for a bare array, item schema) of a list response schema."""
    if schema is None:
        return None, None
    if schemas.is_array(schema):
        return None, schemas.flat(schema).get("items")
    props = schemas.properties(schema)
    arrays = [name for name, prop in props.items() if schemas.is_array(prop)]
    for preferred in ("items", "results", "data", "content", "records", "entries", "values", "elements", "list"):
        if preferred in arrays:
            return preferred, props[preferred].get("items")
    if len(arrays) == 1:
        return arrays[0], props[arrays[0]].get("items")
    return None, None


def wrapped_list(schema: Any, schemas: Schemas) -> tuple[str | None, str | None, Any]:
    """(wrapper, envelope, item schema) of a list whose envelope sits inside one wrapping object, as Shlink's
    `{"shortUrls": {"data": [...], "pagination": {...}}}`; (None, None, None) for any other shape."""
    if schema is None or schemas.is_array(schema):
        return None, None, None
    props = schemas.properties(schema)
    objects = [name for name, prop in props.items() if schemas.properties(prop)]
    if len(objects) != 1 or any(schemas.is_array(prop) for prop in props.values()):
        return None, None, None
    envelope, items = list_items_schema(props[objects[0]], schemas)
    return (objects[0], envelope, items) if envelope is not None else (None, None, None)


def _schema_and_id(resource: Resource, bindings: dict[str, Binding], schemas: Schemas) -> None:
    candidates = []
    for role in ("read", "create", "replace"):
        op_id = resource.operations.get(role)
        if op_id:
            candidates.append(response_schema(bindings[op_id].operation, schemas))
    list_id = resource.operations.get("list")
    if list_id:
        candidates.append(list_items_schema(response_schema(bindings[list_id].operation, schemas), schemas)[1])
    create_id = resource.operations.get("create")
    if create_id:
        body = schemas.deref(bindings[create_id].operation.get("requestBody") or {})
        media = json_media(body.get("content"))
        candidates.append(media[1].get("schema") if media else None)
    for candidate in candidates:
        flat = schemas.flat(candidate) if candidate is not None else {}
        if flat.get("properties") and not schemas.is_array(candidate):
            resource.schema = candidate
            props = schemas.properties(candidate)
            if len(props) == 1:             # {"article": Article}: the item is the one object inside
                (name, inner), = props.items()
                if inner.get("properties") and not schemas.is_array(inner):
                    resource.wrapper = name
                    resource.schema = (schemas.flat(candidate).get("properties") or {})[name]
            break
    props = schemas.properties(resource.schema) if resource.schema is not None else {}
    param = resource.id_param or ""
    names = [param] if param in props else []
    stem = re.sub(r"(_id|Id|ID|_uuid|Uuid|_key|Key|_name|Name)$", "", param)
    names += [n for n in props if n.lower() in (param.lower(), stem.lower() + "id", stem.lower() + "_id")]
    names += [n for n in ID_NAMES if n in props and props[n].get("readOnly")]
    names += [n for n in ID_NAMES if n in props]
    if param.lower().endswith(("name", "username")) and "name" in props:
        names.insert(0, "username" if "username" in props else "name")
    resource.id_field = names[0] if names else None
    if resource.id_field:
        resource.id_schema = _with_path_constraints(
            props[resource.id_field], bindings_param_schema(resource, bindings, schemas) if resource.item_path else {},
            schemas)
    elif resource.item_path:
        item = bindings_param_schema(resource, bindings, schemas)
        resource.id_schema = item or {"type": "string"}


_STRING_CONSTRAINTS = ("format", "pattern", "minLength", "maxLength")


def _with_path_constraints(field_schema: Any, param: dict[str, Any], schemas: Schemas) -> dict[str, Any]:
    """The id field's schema, narrowed by what the item path parameter demands of the same string: a plain
    `uuid: {type: string}` field read back through `/{uuid}` whose parameter says `format: uuid` must hold a uuid,
    or every created item would be refused (400) when read back by its own id."""
    flat = schemas.flat(field_schema) if isinstance(field_schema, dict) else {}
    extra = {k: param[k] for k in _STRING_CONSTRAINTS if k in param and k not in flat}
    if not extra or flat.get("type", "string") != "string" or param.get("type", "string") != "string":
        return field_schema
    return {**flat, **extra}


def bindings_param_schema(resource: Resource, bindings: dict[str, Binding], schemas: Schemas) -> dict[str, Any]:
    for binding in bindings.values():
        if binding.path != resource.item_path:
            continue
        for param in binding.operation.get("parameters") or []:
            param = schemas.deref(param)
            if param.get("in") == "path" and param.get("name") == resource.id_param:
                return schemas.flat(param.get("schema") or {})
    return {}
