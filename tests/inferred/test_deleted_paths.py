"""DELETE answers its 2xx, then 404 where the document has one, for operations that fit no resource too: a deleted
sub-collection (`DELETE /links/{code}/visits`) and the sub-paths of a deleted item stop answering; creating again
brings them back."""
from __future__ import annotations

import textwrap
from pathlib import Path

from tests.inferred.conftest import serve

DOCUMENT = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: Links, version: "1"}
    paths:
      /links:
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/Link"}
          responses:
            "201":
              description: created
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Link"}
            "400": {description: invalid}
      /links/{code}:
        parameters:
          - {name: code, in: path, required: true, schema: {type: string}}
        get:
          responses:
            "200":
              description: the link
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Link"}
            "404": {description: unknown}
        delete:
          responses:
            "204": {description: deleted}
            "404": {description: unknown}
      /links/{code}/visits:
        parameters:
          - {name: code, in: path, required: true, schema: {type: string}}
        get:
          responses:
            "200":
              description: its visits
              content:
                application/json:
                  schema: {type: object, properties: {total: {type: integer}}}
            "404": {description: unknown link}
        delete:
          responses:
            "200":
              description: visits deleted
              content:
                application/json:
                  schema: {type: object, properties: {deleted: {type: integer}}}
            "404": {description: unknown link}
      /links/{code}/stats:
        parameters:
          - {name: code, in: path, required: true, schema: {type: string}}
        get:
          responses:
            "200":
              description: no 404 documented here
              content:
                application/json:
                  schema: {type: object, properties: {total: {type: integer}}}
    components:
      schemas:
        Link:
          type: object
          required: [url]
          properties:
            code: {type: string, readOnly: true}
            url: {type: string}
    """)


def _client(tmp_path: Path):
    doc = tmp_path / "links.yaml"
    doc.write_text(DOCUMENT)
    return serve(doc)


def _create(client) -> str:
    created = client.post("/links", json={"url": "https://example.org"})
    assert created.status_code == 201, created.text
    return created.headers["location"]


def test_a_deleted_sub_collection_answers_404_until_written_again(tmp_path):
    client = _client(tmp_path)
    item, other = _create(client), _create(client)
    assert client.get(f"{item}/visits").status_code == 200
    assert client.delete(f"{item}/visits").status_code == 200
    gone = client.get(f"{item}/visits")
    assert gone.status_code == 404, gone.text
    assert client.get(f"{other}/visits").status_code == 200, "only the deleted path"


def test_sub_paths_of_an_unknown_item_answer_404_where_documented(tmp_path):
    client = _client(tmp_path)
    assert client.get("/links/abc/visits").status_code == 404
    assert client.delete("/links/abc/visits").status_code == 404
    assert client.get("/links/abc/stats").status_code == 200, "no 404 documented: the documented answer stays"


def test_sub_paths_of_a_deleted_item_answer_404_where_documented(tmp_path):
    client = _client(tmp_path)
    created = client.post("/links", json={"url": "https://example.org"})
    assert created.status_code == 201
    item = created.headers["location"]
    assert client.get(f"{item}/visits").status_code == 200
    assert client.delete(item).status_code == 204
    assert client.get(item).status_code == 404
    assert client.get(f"{item}/visits").status_code == 404
    assert client.get(f"{item}/stats").status_code == 200, "no 404 documented: the documented answer stays"


def test_reset_forgets_deleted_paths(tmp_path):
    client = _client(tmp_path)
    item = _create(client)
    assert client.delete(f"{item}/visits").status_code == 200
    assert client.get(f"{item}/visits").status_code == 404
    assert client.post("/__apitwin/apis/links/reset").status_code in (200, 204)
    assert _create(client) == item, "ids start over after a reset (seeded)"
    assert client.get(f"{item}/visits").status_code == 200