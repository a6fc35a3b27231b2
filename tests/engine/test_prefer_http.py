"""Prism-compatible `Prefer` (and its `__twin` query parameters) over HTTP, on the fixture API
(tests/engine/fixtures/): documented codes and named examples from the spec, seeded dynamic data, delay and faults;
security and request validation still run first; without a preference the stateful mock answers."""
from __future__ import annotations

import json
import time
from typing import Any, Iterator

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from apitwin.settings import Settings
from tests.engine.helpers import FAKE_PLUGIN, NOTES, assert_fake_error, fake_app, fake_auth


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


SPEC = load_yaml(FAKE_PLUGIN.spec_file.read_text(encoding="utf-8"))
SPEC_URI = "urn:apitwin:fakeapi"
REGISTRY = Registry().with_resource(SPEC_URI, Resource.from_contents(SPEC, default_specification=DRAFT202012))


def resolve(node: Any) -> Any:
    """Follow local `$ref`s of the spec (components/responses, components/examples, ...)."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_media(path: str, method: str, status: str) -> dict[str, Any]:
    response = resolve(SPEC["paths"][path][method]["responses"][status])
    return resolve(response["content"]["application/json"])


def example_values(path: str, method: str, status: str) -> dict[str, Any]:
    media = response_media(path, method, status)
    return {name: resolve(example)["value"] for name, example in (media.get("examples") or {}).items()}


def schema_validator(path: str, method: str, status: str) -> Draft202012Validator:
    schema = response_media(path, method, status)["schema"]
    ref = schema["$ref"] if "$ref" in schema else None
    assert ref, "the response schemas used here are component refs"
    return Draft202012Validator({"$ref": SPEC_URI + ref}, registry=REGISTRY, format_checker=FormatChecker())


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One seed-0 app for the module; Prefer answers never touch the store."""
    with fake_app(Settings(seed=0)).test_client() as test_client:
        yield test_client


@pytest.fixture(scope="module")
def shared_auth(client: Any) -> dict[str, str]:
    return fake_auth(client)


@pytest.fixture
def auth(shared_auth: dict[str, str]) -> dict[str, str]:
    return shared_auth


NOTE = "/api/notes/{note_id}/"
LIST_EXAMPLES = example_values(NOTES, "get", "200")


# -- code / example -------------------------------------------------------------------------------------------------
def test_prefer_code_404_answers_the_documented_example(client: Any, auth: dict[str, str]) -> None:
    expected = next(iter(example_values(NOTE, "get", "404").values()))
    assert client.get(f"{NOTES}1/", headers=auth).status_code == 200  # the real answer differs
    response = client.get(f"{NOTES}1/", headers={**auth, "Prefer": "code=404"})
    assert response.status_code == 404
    assert response.json() == expected


def test_the_spec_documents_several_list_examples() -> None:
    assert len(LIST_EXAMPLES) >= 2, LIST_EXAMPLES


@pytest.mark.parametrize("name", sorted(LIST_EXAMPLES))
def test_prefer_example_picks_that_named_example(client: Any, auth: dict[str, str], name: str) -> None:
    response = client.get(NOTES, headers={**auth, "Prefer": f"example={name}"})
    assert response.status_code == 200, response.text
    assert response.json() == LIST_EXAMPLES[name]


@pytest.mark.parametrize("name", sorted(LIST_EXAMPLES))
def test_example_query_twin_is_stripped_before_strict_validation(client: Any, auth: dict[str, str], name: str) -> None:
    response = client.get(f"{NOTES}?__example={name}", headers=auth)
    assert response.status_code == 200, response.text
    assert "Unknown query parameter" not in response.text
    assert response.json() == LIST_EXAMPLES[name]


def test_named_examples_differ_from_each_other() -> None:
    values = [json.dumps(v, sort_keys=True) for v in LIST_EXAMPLES.values()]
    assert len(set(values)) == len(values)


def test_prefer_code_200_answers_the_first_example(client: Any, auth: dict[str, str]) -> None:
    response = client.get(NOTES, headers={**auth, "Prefer": "code=200"})
    assert response.status_code == 200
    assert response.json() == next(iter(LIST_EXAMPLES.values()))


def test_undocumented_code_is_400_naming_the_documented_codes(client: Any, auth: dict[str, str]) -> None:
    body = assert_fake_error(client.get(NOTES, headers={**auth, "Prefer": "code=418"}), 400)
    text = " ".join(body["messages"])
    assert "418" in text
    for code in SPEC["paths"][NOTES]["get"]["responses"]:
        assert code in text, (code, text)


def test_unknown_example_is_400_listing_the_examples(client: Any, auth: dict[str, str]) -> None:
    body = assert_fake_error(client.get(NOTES, headers={**auth, "Prefer": "example=no_such_example"}), 400)
    text = " ".join(body["messages"])
    assert "no_such_example" in text
    for name in LIST_EXAMPLES:
        assert name in text, (name, text)


def test_bad_preference_values_are_all_reported(client: Any, auth: dict[str, str]) -> None:
    response = client.get(NOTES, headers={**auth, "Prefer": "code=abc, delay=-5, fault=teapot"})
    body = assert_fake_error(response, 400)
    problems = " ".join(m for messages in body["fields"].values() for m in messages)
    for bad in ("abc", "-5", "teapot"):
        assert bad in problems, (bad, body)


def test_bad_twin_value_is_reported_under_the_twin(client: Any, auth: dict[str, str]) -> None:
    body = assert_fake_error(client.get(f"{NOTES}?__delay=soon", headers=auth), 400)
    assert "__delay" in body["fields"], body


def test_delay_above_the_maximum_is_400(client: Any, auth: dict[str, str]) -> None:
    assert_fake_error(client.get(NOTES, headers={**auth, "Prefer": "delay=99999999"}), 400)


# -- security and validation still apply ----------------------------------------------------------------------------
@pytest.mark.parametrize("prefer", ["code=200", "example=two-notes", "dynamic=true"])
def test_prefer_without_token_is_401(client: Any, prefer: str) -> None:
    body = assert_fake_error(client.get(NOTES, headers={"Prefer": prefer}), 401)
    assert body["messages"]


def test_prefer_with_invalid_query_is_400(client: Any, auth: dict[str, str]) -> None:
    body = assert_fake_error(client.get(f"{NOTES}?page=0", headers={**auth, "Prefer": "code=200"}), 400)
    assert "page" in body["fields"]


def test_prefer_with_invalid_body_is_400(client: Any, auth: dict[str, str]) -> None:
    response = client.post(NOTES, headers={**auth, "Prefer": "code=201"}, json={"title": "Jon"})
    body = assert_fake_error(response, 400)
    assert "text" in body["fields"]


# -- dynamic --------------------------------------------------------------------------------------------------------
def test_dynamic_list_is_valid_against_the_schema(client: Any, auth: dict[str, str]) -> None:
    response = client.get(NOTES, headers={**auth, "Prefer": "dynamic=true"})
    assert response.status_code == 200, response.text
    body = response.json()
    errors = [e.message for e in schema_validator(NOTES, "get", "200").iter_errors(body)]
    assert errors == []
    assert body not in LIST_EXAMPLES.values()


def test_dynamic_note_is_valid_against_the_schema(client: Any, auth: dict[str, str]) -> None:
    response = client.get(f"{NOTES}1/", headers={**auth, "Prefer": "dynamic=true"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e.message for e in schema_validator(NOTE, "get", "200").iter_errors(body)] == []
    required = resolve(SPEC["components"]["schemas"]["Note"])["required"]
    assert set(required) <= set(body)


def test_dynamic_is_repeatable_and_twin_matches(client: Any, auth: dict[str, str]) -> None:
    first = client.get(f"{NOTES}1/", headers={**auth, "Prefer": "dynamic=true"})
    second = client.get(f"{NOTES}1/", headers={**auth, "Prefer": "dynamic=true"})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    real = client.get(f"{NOTES}1/", headers=auth).json()
    assert first.json() != real


def test_dynamic_query_twin(client: Any, auth: dict[str, str]) -> None:
    response = client.get(f"{NOTES}?__dynamic=true", headers=auth)
    assert response.status_code == 200, response.text
    assert "Unknown query parameter" not in response.text
    assert [e.message for e in schema_validator(NOTES, "get", "200").iter_errors(response.json())] == []
    assert response.json() not in LIST_EXAMPLES.values()


def dynamic_note(settings: Settings) -> Any:
    with fake_app(settings).test_client() as test_client:
        response = test_client.get(f"{NOTES}1/", headers={**fake_auth(test_client), "Prefer": "dynamic=true"})
        assert response.status_code == 200, response.text
        return response.json()


def test_dynamic_same_seed_same_body_across_apps_and_different_seed_differs(client: Any, auth: dict[str, str]) -> None:
    here = client.get(f"{NOTES}1/", headers={**auth, "Prefer": "dynamic=true"}).json()
    assert dynamic_note(Settings(seed=0)) == here
    assert dynamic_note(Settings(seed=1)) != here


# -- delay and faults -----------------------------------------------------------------------------------------------
def test_delay_still_answers_normally(client: Any, auth: dict[str, str]) -> None:
    expected = client.get(NOTES, headers=auth).json()
    started = time.monotonic()
    response = client.get(NOTES, headers={**auth, "Prefer": "delay=50"})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json() == expected
    assert elapsed >= 0.04, elapsed


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_status_fault_answers_that_status_in_error_shape(client: Any, auth: dict[str, str], code: int) -> None:
    body = assert_fake_error(client.get(NOTES, headers={**auth, "Prefer": f"fault={code}"}), code)
    assert body["messages"]


def test_fault_twin(client: Any, auth: dict[str, str]) -> None:
    assert_fake_error(client.get(f"{NOTES}?__fault=503", headers=auth), 503)


def test_empty_fault(client: Any, auth: dict[str, str]) -> None:
    response = client.get(NOTES, headers={**auth, "Prefer": "fault=empty"})
    assert response.status_code == 200
    assert response.content == b""


def test_malformed_fault(client: Any, auth: dict[str, str]) -> None:
    response = client.get(NOTES, headers={**auth, "Prefer": "fault=malformed"})
    assert response.status_code == 200
    assert response.content
    with pytest.raises(ValueError):
        json.loads(response.content)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # Starlette's error page coroutine, left by the abort
def test_drop_fault_breaks_the_response(client: Any, auth: dict[str, str]) -> None:
    with pytest.raises(Exception):
        client.get(NOTES, headers={**auth, "Prefer": "fault=drop"})
    # the app survives a dropped connection
    assert client.get(NOTES, headers=auth).status_code == 200


def test_unknown_preferences_are_ignored(client: Any, auth: dict[str, str]) -> None:
    expected = client.get(NOTES, headers=auth).json()
    response = client.get(NOTES, headers={**auth, "Prefer": "return=minimal, respond-async"})
    assert response.status_code == 200
    assert response.json() == expected


# -- no preference: the stateful mock -------------------------------------------------------------------------------
def test_without_prefer_the_stateful_mock_answers(client: Any, auth: dict[str, str]) -> None:
    created = client.post(NOTES, headers=auth, json={"title": "Rickon", "text": "Stark"})
    assert created.status_code == 201, created.text
    note = created.json()
    fetched = client.get(f"{NOTES}{note['id']}/", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json() == note
    assert fetched.json()["title"] == "Rickon"
    assert note["id"] in [n["id"] for n in client.get(NOTES, headers=auth).json()]


def test_prefer_does_not_touch_the_store(client: Any, auth: dict[str, str]) -> None:
    before = client.get(NOTES, headers=auth).json()
    response = client.post(NOTES, headers={**auth, "Prefer": "code=201"},
                           json={"title": "Hodor", "text": "Hodor"})
    assert response.status_code == 201
    assert response.json() == next(iter(example_values(NOTES, "post", "201").values()))
    assert client.get(NOTES, headers=auth).json() == before
