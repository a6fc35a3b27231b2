"""The lint rules: one small function per rule, each registered with its id, default severity and what it checks.

A rule gets the opened `Spec` and yields `(location, message)` pairs; `apitwin.review.lint` turns them into findings
with the severity the configuration gives the rule. docs/spec-review.md lists them with their Spectral/Redocly
neighbours.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Any, Callable, Iterator

from jsonschema.exceptions import ValidationError, best_match

from apitwin.review import examples
from apitwin.review.findings import LINT_SEVERITIES
from apitwin.review.loader import LoadError, split
from apitwin.review.openapi import Location, Operation, Spec, walk
from apitwin.rulebook import Rulebook

Hit = tuple[Location, str]
Check = Callable[[Spec], Iterator[Hit]]

RULES: Rulebook[Check] = Rulebook("lint", LINT_SEVERITIES)
rule = RULES.rule


# ---------------------------------------------------------------------------------------------------- validity

_OP_IN_MESSAGE = re.compile(r"for '(\w+)' operation in '([^']+)'")


@functools.cache
def _openapi31_validator() -> type:
    """openapi-spec-validator's 3.1 check with `default` as what 3.1 (JSON Schema 2020-12) makes it: an annotation
    that SHOULD validate, so a default its schema refuses does not make the document invalid (`default-valid` warns).
    Built on first use: the validator's imports are deferred (see oas_schema)."""
    from openapi_spec_validator import OpenAPIV31SpecValidator
    from openapi_spec_validator.validation.keywords import OpenAPIV31ValueValidator

    class AnnotatedDefault(OpenAPIV31ValueValidator):
        def __call__(self, schema: Any, value: Any) -> Iterator[ValidationError]:
            return iter(())

    return type("OpenAPIV31AnnotatedDefaultValidator", (OpenAPIV31SpecValidator,),
                {"keyword_validators": {**OpenAPIV31SpecValidator.keyword_validators, "default": AnnotatedDefault}})


@rule("oas-schema", "error", "The document is valid OpenAPI 3.0/3.1 (openapi-spec-validator 0.9; in 3.1 a schema's "
      "`default` is an annotation: `default-valid` checks it).")
def oas_schema(spec: Spec) -> Iterator[Hit]:
    # imported here: with pydantic under it, a tenth of `apitwin serve DOC`'s start, which a document whose clean
    # verdict is cached (apitwin.inferred.document) does not need
    from jsonschema_path import SchemaPath
    from openapi_spec_validator import OpenAPIV30SpecValidator

    cls = OpenAPIV30SpecValidator if spec.version == "3.0" else _openapi31_validator()
    def read(uri: str) -> Any:
        return spec.loader.get(uri).data   # files and git revisions alike; http refs raise LoadError

    path = SchemaPath.from_dict(spec.data, base_uri=spec.root.uri,
                                handlers={"file": read, "http": read, "https": read})
    errors = cls(path).iter_errors()
    while True:
        try:
            error = next(errors)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - the validator stops at a broken $ref; `ref-resolves` names it
            if not isinstance(exc, LoadError) and "does not exist" not in str(exc) and "Unresolvable" not in str(exc):
                yield spec.at(), f"validation stopped: {examples.short(str(exc))}"
            return
        deepest = error
        if isinstance(error, ValidationError) and error.context:
            deepest = best_match([error, *error.context]) or error
        message = str(getattr(deepest, "message", None) or deepest)
        pointer_tokens = list(getattr(deepest, "absolute_path", None) or getattr(error, "absolute_path", None) or [])
        where = spec.at(*pointer_tokens)
        match = _OP_IN_MESSAGE.search(message)
        if not pointer_tokens and match:
            where = spec.at("paths", match.group(2), match.group(1))
        yield where, examples.short(message)


@rule("ref-resolves", "error", "Every `$ref` points at something, in this file or another one (http refs are not "
      "fetched).")
def ref_resolves(spec: Spec) -> Iterator[Hit]:
    for where, node in _all_nodes(spec):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            try:
                spec.resolve(node, where)
            except LoadError as exc:
                yield where.child("$ref"), f"unresolved reference: {exc}"


def _all_nodes(spec: Spec) -> Iterator[tuple[Location, Any]]:
    """The root document's structure, then that of every other file its `$ref`s reach (each file once)."""
    queue, seen = [spec.root], {spec.root.uri}
    while queue:
        doc = queue.pop(0)
        for where, node in walk(doc.data, Location(doc, "")):
            yield where, node
            if isinstance(node, dict) and isinstance(node.get("$ref"), str) and not node["$ref"].startswith("#"):
                try:
                    target = spec.loader.resolve(node["$ref"], doc)[0]
                except LoadError:
                    continue
                if target.uri not in seen:
                    seen.add(target.uri)
                    queue.append(target)


@rule("example-valid", "error", "Every example (parameter, header, request, response, component, named examples, "
      "schema-level examples) validates against its schema, formats included.")
def example_valid(spec: Spec) -> Iterator[Hit]:
    for example in examples.collect(spec):
        problems = examples.errors(spec, example)
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            schema = example.schema.pointer or "/"
            if example.schema.doc is not example.where.doc:
                schema = f"{example.schema.doc.display}#{schema}"
            yield example.where, f"example does not match its schema at {schema}: {problems[0]}{more}"


@rule("default-valid", "warn", "Every schema's `default` validates against that schema (3.1: an annotation that "
      "SHOULD validate; a client or mock filling it in would send or store an invalid value).")
def default_valid(spec: Spec) -> Iterator[Hit]:
    for schema_node, at in spec.schemas:
        if "default" not in schema_node:
            continue
        problems = examples.errors(spec, examples.Example(at.child("default"), at, schema_node["default"]))
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            yield at.child("default"), f"default does not match its schema at {at.pointer or '/'}: {problems[0]}{more}"


# ---------------------------------------------------------------------------------------------------- operations

@rule("operation-id", "error", "Every operation has an operationId (clients, links and handlers name it).")
def operation_id(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        if not op.operation_id:
            yield op.where, f"{op.label} has no operationId"


@rule("operation-id-unique", "error", "operationIds are unique.")
def operation_id_unique(spec: Spec) -> Iterator[Hit]:
    seen: dict[str, Operation] = {}
    for op in spec.operations:
        if op.operation_id in seen:
            yield op.where.child("operationId"), f"operationId {op.operation_id} is also used by " \
                                                 f"{seen[op.operation_id].label}"
        elif op.operation_id:
            seen[op.operation_id] = op


@rule("operation-summary", "warn", "Every operation has a summary (the one line docs and UIs show).")
def operation_summary(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        if not str(op.node.get("summary") or "").strip():
            yield op.where, f"{op.label} has no summary"


@rule("operation-description", "warn", "Every operation has a description.")
def operation_description(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        if not str(op.node.get("description") or "").strip():
            yield op.where, f"{op.label} has no description"


@rule("operation-tags", "warn", "Every operation has at least one tag.")
def operation_tags(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        if not op.node.get("tags"):
            yield op.where, f"{op.label} has no tags"


@rule("operation-tag-defined", "warn", "Tags used by operations are declared in the top-level `tags` list.")
def operation_tag_defined(spec: Spec) -> Iterator[Hit]:
    declared = {t.get("name") for t in spec.data.get("tags") or [] if isinstance(t, dict)}
    for op in spec.operations:
        for index, tag in enumerate(op.node.get("tags") or []):
            if tag not in declared:
                yield op.where.child("tags", index), f"{op.label}: tag {tag!r} is not declared in the top-level tags"


@rule("operation-success-response", "error", "Every operation documents at least one 2xx response.")
def operation_success_response(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        if not any(status.startswith("2") for status, _, _ in spec.responses(op)):
            yield op.where.child("responses"), f"{op.label} documents no 2xx response"


def _client_error(status: str) -> bool:
    return status.startswith("4") or status == "default"


@rule("operation-error-response", "warn", "Every operation documents at least one 4xx (or `default`) response: "
      "clients must know what a refusal looks like.")
def operation_error_response(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        if not any(_client_error(status) for status, _, _ in spec.responses(op)):
            yield op.where.child("responses"), f"{op.label} documents no 4xx response"


@rule("error-response-schema", "warn", "Every 4xx (and `default`) response has a body with a schema (the API's "
      "error shape).")
def error_response_schema(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        for status, response, where in spec.responses(op):
            if not _client_error(status):
                continue
            content = response.get("content") or {}
            if not content or not all(isinstance(m, dict) and "schema" in m for m in content.values()):
                yield where, f"{op.label} {status}: the error response has no body schema"


@rule("secured-operation-401", "warn", "Operations that require credentials (no anonymous `{}` alternative) "
      "document 401.")
def secured_operation_401(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        statuses = {status for status, _, _ in spec.responses(op)}
        if spec.requires_auth(op) and not statuses & {"401", "4XX", "4xx"}:
            yield op.where.child("responses"), f"{op.label} requires credentials but does not document 401"


_TEMPLATE = re.compile(r"\{([^{}]+)\}")


@rule("path-params", "error", "Every `{name}` in a path is declared as a required path parameter, and every "
      "declared path parameter appears in the path.")
def path_params(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        in_template = _TEMPLATE.findall(op.path)
        declared = {p.get("name"): (p, at) for p, at in spec.parameters(op) if p.get("in") == "path"}
        for name in in_template:
            if name not in declared:
                yield op.where, f"{op.label}: path parameter {{{name}}} is not declared"
            elif declared[name][0].get("required") is not True:
                yield declared[name][1], f"{op.label}: path parameter {name} must be `required: true`"
        for name, (_, at) in declared.items():
            if name not in in_template:
                yield at, f"{op.label}: path parameter {name} is declared but not in the path"


@rule("parameter-description", "warn", "Every parameter has a description.")
def parameter_description(spec: Spec) -> Iterator[Hit]:
    seen: set[str] = set()
    for op in spec.operations:
        for param, at in spec.parameters(op):
            if at.uri not in seen and not str(param.get("description") or "").strip():
                seen.add(at.uri)
                yield at, f"parameter {param.get('name')} ({param.get('in')}) has no description"


@rule("info-description", "warn", "The document says what the API is for (`info.description`).")
def info_description(spec: Spec) -> Iterator[Hit]:
    if not str((spec.data.get("info") or {}).get("description") or "").strip():
        yield spec.at("info"), "info.description is missing"


@rule("tag-description", "info", "Every declared tag has a description.")
def tag_description(spec: Spec) -> Iterator[Hit]:
    for index, tag in enumerate(spec.data.get("tags") or []):
        if isinstance(tag, dict) and not str(tag.get("description") or "").strip():
            yield spec.at("tags", index), f"tag {tag.get('name')!r} has no description"


@rule("servers-defined", "warn", "The document names at least one server.")
def servers_defined(spec: Spec) -> Iterator[Hit]:
    if not spec.data.get("servers"):
        yield spec.at(), "no servers are declared"


# ---------------------------------------------------------------------------------------------------- components

@rule("unused-component", "warn", "Every component is used (by a `$ref`, a security requirement or a "
      "discriminator mapping).")
def unused_component(spec: Spec) -> Iterator[Hit]:
    used: set[str] = set()
    for where, node in _all_nodes(spec):
        if isinstance(node, dict):
            refs = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            mapping = (node.get("discriminator") or {}).get("mapping") if isinstance(node.get("discriminator"),
                                                                                    dict) else None
            refs += [v for v in (mapping or {}).values() if isinstance(v, str) and "#" in v]
            for ref in refs:
                try:
                    doc, pointer, _ = spec.loader.resolve(ref, where.doc)
                except LoadError:
                    continue
                if doc is spec.root:
                    used.add("/".join(split(pointer)[:3]))
    for requirements in [spec.data.get("security") or []] + [spec.security(op) for op in spec.operations]:
        for requirement in requirements:
            used.update(f"components/securitySchemes/{name}" for name in (requirement or {}))
    components = spec.data.get("components") or {}
    for kind, members in components.items():
        if kind.startswith("x-") or not isinstance(members, dict):
            continue
        for name in members:
            if f"components/{kind}/{name}" not in used:
                yield spec.at("components", kind, name), f"components/{kind}/{name} is never used"


@rule("create-operation-links", "warn", "Create operations (POST answering 201) declare `links` on their 201 "
      "response, so clients and stateful test tools can follow the new resource.")
def create_operation_links(spec: Spec) -> Iterator[Hit]:
    for op in spec.operations:
        if op.method != "post":
            continue
        for status, response, where in spec.responses(op):
            if status == "201" and not response.get("links"):
                yield where, f"{op.label} creates a resource but its 201 response declares no links"


@rule("link-target", "error", "Every link names an existing operation (operationId or operationRef) and only "
      "parameters that operation has.")
def link_target(spec: Spec) -> Iterator[Hit]:
    by_id = {op.operation_id: op for op in spec.operations if op.operation_id}
    for op in spec.operations:
        for status, response, where in spec.responses(op):
            for name, link in (response.get("links") or {}).items():
                link, at = spec.deref(link, where.child("links", name))
                if not isinstance(link, dict):
                    continue
                target = by_id.get(link.get("operationId"))
                if target is None and isinstance(link.get("operationRef"), str):
                    try:
                        _, pointer, node = spec.loader.resolve(link["operationRef"], at.doc)
                        target = next((o for o in spec.operations if o.node is node), None)
                    except LoadError:
                        target = None
                if target is None:
                    yield at, f"{op.label} {status}: link {name} targets no known operation"
                    continue
                names = {p.get("name") for p, _ in spec.parameters(target)}
                for param in link.get("parameters") or {}:
                    if param.split(".", 1)[-1] not in names:
                        yield at.child("parameters", param), f"{op.label} {status}: link {name}: " \
                                                             f"{target.label} has no parameter {param}"


# ---------------------------------------------------------------------------------------------------- naming

@rule("path-trailing-slash", "warn", "Paths agree on a trailing slash: all end with `/` or none do.")
def path_trailing_slash(spec: Spec) -> Iterator[Hit]:
    paths = [p for p in (spec.data.get("paths") or {}) if p != "/"]
    with_slash = [p for p in paths if p.endswith("/")]
    if not with_slash or len(with_slash) == len(paths):
        return
    majority_slash = len(with_slash) * 2 >= len(paths)
    for path in paths:
        if path.endswith("/") != majority_slash:
            style = "ends with" if path.endswith("/") else "lacks"
            yield spec.at("paths", path), f"{path} {style} a trailing slash, unlike most paths of this document"


_CASES = {
    "kebab-case": re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$"),
    "snake_case": re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$"),
    "camelCase": re.compile(r"^[a-z][a-z0-9]*([A-Z][a-z0-9]*)+$"),
}
_PLAIN = re.compile(r"^[a-z0-9.]+$")   # one lower-case word fits every style


def segment_case(segment: str) -> str:
    if _PLAIN.match(segment):
        return "plain"
    return next((name for name, pattern in _CASES.items() if pattern.match(segment)), "mixed")


@rule("path-segment-case", "warn", "Literal path segments share one case style (kebab-case, snake_case or "
      "camelCase; single lower-case words fit any).")
def path_segment_case(spec: Spec) -> Iterator[Hit]:
    styles: dict[str, str] = {}
    for path in spec.data.get("paths") or {}:
        for segment in path.strip("/").split("/"):
            if segment and not _TEMPLATE.fullmatch(segment):
                styles.setdefault(segment, segment_case(segment))
    counted = Counter(style for style in styles.values() if style != "plain")
    if not counted:
        return
    dominant = counted.most_common(1)[0][0]
    for path in spec.data.get("paths") or {}:
        odd = [s for s in path.strip("/").split("/") if s in styles and styles[s] not in ("plain", dominant)]
        if odd:
            yield spec.at("paths", path), f"{path}: segment {odd[0]!r} is {styles[odd[0]]}, most segments are " \
                                          f"{dominant}"


# ---------------------------------------------------------------------------------------------------- constraints

_FORMAT_HINTS = [
    (re.compile(r"(^|_)e?mail(_address)?$|[a-z]Email$", re.I), "email"),
    (re.compile(r"(_at|At|_time|Time|timestamp)$"), "date-time"),
    (re.compile(r"(^date$|^date_|_date$|[a-z]Date$|_on$|^birthday$)"), "date"),
    (re.compile(r"(^|_)u?uid$|[a-z]Uuid$", re.I), "uuid"),
]
_VALUE_LIST = re.compile(r"\b(one of|possible values|allowed values|valid values|must be either|is either)\b", re.I)
_CODE_SPAN = re.compile(r"`([^`]+)`|'([^']+)'|\"([^\"]+)\"")


def _is_string_only(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "string" in kinds and all(k in ("string", "null") for k in kinds)


def _unconstrained(schema: dict[str, Any]) -> bool:
    return not any(k in schema for k in ("enum", "const", "format", "pattern", "$ref", "allOf", "anyOf", "oneOf"))


def constraint_hint(name: str, description: str) -> str | None:
    """The constraint a field's name or documentation implies (`format: email`, `an enum`), or None."""
    for pattern, fmt in _FORMAT_HINTS:
        if pattern.search(name):
            return f"format: {fmt}"
    if _VALUE_LIST.search(description) and len(_CODE_SPAN.findall(description)) >= 2:
        return "an enum"
    return None


@rule("constrained-field", "warn", "String fields whose name or description implies a constraint (an email, a "
      "date or date-time, a uuid, a list of allowed values) declare it as `format`, `enum` or `pattern`.")
def constrained_field(spec: Spec) -> Iterator[Hit]:
    fields: list[tuple[str, dict[str, Any], str, Location]] = []
    for schema, where in spec.schemas:
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and "$ref" not in prop:
                fields.append((name, prop, str(prop.get("description") or ""), where.child("properties", name)))
    seen: set[str] = set()
    for op in spec.operations:
        for param, at in spec.parameters(op):
            if at.uri not in seen and isinstance(param.get("schema"), dict):
                seen.add(at.uri)
                fields.append((str(param.get("name")), param["schema"], str(param.get("description") or ""),
                               at.child("schema")))
    for name, schema, description, where in fields:
        if _is_string_only(schema) and _unconstrained(schema):
            hint = constraint_hint(name, description)
            if hint:
                yield where, f"{name} looks constrained ({hint}) but its schema says only `type: string`"
