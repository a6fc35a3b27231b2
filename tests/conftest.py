"""Settings for every test folder: quiet Connexion logging and the starlette/httpx test-client warning.

Fixtures live in the conftest of the folder that uses them (tests/engine/, tests/partners/, tests/molgenis/,
tests/review/, tests/contract/); helpers two folders share live in this directory (receiver.py).
"""
from __future__ import annotations

import logging
import warnings

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
logging.getLogger("connexion").setLevel(logging.ERROR)
