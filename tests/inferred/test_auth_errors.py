"""Auth from securitySchemes, pinned credentials with tenants, and error bodies from the document."""
from __future__ import annotations

import base64

import pytest
import yaml

from apitwin.inferred.auth import AuthFileError, load_pins
from tests.inferred.conftest import FIXTURES, serve

AUTH = {"Authorization": "Bearer anything"}


def test_missing_credentials_answer_the_documented_401_body(shop):
    answer = shop.get("/api/customers")
    assert answer.status_code == 401
    assert answer.json() == {"error": "No authorization token provided.", "status": 401}
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_any_well_formed_credential_is_accepted_by_default(shop):
    assert shop.get("/api/customers", headers={"Authorization": "Bearer whatever"}).status_code == 200


def test_pinned_credentials_refuse_others_and_separate_tenants(tmp_path):
    auth = tmp_path / "auth.yaml"
    auth.write_text(yaml.safe_dump([{"token": "alice-token", "tenant": "alice"},
                                    {"token": "bob-token", "tenant": "bob"}]))
    client = serve("shop.yaml", auth_file=auth)
    alice, bob = {"Authorization": "Bearer alice-token"}, {"Authorization": "Bearer bob-token"}
    assert client.get("/api/customers", headers={"Authorization": "Bearer guess"}).status_code == 401
    made = client.post("/api/customers", json={"name": "Private"}, headers=alice).json()
    assert client.get(f"/api/customers/{made['id']}", headers=alice).status_code == 200
    assert client.get(f"/api/customers/{made['id']}", headers=bob).status_code == 404
    assert made not in client.get("/api/customers", headers=bob).json()["items"]


def test_invalid_body_answers_the_documented_error_schema(shop):
    answer = shop.post("/api/customers", json={"name": ""}, headers=AUTH)
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"error", "status"} and body["status"] == 400 and "name" in body["error"]


def test_undocumented_error_falls_back_to_problem_json(tmp_path):
    doc = tmp_path / "bare.yaml"
    doc.write_text(yaml.safe_dump({
        "openapi": "3.0.3", "info": {"title": "Bare", "version": "1"},
        "paths": {"/things": {"post": {
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
            "responses": {"201": {"description": "ok"}, "400": {"description": "invalid"}}}}}}))
    answer = serve(doc).post("/things", json={})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 400 and answer.json()["title"] == "Bad Request"


def test_refusal_undocumented_for_the_operation_answers_the_closest_documented_status(tmp_path):
    doc = tmp_path / "only404.yaml"
    doc.write_text(yaml.safe_dump({
        "openapi": "3.0.3", "info": {"title": "Only404", "version": "1"},
        "paths": {"/things": {"get": {
            "parameters": [{"name": "n", "in": "query", "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "ok"}, "404": {"description": "none"}}}}}}))
    assert serve(doc).get("/things", params={"n": "x"}).status_code == 404


def test_basic_and_api_key_schemes(tmp_path):
    doc = tmp_path / "keys.yaml"
    doc.write_text(yaml.safe_dump({
        "openapi": "3.1.0", "info": {"title": "Keys", "version": "1"},
        "components": {"securitySchemes": {"basic": {"type": "http", "scheme": "basic"},
                                           "key": {"type": "apiKey", "in": "query", "name": "api_key"}}},
        "paths": {"/a": {"get": {"security": [{"basic": []}], "responses": {"200": {"description": "ok"}}}},
                  "/b": {"get": {"security": [{"key": []}], "responses": {"200": {"description": "ok"}}}}}}))
    auth = tmp_path / "auth.yaml"
    auth.write_text(yaml.safe_dump([{"username": "ada", "password": "pw"}, {"key": "k1"}]))
    client = serve(doc, auth_file=auth)
    good = "Basic " + base64.b64encode(b"ada:pw").decode()
    bad = "Basic " + base64.b64encode(b"ada:nope").decode()
    assert client.get("/a", headers={"Authorization": good}).status_code == 200
    assert client.get("/a", headers={"Authorization": bad}).status_code == 401
    assert client.get("/a").status_code == 401
    assert client.get("/b", params={"api_key": "k1"}).status_code == 200
    assert client.get("/b", params={"api_key": "k2"}).status_code == 401


def test_auth_file_problems_are_named(tmp_path):
    auth = tmp_path / "auth.yaml"
    auth.write_text("- {tenant: x}\n")
    with pytest.raises(AuthFileError, match="credential 1 needs key, token, or username and password"):
        load_pins(auth)
    assert FIXTURES.is_dir()


def test_a_json_null_body_is_judged_by_the_schema(tmp_path):
    doc = tmp_path / "optional.yaml"
    doc.write_text(yaml.safe_dump({
        "openapi": "3.0.3", "info": {"title": "Optional", "version": "1"},
        "paths": {"/things": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "ok"}, "400": {"description": "invalid"}}}}}}))
    client = serve(doc)
    assert client.post("/things", content=b"null", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/things").status_code == 200
