"""Fixtures for apitwin.inferred: small documents under fixtures/, served in process."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from apitwin.app import create_app
from apitwin.inferred.plugin import build
from apitwin.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def serve(document: str | Path, **options: Any) -> TestClient:
    """A test client of the inferred mock of a fixture document (a name under fixtures/ or a path)."""
    path = document if isinstance(document, Path) else FIXTURES / document
    return TestClient(create_app([build(path, **options)], settings=Settings(seed=0)))


@pytest.fixture()
def shop() -> TestClient:
    return serve("shop.yaml")
