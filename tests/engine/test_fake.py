"""apitwin.fake: generated data validates against its schema, and is deterministic for a seed."""
from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from apitwin.fake import generate, rng_for

SEEDS = range(50)
ROOT = Path(__file__).resolve().parents[2]

SCHEMAS: dict[str, dict[str, Any]] = {
    "object-required-optional": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": "string", "minLength": 2, "maxLength": 8},
            "nickname": {"type": "string"},
            "active": {"type": "boolean"},
            "score": {"type": "number", "minimum": 0.5, "maximum": 9.5},
            "nested": {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer"}},
                       "additionalProperties": False},
        },
        "additionalProperties": False,
    },
    "array-min-max-unique": {
        "type": "array", "minItems": 2, "maxItems": 4, "uniqueItems": True,
        "items": {"type": "string", "minLength": 3, "maxLength": 10},
    },
    "array-max-only": {"type": "array", "maxItems": 1, "items": {"type": "integer"}},
    "array-of-objects": {
        "type": "array", "minItems": 1,
        "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
    },
    "enum": {"enum": ["male", "female", None, 3]},
    "enum-typed": {"type": "string", "enum": ["yes", "no"]},
    "const": {"const": {"fixed": [1, 2]}},
    "type-list-with-null": {"type": ["string", "null"], "format": "date"},
    "type-list-null-first": {"type": ["null", "integer"], "minimum": 5, "maximum": 6},
    "only-null": {"type": "null"},
    "date-time": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "email": {"type": "string", "format": "email"},
    "uri": {"type": "string", "format": "uri"},
    "uuid": {"type": "string", "format": "uuid"},
    "integer-range": {"type": "integer", "minimum": -5, "maximum": 5},
    "integer-exclusive-minimum": {"type": "integer", "exclusiveMinimum": 10, "maximum": 12},
    "integer-single-value": {"type": "integer", "minimum": 7, "maximum": 7},
    "one-of": {"oneOf": [{"type": "string", "pattern": "^[a-z]+$"}, {"type": "integer"}]},
    "any-of": {"anyOf": [{"type": "string", "pattern": "^([Yy][Ee][Ss]|[Nn][Oo])$"}, {"type": "boolean"}]},
    "one-of-with-base": {
        "type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}},
        "oneOf": [{"required": ["a"], "properties": {"a": {"type": "integer"}}}],
    },
    "all-of": {
        "allOf": [
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1}}},
            {"required": ["created_at"], "properties": {"created_at": {"type": "string", "format": "date-time"}}},
        ],
        "properties": {"note": {"type": ["string", "null"]}},
    },
    "pattern": {"type": "string", "pattern": "^[A-Z]{2}$"},
    "pattern-case-insensitive": {"type": ["string", "null"], "pattern": "^([Mm][Aa][Ll][Ee]|[Ff][Ee][Mm][Aa][Ll][Ee])$"},
    "string-lengths": {"type": "string", "minLength": 20, "maxLength": 25},
    "untyped-properties": {"required": ["a"], "properties": {"a": {"type": "boolean"}}},
}


def check_formats(value: Any, schema: dict[str, Any]) -> None:
    """Explicit format checks (FormatChecker skips formats whose optional checker package is missing)."""
    fmt = schema.get("format")
    if not isinstance(value, str) or fmt is None:
        return
    if fmt == "date-time":
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value), value
        assert datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    elif fmt == "date":
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), value
        date.fromisoformat(value)
    elif fmt == "email":
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", value), value
    elif fmt == "uri":
        parts = urlsplit(value)
        assert parts.scheme in ("http", "https") and parts.netloc, value
    elif fmt == "uuid":
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value), value


def walk(value: Any, schema: dict[str, Any]) -> None:
    check_formats(value, schema)
    for part in schema.get("allOf", []):
        walk(value, part)
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                walk(value[name], sub)
        for part in schema.get("allOf", []):
            for name, sub in part.get("properties", {}).items():
                if name in value:
                    walk(value[name], sub)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            walk(item, schema["items"])


def assert_valid(schema: dict[str, Any], seeds: Any = SEEDS) -> list[Any]:
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    values = []
    for seed in seeds:
        value = generate(schema, random.Random(seed))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]
        assert errors == [], f"seed {seed}: {value!r}"
        walk(value, schema)
        values.append(value)
    return values


def test_format_checker_knows_date_time() -> None:
    assert "date-time" in FormatChecker().checkers       # rfc3339-validator is installed: date-time is really checked
    assert not Draft202012Validator({"format": "date-time"}, format_checker=FormatChecker()).is_valid("2019-10-01 10")


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_generated_values_validate(name: str) -> None:
    assert_valid(SCHEMAS[name])


def test_optional_properties_are_sometimes_present_and_sometimes_absent() -> None:
    values = assert_valid(SCHEMAS["object-required-optional"])
    assert any("nickname" in v for v in values)
    assert any("nickname" not in v for v in values)
    assert all({"id", "name"} <= set(v) for v in values)


def test_array_sizes_cover_the_range() -> None:
    sizes = {len(v) for v in assert_valid(SCHEMAS["array-min-max-unique"])}
    assert sizes <= {2, 3, 4}
    assert len(sizes) > 1


def test_type_list_with_null_gives_the_non_null_type() -> None:
    assert all(isinstance(v, str) for v in assert_valid(SCHEMAS["type-list-with-null"]))
    assert all(v in (5, 6) for v in assert_valid(SCHEMAS["type-list-null-first"]))
    assert generate({"type": "null"}, random.Random(0)) is None


def test_enum_values_come_from_the_enum() -> None:
    values = assert_valid(SCHEMAS["enum"])
    assert {json.dumps(v) for v in values} <= {'"male"', '"female"', "null", "3"}
    assert len({json.dumps(v) for v in values}) > 1


def test_schema_examples_are_used() -> None:
    assert generate({"type": "string", "example": "PT-Kit-1"}, random.Random(0)) == "PT-Kit-1"
    values = {generate({"type": "string", "examples": ["a", "b"]}, random.Random(s)) for s in SEEDS}
    assert values == {"a", "b"}


def test_deep_nesting_terminates() -> None:
    node: dict[str, Any] = {"type": "object", "properties": {}}
    node["properties"]["child"] = node                      # self-referencing schema
    value = generate(node, random.Random(3))
    depth = 0
    while isinstance(value, dict) and "child" in value:
        value, depth = value["child"], depth + 1
    assert depth < 20


def test_unique_items_with_min_items_and_few_choices() -> None:
    assert_valid({"type": "array", "minItems": 2, "uniqueItems": True, "items": {"enum": ["a", "b", "c"]}})


@pytest.mark.parametrize("schema", [
    {"type": "integer", "maximum": 0},
    {"type": "integer", "minimum": 0, "exclusiveMaximum": 10},
], ids=["maximum-below-default-minimum", "exclusive-maximum"])
def test_integer_upper_bounds(schema: dict[str, Any]) -> None:
    assert_valid(schema)


# --- determinism ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["object-required-optional", "array-min-max-unique", "all-of", "date-time"])
def test_same_seed_same_value(name: str) -> None:
    schema = SCHEMAS[name]
    for seed in range(10):
        assert generate(schema, random.Random(seed)) == generate(schema, random.Random(seed))
    assert len({json.dumps(generate(schema, random.Random(s)), sort_keys=True) for s in range(10)}) > 1


def test_rng_for_is_stable_for_the_same_parts() -> None:
    first = rng_for(42, "kits_list", "/api/v1/kits/", b"page=2")
    again = rng_for(42, "kits_list", "/api/v1/kits/", b"page=2")
    assert [first.random() for _ in range(5)] == [again.random() for _ in range(5)]


def test_rng_for_differs_for_different_parts() -> None:
    def draw(*parts: object) -> float:
        return rng_for(*parts).random()

    reference = draw(42, "kits_list", "/api/v1/kits/")
    assert draw(43, "kits_list", "/api/v1/kits/") != reference
    assert draw(42, "kits_read", "/api/v1/kits/") != reference
    assert draw(42, "kits_list", "/api/v1/kits/1/") != reference
    assert draw("ab", "c") != draw("a", "bc")               # parts are separated, not just concatenated


def test_rng_for_is_stable_across_processes() -> None:
    code = "from apitwin.fake import rng_for; print(repr(rng_for(42, 'op', '/p', b'q=1').random()))"
    expected = repr(rng_for(42, "op", "/p", b"q=1").random())
    for hash_seed in ("1", "2"):                              # Python's hash() would differ between these
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                             check=True, timeout=60)
        assert out.stdout.strip() == expected
