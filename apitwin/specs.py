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
from apitwin.plaindata import deep_copy

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
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
    _downgrade(view)
    drop_invalid_defaults(view)
    return view


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


def _downgrade(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _downgrade(item)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if isinstance(kind, list):
        non_null = [t for t in kind if t != "null"]
        if "null" in kind:
            node["nullable"] = True
        if len(non_null) == 1:
            node["type"] = non_null[0]
        else:
            del node["type"]
            node.setdefault("anyOf", [{"type": t} for t in non_null])
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(bound)
        if isinstance(value, (int, float)) and not isinstance(value, bool):   # 3.1's numeric form
            node[limit], node[bound] = value, True
    _downgrade_null_alternative(node)
    if "const" in node and not isinstance(node.get("const"), dict):
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list) and ("type" in node or "properties" in node or "enum" in node):
        values = node.pop("examples")
        if values:
            node["example"] = values[0]
    for key in ("$schema", "$id", "$comment", "contentMediaType", "contentEncoding"):
        node.pop(key, None)
    _downgrade_unevaluated(node)
    for key, value in node.items():
        if key not in _DATA_KEYS:
            _downgrade(value)


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
