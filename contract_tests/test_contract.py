"""One test per operation (its findings, each with the check, a curl line and the response), one per property
check, one for status-code coverage. See conftest.py for the options."""
from __future__ import annotations

from typing import Any

import pytest

from apitwin.contract import coverage, runner
from apitwin.contract.profiles import get as profile
from apitwin.contract.properties import PROPERTIES
from apitwin.contract.report import coverage_text
from apitwin.contract.results import Finding, RunResult


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" in metafunc.fixturenames:
        spec = runner.load_spec(profile(metafunc.config.getoption("--api")))
        labels = [label for label, _ in coverage.operations_of(spec)]
        metafunc.parametrize("operation", labels, ids=labels)
    if "property_name" in metafunc.fixturenames:
        metafunc.parametrize("property_name", list(PROPERTIES))


def _explain(findings: list[Finding]) -> str:
    parts = []
    for f in findings:
        parts.append(f"{f.check} ({f.code}, {f.phase}): {f.title}\n{f.message}\n  reproduce: {f.curl}\n"
                     f"  response {f.status}: {f.response[:300]}")
    return "\n\n".join(parts)


def test_operation(contract_run: RunResult, operation: str) -> None:
    findings = [f for f in contract_run.findings_for(operation) if f.phase != "properties"]
    assert not findings, _explain(findings)


def test_property(contract_run: RunResult, property_name: str) -> None:
    failed = [f for f in contract_run.findings if f.check == property_name]
    ran = [o for o in contract_run.properties if o.name == property_name]
    if ran and all(o.skipped for o in ran):
        pytest.skip("; ".join(sorted({o.skipped for o in ran})))
    assert not failed, _explain(failed)


def test_status_code_coverage(contract_run: RunResult, min_coverage: Any) -> None:
    if min_coverage is None:
        pytest.skip(f"no --min-coverage; {contract_run.coverage.percent:.1f} % of documented statuses occurred")
    assert contract_run.coverage.percent >= min_coverage, coverage_text(contract_run)
