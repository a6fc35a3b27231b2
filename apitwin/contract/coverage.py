"""Status-code coverage: for every operation of the spec and every status code it documents, whether the run saw
it. A contract suite that never provoked a documented 404 has not tested the 404 contract; this makes that
visible (and `--min-coverage` makes it fail).

5xx codes are listed but not counted: a correct server never answers them to the suite, so their absence is the
goal, not a gap. Undocumented codes that occurred are listed too (their failures are in the findings).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from apitwin.contract.results import RunResult
from apitwin.http_methods import HTTP_METHODS


@dataclass
class Row:
    operation: str
    documented: list[str]                     # as in the spec: "200", "404", "4XX", "default"
    seen: dict[int, int]                      # status → count
    exercised: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    undocumented: list[int] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)   # documented 5xx (not counted)


@dataclass
class Coverage:
    rows: list[Row]

    @property
    def counted(self) -> int:
        return sum(len(r.exercised) + len(r.missing) for r in self.rows)

    @property
    def exercised(self) -> int:
        return sum(len(r.exercised) for r in self.rows)

    @property
    def percent(self) -> float:
        return 100.0 * self.exercised / self.counted if self.counted else 100.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "percent": round(self.percent, 1), "exercised": self.exercised, "counted": self.counted,
            "note": "documented status codes per operation that occurred at least once; 5xx not counted",
            "operations": [{"operation": r.operation, "documented": r.documented, "exercised": r.exercised,
                            "missing": r.missing, "undocumented_seen": r.undocumented,
                            "seen": {str(k): v for k, v in sorted(r.seen.items())}} for r in self.rows],
        }


def _matches(documented: str, status: int) -> bool:
    return documented == str(status) or (documented.upper().endswith("XX") and documented[0] == str(status)[0])


def operations_of(spec: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(label, documented status codes) for every operation, in spec order; labels as schemathesis writes them."""
    out = []
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if isinstance(operation, dict):
                out.append((f"{method.upper()} {path}", [str(code) for code in operation.get("responses", {})]))
    return out


def compute(spec: dict[str, Any], result: RunResult) -> Coverage:
    rows = []
    for label, documented in operations_of(spec):
        stats = result.operations.get(label)
        seen = dict(stats.statuses) if stats else {}
        row = Row(label, documented, seen)
        for code in documented:
            if code == "default":
                continue
            if code.startswith("5"):
                row.server_errors.append(code)
            elif any(_matches(code, status) for status in seen):
                row.exercised.append(code)
            else:
                row.missing.append(code)
        row.undocumented = sorted(s for s in seen if not any(_matches(c, s) for c in documented)
                                  and "default" not in documented)
        rows.append(row)
    return Coverage(rows)


class OperationMatcher:
    """Concrete request path → the spec operation label it belongs to (literal segments win over templates, as
    servers route), for requests the suite sends itself."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._routes: list[tuple[tuple[int, ...], str, re.Pattern[str], str]] = []
        for label, _ in operations_of(spec):
            method, path = label.split(" ", 1)
            pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
            order = tuple(1 if "{" in seg else 0 for seg in path.strip("/").split("/"))
            self._routes.append((order, method, pattern, label))
        self._routes.sort(key=lambda route: route[0])

    def label(self, method: str, path: str) -> str | None:
        path = path.split("?", 1)[0]
        for _, route_method, pattern, label in self._routes:
            if route_method == method.upper() and pattern.match(path):
                return label
        return None
