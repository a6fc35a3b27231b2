"""Per-operation plans, made once at start (validators compiled at first use, then kept): everything the pipeline needs about an operation that depends
only on the operation (request body validators, accepted media types, the query pattern, the plugin's body check,
response validators, compiled on first use), so a request looks its operation up once and derives nothing.

Request and response bodies are checked against the 3.1 document (JSON Schema 2020-12, formats checked) with
jsonschema-rs; Python's jsonschema (`detailed`) only words the messages of an invalid request body.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

if TYPE_CHECKING:
    from apitwin.runtime import ApiRuntime

QUERY_PATTERN = "x-apitwin-query-pattern"
_UNSET = object()


@dataclass(frozen=True)
class BodyContract:
    fast: Any          # jsonschema_rs validator: the common, valid case costs microseconds
    detailed: Any      # jsonschema Draft202012Validator: per-field messages for an invalid body


class ResponseCheck(NamedTuple):
    """One documented response as the guard checks it."""
    key: str                          # the documented key (`200`, `4XX`, `default`)
    content: dict[str, Any]           # media type → media object
    empty_body_ok: bool               # x-apitwin-empty-body
    required_headers: tuple[str, ...]


@dataclass
class OperationPlan:
    op_id: str
    operation: dict[str, Any]
    accepted: tuple[str, ...]                        # request body media types the operation documents
    json_schema: Any                                 # the JSON request body's schema, if any
    query_pattern: re.Pattern[str] | None            # x-apitwin-query-pattern (MOLGENIS' q[0].field=…)
    body_check: Callable[[Any, dict[str, Any], Any], Any] | None
    responses: dict[str, Any] = field(default_factory=dict)
    _response_validators: dict[tuple[str, str], Any] = field(default_factory=dict)
    _response_checks: dict[int, Any] = field(default_factory=dict)
    _json_body: Any = _UNSET
    json_schemas: dict[str, Any] = field(default_factory=dict)   # JSON media type → its schema (request view)
    _json_bodies: dict[str, Any] = field(default_factory=dict)

    @property
    def json_body(self) -> BodyContract | None:
        """The JSON request body's contract (None: no JSON body schema), compiled on first use."""
        if self._json_body is _UNSET:
            self._json_body = None if self.json_schema is None else BodyContract(
                compiled(self.json_schema), _detailed(self.json_schema))
        return self._json_body

    def json_body_for(self, media_type: str) -> BodyContract | None:
        """The contract of the JSON media type the request names (an operation may take a merge patch and a JSON
        patch, with different schemas), else the operation's first JSON one."""
        schema = self.json_schemas.get(media_type.split(";")[0].strip().lower())
        if schema is None or schema is self.json_schema:
            return self.json_body
        found = self._json_bodies.get(media_type)
        if found is None:
            found = self._json_bodies[media_type] = BodyContract(compiled(schema), _detailed(schema))
        return found

    def response_for(self, status: int) -> tuple[str, dict[str, Any]] | None:
        """(documented key, response) for a status: the exact code, its `4XX` range, or `default`."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return key, self.responses[key]
        return None

    def response_check(self, status: int) -> ResponseCheck | None:
        """What the response guard needs of a status, worked out once per status (None: not documented)."""
        found = self._response_checks.get(status, _UNSET)
        if found is _UNSET:
            documented = self.response_for(status)
            if documented is None:
                found = None
            else:
                key, response = documented
                found = ResponseCheck(key, response.get("content") or {}, bool(response.get("x-apitwin-empty-body")),
                                      tuple(name for name, header in (response.get("headers") or {}).items()
                                            if header.get("required")))
            if 100 <= status <= 599:   # bounded: statuses are three digits
                self._response_checks[status] = found
        return found

    def response_validator(self, key: str, media_type: str) -> Any:
        """The compiled validator of one documented JSON response body (None if it has no schema). Compiled on
        first use and kept: compiling every response of a large document at start costs seconds."""
        found = self._response_validators.get((key, media_type), _UNSET)
        if found is _UNSET:
            media = ((self.responses.get(key) or {}).get("content") or {}).get(media_type) or {}
            found = None if not media_type.endswith("json") or "schema" not in media else \
                compiled(as_response(media["schema"]))
            self._response_validators[(key, media_type)] = found
        return found


# Every format jsonschema knows (date, date-time, email, ...), not only Draft 4's: `format: date` is otherwise
# silently unchecked in bodies and responses. Shared by every validator of the engine.
FORMATS = FormatChecker()


def _detailed(schema: Any) -> Any:
    return Draft202012Validator(schema, format_checker=FORMATS)


def as_request(schema: Any) -> Any:
    """A body schema as a request sees it: `readOnly` properties are not required (OpenAPI: "required" on a
    read-only property applies to responses only)."""
    return _seen_as(schema, "readOnly", {})


def compiled(schema: Any) -> Any:
    """A jsonschema_rs validator of `schema`. Connexion resolves `$ref`s into shared objects, so a recursive schema
    (a tree whose children are trees) arrives as a cyclic dict, which jsonschema_rs refuses ("Recursion limit
    reached"): such a schema is compiled from its `acyclic` form instead."""
    try:
        return jsonschema_rs.validator_for(schema, validate_formats=True)
    except ValueError:
        return jsonschema_rs.validator_for(acyclic(schema), validate_formats=True)


def acyclic(schema: Any) -> Any:
    """`schema` with every object met again inside itself replaced by a `$ref` into the root's `$defs`; shared
    objects that are not cycles stay shared."""
    done: dict[int, Any] = {}
    names: dict[int, str] = {}
    active: set[int] = set()
    defs: dict[str, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        key = id(node)
        if key in done:
            return done[key]
        if key in active:
            return {"$ref": f"#/$defs/{names.setdefault(key, f'apitwin-cycle-{len(names)}')}"}
        active.add(key)
        out = {name: value if name in ("example", "examples", "default", "enum", "const") else walk(value)
               for name, value in node.items()}
        active.discard(key)
        done[key] = out
        if key in names:
            defs[names[key]] = out
        return out

    root = walk(schema)
    if defs and isinstance(root, dict):
        root = {**root, "$defs": {**(root.get("$defs") or {}), **defs}}
    return root


def as_response(schema: Any) -> Any:
    """A body schema as an answer sees it: `writeOnly` properties are not required (OpenAPI: "required" on a
    write-only property applies to requests only; an answer never carries a password or a card's cvc)."""
    return _seen_as(schema, "writeOnly", {})


def _seen_as(schema: Any, hidden: str, seen: dict[int, Any]) -> Any:
    """`schema` with the properties marked `hidden` left out of every `required`. Shared and recursive subschemas
    stay shared."""
    if isinstance(schema, list):
        return [_seen_as(item, hidden, seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if id(schema) in seen:
        return seen[id(schema)]
    out: dict[str, Any] = {}
    seen[id(schema)] = out
    for key, value in schema.items():
        if key in ("example", "examples", "default", "enum", "const"):
            out[key] = value
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: _seen_as(sub, hidden, seen) for name, sub in value.items()}
        else:
            out[key] = _seen_as(value, hidden, seen)
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    if isinstance(schema.get("required"), list) and props:
        out["required"] = [name for name in schema["required"]
                           if not (isinstance(props.get(name), dict) and props[name].get(hidden) is True)]
    return out


def compile_plan(op_id: str, operation: dict[str, Any], body_check: Any) -> OperationPlan:
    content = (operation.get("requestBody") or {}).get("content", {})
    schemas = {name.lower(): as_request(media.get("schema")) for name, media in content.items()
               if "json" in name and isinstance(media, dict) and media.get("schema") is not None}
    schema = next(iter(schemas.values()), None)
    raw_pattern = operation.get(QUERY_PATTERN)
    return OperationPlan(op_id=op_id, operation=operation, accepted=tuple(content), json_schema=schema,
                         query_pattern=re.compile(raw_pattern) if raw_pattern else None, body_check=body_check,
                         responses=operation.get("responses", {}), json_schemas=schemas)


def compile_plans(rt: ApiRuntime) -> dict[str, OperationPlan]:
    """operationId → plan over every document of one API (`rt.extras["operations"]`)."""
    checks = rt.plugin.wire.body_checks
    return {op_id: compile_plan(op_id, operation, checks.get(op_id))
            for op_id, operation in rt.extras.get("operations", {}).items()}
