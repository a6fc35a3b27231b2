"""Values a schema promises: generated (deterministic, from apitwin.fake, with the document's refs followed), the
document's own examples when they validate, and a record made valid by keeping what the client sent where the
schema allows it and generated values where it requires more."""
from __future__ import annotations

import random
from datetime import date, datetime, timezone
from typing import Any

from apitwin import fake
from apitwin.inferred.schemas import Schemas

MAX_DEPTH = 3      # object/array levels generated in full; deeper, only what `required` and minItems ask for
HARD_DEPTH = 64    # a safety net: no real schema nests this deep without a cycle
_CUT = object()    # where a `$ref` cycle closes


def inline(schemas: Schemas, schema: Any, depth: int = 0, _active: tuple[str, ...] = ()) -> Any:
    """`schema` with its refs replaced by their targets, for generating a value. Recursion is cut where a `$ref`
    cycle closes (an optional property there is left out, an array of it stays empty, an alternative dropped), and
    below MAX_DEPTH object/array levels only required properties and minItems items are kept: every cut still
    describes values the real schema accepts (an empty schema in their place generated strings where objects
    belong). Only schemas are cut: the names of a `required` list stay names, whatever the depth."""
    out = _inline(schemas, schema, depth, _active)
    return {} if out is _CUT else out


def _inline(schemas: Schemas, schema: Any, depth: int, active: tuple[str, ...],
            outer_required: tuple[str, ...] = ()) -> Any:
    """`outer_required`: names an enclosing schema requires, for an allOf member that declares their properties
    (`{required: [artists], allOf: [{$ref: Base}, {properties: {artists: …}}]}`): a lean level keeps those too."""
    if depth > HARD_DEPTH:
        return _CUT
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        if schema["$ref"] in active:
            return _CUT
        active = (*active, schema["$ref"])
        schema = schemas.deref(schema)
    if isinstance(schema, list):
        return [{} if s is _CUT else s for s in (_inline(schemas, s, depth, active) for s in schema)]
    if not isinstance(schema, dict):
        return schema
    lean = depth >= MAX_DEPTH
    required = [*(schema.get("required") if isinstance(schema.get("required"), list) else []), *outer_required]
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("example", "examples", "default", "enum", "const", "required"):
            out[key] = value
        elif key == "properties" and isinstance(value, dict):
            props = {}
            for name, sub in value.items():
                if lean and name not in required:
                    continue
                done = _inline(schemas, sub, depth + 1, active)
                if done is _CUT and name not in required:
                    continue
                props[name] = {} if done is _CUT else done
            out[key] = props
        elif key in ("patternProperties", "$defs", "dependentSchemas") and isinstance(value, dict):
            if not lean:
                out[key] = {k: v for k, v in ((k, _inline(schemas, v, depth + 1, active)) for k, v in value.items())
                            if v is not _CUT}
        elif key in ("items", "additionalProperties", "prefixItems", "contains") and isinstance(value, (dict, list)):
            done = _inline(schemas, value, depth + 1, active)
            if done is _CUT:
                out[key] = {}
                if key == "items" and not schema.get("minItems"):
                    out["maxItems"] = 0
                if key == "additionalProperties":
                    out[key] = False if not schema.get("minProperties") else {}
            else:
                out[key] = done
        elif key in ("oneOf", "anyOf") and isinstance(value, list):
            branches = _discriminated(schemas, schema.get("discriminator"), value)
            kept = [v for v in (_inline(schemas, s, depth, active, tuple(required)) for s in branches)
                    if v is not _CUT]
            if not kept and branches is not value:
                return _CUT          # no branch can carry a value its discriminator names: leave it out
            out[key] = kept or [{}]
        elif key == "allOf" and isinstance(value, list):
            out[key] = [v for v in (_inline(schemas, s, depth, active, tuple(required)) for s in value)
                        if v is not _CUT]
        elif isinstance(value, (dict, list)):
            done = _inline(schemas, value, depth + 1, active)
            out[key] = {} if done is _CUT else done
        else:
            out[key] = value
    if lean and (out.get("type") in ("array", ["array"]) or "items" in out):
        out["maxItems"] = schema.get("minItems", 0)
    return out


def _discriminated(schemas: Schemas, discriminator: Any, branches: list[Any]) -> list[Any]:
    """The alternatives of a `discriminator` whose property can hold a value naming them (a mapping key that points
    at the branch, or the branch's schema name), each with that property pinned to those values; a branch whose
    property admits none is dropped (Spotify's `item`: oneOf TrackObject/EpisodeObject by `type`, whose enums say
    `track`/`episode`, names no schema: schemathesis reports "Unknown discriminator value"). Not a discriminator:
    the branches as they are."""
    if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
        return branches
    name = discriminator["propertyName"]
    mapping = discriminator.get("mapping") if isinstance(discriminator.get("mapping"), dict) else {}
    out = []
    for branch in branches:
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        if not isinstance(ref, str):
            out.append(branch)
            continue
        short = ref.rsplit("/", 1)[-1]
        names = [key for key, target in mapping.items() if target in (ref, short)] + [short]
        prop = schemas.properties(branch).get(name)
        allowed = [n for n in dict.fromkeys(names) if prop is None or schemas.valid(prop, n)]
        if allowed:
            out.append({"allOf": [branch, {"properties": {name: {"enum": allowed}}, "required": [name]}]})
    return out


def generate(schemas: Schemas, schema: Any, rng: random.Random) -> Any:
    """A value valid against `schema` when one of a few deterministic draws is (the last draw otherwise)."""
    flat = inline(schemas, schema)
    value = None
    for attempt in range(6):
        value = fake.generate(_without_examples(flat) if attempt >= 3 else flat, rng)
        if schemas.valid(schema, value):
            return value
    return value


def _without_examples(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_without_examples(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    return {k: (_without_examples(v) if k not in ("enum", "const", "default") else v)
            for k, v in schema.items() if k not in ("example", "examples")}


def documented_example(schemas: Schemas, media: dict[str, Any]) -> tuple[bool, Any]:
    """(found, value): the media type's first example that validates against its schema."""
    schema = media.get("schema")
    candidates = []
    if "example" in media:
        candidates.append(media["example"])
    for example in (media.get("examples") or {}).values():
        example = schemas.deref(example)
        if isinstance(example, dict) and "value" in example:
            candidates.append(example["value"])
    flat = schemas.deref(schema) if schema is not None else None
    if isinstance(flat, dict):
        if "example" in flat:
            candidates.append(flat["example"])
        candidates += list(flat.get("examples") or []) if isinstance(flat.get("examples"), list) else []
    for value in candidates:
        if schema is None or schemas.valid(schema, value):
            return True, value
    return False, None


def now_value(schema: dict[str, Any]) -> Any:
    moment = datetime.now(timezone.utc).replace(microsecond=0)
    if schema.get("format") == "date":
        return date.today().isoformat()
    if schema.get("format") == "date-time":
        return moment.isoformat().replace("+00:00", "Z")
    kind = schema.get("type")
    if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
        return int(moment.timestamp())
    return None


TIMESTAMP_NAMES = ("created", "updated", "modified", "createdat", "updatedat", "modifiedat", "created_at",
                   "updated_at", "modified_at", "createdon", "updatedon", "creationdate", "lastmodified",
                   "creation_date", "last_modified", "createdtime", "updatedtime", "created_time", "updated_time",
                   "timestamp", "date_created", "date_updated", "datecreated", "dateupdated")


def is_timestamp(name: str, schema: dict[str, Any]) -> bool:
    return name.lower() in TIMESTAMP_NAMES and (schema.get("format") in ("date-time", "date")
                                               or schema.get("type") in ("integer", ["integer"]))


def compose(schemas: Schemas, schema: Any, given: dict[str, Any], server: dict[str, Any],
            rng: random.Random, base: dict[str, Any] | None = None,
            keep: dict[str, Any] | None = None) -> dict[str, Any]:
    """A record valid against `schema`: `keep` (values that stay) overlaid with what the client sent (`given`)
    and what the server decides (`server`: ids, timestamps); required properties nobody gave are generated; a
    client value that would make the record invalid is dropped (its value in `base`, the earlier version, or a
    generated one stays). A polymorphic schema (oneOf/anyOf) is composed per branch: the valid record keeping
    most of what the client sent wins (a dessert stays a dessert)."""
    flat = schemas.flat(schema)
    branches = schemas.branches(flat)
    if branches:
        rest = {k: v for k, v in flat.items() if k not in ("oneOf", "anyOf", "discriminator", "properties")}
        best, best_score = None, -1
        for branch in branches:
            candidate = compose(schemas, {**rest, "allOf": [branch]}, given, server, rng, base, keep)
            if not schemas.valid(schema, candidate):
                continue
            score = sum(1 for k, v in (given or {}).items() if candidate.get(k) == v) \
                if isinstance(given, dict) else 0
            if score > best_score:
                best, best_score = candidate, score
        if best is not None:
            return best
    props = schemas.properties(schema)
    required = list(schemas.flat(schema).get("required") or [])
    record: dict[str, Any] = dict(keep or {})
    writable = {k: v for k, v in given.items() if not (props.get(k) or {}).get("readOnly")} \
        if isinstance(given, dict) else {}
    record.update(writable)
    for name, prop in props.items():
        if prop.get("writeOnly"):
            record.pop(name, None)
    record.update(server)
    for name in required:
        if name not in record and name in props:
            record[name] = generate(schemas, props[name], rng)
    for _ in range(len(record) + 2):
        path = schemas.first_error_path(schema, record)
        if path is None:
            return record
        if not path:
            break
        name = path[0]
        if name in server:
            break
        if base is not None and name in base and record.get(name) != base[name]:
            record[name] = base[name]
        elif name in props:
            record[name] = generate(schemas, props[name], rng)
        else:
            record.pop(name, None)
    fallback = generate(schemas, schema, rng)
    if isinstance(fallback, dict):
        fallback.update(server)
        if schemas.valid(schema, fallback):
            return fallback
    return record


def without_write_only(schemas: Schemas, schema: Any, value: Any, depth: int = 0) -> Any:
    """`value` without the properties its schema marks writeOnly (they never appear in answers), at any depth a
    value has (a group's members' password profiles)."""
    if depth > HARD_DEPTH:
        return value
    if isinstance(value, list):
        items = schemas.flat(schema).get("items")
        return [without_write_only(schemas, items, v, depth + 1) for v in value] if items is not None else value
    if not isinstance(value, dict):
        return value
    props = schemas.properties(schema)
    return {k: without_write_only(schemas, props[k], v, depth + 1) if k in props else v
            for k, v in value.items() if not (props.get(k) or {}).get("writeOnly")}
