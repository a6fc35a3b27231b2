"""`apitwin diff OLD NEW`: what changed between two versions of an API document, classified for its clients as
breaking, non-breaking or info.

Operations are matched by method and path template with parameter names ignored (renaming `{id}` to `{customer_id}`
changes no URL); path parameters are matched by position. Schemas are compared with their direction in mind:
narrowing what a request may contain breaks clients, and so does widening what a response may contain. Every rule
records the oasdiff check id(s) for the same change (docs/spec-review.md has the table); each finding names the one
oasdiff id for its case (parameter, property or body; which bound; required or optional; global or per operation).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from apitwin.review.config import ReviewConfig
from apitwin.review.findings import Finding
from apitwin.review.loader import Loader
from apitwin.review.openapi import Location, Operation, Spec


@dataclass(frozen=True)
class DiffRule:
    id: str
    level: str          # breaking | non-breaking | info
    oasdiff: str        # the oasdiff check id(s) for the same change, "-" when oasdiff has none
    description: str


_RULES = [
    # paths and operations
    DiffRule("path-removed", "breaking", "api-path-removed-without-deprecation",
             "A path (all its operations) was removed."),
    DiffRule("path-removed-deprecated", "info", "api-path-removed-with-deprecation",
             "A path whose operations were all deprecated was removed."),
    DiffRule("operation-removed", "breaking", "api-removed-without-deprecation",
             "An operation (method on a path that still exists) was removed."),
    DiffRule("operation-removed-deprecated", "info", "api-removed-with-deprecation",
             "A deprecated operation was removed."),
    DiffRule("operation-added", "non-breaking", "endpoint-added", "An operation was added."),
    DiffRule("operation-id-changed", "breaking", "api-operation-id-removed",
             "An operation was renamed (its operationId changed): generated clients lose the method."),
    DiffRule("operation-deprecated", "info", "endpoint-deprecated", "An operation was marked deprecated."),
    DiffRule("description-changed", "info", "-", "An operation's summary or description changed."),
    # parameters
    DiffRule("parameter-removed", "breaking", "request-parameter-removed",
             "A parameter was removed (or renamed: removed plus added)."),
    DiffRule("parameter-added-required", "breaking", "new-required-request-parameter",
             "A new required parameter: every existing call now fails."),
    DiffRule("parameter-added-optional", "non-breaking", "new-optional-request-parameter",
             "A new optional parameter."),
    DiffRule("parameter-became-required", "breaking", "request-parameter-became-required",
             "An optional parameter became required."),
    DiffRule("parameter-became-optional", "non-breaking", "request-parameter-became-optional",
             "A required parameter became optional."),
    # request bodies
    DiffRule("request-body-added-required", "breaking", "request-body-added-required",
             "A required request body was added to an operation that had none."),
    DiffRule("request-body-became-required", "breaking", "request-body-became-required",
             "An optional request body became required."),
    DiffRule("request-media-type-removed", "breaking", "request-body-media-type-removed",
             "A request content type is no longer accepted."),
    DiffRule("request-media-type-added", "non-breaking", "request-body-media-type-added",
             "A request content type is now accepted as well."),
    DiffRule("request-property-removed", "breaking", "request-property-removed",
             "A request field was removed (or renamed): clients still send it."),
    DiffRule("request-property-added-required", "breaking", "new-required-request-property",
             "A new required request field."),
    DiffRule("request-property-added-optional", "non-breaking", "new-optional-request-property",
             "A new optional request field."),
    DiffRule("request-property-became-required", "breaking", "request-property-became-required",
             "An optional request field became required."),
    DiffRule("request-property-became-optional", "non-breaking", "request-property-became-optional",
             "A required request field became optional."),
    DiffRule("request-type-changed", "breaking",
             "request-parameter-type-changed, request-property-type-changed, request-body-type-changed, "
             "request-property-became-not-nullable",
             "A request value's type, format, nullability or variants were narrowed or changed."),
    DiffRule("request-type-widened", "non-breaking",
             "request-parameter-type-generalized, request-property-type-generalized, "
             "request-property-became-nullable", "A request value accepts more types or formats."),
    DiffRule("request-enum-narrowed", "breaking",
             "request-parameter-enum-value-removed, request-property-enum-value-removed, "
             "request-parameter-became-enum, request-property-became-enum",
             "A request value lost enum values, or became an enum."),
    DiffRule("request-enum-widened", "non-breaking",
             "request-parameter-enum-value-added, request-property-enum-value-added",
             "A request value accepts more enum values."),
    DiffRule("request-bounds-narrowed", "breaking",
             "request-parameter-max-decreased, request-parameter-min-increased, "
             "request-property-max-length-decreased, request-property-min-length-increased, "
             "request-parameter-max-length-decreased, request-property-min-items-increased, "
             "request-parameter-pattern-added, request-property-pattern-changed",
             "A request bound tightened: maximum/maxLength/maxItems lowered or set, minimum/minLength/minItems "
             "raised or set, a pattern added or changed."),
    DiffRule("request-bounds-widened", "non-breaking",
             "request-parameter-max-increased, request-property-min-length-decreased, "
             "request-property-pattern-removed", "A request bound loosened or was removed."),
    # responses
    DiffRule("response-success-status-removed", "breaking", "response-success-status-removed",
             "A documented 2xx/3xx response was removed."),
    DiffRule("response-error-status-removed", "breaking", "response-non-success-status-removed",
             "A documented error response was removed (clients handling it now meet something else)."),
    DiffRule("response-status-added", "non-breaking",
             "response-success-status-added, response-non-success-status-added", "A response status was added."),
    DiffRule("response-media-type-removed", "breaking", "response-media-type-removed",
             "A response content type is no longer produced."),
    DiffRule("response-media-type-added", "non-breaking", "response-media-type-added",
             "A response content type was added."),
    DiffRule("response-header-removed", "breaking", "required-response-header-removed, "
             "optional-response-header-removed", "A documented response header was removed."),
    DiffRule("response-property-removed", "breaking",
             "response-required-property-removed, response-optional-property-removed",
             "A response field was removed (or renamed): clients read it."),
    DiffRule("response-property-became-optional", "breaking", "response-property-became-optional",
             "A response field that was always present may now be missing."),
    DiffRule("response-property-added", "non-breaking",
             "response-optional-property-added, response-required-property-added", "A response field was added."),
    DiffRule("response-property-became-required", "non-breaking", "response-property-became-required",
             "A response field is now always present."),
    DiffRule("response-type-changed", "breaking",
             "response-property-type-changed, response-body-type-changed, response-property-became-nullable",
             "A response value's type, format, nullability or variants were widened or changed."),
    DiffRule("response-type-narrowed", "non-breaking", "response-property-type-changed (narrowing, info)",
             "A response value has fewer possible types or a format added."),
    DiffRule("response-enum-widened", "breaking", "response-property-enum-value-added",
             "A response value may take new enum values (or lost its enum)."),
    DiffRule("response-enum-narrowed", "non-breaking", "response-property-enum-value-removed",
             "A response value takes fewer enum values."),
    DiffRule("response-bounds-widened", "breaking",
             "response-property-max-increased, response-property-max-length-increased, "
             "response-property-max-length-unset, response-property-min-decreased, "
             "response-property-min-items-decreased",
             "A response bound loosened or was removed: values old clients never had to handle."),
    DiffRule("response-bounds-narrowed", "non-breaking", "-", "A response bound tightened."),
    # security
    DiffRule("security-requirement-removed", "breaking", "api-security-removed, api-global-security-removed",
             "A way of calling an operation is gone: a security alternative removed, or anonymous access ended."),
    DiffRule("security-requirement-added", "non-breaking", "api-security-added, api-global-security-added",
             "A new security alternative (or anonymous access) was added."),
    DiffRule("security-scope-added", "breaking", "api-security-scope-added, api-global-security-scope-added",
             "An operation needs an extra scope."),
    DiffRule("security-scheme-changed", "breaking", "api-security-component-type-changed",
             "A security scheme in use changed how credentials are sent (type, scheme, header or query name)."),
]
DIFF_RULES: dict[str, DiffRule] = {r.id: r for r in _RULES}

_ORDER = {"breaking": 0, "non-breaking": 1, "info": 2}
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_BOUND_NAMES = {"maximum": "max", "exclusiveMaximum": "exclusive-max", "maxLength": "max-length",
                "maxItems": "max-items", "maxProperties": "max-properties", "minimum": "min",
                "exclusiveMinimum": "exclusive-min", "minLength": "min-length", "minItems": "min-items",
                "minProperties": "min-properties"}


def _template(path: str) -> str:
    return re.sub(r"\{[^{}]*\}", "{}", path)


class Differ:
    """Compares two opened documents and collects findings (configured levels applied at the end)."""

    def __init__(self, old: Spec, new: Spec) -> None:
        self.old, self.new = old, new
        self.findings: list[Finding] = []
        self._active: set[tuple[str, str, str]] = set()    # schema pairs being compared (recursive schemas)
        self._reported: set[str] = set()
        self._subject = "body"     # what the compared schema describes: parameter, body or property

    def emit(self, rule_id: str, message: str, where: Location, oasdiff: str | None = None) -> None:
        """`oasdiff`: the specific check id for this finding; by default the rule's own when it has only one."""
        rule = DIFF_RULES[rule_id]
        if oasdiff is None:
            oasdiff = rule.oasdiff if "," not in rule.oasdiff and " " not in rule.oasdiff else "-"
        self.findings.append(Finding(rule_id, rule.level, message, where.doc.display, where.line, where.pointer,
                                     {"oasdiff": oasdiff}))

    def _oasdiff(self, request: bool, tail: str) -> str:
        """oasdiff's id for a schema change of the value being compared: request-parameter-…, request-property-…,
        request-body-…, response-property-…, response-body-…"""
        return f"{'request' if request else 'response'}-{self._subject}-{tail}"

    # ------------------------------------------------------------------------------------------------ operations

    def run(self) -> list[Finding]:
        old_ops = {(op.method, _template(op.path)): op for op in self.old.operations}
        new_ops = {(op.method, _template(op.path)): op for op in self.new.operations}
        new_paths = {_template(op.path) for op in self.new.operations}
        removed_paths: dict[str, list[Operation]] = {}
        for key, op in old_ops.items():
            if key not in new_ops and key[1] not in new_paths:
                removed_paths.setdefault(key[1], []).append(op)
        for ops in removed_paths.values():
            first = ops[0]
            if all(op.node.get("deprecated") for op in ops):
                self.emit("path-removed-deprecated", f"{first.path} removed (it was deprecated)", first.item_where)
            else:
                self.emit("path-removed", f"{first.path} removed", first.item_where)
        for key, op in old_ops.items():
            if key in new_ops:
                self.operation(op, new_ops[key])
            elif key[1] in new_paths:
                rule = "operation-removed-deprecated" if op.node.get("deprecated") else "operation-removed"
                self.emit(rule, f"{op.label} removed", op.where)
        for key, op in new_ops.items():
            if key not in old_ops:
                self.emit("operation-added", f"{op.label} added", op.where)
        return self.findings

    def operation(self, old: Operation, new: Operation) -> None:
        label = new.label
        if old.operation_id and new.operation_id and old.operation_id != new.operation_id:
            self.emit("operation-id-changed", f"{label}: operationId {old.operation_id} → {new.operation_id}",
                      new.where.child("operationId"))
        if new.node.get("deprecated") and not old.node.get("deprecated"):
            self.emit("operation-deprecated", f"{label} is now deprecated", new.where)
        for key in ("summary", "description"):
            if (old.node.get(key) or "") != (new.node.get(key) or ""):
                self.emit("description-changed", f"{label}: {key} changed", new.where.child(key))
        self.parameters(old, new)
        self.request_body(old, new)
        self.responses(old, new)
        self.security(old, new)

    def parameters(self, old: Operation, new: Operation) -> None:
        def keyed(spec: Spec, op: Operation) -> dict[tuple[str, str], tuple[dict[str, Any], Location]]:
            names = re.findall(r"\{([^{}]*)\}", op.path)
            out = {}
            for param, at in spec.parameters(op):
                name, where = str(param.get("name")), str(param.get("in"))
                key = ("path", str(names.index(name))) if where == "path" and name in names else (where, name)
                out[key] = (param, at)
            return out

        before, after = keyed(self.old, old), keyed(self.new, new)
        for key, (param, at) in before.items():
            what = f"{new.label}: {param.get('in')} parameter {param.get('name')}"
            if key not in after:
                self.emit("parameter-removed", f"{what} removed", at)
                continue
            new_param, new_at = after[key]
            if new_param.get("required") and not param.get("required"):
                self.emit("parameter-became-required", f"{what} became required", new_at)
            elif param.get("required") and not new_param.get("required"):
                self.emit("parameter-became-optional", f"{what} became optional", new_at)
            self.schema(param.get("schema"), at.child("schema"), new_param.get("schema"), new_at.child("schema"),
                        "request", what, "parameter")
        for key, (param, at) in after.items():
            if key not in before:
                what = f"{new.label}: new {param.get('in')} parameter {param.get('name')}"
                rule = "parameter-added-required" if param.get("required") else "parameter-added-optional"
                self.emit(rule, what + (" (required)" if param.get("required") else ""), at)

    def request_body(self, old: Operation, new: Operation) -> None:
        before, after = self.old.request_body(old), self.new.request_body(new)
        if after is None:
            return
        body, at = after
        if before is None:
            if body.get("required"):
                self.emit("request-body-added-required", f"{new.label}: a required request body was added", at)
            return
        old_body, old_at = before
        if body.get("required") and not old_body.get("required"):
            self.emit("request-body-became-required", f"{new.label}: the request body became required", at)
        self.content(old_body, old_at, body, at, "request", f"{new.label} request")

    def content(self, old: dict[str, Any], old_at: Location, new: dict[str, Any], new_at: Location, direction: str,
                what: str) -> None:
        old_content, new_content = old.get("content") or {}, new.get("content") or {}
        for media_type, media in old_content.items():
            if media_type not in new_content:
                self.emit(f"{direction}-media-type-removed", f"{what}: {media_type} removed",
                          old_at.child("content", media_type))
            elif isinstance(media, dict) and isinstance(new_content[media_type], dict):
                self.schema(media.get("schema"), old_at.child("content", media_type, "schema"),
                            new_content[media_type].get("schema"), new_at.child("content", media_type, "schema"),
                            direction, f"{what} {media_type}")
        for media_type in new_content:
            if media_type not in old_content:
                self.emit(f"{direction}-media-type-added", f"{what}: {media_type} added",
                          new_at.child("content", media_type))

    def responses(self, old: Operation, new: Operation) -> None:
        before = {status: (r, at) for status, r, at in self.old.responses(old)}
        after = {status: (r, at) for status, r, at in self.new.responses(new)}
        for status, (response, at) in before.items():
            if status not in after:
                rule = "response-success-status-removed" if status[0] in "23" else "response-error-status-removed"
                self.emit(rule, f"{new.label}: response {status} removed", at)
                continue
            new_response, new_at = after[status]
            what = f"{new.label} {status} response"
            for name, header in (response.get("headers") or {}).items():
                if name.lower() not in {h.lower() for h in new_response.get("headers") or {}}:
                    required = isinstance(header, dict) and header.get("required")
                    self.emit("response-header-removed", f"{what}: header {name} removed", at.child("headers", name),
                              f"{'required' if required else 'optional'}-response-header-removed")
            self.content(response, at, new_response, new_at, "response", what)
        for status, (_, at) in after.items():
            if status not in before:
                kind = "success" if status[0] in "23" else "non-success"
                self.emit("response-status-added", f"{new.label}: response {status} added", at,
                          f"response-{kind}-status-added")

    # ------------------------------------------------------------------------------------------------ security

    def security(self, old: Operation, new: Operation) -> None:
        def alternatives(spec: Spec, op: Operation) -> dict[frozenset[str], set[str]]:
            requirements = spec.security(op) or [{}]
            out: dict[frozenset[str], set[str]] = {}
            for requirement in requirements:
                requirement = requirement if isinstance(requirement, dict) else {}
                out[frozenset(requirement)] = {f"{n}:{s}" for n, scopes in requirement.items() for s in scopes or []}
            return out

        before, after = alternatives(self.old, old), alternatives(self.new, new)
        where = new.where.child("security") if "security" in new.node else self.new.at("security")
        old_where = old.where.child("security") if "security" in old.node else self.old.at("security")
        for names, scopes in before.items():
            if names not in after:
                what = "anonymous access" if not names else f"security alternative {' + '.join(sorted(names))}"
                ends = " (credentials are now required)" if not names else ""
                self.emit("security-requirement-removed", f"{new.label}: {what} removed{ends}", old_where,
                          "api-security-removed" if "security" in old.node else "api-global-security-removed")
            elif after[names] - scopes:
                self.emit("security-scope-added", f"{new.label}: now needs scope(s) "
                          f"{', '.join(sorted(after[names] - scopes))}", where,
                          "api-security-scope-added" if "security" in new.node else "api-global-security-scope-added")
        for names in after:
            if names not in before:
                what = "anonymous access" if not names else f"security alternative {' + '.join(sorted(names))}"
                self.emit("security-requirement-added", f"{new.label}: {what} added", where,
                          "api-security-added" if "security" in new.node else "api-global-security-added")
        old_schemes = (self.old.data.get("components") or {}).get("securitySchemes") or {}
        new_schemes = (self.new.data.get("components") or {}).get("securitySchemes") or {}
        for names in set(before) & set(after):
            for name in names:
                old_scheme = old_schemes.get(name)
                new_scheme = new_schemes.get(name)
                if not isinstance(old_scheme, dict) or not isinstance(new_scheme, dict):
                    continue
                changed = [k for k in ("type", "scheme", "in", "name")
                           if str(old_scheme.get(k, "")).lower() != str(new_scheme.get(k, "")).lower()]
                if changed and name not in self._reported:
                    self._reported.add(name)
                    self.emit("security-scheme-changed", f"security scheme {name}: {', '.join(changed)} changed",
                              self.new.at("components", "securitySchemes", name))

    # ------------------------------------------------------------------------------------------------ schemas

    def schema(self, old: Any, old_at: Location, new: Any, new_at: Location, direction: str, what: str,
               subject: str = "body") -> None:
        if old is None or new is None:
            return
        old, old_at = self.old.deref(old, old_at)
        new, new_at = self.new.deref(new, new_at)
        key = (old_at.uri, new_at.uri, direction)
        if key in self._active or not isinstance(old, dict) or not isinstance(new, dict):
            return
        self._active.add(key)
        outer = self._subject
        try:
            a, b = _View(self.old, old, old_at), _View(self.new, new, new_at)
            request = direction == "request"
            self._subject = subject
            self.types(a, b, new_at, request, what)
            self.enums(a, b, new_at, request, what)
            self.bounds(a, b, new_at, request, what)
            self.properties(a, b, new_at, direction, what)
            if a.items is not None and b.items is not None:
                self.schema(a.items[0], a.items[1], b.items[0], b.items[1], direction, what + "[]",
                            "property" if subject == "body" else subject)
            for keyword in ("oneOf", "anyOf"):
                self._subject = subject
                self.variants(a, b, keyword, new_at, direction, what)
        finally:
            self._subject = outer
            self._active.discard(key)

    def types(self, a: "_View", b: "_View", at: Location, request: bool, what: str) -> None:
        old_accepts_new, new_accepts_old = _covers(a.types, b.types), _covers(b.types, a.types)
        old_format, new_format = a.schema.get("format"), b.schema.get("format")
        if a.types != b.types:
            change = f"{what}: type {_show(a.types)} → {_show(b.types)}"
            only_null = a.types is not None and b.types is not None and a.types ^ b.types == {"null"}
            if only_null:
                tail = "became-nullable" if "null" in b.types else "became-not-nullable"
            else:
                tail = "type-generalized" if request and new_accepts_old else "type-changed"
            if request:
                self.emit("request-type-changed" if not new_accepts_old else "request-type-widened", change, at,
                          self._oasdiff(request, tail))
            else:
                self.emit("response-type-changed" if not old_accepts_new else "response-type-narrowed", change, at,
                          self._oasdiff(request, tail))
        if old_format != new_format:
            change = f"{what}: format {old_format or '(none)'} → {new_format or '(none)'}"
            widened = new_format is None
            if request:
                self.emit("request-type-widened" if widened else "request-type-changed", change, at,
                          self._oasdiff(request, "type-generalized" if widened else "type-changed"))
            else:
                narrowed = old_format is None
                self.emit("response-type-narrowed" if narrowed else "response-type-changed", change, at,
                          self._oasdiff(request, "type-changed"))

    def enums(self, a: "_View", b: "_View", at: Location, request: bool, what: str) -> None:
        old_enum, new_enum = a.enum, b.enum
        if old_enum == new_enum:
            return
        if old_enum is None or new_enum is None:
            narrowed = old_enum is None
            change = f"{what}: {'became an enum ' + _values(new_enum) if narrowed else 'enum removed'}"
        else:
            gone, added = [v for v in old_enum if v not in new_enum], [v for v in new_enum if v not in old_enum]
            if gone:
                change = f"{what}: enum value(s) {_values(gone)} removed"
                self.emit("request-enum-narrowed" if request else "response-enum-narrowed", change, at,
                          self._enum_id(request, "enum-value-removed"))
            if added:
                change = f"{what}: enum value(s) {_values(added)} added"
                self.emit("request-enum-widened" if request else "response-enum-widened", change, at,
                          self._enum_id(request, "enum-value-added"))
            return
        # an enum set (became-enum) or dropped (oasdiff has no check for a dropped enum)
        specific = self._enum_id(request, "became-enum") if narrowed and request else "-"
        if request:
            self.emit("request-enum-narrowed" if narrowed else "request-enum-widened", change, at, specific)
        else:
            self.emit("response-enum-narrowed" if narrowed else "response-enum-widened", change, at, specific)

    def _enum_id(self, request: bool, tail: str) -> str:
        if not request and self._subject == "body":
            return f"response-mediatype-{tail}"           # oasdiff's name for a response body's own enum
        return self._oasdiff(request, tail)

    def bounds(self, a: "_View", b: "_View", at: Location, request: bool, what: str) -> None:
        for keyword in _UPPER + _LOWER:
            old, new = a.bound(keyword), b.bound(keyword)
            if old == new:
                continue
            narrowed = new < old if keyword in _UPPER else new > old
            old_value, new_value = a.schema.get(keyword), b.schema.get(keyword)
            change = f"{what}: {keyword} {_num(old_value)} → {_num(new_value)}"
            # oasdiff: a bound that appears is "set"; one that goes is "unset" for maxLength, else the limit moved
            # to infinity ("increased" for an upper bound, "decreased" for a lower one)
            how = ("set" if old_value is None else "unset" if new_value is None and keyword == "maxLength"
                   else "decreased" if new < old else "increased")
            self._bound(request, narrowed, change, at, self._oasdiff(request, f"{_BOUND_NAMES[keyword]}-{how}"))
        old_pattern, new_pattern = a.schema.get("pattern"), b.schema.get("pattern")
        if old_pattern != new_pattern:
            change = f"{what}: pattern {old_pattern or '(none)'} → {new_pattern or '(none)'}"
            how = "added" if old_pattern is None else "removed" if new_pattern is None else "changed"
            specific = self._oasdiff(request, f"pattern-{how}") if request and self._subject != "body" else "-"
            self._bound(request, new_pattern is not None, change, at, specific)

    def _bound(self, request: bool, narrowed: bool, change: str, at: Location, oasdiff: str) -> None:
        if request:
            self.emit("request-bounds-narrowed" if narrowed else "request-bounds-widened", change, at, oasdiff)
        else:
            self.emit("response-bounds-narrowed" if narrowed else "response-bounds-widened", change, at,
                      oasdiff if not narrowed else "-")

    def properties(self, a: "_View", b: "_View", at: Location, direction: str, what: str) -> None:
        request = direction == "request"
        hidden = "readOnly" if request else "writeOnly"   # never sent in this direction
        for name, (prop, prop_at) in a.properties.items():
            field = f"{what}: field {name}"
            if a.hides(name, hidden):
                continue
            if name not in b.properties:
                specific = ("request-property-removed" if request else
                            f"response-{'required' if name in a.required else 'optional'}-property-removed")
                self.emit(f"{direction}-property-removed", f"{field} removed", prop_at, specific)
                continue
            new_prop, new_prop_at = b.properties[name]
            if request and name in b.required and name not in a.required:
                self.emit("request-property-became-required", f"{field} became required", new_prop_at)
            elif request and name in a.required and name not in b.required:
                self.emit("request-property-became-optional", f"{field} became optional", new_prop_at)
            elif not request and name in a.required and name not in b.required:
                self.emit("response-property-became-optional", f"{field} may now be missing", new_prop_at)
            elif not request and name in b.required and name not in a.required:
                self.emit("response-property-became-required", f"{field} is now always present", new_prop_at)
            self.schema(prop, prop_at, new_prop, new_prop_at, direction, f"{what}.{name}", "property")
        for name, (_, prop_at) in b.properties.items():
            if name in a.properties or b.hides(name, hidden):
                continue
            field = f"{what}: new field {name}"
            if request:
                required = name in b.required
                self.emit("request-property-added-required" if required else "request-property-added-optional",
                          field + (" (required)" if required else ""), prop_at)
            else:
                self.emit("response-property-added", field, prop_at,
                          f"response-{'required' if name in b.required else 'optional'}-property-added")
        if request:
            for name in b.required - a.required - set(b.properties):
                self.emit("request-property-added-required", f"{what}: field {name} is now required", at)

    def variants(self, a: "_View", b: "_View", keyword: str, at: Location, direction: str, what: str) -> None:
        old, new = a.schema.get(keyword), b.schema.get(keyword)
        if not isinstance(old, list) or not isinstance(new, list):
            return
        if len(old) == len(new):
            for index, (x, y) in enumerate(zip(old, new)):
                self.schema(x, a.at.child(keyword, index), y, at.child(keyword, index), direction,
                            f"{what} ({keyword} #{index + 1})", self._subject)
            return
        fewer = len(new) < len(old)
        change = f"{what}: {keyword} variants {len(old)} → {len(new)}"
        request = direction == "request"
        specific = self._oasdiff(request, f"{'one-of' if keyword == 'oneOf' else 'any-of'}-"
                                          f"{'removed' if fewer else 'added'}")
        if request:
            self.emit("request-type-changed" if fewer else "request-type-widened", change, at, specific)
        else:
            self.emit("response-type-narrowed" if fewer else "response-type-changed", change, at, specific)


class _View:
    """The comparable facts of one schema: types (with nullability), enum, bounds, properties (allOf merged)."""

    def __init__(self, spec: Spec, schema: dict[str, Any], at: Location) -> None:
        self.spec, self.schema, self.at = spec, schema, at
        self.properties: dict[str, tuple[Any, Location]] = {}
        self.required: set[str] = set()
        self.items: tuple[Any, Location] | None = None
        self._merge(schema, at, depth=0)
        kind = schema.get("type")
        kinds = set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else None
        if kinds is not None and (schema.get("nullable") is True):
            kinds.add("null")
        self.types = frozenset(kinds) if kinds is not None else None
        if "const" in schema:
            self.enum: list[Any] | None = [schema["const"]]
        else:
            self.enum = list(schema["enum"]) if isinstance(schema.get("enum"), list) else None

    def _merge(self, schema: dict[str, Any], at: Location, depth: int) -> None:
        for name, prop in (schema.get("properties") or {}).items():
            self.properties.setdefault(name, (prop, at.child("properties", name)))
        self.required.update(r for r in schema.get("required") or [] if isinstance(r, str))
        if self.items is None and isinstance(schema.get("items"), dict):
            self.items = (schema["items"], at.child("items"))
        for index, part in enumerate(schema.get("allOf") or []):
            part, part_at = self.spec.deref(part, at.child("allOf", index))
            if isinstance(part, dict) and depth < 8:
                self._merge(part, part_at, depth + 1)

    def hides(self, name: str, flag: str) -> bool:
        prop, at = self.properties[name]
        prop, _ = self.spec.deref(prop, at)
        return isinstance(prop, dict) and prop.get(flag) is True

    def bound(self, keyword: str) -> float:
        value = self.schema.get(keyword)
        if keyword in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):  # 3.0 style
            value = self.schema.get("minimum" if keyword == "exclusiveMinimum" else "maximum") if value else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if keyword in _UPPER:
            return math.inf
        return 0.0 if keyword in ("minLength", "minItems", "minProperties") else -math.inf


def _covers(outer: frozenset[str] | None, inner: frozenset[str] | None) -> bool:
    """Does every value of the `inner` types also have one of the `outer` types?"""
    if outer is None:
        return True
    if inner is None:
        return False
    return all(t in outer or (t == "integer" and "number" in outer) for t in inner)


def _show(types: frozenset[str] | None) -> str:
    if types is None:
        return "(any)"
    return "|".join(sorted(types))


def _values(values: list[Any] | None) -> str:
    return ", ".join(repr(v) for v in values or [])


def _num(value: Any) -> str:
    return "(none)" if value is None else str(value)


def diff(old_target: str, new_target: str, config: ReviewConfig | None = None,
         loader: Loader | None = None) -> list[Finding]:
    """Findings for OLD → NEW (files or REV:PATH; raises LoadError), with the configured levels, sorted."""
    config = config or ReviewConfig()
    loader = loader or Loader()
    old, new = Spec.open(old_target, loader), Spec.open(new_target, loader)
    findings = []
    for finding in Differ(old, new).run():
        level = config.diff_rules.get(finding.rule, finding.severity)
        if level != "off":
            finding.severity = level
            findings.append(finding)
    findings.sort(key=lambda f: (_ORDER[f.severity], f.file, f.line or 0, f.rule))
    return findings


def reached(findings: list[Finding], fail_on: str | None) -> bool:
    """Does any finding reach the `--fail-on` level (breaking > non-breaking > info)?"""
    if not fail_on or fail_on == "never":
        return False
    return any(_ORDER[f.severity] <= _ORDER[fail_on] for f in findings)

