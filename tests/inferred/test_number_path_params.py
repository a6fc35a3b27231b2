"""A `type: number` path parameter takes every JSON number spelling, exponents included: Connexion's route regex
for numbers had none, so Frigate's `/preview/{camera}/start/{start_ts}/end/{end_ts}` missed its route for
`start/1e5` and answered its documented 422 (schemathesis: schema-valid request rejected)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.inferred.conftest import serve

DOC = {
    "openapi": "3.1.0", "info": {"title": "Clips", "version": "1"},
    "paths": {"/clips/start/{start}/end/{end}": {"get": {
        "parameters": [{"name": "start", "in": "path", "required": True, "schema": {"type": "number"}},
                       {"name": "end", "in": "path", "required": True, "schema": {"type": "number"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                      "422": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}}}}}},
}


@pytest.fixture()
def client(tmp_path: Path):
    path = tmp_path / "clips.yaml"
    path.write_text(yaml.safe_dump(DOC))
    return serve(path)


@pytest.mark.parametrize("start", ["1e5", "4.049139551700307e+16", "2.65E-87", "-2.2e-16", "12", "4.5"])
def test_exponents_reach_the_operation(client, start):
    assert client.get(f"/clips/start/{start}/end/2").status_code == 200


@pytest.mark.parametrize("start", ["abc", "1e", "e5"])
def test_what_is_no_number_is_still_refused(client, start):
    assert client.get(f"/clips/start/{start}/end/2").status_code == 422
