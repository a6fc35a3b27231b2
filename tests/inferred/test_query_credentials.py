"""An API key a document sends in the query (`in: query`): the mock checks it there, and `apitwin contract DOC`
sends it there — as OpenAPI-aware auth for its scheme, so schemathesis' ignored-auth probe drops it and sends a
wrong one instead of taking the key for generated data — while header-only clients keep their header."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml

from apitwin.cli import main
from apitwin.contract.auth import Credentials
from apitwin.contract.generic import profile_for
from apitwin.inferred.auth import Credential, Pins, credential_for, credential_of
from tests.inferred.conftest import serve

ITEM = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
ERROR = {"type": "object", "properties": {"message": {"type": "string"}}}


def _doc(security: list[dict]) -> dict:
    error = {"content": {"application/json": {"schema": ERROR}}}
    return {
        "openapi": "3.1.0", "info": {"title": "Query keys", "version": "1"},
        "components": {"securitySchemes": {
            "QueryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
            "HeaderKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "CookieKey": {"type": "apiKey", "in": "cookie", "name": "session"},
            "Oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://id.example/.well-known/openid-configuration"}}},
        "security": security,
        "paths": {"/things/{thingId}": {"get": {
            "operationId": "getThing",
            "parameters": [{"name": "thingId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": ITEM, "example": {"id": 1, "name": "one"}}}},
                "400": {"description": "bad", **error}, "401": {"description": "no key", **error},
                "404": {"description": "none", **error}}}}},
    }


def test_the_first_requirement_decides_where_the_credential_goes():
    first_query = _doc([{"QueryKey": []}, {"HeaderKey": []}])
    assert credential_of(first_query) == Credential("query", "api_key", "apitwin-contract", "QueryKey")
    assert credential_of(first_query, Pins(secrets={"k1": "t"})).value == "k1"
    # clients that can only send headers still get the header alternative
    assert credential_for(first_query) == ("X-API-Key", "apitwin-contract")
    assert credential_for(_doc([{"QueryKey": []}])) is None
    assert credential_of(_doc([{"HeaderKey": []}, {"QueryKey": []}])).location == "header"


def test_a_query_profile_sends_the_key_as_a_parameter_not_a_header(tmp_path: Path):
    doc = _doc([{"QueryKey": []}])
    profile = profile_for("keys", "Keys", tmp_path / "keys.yaml", doc, None, credential_of(doc))
    account = Credentials(target=None, login=profile.login, username="", password="",  # type: ignore[arg-type]
                          static_token="k1")
    assert profile.login.key_scheme == "QueryKey"
    assert account.params() == {"api_key": "k1"} and account.headers() == {}
    cookie = _doc([{"CookieKey": []}])
    profile = profile_for("keys", "Keys", tmp_path / "keys.yaml", cookie, None, credential_of(cookie))
    account = Credentials(target=None, login=profile.login, username="", password="",  # type: ignore[arg-type]
                          static_token="k1")
    assert account.params() == {} and account.headers() == {"Cookie": "session=k1"}


def test_the_mock_reads_a_pinned_key_from_the_query_only(tmp_path: Path):
    path, pins = tmp_path / "keys.yaml", tmp_path / "pins.yaml"
    path.write_text(yaml.safe_dump(_doc([{"QueryKey": []}])))
    pins.write_text(yaml.safe_dump([{"key": "k1"}]))
    client = serve(path, auth_file=pins)
    assert client.get("/things/1", params={"api_key": "k1"}).status_code == 200
    assert client.get("/things/1", params={"api_key": "k2"}).status_code == 401
    assert client.get("/things/1").status_code == 401
    assert client.get("/things/1", headers={"api_key": "k1"}).status_code == 401


def test_a_query_key_is_expected_traffic_not_an_error_in_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "keys.yaml"
    path.write_text(yaml.safe_dump(_doc([{"QueryKey": []}])))
    client = serve(path)
    with caplog.at_level(logging.DEBUG):
        assert client.get("/things/1", params={"api_key": "k1"}).status_code == 200
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert errors == [], errors


@pytest.mark.parametrize("security", [[{"QueryKey": []}], [{"QueryKey": []}, {"HeaderKey": []}],
                                      [{"CookieKey": []}], [{"Oidc": []}]])
def test_contract_passes_a_document_whose_key_travels_outside_headers(security, tmp_path: Path, capsys):
    """Before: no credential was shaped for a query key (or the header alternative was sent while schemathesis
    generated the query one), and ignored_auth reported the mock's correct 200 as accepting invalid auth; a cookie
    key sent as a fixed Cookie header came back on negative cases meant to drop it (schema-violating request
    accepted). An openIdConnect token travels as a bearer token."""
    path = tmp_path / "keys.yaml"
    path.write_text(yaml.safe_dump(_doc(security)))
    status = main(["contract", str(path), "--max-examples", "5", "--stateful-steps", "4", "-q",
                   "--report-dir", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    seen = report["coverage"]["operations"][0]["seen"]
    assert seen.get("200"), seen                                  # the credential was accepted
    if "Oidc" not in security[0]:       # schemathesis probes apiKey credentials only (not bearer tokens)
        assert seen.get("401"), seen                              # and its absence refused
