"""A malformed Cookie header (schemathesis sends them) is read pair by pair, as servers read it: the key cookie
still counts, a header without it is 401 — never a 500 from Python's cookie parser (Unkey's portal.listKeys)."""
from __future__ import annotations

from pathlib import Path

import yaml
from connexion.security import ApiKeySecurityHandler

from apitwin.cookies import cookie_value
from apitwin.server import connexion_patches
from tests.inferred.conftest import serve

ERROR = {"description": "no", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {"type": "string"}}}}}}


def test_cookie_value_reads_pairs():
    assert cookie_value("a=1; $95ae2r`=x; sid=k", "sid") == "k"       # SimpleCookie: CookieError
    assert cookie_value("a=1; 95ae2r`; sid=k", "sid") == "k"          # SimpleCookie: nothing at all
    assert cookie_value('sid="q"; sid=later', "sid") == "q"
    assert cookie_value("sid=a=b", "sid") == "a=b"
    assert cookie_value("side=1", "sid") is None and cookie_value(None, "sid") is None


def test_connexion_reads_api_key_cookies_through_it():
    module, name = connexion_patches.COOKIE_VALUE
    assert module is ApiKeySecurityHandler and callable(getattr(module, name, None))


def test_a_malformed_cookie_header_is_no_server_error(tmp_path: Path):
    doc = {"openapi": "3.0.3", "info": {"title": "Cookies", "version": "1"},
           "components": {"securitySchemes": {"Session": {"type": "apiKey", "in": "cookie", "name": "sid"}}},
           "security": [{"Session": []}],
           "paths": {"/me": {"get": {"responses": {
               "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
               "401": ERROR}}}}}
    path = tmp_path / "cookies.yaml"
    path.write_text(yaml.safe_dump(doc))
    client = serve(path)
    assert client.get("/me", headers={"Cookie": "a=1; $95ae2r`=x; sid=k"}).status_code == 200
    assert client.get("/me", headers={"Cookie": "a=1; 95ae2r`; sid=k"}).status_code == 200
    assert client.get("/me", headers={"Cookie": "a=1; $95ae2r`=x"}).status_code == 401
