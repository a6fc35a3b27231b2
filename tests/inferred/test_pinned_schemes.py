"""A pinned credential may name its security scheme (`scheme: NAME`): it is then accepted only through that scheme
(an API key is not a bearer token); a pin without one is accepted through any; an unknown scheme is refused."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from apitwin.inferred.auth import AuthFileError
from tests.inferred.conftest import serve

DOC = {
    "openapi": "3.1.0", "info": {"title": "Keys", "version": "1"},
    "components": {"securitySchemes": {"Key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                                       "Token": {"type": "http", "scheme": "bearer"}}},
    "security": [{"Key": []}, {"Token": []}],
    "paths": {"/ping": {"get": {"responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
        "401": {"description": "no"}}}}},
}
PINS = [{"key": "k1", "scheme": "Key"}, {"token": "t1", "scheme": "Token"}, {"key": "both"}]


@pytest.fixture()
def client(tmp_path: Path):
    doc, pins = tmp_path / "keys.yaml", tmp_path / "pins.yaml"
    doc.write_text(yaml.safe_dump(DOC))
    pins.write_text(yaml.safe_dump(PINS))
    return serve(doc, auth_file=pins)


@pytest.mark.parametrize("header, status", [
    ({"X-API-Key": "k1"}, 200), ({"Authorization": "Bearer k1"}, 401),
    ({"Authorization": "Bearer t1"}, 200), ({"X-API-Key": "t1"}, 401),
    ({"X-API-Key": "both"}, 200), ({"Authorization": "Bearer both"}, 200),
    ({"X-API-Key": "nope"}, 401),
])
def test_a_pinned_credential_works_only_through_its_scheme(client, header, status):
    assert client.get("/ping", headers=header).status_code == status


def test_a_pin_naming_an_unknown_scheme_is_refused(tmp_path: Path):
    doc, pins = tmp_path / "keys.yaml", tmp_path / "pins.yaml"
    doc.write_text(yaml.safe_dump(DOC))
    pins.write_text(yaml.safe_dump([{"key": "k1", "scheme": "Keys"}]))
    with pytest.raises(AuthFileError, match="scheme Keys is not in the document's securitySchemes"):
        serve(doc, auth_file=pins)
