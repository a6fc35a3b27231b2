"""A recursive schema (a tree whose children are trees, Ory Keto's expandedPermissionTree) is a cyclic dict once
Connexion resolves its `$ref`s; the response guard and the body check compile it without a 500."""
from __future__ import annotations

import textwrap
from pathlib import Path

import jsonschema_rs

from apitwin.server.plans import acyclic, compiled
from tests.inferred.conftest import serve

DOCUMENT = textwrap.dedent("""\
    openapi: 3.0.3
    info: {title: Trees, version: "1"}
    paths:
      /trees:
        get:
          parameters:
            - {name: name, in: query, required: true, schema: {type: string}}
          responses:
            "200":
              description: a tree
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/tree"}
            "400":
              description: invalid
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/error"}
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/tree"}
          responses:
            "200":
              description: the tree
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/tree"}
            "400":
              description: invalid
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/error"}
    components:
      schemas:
        error:
          type: object
          properties: {message: {type: string}}
        tree:
          type: object
          required: [type]
          properties:
            type: {type: string, enum: [leaf, union]}
            children:
              type: array
              items: {$ref: "#/components/schemas/tree"}
    """)


def _cyclic_tree() -> dict:
    tree: dict = {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}
    tree["properties"]["children"] = {"type": "array", "items": tree}
    return tree


def test_a_cyclic_schema_compiles_and_still_checks_every_level():
    tree = _cyclic_tree()
    validator = compiled(tree)
    assert validator.is_valid({"type": "union", "children": [{"type": "leaf", "children": []}]})
    assert not validator.is_valid({"type": "union", "children": [{"children": []}]}), "checked one level down"
    assert "$defs" in acyclic(tree) and jsonschema_rs.validator_for(acyclic(tree)).is_valid({"type": "leaf"})


def test_a_recursive_response_and_request_body_are_served(tmp_path: Path):
    doc = tmp_path / "trees.yaml"
    doc.write_text(DOCUMENT)
    client = serve(doc)
    answer = client.get("/trees", params={"name": "x"})
    assert answer.status_code == 200, answer.text
    assert "type" in answer.json()
    posted = client.post("/trees", json={"type": "union", "children": [{"type": "leaf"}]})
    assert posted.status_code == 200, posted.text
    assert client.post("/trees", json={"type": "union", "children": [{"type": 5}]}).status_code == 400
