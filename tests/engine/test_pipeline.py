"""The request pipeline as built: its order is the documented one, one request state, one error renderer."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

import apitwin.app
from apitwin.errors import ApiError
from apitwin.server.render import render
from apitwin.server.state import Problems, RequestState, state_of
from apitwin.settings import Settings
from tests.engine.fixtures.fakeapi import PLUGIN as FAKE_PLUGIN
from tests.engine.helpers import NOTES, fake_app, fake_auth

ROOT = Path(__file__).resolve().parents[2]
LAYER = re.compile(r"^ {4}(\w+) {2,}\S", re.M)   # "    Name   what it does" in the docstring's list


def _documented(text: str) -> list[str]:
    return [name for name in LAYER.findall(text) if name != "handler"]


def _built(app: Any) -> list[str]:
    """The middleware layers, outermost first, and the app innermost in them (apitwin.server.endpoint.Endpoints)."""
    return [getattr(m, "func", m).__name__ for m in app.middleware.middlewares] + [type(app.middleware.app).__name__]


def test_built_middleware_order_is_the_documented_order() -> None:
    app = fake_app(Settings())
    assert _built(app) == _documented(apitwin.app.__doc__ or "")


def test_architecture_doc_shows_the_same_order() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## The request pipeline", 1)[1].split("```", 2)[1]    # that section's first code block
    assert _documented(block) == _documented(apitwin.app.__doc__ or "")


def _compact_app() -> Any:
    """The fixture API with a compact JSON style (MOLGENIS' Gson layout), to tell the renderers apart."""
    wire = dataclasses.replace(FAKE_PLUGIN.wire, json_style={"separators": (",", ":"), "ensure_ascii": False})
    return apitwin.app.create_app([dataclasses.replace(FAKE_PLUGIN, wire=wire)], settings=Settings())


def test_guard_500_is_rendered_like_every_other_error() -> None:
    """Regression: the response guard's 500 came out with json.dumps' spaces while the API's 404s were compact."""
    app = _compact_app()
    with app.test_client() as client:
        headers = fake_auth(client)
        missing = client.get(f"{NOTES}999/", headers=headers)
        assert missing.status_code == 404
        assert b", " not in missing.content and b'":' in missing.content, missing.content
        rt = app.apitwin.runtimes["fakeapi"]
        note = rt.store["notes"].insert({"title": 42, "created_at": "2024-01-02T03:04:05+00:00"})  # breaks the spec
        broken = client.get(f"{NOTES}{note['id']}/", headers=headers)
    assert broken.status_code == 500
    expected = render(ApiError(500, ["The mock's response does not conform to its specification."]), rt)
    assert broken.content == expected.body
    assert b", " not in broken.content and b'":' in broken.content, broken.content


def test_render_uses_the_plugin_shape_or_the_neutral_one() -> None:
    neutral = render(ApiError(404, ["Not found."]), None)
    assert neutral.body == b'{"errors": {}, "messages": ["Not found."]}' and neutral.media_type == "application/json"
    response = neutral.response()
    assert response.status_code == 404 and response.body == neutral.body


def test_problems_are_collected_and_raised_once() -> None:
    problems = Problems()
    problems.add({"page": ["A valid integer is required."]})
    problems.add({"page": ["Must be positive."], "q": ["Unknown query parameter."]})
    with pytest.raises(ApiError) as raised:
        problems.raise_if_any()
    assert raised.value.status == 400
    assert raised.value.field_errors == {"page": ["A valid integer is required.", "Must be positive."],
                                         "q": ["Unknown query parameter."]}
    problems.raise_if_any()        # raised once: nothing left


def test_body_error_carries_the_parameter_problems_first() -> None:
    problems = Problems()
    problems.add({"page": ["A valid integer is required."]})
    merged = problems.merged(ApiError(400, [], {"title": ["This field is required."]}))
    assert list(merged.field_errors) == ["page", "title"]
    assert problems.merged(ApiError(413, ["too large"])).field_errors == {}   # consumed by the first merge


def test_state_of_a_scope_without_front_is_blank() -> None:
    scope: dict[str, Any] = {"type": "http"}
    state = state_of(scope)
    assert isinstance(state, RequestState) and state.runtime is None and state_of(scope) is state


def test_parameter_and_body_problems_answer_together(fake: Any, fake_headers: dict[str, str]) -> None:
    response = fake.post(f"{NOTES}?unknown=1", json={"text": 5}, headers=fake_headers)
    assert response.status_code == 400, response.text
    fields = response.json()["error"]["fields"]
    assert "unknown" in fields and "title" in fields, fields


@pytest.mark.parametrize("document", ['{"n": 100000000000000000000000000000}', '[NaN, 1.5, -0.0]', '{"a": 1, "a": 2}',
                                      '"\\u00e9\\ud83d\\ude00"', '[18446744073709551615, -9223372036854775809]',
                                      '{"x": [1e2, 3.0, 0.1]}', '[1e400]'])
def test_json_reading_gives_json_s_values(document: str) -> None:
    import json

    from apitwin.server import jsonio
    expected = json.loads(document)
    for given in (document, document.encode()):
        got = jsonio.loads(given)
        assert repr(got) == repr(expected), (given, got)


@pytest.mark.parametrize("document", ["", "{", "[1,]", "\ufeff{}"])
def test_json_reading_refuses_with_json_s_words(document: str) -> None:
    import json

    from apitwin.server import jsonio
    with pytest.raises(ValueError) as expected:
        json.loads(document)
    with pytest.raises(ValueError) as got:
        jsonio.loads(document)
    assert str(got.value) == str(expected.value)
