"""A `required` list beside `allOf` names properties its members declare (Spotify's AlbumObject: `required: [artists,
…]`, `allOf: [{$ref: AlbumBase}, {properties: {artists: {type: array}}}]`). Below the depth cut only required
properties are kept, and the member's own (empty) `required` dropped `artists`, so the generator filled the name
with a placeholder string: GET /me/albums answered a body its own guard refused (500)."""
from __future__ import annotations

import random

from apitwin.inferred.schemas import Schemas
from apitwin.inferred.values import MAX_DEPTH, generate

ALBUM = {"type": "object", "required": ["artists", "name"],
         "allOf": [{"$ref": "#/components/schemas/Base"},
                   {"type": "object", "properties": {"artists": {"type": "array", "items": {"type": "string"}}}}]}
BASE = {"type": "object", "properties": {"name": {"type": "string"}}}


def _wrapped(levels: int) -> dict:
    schema: dict = {"$ref": "#/components/schemas/Album"}
    for n in range(levels):
        schema = {"type": "object", "properties": {f"l{n}": schema}, "required": [f"l{n}"]}
    return schema


def test_required_beside_all_of_keeps_the_members_properties_below_the_cut():
    schemas = Schemas({"components": {"schemas": {"Album": ALBUM, "Base": BASE}}})
    for levels in (0, MAX_DEPTH, MAX_DEPTH + 1):
        schema = _wrapped(levels)
        value = generate(schemas, schema, random.Random(1))
        assert schemas.valid(schema, value), (levels, value)
        for n in reversed(range(levels)):
            value = value[f"l{n}"]
        assert isinstance(value["artists"], list) and isinstance(value["name"], str)
