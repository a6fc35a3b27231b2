"""The contract suite as pytest: one test per operation of the spec, one per property check, one for coverage.

    pytest contract_tests --api partners                                  # our mock, in this process
    pytest contract_tests --api molgenis --base-url http://host:8080 --contract-username admin --contract-password …

The run itself happens once per session (apitwin.contract.runner, the same engine as `apitwin contract`); the
tests only read its result, so `-k` selects what is reported, not what is run. A run that cannot start
(unreachable server, refused login) stops pytest with exit code 2 and a one-line reason.
Not part of `make test` (whose testpaths are tests/): tests/contract/test_runner.py covers both in-process suites.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
logging.getLogger("connexion").setLevel(logging.ERROR)

from apitwin.contract import config, report, runner  # noqa: E402
from apitwin.contract.profiles import profiles  # noqa: E402
from apitwin.contract.results import RunResult  # noqa: E402
from apitwin.contract.target import SetupError  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apitwin contract")
    group.addoption("--api", choices=sorted(profiles()), default="partners", help="which contract (default partners)")
    group.addoption("--base-url", default=None, help="server to test (default: our mock, in this process)")
    group.addoption("--contract-username", default=None, help="account (default: $APITWIN_CONTRACT_USERNAME)")
    group.addoption("--contract-password", default=None, help="its password ($APITWIN_CONTRACT_PASSWORD)")
    group.addoption("--contract-token", default=None, help="a token instead of logging in")
    group.addoption("--other-account", default=None, metavar="USER:PASSWORD", help="second tenant")
    group.addoption("--seed", type=int, default=None, help="seed (default 0)")
    group.addoption("--max-examples", type=int, default=None, help="cases per operation and phase (default 25)")
    group.addoption("--workers", type=int, default=None)
    group.addoption("--max-time", type=int, default=None, help="seconds")
    group.addoption("--phases", default=None, help="comma-separated subset of examples,coverage,fuzzing,stateful")
    group.addoption("--contract-config", type=Path, default=None, help="schemathesis.toml")
    group.addoption("--contract-reports", type=Path, default=None, metavar="DIR",
                    help="also write junit.xml, report.md and report.json here")
    group.addoption("--min-coverage", type=float, default=None, help="fail below this status-code coverage %")


def _request(cfg: pytest.Config) -> runner.RunRequest:
    other = cfg.getoption("--other-account")
    phases = cfg.getoption("--phases")
    options = config.Options(seed=cfg.getoption("--seed"), max_examples=cfg.getoption("--max-examples"),
                             workers=cfg.getoption("--workers"), max_time=cfg.getoption("--max-time"),
                             phases=tuple(p.strip() for p in phases.split(",")) if phases else None,
                             config_file=cfg.getoption("--contract-config"))
    return runner.RunRequest(api=cfg.getoption("--api"), url=cfg.getoption("--base-url"),
                             username=cfg.getoption("--contract-username"),
                             password=cfg.getoption("--contract-password"), token=cfg.getoption("--contract-token"),
                             other_account=tuple(other.split(":", 1)) if other else None,  # type: ignore[arg-type]
                             options=options)


@pytest.fixture(scope="session")
def contract_run(request: pytest.FixtureRequest) -> RunResult:
    cfg = request.config
    try:
        result = runner.run(_request(cfg))
    except SetupError as exc:
        pytest.exit(f"apitwin contract {cfg.getoption('--api')}: {exc}", returncode=2)
    directory = cfg.getoption("--contract-reports")
    if directory is not None:
        report.write(result, {fmt: directory / name for fmt, name in report.FILES.items()},
                     cfg.getoption("--min-coverage"))
    return result


@pytest.fixture(scope="session")
def min_coverage(request: pytest.FixtureRequest) -> Any:
    return request.config.getoption("--min-coverage")
