"""What every review command reports: findings with a rule id, a severity and a place (file:line + JSON pointer)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

LINT_SEVERITIES = ("error", "warn", "info")
DIFF_LEVELS = ("breaking", "non-breaking", "info")
LINT_CHOICES = (*LINT_SEVERITIES, "off")
DIFF_CHOICES = (*DIFF_LEVELS, "off")
FAIL_ON_CHOICES = (*DIFF_LEVELS, "never")


@dataclass
class Finding:
    rule: str
    severity: str            # lint/drift: error | warn | info; diff: breaking | non-breaking | info
    message: str
    file: str
    line: int | None = None
    pointer: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"oasdiff": "api-removed-without-deprecation"}

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(out.pop("extra"))
        return out


def counts(findings: list[Finding], severities: tuple[str, ...]) -> dict[str, int]:
    return {severity: sum(1 for f in findings if f.severity == severity) for severity in severities}
