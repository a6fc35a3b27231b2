"""Generated values honour a `discriminator`: its property carries a value naming the branch (a mapping key, or the
branch's schema name), and a branch whose property admits no such value is never generated; an optional property
none of whose branches can be named is left out. Spotify's CurrentlyPlayingContextObject.item is oneOf
[TrackObject, EpisodeObject] by `type`, whose enums say `track`/`episode`: GET /me/player answered
`"type": "track"`, and schemathesis reported "Unknown discriminator value" (both tools)."""
from __future__ import annotations

import random

from apitwin.inferred.schemas import Schemas
from apitwin.inferred.values import generate


def _schemas(track_type: dict, mapping: dict | None = None) -> Schemas:
    discriminator = {"propertyName": "type", **({"mapping": mapping} if mapping else {})}
    return Schemas({"components": {"schemas": {
        "Player": {"type": "object", "required": ["playing"], "properties": {
            "playing": {"type": "boolean"},
            "item": {"oneOf": [{"$ref": "#/components/schemas/Track"}, {"$ref": "#/components/schemas/Episode"}],
                     "discriminator": discriminator}}},
        "Track": {"type": "object", "required": ["type"], "properties": {"type": track_type, "name": {"type": "string"}}},
        "Episode": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string", "enum": ["episode"]}}},
    }}})


PLAYER = {"$ref": "#/components/schemas/Player"}


def test_an_optional_property_no_branch_can_name_is_left_out():
    schemas = _schemas({"type": "string", "enum": ["track"]})
    for seed in range(8):
        value = generate(schemas, PLAYER, random.Random(seed))
        assert "item" not in value and schemas.valid(PLAYER, value), value


def test_the_discriminator_names_the_branch_generated():
    schemas = _schemas({"type": "string"})                       # Track's type admits "Track"; Episode's does not
    items = [generate(schemas, PLAYER, random.Random(seed)).get("item") for seed in range(12)]
    assert any(items) and all(item["type"] == "Track" for item in items if item), items
    mapped = _schemas({"type": "string", "enum": ["track"]}, {"track": "#/components/schemas/Track"})
    items = [generate(mapped, PLAYER, random.Random(seed)).get("item") for seed in range(12)]
    assert any(items) and all(item["type"] == "track" for item in items if item), items
