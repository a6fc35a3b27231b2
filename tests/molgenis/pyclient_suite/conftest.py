"""molgenis-py-client 2.4.1's own test suite, run unmodified against the MOLGENIS mock over real HTTP.

`tests/test_client.py` and `tests/resources/*.zip` are upstream's files byte for byte (github.com/molgenis/
molgenis-py-client, tag v2.4.1, commit 9a871ae; LGPL-3.0, see LICENSE here; `tests/molgenis/test_pyclient_suite.py`
checks their git blob hashes). This conftest is the deployment they expect, with no change to them:

- The suite names its server in the class body (`host = "https://dieuwke.gcc.rug.nl"`, written over its own
  `CI_HOST` variable, and that server's admin password) and logs in while being imported. So the mock is served
  before collection (uvicorn on 127.0.0.1, port 0) with that admin password, and every requests session gets a
  transport adapter for that one origin which sends the request to the mock over HTTP. The response keeps the URL
  the client asked for: requests words errors with it and the suite compares those texts.
- MOLGENIS runs on Tomcat, whose status lines carry no reason phrase (`404 Client Error:  for url: ...` in the
  suite's expected texts): the mock is served with `apitwin.reason_phrase.ReasonPhraseH11Protocol`.
- The suite opens `./tests/resources/*.zip` from its repository root: its tests run with this directory as the
  working directory (a module fixture, restored afterwards).
- Under pytest-xdist every worker serves its own mock (this hook runs in each), and the cases a worker gets form
  one run of the class there (its set-up uploads, its tear-down deletes package `org` and logs out): `-n`'s load
  scheduling hands each worker collection-ordered chunks, so a worker's share of the suite is never interleaved
  with other modules and the class is set up once per worker. (`xdist_group` would keep the suite in one worker,
  but pytest-xdist 3.8 cannot rename node ids under this pytest, so `--dist loadgroup` does not group.)

Every case runs (the Metadata API cases too: `GET /api/metadata/{e}`, specs/molgenis_metadata.yaml). A case the
mock could not serve would be named in `deployment.SKIPPED` with the reason and skipped loudly.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import yaml

from apitwin.app import create_app
from apitwin.reason_phrase import ReasonPhraseH11Protocol
from apitwin.settings import Settings
from tests.molgenis.pyclient_suite.deployment import SKIPPED, UPSTREAM, UPSTREAM_PASSWORD, ToMock
from tests.receiver import Receiver

HERE = Path(__file__).resolve().parent
SUITE = HERE / "tests" / "test_client.py"
ROOT = HERE.parents[2]
def _data_dir(directory: Path) -> Path:
    """The mock's seed with the upstream server's admin password."""
    for source in (ROOT / "mockdata" / "molgenis").glob("*.yaml"):
        shutil.copy(source, directory / source.name)
    security = yaml.safe_load((directory / "security.yaml").read_text(encoding="utf-8"))
    for user in security["users"]:
        if user["username"] == "admin":
            user["password"] = UPSTREAM_PASSWORD
    (directory / "security.yaml").write_text(yaml.safe_dump(security, sort_keys=False), encoding="utf-8")
    return directory


def pytest_configure(config: pytest.Config) -> None:
    """Runs when pytest reaches this directory, before the suite's module (which logs in on import) is imported."""
    directory = Path(tempfile.mkdtemp(prefix="molgenis-pyclient-suite-"))
    app = create_app(["molgenis"], settings=Settings(data_dirs={"molgenis": _data_dir(directory)}))
    server = Receiver(app=app, http=ReasonPhraseH11Protocol).start()
    adapter = ToMock(f"http://127.0.0.1:{server.port}")
    original_init = requests.Session.__init__

    def init(self: requests.Session, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.mount(UPSTREAM, adapter)

    requests.Session.__init__ = init  # type: ignore[method-assign]

    def stop() -> None:
        requests.Session.__init__ = original_init  # type: ignore[method-assign]
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)

    config.add_cleanup(stop)


def pytest_itemcollected(item: pytest.Item) -> None:
    """The cases the mock cannot serve are skipped, with the reason."""
    if Path(str(item.path)) != SUITE:
        return
    reason = SKIPPED.get(item.name)
    if reason is not None:
        item.add_marker(pytest.mark.skip(reason=f"molgenis-py-client suite: {reason}"))


@pytest.fixture(scope="module", autouse=True)
def upstream_working_directory() -> Iterator[None]:
    """The suite's relative paths (`./tests/resources/...`) start at its repository root."""
    before = os.getcwd()
    os.chdir(HERE)
    try:
        yield
    finally:
        os.chdir(before)
