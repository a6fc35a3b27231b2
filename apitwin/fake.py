"""Deterministic data from a JSON Schema, for `Prefer: dynamic=true`: same seed and request, same body.

Covers what response schemas use (types incl. lists of types, enum/const, formats, lengths, ranges, arrays,
objects, oneOf/anyOf/allOf, schema-level examples); patterns are satisfied from examples or simple candidates.
"""
from __future__ import annotations

import hashlib
import random
import re
import string
from datetime import date, datetime, timedelta, timezone
from typing import Any

_EPOCH = datetime(2019, 10, 1, tzinfo=timezone.utc)
_WORDS = ["alpha", "delta", "kit", "panel", "report", "sample", "omega", "river", "maple", "cedar"]


def rng_for(*parts: object) -> random.Random:
    """A Random seeded from stable text (Python's hash() is salted per process; sha256 is not)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


FULL_DEPTH = 8    # levels generated in full; deeper, only required properties and minItems items (a value, not null)
MAX_DEPTH = 64


def generate(schema: Any, rng: random.Random, depth: int = 0) -> Any:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return rng.choice(schema["enum"])
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return rng.choice(schema["examples"])
    if "example" in schema:
        return schema["example"]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            _merge(merged, part)
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        _merge(merged, rest)
        return generate(merged, rng, depth + 1)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            choice = schema[key][0]  # the first alternative is the canonical one; stable across seeds
            base = {k: v for k, v in schema.items() if k != key}
            if base.get("type") or base.get("properties"):
                merged = dict(base)
                _merge(merged, choice)
                return generate(merged, rng, depth + 1)
            return generate(choice, rng, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [t for t in kind if t != "null"]
        kind = non_null[0] if non_null else "null"
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    return _BY_TYPE[kind](schema, rng, depth)


def _merge(into: dict, part: Any) -> None:
    if not isinstance(part, dict):
        return
    for k, v in part.items():
        if k == "properties":
            into.setdefault("properties", {}).update(v)
        elif k == "required":
            into["required"] = sorted(set(into.get("required", [])) | set(v))
        else:
            into.setdefault(k, v)


def _object(schema: dict, rng: random.Random, depth: int) -> dict:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    out = {}
    for name, sub in props.items():
        if name in required or (depth <= FULL_DEPTH and rng.random() < 0.7):
            out[name] = generate(sub, rng, depth + 1)
    for name in required - set(out):
        out[name] = "value"
    return out


def _array(schema: dict, rng: random.Random, depth: int) -> list:
    low = schema.get("minItems", 0)
    high = min(schema.get("maxItems", low + 3), low + 3) if depth <= FULL_DEPTH else low
    count = rng.randint(max(low, 1 if low else 0), max(high, low))
    item_schema = schema.get("items", {})
    if not schema.get("uniqueItems"):
        return [generate(item_schema, rng, depth + 1) for _ in range(count)]
    if isinstance(item_schema, dict) and item_schema.get("enum"):  # draw without replacement
        choices = list(item_schema["enum"])
        rng.shuffle(choices)
        return choices[:max(low, min(count, len(choices)))]
    unique: list[Any] = []
    for _ in range(count * 4):  # a few extra draws so duplicates can be replaced
        item = generate(item_schema, rng, depth + 1)
        if item not in unique:
            unique.append(item)
        if len(unique) >= count:
            break
    return unique


def _string(schema: dict, rng: random.Random, depth: int) -> str:
    fmt = schema.get("format")
    moment = _EPOCH + timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
    by_format = {
        "date-time": moment.replace(microsecond=0).isoformat(),
        "date": date(1950, 1, 1).fromordinal(date(1950, 1, 1).toordinal() + rng.randint(0, 20000)).isoformat(),
        "email": f"{rng.choice(_WORDS)}.{rng.randint(1, 999)}@example.com",
        "uri": f"https://example.com/{rng.choice(_WORDS)}/{rng.randint(1, 999)}/",
        "uri-reference": f"/{rng.choice(_WORDS)}/{rng.randint(1, 999)}/",
        "uuid": "%08x-0000-4000-8000-%012x" % (rng.getrandbits(32), rng.getrandbits(48)),
        "binary": "",
    }
    if fmt in by_format:
        return by_format[fmt]
    low = schema.get("minLength", 1)
    high = schema.get("maxLength", max(low, 12))
    if "pattern" in schema:
        return _from_pattern(schema["pattern"], rng, low, high)
    length = rng.randint(low, max(low, min(high, low + 11)))
    word = rng.choice(_WORDS)
    text = (word * (length // len(word) + 1))[:length]
    return text


def _from_pattern(pattern: str, rng: random.Random, low: int, high: int) -> str:
    rx = re.compile(pattern)
    candidates = ["1", "42", "abc", "AB", "US", "male", "yes", "rs123", "kit-1", "a1"]
    candidates += ["".join(rng.choice(string.ascii_lowercase) for _ in range(n)) for n in range(low, min(high, low + 4) + 1)]
    for text in candidates:
        if low <= len(text) <= high and rx.search(text):
            return text
    return candidates[0]


def _integer(schema: dict, rng: random.Random, depth: int) -> int:
    high = schema.get("maximum")
    if isinstance(schema.get("exclusiveMaximum"), (int, float)) and not isinstance(schema["exclusiveMaximum"], bool):
        high = schema["exclusiveMaximum"] - 1 if high is None else min(high, schema["exclusiveMaximum"] - 1)
    low = schema.get("minimum")
    if isinstance(schema.get("exclusiveMinimum"), (int, float)) and not isinstance(schema["exclusiveMinimum"], bool):
        low = schema["exclusiveMinimum"] + 1 if low is None else max(low, schema["exclusiveMinimum"] + 1)
    if low is None:
        low = 1 if high is None or high >= 1 else high - 1000
    if high is None:
        high = max(low, 1000)
    return rng.randint(int(low), int(max(low, high)))


def _number(schema: dict, rng: random.Random, depth: int) -> float:
    low = schema.get("minimum", 0)
    high = schema.get("maximum", max(low, 1000))
    return round(rng.uniform(low, high), 2)


_BY_TYPE = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": lambda s, r, d: r.random() < 0.5,
    "null": lambda s, r, d: None,
}
