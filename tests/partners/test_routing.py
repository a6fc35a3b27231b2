"""Partners routing as the engine rebuilds it from specs/partners.yaml: every path answers a wrong method with 405 in
the Partners error body and an Allow header listing exactly the documented methods (plus HEAD where GET exists)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from apitwin.http_methods import HTTP_METHODS
from apitwin.settings import Settings
from tests.partners.helpers import assert_error, reset_app

SPEC = yaml.load((Path(__file__).resolve().parents[2] / "specs" / "partners.yaml").read_text(encoding="utf-8"),
                 Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.fixture
def app(settings: Settings) -> Any:
    return reset_app(settings)


def _allow_cases() -> list[tuple[str, str, set[str]]]:
    cases = []
    for path, item in SPEC["paths"].items():
        methods = {m.upper() for m in item if m in HTTP_METHODS}
        if "GET" in methods:
            methods.add("HEAD")
        wrong = next(m for m in ("DELETE", "PUT", "PATCH", "POST") if m not in methods)
        cases.append((re.sub(r"\{[^/]+?\}", "1", path), wrong, methods))
    return cases


@pytest.mark.parametrize("url,method,expected", _allow_cases(), ids=[c[0] for c in _allow_cases()])
def test_allow_header_matches_the_spec_for_every_path(client: Any, url: str, method: str, expected: set[str]) -> None:
    response = client.request(method, url)
    assert_error(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == expected
