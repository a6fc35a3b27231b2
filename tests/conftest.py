"""Settings for every test folder: quiet Connexion logging and the starlette/httpx test-client warning; the
start-up cache (apitwin.content_cache) in a directory of this test run, inherited by the servers tests start, so
the suite neither reads nor fills the user's own cache.

Fixtures live in the conftest of the folder that uses them (tests/engine/, tests/partners/, tests/molgenis/,
tests/review/, tests/contract/); helpers two folders share live in this directory (receiver.py).
"""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import warnings

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
logging.getLogger("connexion").setLevel(logging.ERROR)

if "APITWIN_CACHE_DIR" not in os.environ:      # set once, by the first process of the run; its workers inherit it
    os.environ["APITWIN_CACHE_DIR"] = tempfile.mkdtemp(prefix="apitwin-test-cache-")
    atexit.register(shutil.rmtree, os.environ["APITWIN_CACHE_DIR"], True)
