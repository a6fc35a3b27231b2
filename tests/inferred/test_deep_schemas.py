"""Generated values for deeply nested schemas: the recursion cut replaces deep schemas with empty ones, but a
`required` list deep down keeps its names (Adyen TransferService's counterparty → bankAccount → accountHolder →
address crashed the create with `unhashable type: 'dict'`)."""
from __future__ import annotations

import random

from apitwin.inferred.schemas import Schemas
from apitwin.inferred.values import MAX_DEPTH, generate, inline


def _nested(levels: int) -> dict:
    schema: dict = {"type": "object", "properties": {"leaf": {"type": "string"}}, "required": ["leaf"]}
    for n in range(levels):
        schema = {"type": "object", "properties": {f"l{n}": schema}, "required": [f"l{n}"]}
    return schema


def test_required_names_survive_the_depth_cut():
    schema = _nested(MAX_DEPTH)
    flat = inline(Schemas({}), schema)
    node = flat
    while isinstance(node, dict) and node.get("properties"):
        assert all(isinstance(name, str) for name in node.get("required", [])), node
        node = next(iter(node["properties"].values()))


def test_a_deeply_nested_object_is_generated():
    value = generate(Schemas({}), _nested(MAX_DEPTH + 2), random.Random(1))
    assert isinstance(value, dict) and "l" + str(MAX_DEPTH + 1) in value
