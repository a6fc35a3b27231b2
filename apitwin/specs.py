"""OpenAPI documents: loading, the 3.0 view Connexion needs, operation lookup, and serving the real document.

The contract is written in OpenAPI 3.1 (webhooks, JSON Schema 2020-12 nullability). Connexion 3.3 only accepts
3.0, so it gets an in-memory 3.0 *view* for routing and validation; users, Swagger UI and schemathesis always get
the 3.1 document itself, with `servers` pointing at where this mock serves it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from starlette.responses import Response
from connexion.json_schema import resolve_refs

from apitwin import content_cache
from apitwin.http_methods import HTTP_METHODS
from apitwin.plaindata import deep_copy

_DATA_KEYS = {"example", "examples", "default", "enum", "const", "x-examples"}


# libyaml's parser builds the same documents as PyYAML's pure-Python one, ten times faster (start-up time)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_spec(path: Path) -> dict[str, Any]:
    """The document at `path`; the parse of the same bytes is read from apitwin.content_cache (parsing the specs
    was a fifth of building the MOLGENIS app)."""
    text = Path(path).read_text(encoding="utf-8")
    return content_cache.cached(content_cache.key("specs.load_spec", yaml.__version__, SAFE_LOADER.__name__, text),
                                lambda: yaml.load(text, Loader=SAFE_LOADER))  # noqa: S506 - a safe loader


def spec_base_path(spec: dict[str, Any]) -> str:
    """The documented root from servers[0] (Connexion's rule), without a trailing slash."""
    servers = spec.get("servers") or [{"url": "/"}]
    return urlparse(servers[0].get("url", "/")).path.rstrip("/")


def operation_index(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """operationId → operation with every $ref resolved."""
    resolved = resolve_refs(spec)      # which resolves a copy
    index = {}
    for item in resolved.get("paths", {}).values():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict) and operation.get("operationId"):
                index[operation["operationId"]] = operation
    return index


def route_order(path: str) -> tuple[int, ...]:
    """Literal segments before templated ones, segment by segment (`/{e}/meta` before `/{e}/{id}`, `/login` before
    `/{e}`): OpenAPI says the concrete path wins; Starlette simply tries routes in order."""
    return tuple(1 if "{" in segment else 0 for segment in path.strip("/").split("/"))


def connexion_view(spec: dict[str, Any]) -> dict[str, Any]:
    """A 3.0.3 copy of a 3.1 document that validates the same requests and responses under Connexion, with its
    paths in matching order."""
    view = deep_copy(spec)
    if isinstance(view.get("paths"), dict):
        view["paths"] = dict(sorted(view["paths"].items(), key=lambda item: route_order(item[0])))
    if not str(view.get("openapi", "")).startswith("3.1"):
        return view
    view["openapi"] = "3.0.3"
    view.pop("webhooks", None)
    view.pop("jsonSchemaDialect", None)
    info = view.get("info", {})
    info.pop("summary", None)
    if isinstance(info.get("license"), dict):
        info["license"].pop("identifier", None)
    wider = _wider_wire_schemas(spec)
    _downgrade(view)
    _type_wire_values(view)
    drop_invalid_defaults(view)
    _note_full_schemas(view, wider)
    return view


# on a parameter's schema, or a form body's, in the view: the 3.1 schema as JSON text (a standalone document: the
# schema under `allOf`, whatever it `$ref`s at its own pointer), where the view left out a keyword with no 3.0 form
# (`prefixItems`, `contains`, `propertyNames`, …); apitwin.validation checks values against it too. Text, so that
# Connexion's reference resolution and copies leave it alone.
FULL_SCHEMA = "x-apitwin-schema-31"


def _wire_places(doc: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """(pointer of the place, schema) for every parameter schema and form body schema of `doc` (parameters by
    their own pointer; a `$ref`'d parameter is found at its component)."""
    places: list[tuple[tuple[str, ...], Any]] = []

    def parameters(owner: Any, at: tuple[str, ...]) -> None:
        for index, parameter in enumerate(owner.get("parameters") or [] if isinstance(owner, dict) else []):
            if isinstance(parameter, dict) and "schema" in parameter:
                places.append(((*at, "parameters", str(index), "schema"), parameter["schema"]))

    for name, parameter in ((doc.get("components") or {}).get("parameters") or {}).items():
        if isinstance(parameter, dict) and "schema" in parameter:
            places.append((("components", "parameters", name, "schema"), parameter["schema"]))
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        parameters(item, ("paths", path))
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            parameters(operation, ("paths", path, method))
            body = operation.get("requestBody")
            if isinstance(body, dict) and "$ref" not in body:
                for media_type in _FORMS:
                    media = (body.get("content") or {}).get(media_type)
                    if isinstance(media, dict) and "schema" in media:
                        places.append((("paths", path, method, "requestBody", "content", media_type, "schema"),
                                       media["schema"]))
    return places


def _wider_wire_schemas(spec: dict[str, Any]) -> dict[tuple[str, ...], str]:
    """pointer → FULL_SCHEMA text, for the parameter and form body schemas of a 3.1 document the view widens."""
    out: dict[tuple[str, ...], str] = {}
    for place, schema in _wire_places(spec):
        refs: dict[str, Any] = {}
        if _lossy(spec, schema, refs):
            root: dict[str, Any] = {"allOf": [schema]}
            for ref, target in refs.items():
                node = root
                tokens = [t.replace("~1", "/").replace("~0", "~") for t in ref[2:].split("/")]
                for token in tokens[:-1]:
                    node = node.setdefault(token, {})
                if isinstance(node, dict):
                    node[tokens[-1]] = target
            try:
                out[place] = json.dumps(root)
            except (TypeError, ValueError):     # not JSON (a YAML date key): the view's check stays the only one
                continue
    return out


def _lossy(spec: dict[str, Any], schema: Any, refs: dict[str, Any], named: bool = False) -> bool:
    """Whether `schema` (its local `$ref`s followed, each recorded in `refs`) uses a keyword in _LOSSY."""
    found = False
    pending: list[tuple[Any, bool]] = [(schema, named)]
    while pending:
        node, named = pending.pop()
        if isinstance(node, list):
            pending.extend((item, False) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        if named:
            pending.extend((value, False) for value in node.values())
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in refs:
            refs[ref] = _pointer(spec, ref)
            pending.append((refs[ref], False))
        found = found or any(key in _LOSSY for key in node)
        for key, value in node.items():
            if key not in _DATA_KEYS and not str(key).startswith("x-"):
                pending.append((value, key in _NAME_MAPS))
    return found


def _note_full_schemas(view: dict[str, Any], wider: dict[tuple[str, ...], str]) -> None:
    for place, text in wider.items():
        node: Any = view
        for token in place:
            if isinstance(node, list):
                node = node[int(token)] if int(token) < len(node) else None
            else:
                node = node.get(token) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node[FULL_SCHEMA] = text


# keys whose value maps names to objects: such a map is no schema even when a name is `default` or `type`
_NAME_MAPS = {"properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "responses", "schemas",
              "parameters", "requestBodies", "securitySchemes", "paths", "content", "headers", "links", "callbacks",
              "examples", "encoding", "variables", "mapping", "scopes"}


def drop_invalid_defaults(view: dict[str, Any]) -> None:
    """Removes every schema `default` the schema it sits in refuses, as Connexion reads it (Draft 4, `nullable`).
    In 3.1 `default` is an annotation (it SHOULD validate; apitwin warns at start with its pointer), but Connexion
    refuses to start on one and fills defaults into request bodies, where an invalid one would be stored and
    answered. Server variables are left alone (their default is required and not a schema's)."""
    from connexion.json_schema import NullableTypeValidator
    from jsonschema import Draft4Validator
    from jsonschema.validators import extend

    checker = extend(Draft4Validator, {"type": NullableTypeValidator})(view)
    pending: list[tuple[Any, bool]] = [(view, False)]
    while pending:
        node, named = pending.pop()
        if isinstance(node, list):
            pending.extend((item, False) for item in node)
        elif isinstance(node, dict):
            if not named and "default" in node and not checker.evolve(schema=node).is_valid(node["default"]):
                del node["default"]
            for key, value in node.items():
                if named or not (key in _DATA_KEYS or str(key).startswith("x-") or key == "servers"):
                    pending.append((value, key in _NAME_MAPS and not named))


def _downgrade(node: Any, named: bool = False) -> None:
    """Rewrites every schema of the view into 3.0 terms that Connexion's Draft 4 reading judges as 3.1 does.
    `named`: `node` maps names to schemas (`properties`…), so its keys are names, not keywords (a property may be
    called `type`, `const` or `$id`)."""
    if isinstance(node, list):
        for item in node:
            _downgrade(item)
        return
    if not isinstance(node, dict):
        return
    if named:
        for value in node.values():
            _downgrade(value)
        return
    _downgrade_boolean_schemas(node)
    _downgrade_type_list(node)
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(bound)
        if isinstance(value, (int, float)) and not isinstance(value, bool):   # 3.1's numeric form
            node[limit], node[bound] = value, True
    _downgrade_null_alternative(node)
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list):
        values = node.pop("examples")
        if values:
            node.setdefault("example", values[0])
    for key in ("$schema", "$id", "$comment", "contentMediaType", "contentEncoding"):
        node.pop(key, None)
    _downgrade_unevaluated(node)
    _downgrade_conditionals(node)
    _downgrade_ref_siblings(node)
    if "prefixItems" in node:
        node.pop("items", None)   # 2020-12 `items` holds only past the tuple; 3.0's would hold for every item
    for key in _NO_30_FORM:
        node.pop(key, None)
    for key, value in node.items():
        if key not in _DATA_KEYS and not str(key).startswith("x-"):
            _downgrade(value, key in _NAME_MAPS)


# 2020-12 keywords with no 3.0 spelling: the OpenAPI 3.0 schema refuses a document holding them, so the view leaves
# them out (Connexion then accepts more parameters and form bodies than the 3.1 document; JSON bodies are still
# checked on the 3.1 document, apitwin.server.plans)
_NO_30_FORM = ("prefixItems", "contains", "minContains", "maxContains", "propertyNames", "unevaluatedItems",
               "patternProperties", "contentSchema", "$anchor", "$dynamicAnchor", "$dynamicRef", "$vocabulary")
# keywords the view drops (or keeps only in some uses): a schema holding one accepts less than its view
_LOSSY = set(_NO_30_FORM) | {"unevaluatedProperties", "dependentSchemas"}


_SUBSCHEMA = ("items", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedItems")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "dependentSchemas", "patternProperties")


def _as_object(schema: Any) -> Any:
    """A 2020-12 boolean schema as an object one: `true` accepts anything, `false` nothing."""
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    return schema


def _downgrade_boolean_schemas(node: dict[str, Any]) -> None:
    """3.1 allows `true`/`false` wherever a schema goes; 3.0 only as `additionalProperties`."""
    for key in _SUBSCHEMA:
        if isinstance(node.get(key), bool):
            node[key] = _as_object(node[key])
    for key in _SUBSCHEMA_LISTS:
        if isinstance(node.get(key), list):
            node[key] = [_as_object(item) for item in node[key]]
    for key in _SUBSCHEMA_MAPS:
        if isinstance(node.get(key), dict):
            node[key] = {name: _as_object(item) for name, item in node[key].items()}


def _conjoin(node: dict[str, Any], schema: dict[str, Any]) -> None:
    """Adds `schema` as one more condition on `node` (allOf), leaving its own keywords as they are."""
    node["allOf"] = [*(node.get("allOf") or []), schema]


def _downgrade_type_list(node: dict[str, Any]) -> None:
    """3.1 `type: [...]`. One type (plus null) stays a `type` (with `nullable`); several become alternatives, with
    `{enum: [null]}` for null (`nullable` only lets null through a sibling `type`), and are conjoined (allOf) when
    the schema has its own `anyOf`, which would otherwise be overwritten or lose the types."""
    kind = node.get("type")
    if not isinstance(kind, list):
        return
    types = list(dict.fromkeys(t for t in kind if t != "null"))
    nullable = "null" in kind
    if nullable:
        node["nullable"] = True          # Connexion reads `null` parameter values as None only when nullable
    if len(types) == 1:
        node["type"] = types[0]
        return
    del node["type"]
    alternatives = [{"type": t} for t in types] + ([dict(_NULL_ONLY)] if nullable else [])
    if not alternatives:           # `type: []`: no value is of no type
        _conjoin(node, {"not": {}})
        return
    if "anyOf" in node:
        _conjoin(node, {"anyOf": alternatives})
    else:
        node["anyOf"] = alternatives


def _downgrade_conditionals(node: dict[str, Any]) -> None:
    """`if`/`then`/`else`, `dependentRequired` and `dependentSchemas` in 3.0 terms, conjoined to the schema:
    (not if or then) and (if or else); (not required [a]) or required [a, b…]; (not required [a]) or schema."""
    condition, then, otherwise = node.pop("if", None), node.pop("then", None), node.pop("else", None)
    if isinstance(condition, dict):      # booleans are objects by now (_downgrade_boolean_schemas)
        if isinstance(then, dict):
            _conjoin(node, {"anyOf": [{"not": condition}, then]})
        if isinstance(otherwise, dict):
            _conjoin(node, {"anyOf": [condition, otherwise]})
    for key in ("dependentRequired", "dependentSchemas"):
        dependencies = node.pop(key, None)
        for name, needed in (dependencies.items() if isinstance(dependencies, dict) else ()):
            when_present = {"required": [name, *needed]} if isinstance(needed, list) else needed
            if isinstance(when_present, dict):
                _conjoin(node, {"anyOf": [{"not": {"required": [name]}}, when_present]})


# siblings a 3.1 Reference Object may carry that change nothing it accepts
_REF_NOTES = {"summary", "description"}
# keywords of a 3.0 Schema Object (as the view has them): a `$ref` beside only these is a schema's
_SCHEMA_WORDS = {"additionalProperties", "allOf", "anyOf", "default", "deprecated", "discriminator", "enum",
                 "example", "exclusiveMaximum", "exclusiveMinimum", "externalDocs", "format", "items", "maxItems",
                 "maxLength", "maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum",
                 "multipleOf", "not", "nullable", "oneOf", "pattern", "properties", "readOnly", "required", "title",
                 "type", "uniqueItems", "writeOnly", "xml"}


def _downgrade_ref_siblings(node: dict[str, Any]) -> None:
    """3.1 lets a schema `$ref` sit beside other keywords, which then apply too (2020-12: `$ref` is one more
    condition); 3.0 ignores them and its schema refuses them, so the reference moves into an `allOf`."""
    if "$ref" not in node or len(node) == 1:
        return
    if set(node) <= {"$ref", *_REF_NOTES}:
        for key in _REF_NOTES:
            node.pop(key, None)
        return
    if all(key in _SCHEMA_WORDS or key in _REF_NOTES or str(key).startswith("x-") for key in node if key != "$ref"):
        _conjoin(node, {"$ref": node.pop("$ref")})


_NULL_ONLY = {"enum": [None]}   # 3.0 has no null type; an enum holding null accepts exactly null under Connexion


def _downgrade_null_alternative(node: dict[str, Any]) -> None:
    """`anyOf`/`oneOf` [X, {type: null}] → `nullable` (for a `type` beside it) and [X, {enum: [null]}]. `nullable`
    only lets null through the `type` at its own level (Connexion's Draft 4 reading), not through the alternatives:
    dropping the null one made `{default: null, oneOf: [{$ref: X}, {type: null}]}` refuse null, in requests and in
    the defaults Connexion checks at start."""
    for key in ("anyOf", "oneOf"):
        alternatives = node.get(key)
        if isinstance(alternatives, list) and {"type": "null"} in alternatives:
            rest = [alt for alt in alternatives if alt != {"type": "null"}]
            node["nullable"] = True
            if rest:
                node[key] = [*rest, dict(_NULL_ONLY)]
            else:
                del node[key]


# `x-apitwin-unknown-query: ignore` at a document's root or on one operation (which wins over the root): query
# parameters the operation does not declare are ignored (Spring binding does); without it they answer 400
UNKNOWN_QUERY = "x-apitwin-unknown-query"

# a parameter or form field schema allowing several scalar types: the view says `type: string` (what the wire
# carries) and lists the types here; apitwin.validation reads the value as each and validates the readings
READINGS = "x-apitwin-readings"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _type_wire_values(view: dict[str, Any]) -> None:
    """Connexion reads a parameter or form value by its schema's `type` ('12' becomes 12 only under `type: integer`)
    and fails on a schema without one (a 500; a 400 for a form). A parameter or form field schema whose `type` a 3.1
    construct moved away (`const`, a `$ref` with siblings, `oneOf: [X, {type: null}]`, several types) gets the one
    type it allows back; one allowing several scalar types gets `type: string` and READINGS."""
    def local(node: Any) -> Any:
        ref = node.get("$ref") if isinstance(node, dict) else None
        return _pointer(view, ref) if isinstance(ref, str) else node

    items = [local(item) for item in (view.get("paths") or {}).values() if isinstance(item, dict)]
    operations = [op for item in items if isinstance(item, dict)
                  for method, op in item.items() if method in HTTP_METHODS and isinstance(op, dict)]
    parameters = [*((view.get("components") or {}).get("parameters") or {}).values()]
    for owner in [*items, *operations]:
        if isinstance(owner, dict) and isinstance(owner.get("parameters"), list):
            parameters.extend(owner["parameters"])
    for parameter in parameters:
        parameter = local(parameter)
        if isinstance(parameter, dict) and isinstance(parameter.get("schema"), dict):
            _give_type(view, parameter["schema"])
            _give_parameter_type(view, parameter)
    for op in operations:
        content = (local(op.get("requestBody")) or {}).get("content") or {}
        for media_type in _FORMS:
            schema = local((content.get(media_type) or {}).get("schema"))
            properties = (schema.get("properties") if isinstance(schema, dict) else None) or {}
            for name, prop in list(properties.items()):
                if isinstance(prop, dict):
                    prop = properties[name] = _owned_field(view, prop)
                    _give_type(view, prop)
                    _give_field_type(view, prop)


def _pointer(view: dict[str, Any], ref: str) -> Any:
    """The object a local `$ref` names (None for another file's or a broken one)."""
    if not ref.startswith("#/"):
        return None
    node: Any = view
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _give_type(view: dict[str, Any], schema: dict[str, Any], shared: bool = False, depth: int = 0) -> None:
    """`shared`: `schema` is a `$ref`'s target, which other places (JSON bodies, nested fields) may use too, so it
    only gets a type that says exactly what it already accepts, never READINGS' `type: string`."""
    if "type" in schema or depth > 8:
        return
    if "$ref" in schema:
        target = _pointer(view, schema["$ref"]) if isinstance(schema["$ref"], str) else None
        if isinstance(target, dict) and target is not schema:
            _give_type(view, target, True, depth + 1)
        return
    kinds = _kinds(view, schema, 0)
    if kinds is None:
        return
    non_null = sorted(kinds - {"null"})
    if len(non_null) == 1:
        schema["type"] = non_null[0]
    elif len(non_null) > 1 and not shared and not {"array", "object"} & set(non_null):
        schema["type"], schema[READINGS] = "string", non_null
    else:
        return
    if "null" in kinds:
        schema["nullable"] = True


# what a parameter value sent as text may stand for when its schema names no type at all (objects and arrays only
# where the schema names them: any text reads as a one-item array)
_ANY_READINGS = ["boolean", "integer", "number"]


def _give_parameter_type(view: dict[str, Any], parameter: dict[str, Any]) -> None:
    """Connexion's URI parser and casts read `type` of a parameter schema, of its `items` and of a deepObject's
    properties, and fail without one (a 500 for every request). A parameter schema still without a `type`
    (alternatives mixing objects or arrays with scalars, or no type at all) gets `type: object` where the value
    arrives as an object (deepObject), else `type: string`, with READINGS listing what the text may stand for; array
    items the same; a deepObject whose properties lack a type has them moved into an `allOf` (Connexion then leaves
    the values as sent). apitwin.validation reads the value with every reading against the real schema. A `$ref`'d
    schema is wrapped (allOf), never changed: other places share it."""
    schema = parameter["schema"]
    target = _pointer(view, schema["$ref"]) if isinstance(schema.get("$ref"), str) else schema
    if not isinstance(target, dict):
        return
    kind = target.get("type")
    if kind == "array" and _holds_arrays(view, target.get("items")):
        _read_nested(parameter, _owned(parameter, target))
    elif kind == "array" and not _has_type(view, target.get("items")):
        schema = _owned(parameter, target)
        items = deep_copy(target["items"]) if isinstance(target.get("items"), dict) else {}
        items = {"allOf": [items]} if "$ref" in items else items
        _give_type(view, items)
        if "type" not in items:
            _read_as_text(view, items, object_style=False)
        schema["items"] = items
    elif kind == "object" and (parameter.get("style") != "deepObject" or isinstance(target.get("properties"), dict)):
        # Connexion casts a deepObject's leaves by its properties' `type` and fails on a nested key it has no
        # `properties` for (`?p[a][b]=1` with `a` an integer), and reads no other object style (`a,1` in a path or
        # header was refused): the schema moves into an allOf, read by apitwin.validation, its properties'
        # defaults (which Connexion fills in from `properties`) up to the object's `default`
        schema = _owned(parameter, target)
        defaults = _property_defaults(view, target.get("properties") or {}, 0)
        exploded = _exploded_keys(view, target)
        inner = {key: value for key, value in schema.items() if key not in ("default", "nullable")}
        for key in list(schema):
            if key not in ("default", "nullable"):
                del schema[key]
        # in the query the view keeps `type: object`, so its properties' defaults stay the object's default (handed
        # to the handler when the parameter is absent, as Connexion does); a path, header or cookie object arrives
        # as text, judged by READINGS
        query = parameter.get("in") == "query"
        schema.update({"type": "object" if query else "string", "allOf": [inner], READINGS: ["object"]})
        if defaults and "default" not in schema and query:
            schema["default"] = defaults
        if query and parameter.get("style", "form") == "form" and parameter.get("explode", True) is not False:
            parameter[EXPLODED] = {**exploded, "reserved": _query_credentials(view)}
    elif kind is None:
        exploded = _exploded_keys(view, target)
        schema = _owned(parameter, target)
        _read_as_text(view, schema, object_style=parameter.get("style") == "deepObject")
        if "object" in schema[READINGS] and parameter.get("in") == "query" \
                and parameter.get("style", "form") == "form" and parameter.get("explode", True) is not False:
            parameter[EXPLODED] = {**exploded, "reserved": _query_credentials(view)}   # an object among others


# on a query parameter of style form with explode (the defaults) and an object schema: {"names": [...], "free": bool,
# "reserved": [...]} — the property names whose query keys make up the object (`?size=3&color=red` is
# `where={size: 3, color: red}`), whether keys no property names join it too (a schema allowing other properties),
# and the keys that never do (an apiKey scheme's); read by apitwin.uri_parsing
EXPLODED = "x-apitwin-exploded"
# on a parameter schema whose array items are arrays (no OpenAPI style spells them): {"delimiter": outer delimiter of
# its style, "explode": each repeated query value one item};
# apitwin.uri_parsing keeps the values as sent and apitwin.validation reads them (apitwin.validation.nested_readings)
NESTED = "x-apitwin-nested"
_DELIMITERS = {"form": ",", "simple": ",", "pipeDelimited": "|", "spaceDelimited": " "}


def _exploded_keys(view: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The query keys an exploded form object is made of: its properties' names (from its allOf/anyOf/oneOf
    branches too), and whether other keys belong to it (no `additionalProperties: false` where it declares its
    properties)."""
    names: list[str] = []
    free = False
    pending, seen = [schema], 0
    while pending and seen < 64:
        node = pending.pop(0)
        seen += 1
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = _pointer(view, node["$ref"])
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("properties"), dict) or node.get("type") == "object":
            names.extend(name for name in (node.get("properties") or {}) if name not in names)
            free = free or node.get("additionalProperties", True) is not False
        for key in ("allOf", "anyOf", "oneOf"):
            pending.extend(node.get(key) or [])
    return {"names": names, "free": free}


def _query_credentials(view: dict[str, Any]) -> list[str]:
    """The query keys of the document's apiKey schemes: a credential, never part of an exploded object."""
    schemes = ((view.get("components") or {}).get("securitySchemes") or {}).values()
    return sorted({str(scheme["name"]) for scheme in schemes if isinstance(scheme, dict)
                   and scheme.get("type") == "apiKey" and scheme.get("in") == "query" and "name" in scheme})


def _holds_arrays(view: dict[str, Any], items: Any) -> bool:
    """Array items that are (or may be) arrays themselves."""
    target = _pointer(view, items["$ref"]) if isinstance(items, dict) and isinstance(items.get("$ref"), str) \
        else items
    kinds = _kinds(view, target, 0) if isinstance(target, dict) else None
    return bool(kinds and "array" in kinds)


def _read_nested(parameter: dict[str, Any], schema: dict[str, Any]) -> None:
    """An array of arrays, as text: the schema moves into an allOf (Connexion's split would lose the inner arrays),
    its outer delimiter noted (NESTED)."""
    inner = {key: value for key, value in schema.items() if key not in ("nullable",)}
    for key in list(schema):
        if key != "nullable":
            del schema[key]
    style = parameter.get("style") or ("form" if parameter.get("in") in ("query", "cookie") else "simple")
    explode = parameter.get("explode", style == "form") is not False
    schema.update({"type": "string", "allOf": [inner], READINGS: ["array"],
                   NESTED: {"delimiter": _DELIMITERS.get(style, ","), "explode": explode}})


def _property_defaults(view: dict[str, Any], properties: dict[str, Any], depth: int) -> dict[str, Any]:
    """The object Connexion fills in for an absent deepObject from its properties' defaults, nested ones too."""
    out: dict[str, Any] = {}
    for name, prop in properties.items():
        prop = _pointer(view, prop["$ref"]) if isinstance(prop, dict) and isinstance(prop.get("$ref"), str) else prop
        if not isinstance(prop, dict):
            continue
        if "default" in prop:
            out[name] = deep_copy(prop["default"])
        elif prop.get("type") == "object" and isinstance(prop.get("properties"), dict) and depth < 8:
            out[name] = _property_defaults(view, prop["properties"], depth + 1)
    return out


def _give_form_items_type(view: dict[str, Any], prop: dict[str, Any]) -> None:
    items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
    if not _has_type(view, items):
        items = {"allOf": [items]} if "$ref" in items else dict(items)
        _give_type(view, items)
        if "type" not in items:
            _read_as_text(view, items, object_style=False)
        prop["items"] = items


def _owned_field(view: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """A form field that `$ref`s an array whose items name no type (a 3.1 tuple: `prefixItems`, which the view
    leaves out) becomes its own schema, the reference in an `allOf`, so that its items can get a type (Connexion
    reads each value by it); other fields stay as they are."""
    target = _pointer(view, prop["$ref"]) if isinstance(prop.get("$ref"), str) else None
    if not (isinstance(target, dict) and target.get("type") == "array" and not _has_type(view, target.get("items"))):
        return prop
    rest = {key: value for key, value in prop.items() if key != "$ref" and key not in _REF_NOTES}
    return {"allOf": [{"$ref": prop["$ref"]}], **rest, "type": "array"}


def _give_field_type(view: dict[str, Any], prop: dict[str, Any]) -> None:
    """A form field Connexion cannot read (no `type`, or an array whose items have none: "Malformed form body",
    valid values refused) is read as text, as a parameter is (`_give_parameter_type`). A `$ref`'d field is left
    as it is: its target is shared."""
    if "$ref" in prop:
        return
    if prop.get("type") == "array":
        _give_form_items_type(view, prop)
    elif "type" not in prop:
        _read_as_text(view, prop, object_style=False)


def _has_type(view: dict[str, Any], schema: Any) -> bool:
    target = _pointer(view, schema["$ref"]) if isinstance(schema, dict) and isinstance(schema.get("$ref"), str) \
        else schema
    return isinstance(target, dict) and "type" in target


def _owned(parameter: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """The parameter's schema, made its own: a `$ref` moves into an `allOf` beside the target's `type`."""
    schema = parameter["schema"]
    if "$ref" in schema:
        rest = {key: value for key, value in schema.items() if key != "$ref" and key not in _REF_NOTES}
        schema = parameter["schema"] = {"allOf": [{"$ref": schema["$ref"]}], **rest}
        if "type" in target:
            schema["type"] = target["type"]
    return schema


def _read_as_text(view: dict[str, Any], schema: dict[str, Any], object_style: bool) -> None:
    kinds = _kinds(view, schema, 0)
    schema["type"] = "object" if object_style else "string"
    schema[READINGS] = sorted(kinds - {"null"}) if kinds else list(_ANY_READINGS)
    if kinds and "null" in kinds:
        schema["nullable"] = True


_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (type(None), "null"),
               (list, "array"), (dict, "object"))


def _kinds(view: dict[str, Any], schema: Any, depth: int) -> set[str] | None:
    """The JSON types a (3.0 view) schema accepts; None: any, or not known."""
    if not isinstance(schema, dict) or depth > 16:
        return None
    found: set[str] | None = None

    def meet(more: set[str] | None) -> None:
        nonlocal found
        if more is None:
            return
        if found is None:
            found = set(more)
            return
        both = found & more
        if ("number" in found and "integer" in more) or ("integer" in found and "number" in more):
            both.add("integer")
        found = both

    if isinstance(schema.get("type"), str):
        meet({schema["type"], *(("null",) if schema.get("nullable") else ())})
    if isinstance(schema.get("$ref"), str):
        meet(_kinds(view, _pointer(view, schema["$ref"]), depth + 1))
    if isinstance(schema.get("enum"), list):
        meet({next(name for kind, name in _JSON_TYPES if isinstance(value, kind)) for value in schema["enum"]})
    for member in schema.get("allOf") or []:
        meet(_kinds(view, member, depth + 1))
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            alternatives = [_kinds(view, alt, depth + 1) for alt in schema[key]]
            if all(alt is not None for alt in alternatives):
                meet(set().union(*alternatives))
    return found


def _downgrade_unevaluated(node: dict[str, Any]) -> None:
    """3.0 has no `unevaluatedProperties`. `false` on a schema whose properties all sit in one place says the same
    as `additionalProperties: false` there: on the schema itself when it has only its own `properties`, or on each
    inline alternative of a `oneOf` (exactly one alternative validates, so only its properties are evaluated).
    Any other use is dropped: Connexion then accepts more request bodies than the 3.1 document allows."""
    if "unevaluatedProperties" not in node:
        return
    value = node.pop("unevaluatedProperties")
    if value is not False or "additionalProperties" in node:
        return
    composed = [key for key in ("allOf", "anyOf", "oneOf", "$ref", "if") if key in node]
    if not composed and "properties" in node:
        node["additionalProperties"] = False
        return
    alternatives = node.get("oneOf")
    if composed == ["oneOf"] and "properties" not in node and isinstance(alternatives, list) and all(
            isinstance(alt, dict) and "properties" in alt
            and not any(k in alt for k in ("allOf", "anyOf", "oneOf", "$ref", "if")) for alt in alternatives):
        for alt in alternatives:
            alt.setdefault("additionalProperties", False)


def served_document(spec: dict[str, Any], mount_url: str) -> dict[str, Any]:
    """The 3.1 document as this mock serves it: this server first in `servers`, the documented ones after. Only
    `servers` differs, so the rest is shared with `spec`, which nothing changes after loading (a deep copy of each
    document cost a noticeable part of the start-up)."""
    doc = dict(spec)
    doc["servers"] = [{"url": mount_url or "/", "description": "This apitwin mock"}] + list(spec.get("servers") or [])
    return doc


class SpecDocuments:
    """GET <root>/openapi.json and <root>/openapi.yaml: the 3.1 document itself (ahead of Connexion's 3.0 view).
    The YAML text is written on first request (dumping a large document costs a second at start-up)."""

    def __init__(self, documents: dict[str, tuple[dict[str, Any], str]]) -> None:
        # documents: serving root (mount prefix + documented base) → (3.1 document, mount url)
        self._json: dict[str, bytes] = {}
        self._docs: dict[str, dict[str, Any]] = {}
        self._yaml: dict[str, bytes] = {}
        for root, (spec, mount_url) in documents.items():
            doc = served_document(spec, mount_url)
            self._json[root + "/openapi.json"] = json.dumps(doc, default=str).encode()
            self._docs[root + "/openapi.yaml"] = doc

    def _yaml_for(self, path: str) -> bytes | None:
        if path not in self._docs:
            return None
        if path not in self._yaml:
            self._yaml[path] = yaml.safe_dump(self._docs[path], sort_keys=False, allow_unicode=True).encode()
        return self._yaml[path]

    def answer(self, scope: dict) -> Response | None:
        if scope["method"] not in ("GET", "HEAD"):
            return None
        path = scope["path"]
        body, media = (self._json[path], "application/json") if path in self._json else (self._yaml_for(path),
                                                                                           "application/yaml")
        if body is None:
            return None
        response = Response(body, 200, media_type=media)
        if scope["method"] == "HEAD":
            response.body = b""      # Content-Length stays the document's
        return response
