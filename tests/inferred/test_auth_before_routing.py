"""A path whose parameter does not fit its type (`/things/abc` for an integer id) never reaches the operation, yet
a server checks credentials first: without accepted ones the answer is 401 (the documented status), with them
what the operation documents for it (404 here)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.inferred.conftest import serve

ERROR = {"description": "error", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}}}}}}


def _doc(scheme: dict) -> dict:
    return {
        "openapi": "3.0.3", "info": {"title": "Things", "version": "1"},
        "components": {"securitySchemes": {"Auth": scheme}},
        "security": [{"Auth": []}],
        "paths": {"/things/{thingId}": {"get": {
            "parameters": [{"name": "thingId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"id": {"type": "integer"}}}}}},
                "400": ERROR, "401": ERROR, "404": ERROR}}}},
    }


@pytest.mark.parametrize("scheme, good, bad", [
    ({"type": "http", "scheme": "bearer"}, {"headers": {"Authorization": "Bearer k1"}},
     {"headers": {"Authorization": "Bearer k2"}}),
    ({"type": "openIdConnect", "openIdConnectUrl": "https://id.example/.well-known/openid-configuration"},
     {"headers": {"Authorization": "Bearer k1"}}, {"headers": {"Authorization": "Basic azE6eA=="}}),
    ({"type": "apiKey", "in": "query", "name": "key"}, {"params": {"key": "k1"}}, {"params": {"key": "k2"}}),
    ({"type": "apiKey", "in": "cookie", "name": "session"}, {"headers": {"Cookie": "session=k1"}},
     {"headers": {"Cookie": "session=k2"}}),
])
def test_credentials_are_checked_before_the_path_parameter(scheme, good, bad, tmp_path: Path):
    path, pins = tmp_path / "things.yaml", tmp_path / "pins.yaml"
    path.write_text(yaml.safe_dump(_doc(scheme)))
    pins.write_text(yaml.safe_dump([{"key": "k1"}]))
    client = serve(path, auth_file=pins)
    anonymous = client.get("/things/abc")
    assert anonymous.status_code == 401, anonymous.text
    assert client.get("/things/abc", **bad).status_code == 401
    assert client.get("/things/abc", **good).status_code == 404   # documented: no such thing
    assert client.get("/things/1").status_code == 401      # the operation's own security layer agrees
