"""The Location header of a created item is a URL the client can follow: path parameters that are neither the
item's id nor a parent's (an API version segment) are filled from the creating request, never left as `{name}`."""
from __future__ import annotations

import textwrap
from pathlib import Path

from tests.inferred.conftest import serve

DOCUMENT = textwrap.dedent("""\
    openapi: 3.1.0
    info: {title: Versioned, version: "1"}
    paths:
      /rest/v{version}/links:
        parameters:
          - {name: version, in: path, required: true, schema: {type: string, enum: ["1", "2"]}}
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
      /rest/v{version}/links/{code}:
        parameters:
          - {name: version, in: path, required: true, schema: {type: string, enum: ["1", "2"]}}
          - {name: code, in: path, required: true, schema: {type: string}}
        get:
          responses:
            "200":
              description: the link
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Link"}
            "404": {description: unknown}
    components:
      schemas:
        Link:
          type: object
          required: [url]
          properties:
            code: {type: string, readOnly: true}
            url: {type: string}
    """)


def test_location_fills_a_version_segment_from_the_request(tmp_path: Path):
    doc = tmp_path / "versioned.yaml"
    doc.write_text(DOCUMENT)
    client = serve(doc)
    created = client.post("/rest/v2/links", json={"url": "https://example.org"})
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert "{" not in location and location.startswith("/rest/v2/links/"), location
    followed = client.get(location)
    assert followed.status_code == 200, followed.text
    assert followed.json()["url"] == "https://example.org"
