"""`apitwin contract` run in process for a test, read back from its JSON report: the one way the contract tests of
plain documents run the tool (examples phase, one example per operation, quiet), so they differ only in the
document, the target and what they include."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apitwin.cli import main


def contract_report(doc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str,
                    include: tuple[str, ...] = ()) -> dict[str, Any]:
    """The run's JSON report, with the command's exit status under "status". `options` go before the report's
    (e.g. "--url", URL, "--no-reset"); each of `include` is one `--include LABEL`."""
    report = tmp_path / "report.json"
    args = ["contract", str(doc), *options, "--max-examples", "1", "--phases", "examples", "-q", "--json", str(report)]
    for label in include:
        args += ["--include", label]
    status = main(args)
    capsys.readouterr()
    data = json.loads(report.read_text())
    data["status"] = status
    return data


def property_outcomes(data: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], list[Any]]:
    """A property's outcomes in a report and the codes of its failures."""
    outcomes = [p for p in data["properties"] if p["name"] == name]
    return outcomes, [f.get("code") for f in data["failures"] if f.get("check") == name]
