"""`Allow` of a literal path beside a templated one that also matches it (Pi-hole's `/clients/_suggestions` next to
`/clients/{client}`): the literal path's methods, as routing takes the literal path (schemathesis ST205 otherwise)."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.inferred.conftest import serve

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}


def test_a_literal_path_answers_its_own_allow(tmp_path: Path):
    doc = {"openapi": "3.0.3", "info": {"title": "Clients", "version": "1"}, "paths": {
        # the templated path first: the literal one must still win
        "/clients/{client}": {"parameters": [{"name": "client", "in": "path", "required": True,
                                              "schema": {"type": "string"}}],
                              "get": {"responses": OK}, "put": {"responses": OK}, "delete": {"responses": OK}},
        "/clients/_suggestions": {"get": {"responses": OK}},
        "/messages/{id}": {"parameters": [{"name": "id", "in": "path", "required": True,
                                           "schema": {"type": "string"}}], "delete": {"responses": OK}},
        "/messages/count": {"get": {"responses": OK}}}}
    path = tmp_path / "clients.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    client = serve(path)
    assert client.options("/clients/_suggestions").headers["allow"] == "GET, HEAD"
    assert client.options("/clients/7").headers["allow"] == "DELETE, GET, PUT, HEAD"
    assert client.options("/messages/count").headers["allow"] == "GET, HEAD"
    assert client.options("/messages/3").headers["allow"] == "DELETE"
    assert client.get("/clients/_suggestions").status_code == 200
