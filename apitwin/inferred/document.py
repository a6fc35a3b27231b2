"""A user's OpenAPI document made ready to serve: read (YAML or JSON), checked (one line per problem, file:line and
JSON pointer), bundled into one document (`$ref`s to other files hoisted into its components or inlined), lifted
to OpenAPI 3.1 (the engine validates against 3.1: `nullable` becomes a `null` type) and given an operationId on
every operation (the engine finds operations by id).

Uses the review package's loader and its `oas-schema`/`ref-resolves` rules, so `apitwin lint` and `apitwin serve`
judge a document the same way.
"""
from __future__ import annotations

import copy
import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apitwin import content_cache
from apitwin.plaindata import deep_copy
from apitwin.review.loader import Document, Loader, LoadError, split
from apitwin.review.openapi import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS, Spec, operations_in


class DocumentRefused(ValueError):
    """The document cannot be served; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Bundled:
    """One served document, bundled and lifted to 3.1, with where it came from and what looked wrong."""

    source: Path
    data: dict[str, Any]
    original_version: str
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str((self.data.get("info") or {}).get("title") or self.source.stem)


def open_document(path: Path | str, *, check: bool = True) -> Bundled:
    """Load, check and bundle the document at `path`; raises DocumentRefused naming every problem."""
    loader = Loader()
    try:
        root = loader.open(str(path))
    except LoadError as exc:
        raise DocumentRefused([str(exc)]) from None
    data = root.data
    if isinstance(data, dict) and "swagger" in data:
        raise DocumentRefused([f"{root.display}:{root.line('/swagger') or 1}: Swagger {data.get('swagger')} "
                               "documents are not supported: OpenAPI 3.x only (convert it, e.g. with "
                               "swagger2openapi)"])
    if not isinstance(data, dict) or not isinstance(data.get("openapi"), str):
        raise DocumentRefused([f"{root.display}:1: not an OpenAPI 3.x document (no `openapi` version field)"])
    if not data["openapi"].startswith(("3.0", "3.1")):
        raise DocumentRefused([f"{root.display}:{root.line('/openapi') or 1}: /openapi: OpenAPI {data['openapi']} "
                               "is not supported: OpenAPI 3.x only (3.0 and 3.1)"])
    spec = Spec(root, loader)
    warnings: list[str] = []
    if check:
        problems, warnings = _checked(spec)
        if problems:
            raise DocumentRefused(problems)
    try:
        bundled = _Bundler(loader, root).bundle()
    except LoadError as exc:
        raise DocumentRefused([str(exc)]) from None
    version = str(data["openapi"])
    if version.startswith("3.0"):
        lift_to_31(bundled)
    format_bounds(bundled)
    name_operations(bundled)
    fill_server_variables(bundled)
    return Bundled(Path(path).resolve(), bundled, version, warnings)


def _checked(spec: Spec) -> tuple[list[str], list[str]]:
    """The document's problems, and, when it has none, its example warnings. Checking a large document against the
    OpenAPI schema (openapi-spec-validator) was most of its start (measured with cProfile, bench/bench_startup.py):
    a clean verdict is kept in apitwin.content_cache under the bytes of every file the document reaches and the
    code that judged it, so only a start of changed bytes (or of a changed validator) checks again."""
    from apitwin.review import rules

    problems = _problems(spec, (rules.ref_resolves,))    # also reads every file the document's `$ref`s reach
    if problems:
        return problems, []
    address = _verdict_key(spec)
    warnings = content_cache.get(address)
    if not content_cache.is_miss(warnings):
        return [], list(warnings)
    problems = _problems(spec, (rules.oas_schema,))
    if problems:
        return problems, []
    warnings = _example_warnings(spec)
    content_cache.put(address, warnings)
    return [], warnings


# the libraries and our own modules whose code decides a verdict: an upgrade or an edit is a new cache key
_VERDICT_LIBRARIES = ("openapi_spec_validator", "openapi_schema_validator", "jsonschema", "jsonschema_path",
                      "referencing", "jsonschema_specifications", "yaml")
_VERDICT_MODULES = ("apitwin.review.rules", "apitwin.review.examples", "apitwin.review.openapi",
                    "apitwin.review.loader", "apitwin.inferred.document")


def _verdict_key(spec: Spec) -> str:
    parts: list[str | bytes] = []
    for doc in sorted(spec.loader.documents(), key=lambda d: d.uri):
        parts += [doc.uri, doc.display, doc.digest]
    for name in _VERDICT_LIBRARIES + _VERDICT_MODULES:
        found = importlib.util.find_spec(name)
        origin = found.origin if found is not None else None
        if origin and os.path.isfile(origin):
            status = os.stat(origin)
            parts += [name, origin, f"{status.st_mtime_ns} {status.st_size}"]
            if name.startswith("apitwin."):
                parts.append(Path(origin).read_bytes())
        else:
            parts += [name, "absent"]
    return content_cache.key("inferred.document.verdict", *parts)


def _problems(spec: Spec, checks: tuple[Any, ...]) -> list[str]:
    found = []
    for check in checks:
        for where, message in check(spec):
            line = where.line
            found.append(f"{where.doc.display}:{line or 1}: {where.pointer or '/'}: {message}")
        if found:
            break
    return found


def _example_warnings(spec: Spec) -> list[str]:
    """Examples and defaults their schemas refuse: reported, not refused (3.1 makes both annotations). The mock
    answers no such example and Connexion's view of the document drops such defaults (apitwin.specs)."""
    from apitwin.review import rules

    try:
        return [f"{where.doc.display}:{where.line or 1}: {where.pointer}: {message}"
                for check in (rules.example_valid, rules.default_valid) for where, message in check(spec)]
    except Exception as exc:  # noqa: BLE001 - a warning pass must never stop a start
        return [f"{spec.root.display}: examples not checked: {exc}"]


# ------------------------------------------------------------------------------------------------ bundling

_COMPONENT_POINTER = re.compile(r"^/components/([A-Za-z]+)/([^/]+)$")
# the Components Object's fixed fields (3.0 and 3.1): a file may keep anything under `components` (Pi-hole's keeps
# `components/paths`), but only these kinds may be hoisted into the root's components; the rest is inlined
COMPONENT_KINDS = frozenset({"schemas", "responses", "parameters", "examples", "requestBodies", "headers",
                             "securitySchemes", "links", "callbacks", "pathItems"})
_SCHEMA_KEYS = {"schema", *SUBSCHEMA}


class _Bundler:
    """Rewrites every `$ref` into the root document: a ref into the root stays; a ref into another file is hoisted
    into the root's components (under its own name when it points at a component or a schema) or inlined."""

    def __init__(self, loader: Loader, root: Document) -> None:
        self.loader = loader
        self.root = root
        self.extra: dict[str, dict[str, Any]] = {}     # components kind → name → node hoisted from other files
        self.hoisted: dict[tuple[str, str], str] = {}   # (uri, pointer) → root pointer

    def bundle(self) -> dict[str, Any]:
        out = self._walk(deep_copy(self.root.data), self.root, in_schema=False, depth=0)
        for kind, entries in self.extra.items():
            out.setdefault("components", {}).setdefault(kind, {}).update(entries)
        return out

    def _walk(self, node: Any, doc: Document, *, in_schema: bool, depth: int) -> Any:
        if depth > 200:
            raise LoadError(f"{doc.display}: references nest too deep")
        if isinstance(node, list):
            return [self._walk(item, doc, in_schema=in_schema, depth=depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            if doc is self.root and ref.startswith("#"):   # checked by ref-resolves; hoisted targets live in extra
                return node if in_schema else {k: v for k, v in node.items()
                                                if k in ("$ref", "summary", "description")}
            target_doc, pointer, target = self.loader.resolve(ref, doc)
            if target_doc is self.root:
                if doc is self.root:
                    return node
                return {**node, "$ref": "#" + _quote(pointer)}
            return self._external(node, target_doc, pointer, target, in_schema=in_schema, depth=depth)
        out = {}
        for key, value in node.items():
            if key.startswith("x-") and not in_schema:
                if not _external_refs(value):
                    out[key] = value               # extensions are kept as written; their file refs (code
                continue                           # samples) are tool-specific and not bundled
            if key == "schemas" and isinstance(value, dict) and not in_schema:
                out[key] = {k: self._walk(v, doc, in_schema=True, depth=depth + 1) for k, v in value.items()}
                continue
            if key in ("example", "examples", "default", "enum", "const") and not isinstance(value, dict):
                out[key] = value
                continue
            child_schema = key in _SCHEMA_KEYS or (in_schema and key in SUBSCHEMA_LISTS)
            if in_schema and key in SUBSCHEMA_MAPS and isinstance(value, dict):
                out[key] = {k: self._walk(v, doc, in_schema=True, depth=depth + 1) for k, v in value.items()}
            else:
                out[key] = self._walk(value, doc, in_schema=child_schema, depth=depth + 1)
        return out

    def _external(self, node: dict[str, Any], doc: Document, pointer: str, target: Any, *, in_schema: bool,
                  depth: int) -> Any:
        key = (doc.uri, pointer)
        # a Reference Object's siblings other than summary/description are ignored (OpenAPI 3.0 and 3.1); a 3.1
        # schema's are not
        siblings = {k: v for k, v in node.items() if k != "$ref" and (in_schema or k in ("summary", "description"))}
        if key in self.hoisted:
            return {**siblings, "$ref": "#" + _quote(self.hoisted[key])}
        match = _COMPONENT_POINTER.match(pointer)
        if match and match.group(1) not in COMPONENT_KINDS:
            match = None
        if match or in_schema or _looks_like_schema(target):
            kind = match.group(1) if match else "schemas"
            name = _unquote_token(match.group(2)) if match else _name_for(doc, pointer)
            components = self.extra.setdefault(kind, {})
            existing = ((self.root.data.get("components") or {}).get(kind) or {})
            unique, n = name, 2
            while unique in components or unique in existing:
                unique, n = f"{name}{n}", n + 1
            home = f"/components/{kind}/{_escape(unique)}"
            self.hoisted[key] = home
            components[unique] = {}
            components[unique] = self._walk(copy.deepcopy(target), doc, in_schema=kind == "schemas",
                                            depth=depth + 1)
            return {**siblings, "$ref": "#" + _quote(home)}
        inlined = self._walk(copy.deepcopy(target), doc, in_schema=in_schema, depth=depth + 1)
        return {**inlined, **siblings} if isinstance(inlined, dict) else inlined


def _external_refs(node: Any) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        return (isinstance(ref, str) and not ref.startswith("#")) or any(_external_refs(v) for v in node.values())
    if isinstance(node, list):
        return any(_external_refs(v) for v in node)
    return False


def _looks_like_schema(node: Any) -> bool:
    return isinstance(node, dict) and bool({"type", "properties", "allOf", "oneOf", "anyOf", "items"} & set(node)) \
        and "content" not in node and "in" not in node


def _name_for(doc: Document, pointer: str) -> str:
    tokens = split(pointer)
    base = tokens[-1] if tokens else Path(doc.uri).name.split(".")[0]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", base) or "Schema"
    return name[:1].upper() + name[1:]


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unquote_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _quote(pointer: str) -> str:
    from urllib.parse import quote

    return quote(pointer, safe="/~:@!$&'()*+,;=-._")


# ------------------------------------------------------------------------------------------------ 3.0 → 3.1

def lift_to_31(doc: dict[str, Any]) -> None:
    """OpenAPI 3.0 → 3.1 in place, for the schemas: `nullable`, boolean `exclusiveMinimum/Maximum`."""
    doc["openapi"] = "3.1.0"
    _lift(doc, in_schema=False)


def _lift(node: Any, *, in_schema: bool) -> None:
    if isinstance(node, list):
        for item in node:
            _lift(item, in_schema=in_schema)
        return
    if not isinstance(node, dict):
        return
    if in_schema:
        _lift_schema(node)
    for key, value in list(node.items()):
        if key in ("example", "examples", "default", "enum", "const") and in_schema:
            continue
        if key == "examples" or key == "example":
            continue
        if in_schema and key in SUBSCHEMA_MAPS and isinstance(value, dict):
            for sub in value.values():
                _lift(sub, in_schema=True)
        elif key == "schemas" and isinstance(value, dict) and not in_schema:
            for sub in value.values():
                _lift(sub, in_schema=True)
        else:
            _lift(value, in_schema=key in _SCHEMA_KEYS or (in_schema and key in SUBSCHEMA_LISTS))


_FORMAT_BOUNDS = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1)}


def format_bounds(node: Any) -> None:
    """Integer formats as explicit bounds (`int32` → -2^31..2^31-1): the validators check ranges, not these formats,
    and a client sending 2^31 to an int32 parameter must be refused."""
    if isinstance(node, list):
        for item in node:
            format_bounds(item)
        return
    if not isinstance(node, dict):
        return
    bounds = _FORMAT_BOUNDS.get(node.get("format")) if isinstance(node.get("format"), str) else None
    kind = node.get("type")
    if bounds and (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
        if "minimum" not in node and "exclusiveMinimum" not in node:
            node["minimum"] = bounds[0]
        if "maximum" not in node and "exclusiveMaximum" not in node:
            node["maximum"] = bounds[1]
    for key, value in node.items():
        if key not in ("example", "examples", "default", "enum", "const"):
            format_bounds(value)


def _lift_schema(schema: dict[str, Any]) -> None:
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if schema.get(bound) is True and limit in schema:
            schema[bound] = schema.pop(limit)
        elif schema.get(bound) is False or schema.get(bound) is True:
            schema.pop(bound)
    if schema.pop("nullable", False) is not True:
        return
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif kind is None:
        moved = {k: schema.pop(k) for k in list(schema) if k in ("$ref", "allOf", "oneOf", "anyOf")}
        if moved:
            schema["anyOf"] = [moved, {"type": "null"}]


# ------------------------------------------------------------------------------------------------ ids, servers

def operation_key(method: str, path: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path) if w]
    return method.lower() + "".join(w[:1].upper() + w[1:] for w in words)


def name_operations(doc: dict[str, Any]) -> None:
    """Every operation gets an operationId (missing ones from method and path; duplicates get a suffix): the engine
    looks operations up by id (request checks, response guard, Prefer)."""
    seen: set[str] = set()
    for path, method, _, operation in operations_in(doc):
        name = operation.get("operationId")
        if not isinstance(name, str) or not name or name in seen:
            base = name if isinstance(name, str) and name else operation_key(method, path)
            name, n = base, 2
            while name in seen:
                name, n = f"{base}{n}", n + 1
            operation["operationId"] = name
        seen.add(name)


def fill_server_variables(doc: dict[str, Any]) -> None:
    """Server URLs with `{variables}` get their defaults, so the documented base path is a plain path."""
    for server in doc.get("servers") or []:
        if isinstance(server, dict) and isinstance(server.get("url"), str) and "{" in server["url"]:
            variables = server.get("variables") or {}
            server["url"] = re.sub(r"\{([^}]+)\}", lambda m: str((variables.get(m.group(1)) or {}).get("default", "")),
                                   server["url"])
