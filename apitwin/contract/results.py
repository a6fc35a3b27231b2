"""What a contract run found, in one shape for every consumer (reports, CLI exit code, pytest, the tests): each
distinct failure with the check that caught it, the operation, a reproducing curl line and the response seen;
per-operation counts; which documented status codes occurred."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Finding:
    check: str                    # schemathesis check name (status_code_conformance, ...) or ours (create_round_trip)
    operation: str                # "GET /api/v1/customers/{customer_id}/"
    title: str                    # one line
    message: str = ""             # details, possibly several lines
    curl: str = ""                # reproduces the failing request (follow-up requests on further lines)
    status: int | None = None     # response status seen
    response: str = ""            # response body excerpt
    phase: str = ""               # examples, coverage, fuzzing, stateful, properties, setup
    code: str = ""                # schemathesis failure code (ST101, ...) when it has one

    def key(self) -> tuple[str, str, str]:
        return (self.check, self.operation, self.title)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class OperationStats:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass
class PropertyOutcome:
    """One targeted property check on one operation (or the whole API): how many probes ran, whether it held."""

    name: str
    operation: str
    probes: int = 0
    skipped: str = ""             # why it could not run here (no data, single tenant, ...)
    failed: bool = False


@dataclass
class RunResult:
    api: str
    target: str                   # base URL, or "in-process mock"
    seed: int
    max_examples: int
    phases: list[str]
    findings: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)   # the run itself went wrong for an operation
    operations: dict[str, OperationStats] = field(default_factory=dict)
    properties: list[PropertyOutcome] = field(default_factory=list)
    phase_times: dict[str, float] = field(default_factory=dict)
    phase_status: dict[str, str] = field(default_factory=dict)     # success, failure, error, skipped, ...
    duration: float = 0.0
    hints: str = ""
    coverage: Any = None          # apitwin.contract.coverage.Coverage, filled at the end
    stop_reason: str = "completed"

    @property
    def cases(self) -> int:
        return sum(stats.cases for stats in self.operations.values())

    @property
    def failed(self) -> bool:
        return bool(self.findings or self.errors)

    def add_finding(self, finding: Finding, *, error: bool = False) -> None:
        bucket = self.errors if error else self.findings
        if all(existing.key() != finding.key() for existing in bucket):
            bucket.append(finding)

    def stats(self, operation: str) -> OperationStats:
        return self.operations.setdefault(operation, OperationStats())

    def record_status(self, operation: str, status: int) -> None:
        self.stats(operation).statuses[status] += 1

    def checks_that_failed(self) -> set[str]:
        return {f.check for f in self.findings}

    def findings_for(self, operation: str) -> list[Finding]:
        return [f for f in self.findings + self.errors if f.operation == operation]
