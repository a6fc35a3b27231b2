"""Every example in an OpenAPI document, with the schema it must satisfy, and the check itself: the one place where
"examples are valid" is decided (the `example-valid` lint rule and the spec tests both use it).

Found: `example`/`examples` next to a schema (parameters, headers, media types of requests, responses, webhooks,
callbacks and components; named examples through their `$ref`s, `externalValue` skipped) and the schema-level
`examples` list / `example` of every schema reachable from the document.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from apitwin.review.openapi import Location, Spec, is_schema_pointer, walk


@dataclass
class Example:
    where: Location          # the example value itself
    schema: Location         # the schema it must satisfy
    value: Any

    @property
    def label(self) -> str:
        return self.where.pointer.lstrip("/")


def collect(spec: Spec) -> list[Example]:
    found: list[Example] = []
    for where, node in walk(spec.data, spec.at()):
        if not isinstance(node, dict) or not isinstance(node.get("schema"), (dict, bool)):
            continue
        if is_schema_pointer(where.pointer):
            continue
        schema = where.child("schema")
        if "example" in node:
            found.append(Example(where.child("example"), schema, node["example"]))
        named = node.get("examples")
        for name, example in (named.items() if isinstance(named, dict) else ()):
            example, at = spec.deref(example, where.child("examples", name))
            if isinstance(example, dict) and "value" in example:
                found.append(Example(at.child("value"), schema, example["value"]))
    for schema_node, at in spec.schemas:
        if "example" in schema_node:
            found.append(Example(at.child("example"), at, schema_node["example"]))
        if isinstance(schema_node.get("examples"), list):
            for index, value in enumerate(schema_node["examples"]):
                found.append(Example(at.child("examples", index), at, value))
    return found


def errors(spec: Spec, example: Example) -> list[str]:
    """Why the example does not satisfy its schema (empty when it does), one line per violation."""
    validator = spec.validator(example.schema)
    # a oneOf/anyOf failure says little at its own level: name the deepest sub-error that best explains it
    problems = [_deepest(e) for e in validator.iter_errors(example.value)]
    problems.sort(key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {short(e.message)}" for e in problems]


def _deepest(error: ValidationError) -> ValidationError:
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def short(message: str, limit: int = 200) -> str:
    line = message.splitlines()[0] if message else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
