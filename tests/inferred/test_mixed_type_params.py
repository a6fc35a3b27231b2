"""A parameter whose schema mixes object and scalar types (or names no type at all) gets a type Connexion can read
it by in the 3.0 view (apitwin.specs), and apitwin.validation checks the value as sent against the real schema:
valid values are answered, invalid ones refused with a 400 — never a 500 (Connexion's parser reads
`schema["type"]`)."""
from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.inferred.conftest import serve


@pytest.fixture(scope="module")
def client() -> TestClient:
    return serve("mixed_params.yaml")


VALID = [
    ("/things/k1", {}, {}, {}),
    ("/things/a,3", {}, {}, {}),                              # path, simple style: the object {a: 3}
    ("/things/k1", {"q": "5"}, {}, {}),
    ("/things/k1", {"q": "a,7"}, {}, {}),                     # form, explode false: the object {a: 7}
    ("/things/k1", {"filter[size]": "3"}, {}, {}),            # deepObject
    ("/things/k1", {"filter": "12"}, {}, {}),
    ("/things/k1", {}, {"X-Mode": "fast"}, {}),
    ("/things/k1", {}, {"X-Mode": "m,x"}, {}),
    ("/things/k1", {}, {}, {"pick": "4"}),
    ("/things/k1", {"free": "ok"}, {}, {}),
]
INVALID = [
    ("/things/zz", {}, {}, {}, "key"),
    ("/things/a,x", {}, {}, {}, "key"),
    ("/things/k1", {"q": "0"}, {}, {}, "q"),
    ("/things/k1", {"q": "word"}, {}, {}, "q"),
    ("/things/k1", {"q": "a,x"}, {}, {}, "q"),
    ("/things/k1", {"filter[size]": "30"}, {}, {}, "filter"),
    ("/things/k1", {"filter[other]": "1"}, {}, {}, "filter"),
    ("/things/k1", {"filter": "x"}, {}, {}, "filter"),
    ("/things/k1", {}, {"X-Mode": "medium"}, {}, "X-Mode"),
    ("/things/k1", {}, {}, {"pick": "11"}, "pick"),
    ("/things/k1", {"free": "bad"}, {}, {}, "free"),
    ("/things/k1", {"free": "toolong"}, {}, {}, "free"),
]


@pytest.mark.parametrize(("path", "query", "headers", "cookies"), VALID, ids=[repr(c) for c in VALID])
def test_valid_values_are_answered(client: TestClient, path: str, query: dict[str, str], headers: dict[str, str],
                                   cookies: dict[str, str]) -> None:
    client.cookies.clear()
    answer = client.get(path, params=query, headers=headers, cookies=cookies)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("path", "query", "headers", "cookies", "field"), INVALID, ids=[repr(c) for c in INVALID])
def test_invalid_values_are_a_400_naming_the_parameter(client: TestClient, path: str, query: dict[str, str],
                                                       headers: dict[str, str], cookies: dict[str, str],
                                                       field: Any) -> None:
    client.cookies.clear()
    answer = client.get(path, params=query, headers=headers, cookies=cookies)
    assert answer.status_code == 400, answer.text
    if field is not None:
        assert field in answer.text, answer.text
