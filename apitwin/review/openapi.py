"""An OpenAPI 3.0/3.1 document as the review rules see it: operations with their merged parameters, `$ref`s followed
across files (remembering where each node lives, for file:line), every schema reachable from the document, and
JSON Schema validators that understand the document's dialect."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator
from urllib.parse import quote

from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from apitwin.http_methods import HTTP_METHODS
from apitwin.review.loader import Document, Loader, LoadError, RefError, join


def operations_in(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(path, method, path item, operation) of every operation of a plain (already resolved or bundled) document, paths
    in document order, methods in `HTTP_METHODS` order; path items and operations that are not objects are skipped."""
    paths = doc.get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield path, method, item, operation

# Keywords whose value is one subschema / a list of subschemas / a map of subschemas.
SUBSCHEMA = ("items", "not", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "contains",
             "propertyNames", "if", "then", "else", "contentSchema", "additionalItems")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


@dataclass(frozen=True)
class Location:
    """Where a node lives: a document and a JSON pointer into it."""

    doc: Document
    pointer: str

    def child(self, *tokens: Any) -> "Location":
        return Location(self.doc, join(self.pointer, *tokens))

    @property
    def line(self) -> int | None:
        return self.doc.line(self.pointer)

    @property
    def uri(self) -> str:
        return self.doc.uri + "#" + quote(self.pointer, safe="/~")


@dataclass
class Operation:
    path: str
    method: str
    node: dict[str, Any]
    path_item: dict[str, Any]
    where: Location
    item_where: Location

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str | None:
        value = self.node.get("operationId")
        return value if isinstance(value, str) else None


class Spec:
    """One OpenAPI document (and the files it references) opened for review."""

    def __init__(self, root: Document, loader: Loader) -> None:
        self.root = root
        self.loader = loader
        self.data: dict[str, Any] = root.data if isinstance(root.data, dict) else {}

    @classmethod
    def open(cls, target: str, loader: Loader | None = None) -> "Spec":
        loader = loader or Loader()
        spec = cls(loader.open(target), loader)
        if not isinstance(spec.root.data, dict) or not isinstance(spec.data.get("openapi"), str):
            raise LoadError(f"{spec.root.display}: not an OpenAPI 3.x document (no `openapi` version field)")
        if not spec.data["openapi"].startswith("3."):
            raise LoadError(f"{spec.root.display}: OpenAPI {spec.data['openapi']} is not supported (3.0 and 3.1 are)")
        return spec

    @property
    def version(self) -> str:
        return "3.0" if str(self.data.get("openapi", "")).startswith("3.0") else "3.1"

    def at(self, *tokens: Any) -> Location:
        return Location(self.root, join("", *tokens))

    # ------------------------------------------------------------------------------------------------ references

    def resolve(self, node: Any, where: Location) -> tuple[Any, Location]:
        """Follow `$ref` chains from `node` (found at `where`); raises RefError when one points nowhere."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            doc, pointer, node = self.loader.resolve(node["$ref"], where.doc)
            where = Location(doc, pointer)
            if where.uri in seen:
                raise RefError(f"{where.uri}: circular reference")
            seen.add(where.uri)
        return node, where

    def deref(self, node: Any, where: Location) -> tuple[Any, Location]:
        """`resolve`, but a broken reference yields an empty object (the ref rule reports it once)."""
        try:
            return self.resolve(node, where)
        except LoadError:
            return {}, where

    # ------------------------------------------------------------------------------------------------ operations

    @cached_property
    def operations(self) -> list[Operation]:
        found = []
        paths = self.data.get("paths")
        for path, item in (paths.items() if isinstance(paths, dict) else ()):
            item, item_where = self.deref(item, self.at("paths", path))
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    found.append(Operation(path, method, item[method], item, item_where.child(method), item_where))
        return found

    def parameters(self, op: Operation) -> list[tuple[dict[str, Any], Location]]:
        """Path-level then operation-level parameters, resolved; an operation's own (name, in) wins."""
        merged: dict[tuple[str, str], tuple[dict[str, Any], Location]] = {}
        for owner, where in ((op.path_item, op.item_where), (op.node, op.where)):
            for index, param in enumerate(owner.get("parameters") or []):
                param, at = self.deref(param, where.child("parameters", index))
                if isinstance(param, dict):
                    merged[(str(param.get("name")), str(param.get("in")))] = (param, at)
        return list(merged.values())

    def security(self, op: Operation) -> list[dict[str, Any]]:
        value = op.node["security"] if "security" in op.node else self.data.get("security")
        return value if isinstance(value, list) else []

    def requires_auth(self, op: Operation) -> bool:
        """Secured, and no anonymous alternative (`{}`) among the requirements."""
        requirements = self.security(op)
        return bool(requirements) and all(isinstance(r, dict) and r for r in requirements)

    def responses(self, op: Operation) -> list[tuple[str, dict[str, Any], Location]]:
        found = []
        responses = op.node.get("responses")
        for status, response in (responses.items() if isinstance(responses, dict) else ()):
            response, at = self.deref(response, op.where.child("responses", status))
            if isinstance(response, dict):
                found.append((str(status), response, at))
        return found

    def request_body(self, op: Operation) -> tuple[dict[str, Any], Location] | None:
        if "requestBody" not in op.node:
            return None
        body, at = self.deref(op.node["requestBody"], op.where.child("requestBody"))
        return (body, at) if isinstance(body, dict) else None

    # ------------------------------------------------------------------------------------------------ schemas

    def schema_roots(self) -> Iterator[tuple[Any, Location]]:
        """Every place the document holds a schema: components/schemas and any `schema` of a parameter, header or
        media type (webhooks and callbacks included)."""
        schemas = (self.data.get("components") or {}).get("schemas")
        for name, schema in (schemas.items() if isinstance(schemas, dict) else ()):
            yield schema, self.at("components", "schemas", name)
        for where, node in walk(self.data, self.at()):
            if isinstance(node, dict) and isinstance(node.get("schema"), (dict, bool)) and not is_schema_pointer(
                    where.pointer):
                yield node["schema"], where.child("schema")

    @cached_property
    def schemas(self) -> list[tuple[dict[str, Any], Location]]:
        """Every schema and subschema reachable from the document, once each (by location), `$ref`s followed."""
        found: list[tuple[dict[str, Any], Location]] = []
        seen: set[str] = set()
        stack = list(self.schema_roots())
        while stack:
            node, where = stack.pop()
            node, where = self.deref(node, where)
            if not isinstance(node, dict) or where.uri in seen:
                continue
            seen.add(where.uri)
            found.append((node, where))
            for key in SUBSCHEMA:
                if isinstance(node.get(key), dict):
                    stack.append((node[key], where.child(key)))
            for key in SUBSCHEMA_LISTS:
                for index, sub in enumerate(node.get(key) if isinstance(node.get(key), list) else ()):
                    stack.append((sub, where.child(key, index)))
            for key in SUBSCHEMA_MAPS:
                value = node.get(key)
                for name, sub in (value.items() if isinstance(value, dict) else ()):
                    stack.append((sub, where.child(key, name)))
        found.sort(key=lambda entry: (entry[1].doc.uri != self.root.uri, entry[1].line or 0, entry[1].pointer))
        return found

    @cached_property
    def _registry(self) -> Registry:
        spec = DRAFT4 if self.version == "3.0" else DRAFT202012

        def retrieve(uri: str) -> Resource:
            return Resource.from_contents(self.loader.get(uri).data, default_specification=spec)

        return Registry(retrieve=retrieve)  # type: ignore[call-arg]

    def validator(self, where: Location) -> Validator:
        """A validator for the schema at `where`, in the document's dialect (3.0: nullable & co; 3.1: 2020-12), all
        formats checked, `$ref`s resolved against every file."""
        # imported here: pydantic comes with it, which `apitwin serve DOC` does not need when the document's
        # verdict is cached (apitwin.inferred.document)
        from openapi_schema_validator import OAS30Validator, OAS31Validator, oas30_format_checker, oas31_format_checker

        if self.version == "3.0":
            return OAS30Validator({"$ref": where.uri}, registry=self._registry, format_checker=oas30_format_checker)
        return OAS31Validator({"$ref": where.uri}, registry=self._registry, format_checker=oas31_format_checker)


DATA_KEYS = ("example", "examples", "default", "enum", "const")


def walk(node: Any, where: Location) -> Iterator[tuple[Location, Any]]:
    """Every node of the document's structure: example payloads, schema data and `x-` extensions are data, not
    structure, and are not entered."""
    yield where, node
    if isinstance(node, dict):
        tokens = where.pointer.split("/")
        in_properties = tokens[-1] == "properties"
        in_example = len(tokens) > 1 and tokens[-2] == "examples"   # an Example Object: its `value` is data
        in_responses = tokens[-1] == "responses"                      # `default` is a response there
        for key, value in node.items():
            if not in_properties and (key in DATA_KEYS or key.startswith("x-")):
                if key == "default" and in_responses:
                    yield from walk(value, where.child(key))
                    continue
                if not (key == "examples" and isinstance(value, dict)):  # a map of Example Objects is structure
                    continue
            if in_example and key == "value":
                continue
            yield from walk(value, where.child(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, where.child(index))


def is_schema_pointer(pointer: str) -> bool:
    """Is this place inside a schema (so a property named `schema` is not a parameter's schema)?"""
    tokens = pointer.split("/")
    return "schema" in tokens[:-1] or tokens[1:3] == ["components", "schemas"] and len(tokens) > 3
