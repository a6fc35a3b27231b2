"""Settings for every test folder: quiet Connexion logging and the starlette/httpx test-client warning.

Fixtures live in the conftest of the folder that uses them (tests/engine/, tests/partners/, tests/molgenis/,
tests/review/, tests/contract/); helpers two folders share live in this directory (receiver.py).
"""
from __future__ import annotations

import logging

import pytest
import warnings

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
logging.getLogger("connexion").setLevel(logging.ERROR)


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, tests that share an `xdist_group` run in one worker (`--dist loadgroup`; every other test
    is distributed as `-n` alone does): the vendored molgenis-py-client suite sets its class up and tears it down
    once (tests/molgenis/pyclient_suite/conftest.py)."""
    if getattr(config.option, "dist", None) == "load":
        config.option.dist = "loadgroup"
