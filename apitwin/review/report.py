"""Findings as text for people and machines: human (file:line), JSON, JUnit XML and GitHub workflow annotations.
One shape for lint, diff and drift; only the severity vocabulary differs (error/warn/info or
breaking/non-breaking/info)."""
from __future__ import annotations

import json
from collections import Counter
from typing import Callable
from xml.etree import ElementTree as ET

from apitwin.review.findings import Finding

FORMATS = ("human", "json", "junit", "github")
_GITHUB_LEVEL = {"error": "error", "breaking": "error", "warn": "warning", "non-breaking": "notice",
                 "info": "notice"}
_FAILING = {"error", "breaking", "warn"}


def render(findings: list[Finding], fmt: str, command: str, files: list[str], severities: tuple[str, ...]) -> str:
    renderer: Callable[[list[Finding], str, list[str], tuple[str, ...]], str] = {
        "human": human, "json": as_json, "junit": junit, "github": github}[fmt]
    return renderer(findings, command, files, severities)


def _place(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def summary(findings: list[Finding], severities: tuple[str, ...]) -> dict[str, int]:
    counted = Counter(f.severity for f in findings)
    return {severity: counted.get(severity, 0) for severity in severities}


def human(findings: list[Finding], command: str, files: list[str], severities: tuple[str, ...]) -> str:
    width = max((len(f.severity) for f in findings), default=0)
    lines = []
    for f in findings:
        oasdiff = f.extra.get("oasdiff")
        tail = f"  [oasdiff: {oasdiff}]" if oasdiff and oasdiff != "-" else ""
        lines.append(f"{_place(f)}: {f.severity:<{width}}  {f.rule}  {f.message}{tail}")
    counts = summary(findings, severities)
    totals = ", ".join(f"{n} {severity}" for severity, n in counts.items())
    lines.append(f"apitwin {command}: {' → '.join(files) if command == 'diff' else ', '.join(files)}: {totals}")
    return "\n".join(lines)


def as_json(findings: list[Finding], command: str, files: list[str], severities: tuple[str, ...]) -> str:
    return json.dumps({"tool": "apitwin", "command": command, "files": files,
                       "summary": summary(findings, severities),
                       "findings": [f.as_dict() for f in findings]}, indent=2, ensure_ascii=False)


def junit(findings: list[Finding], command: str, files: list[str], severities: tuple[str, ...]) -> str:
    """One testsuite per file; one testcase per finding (a failure when it is an error, warning or breaking
    change); a file without findings gets one passing testcase, so CI shows what was checked."""
    root = ET.Element("testsuites", name=f"apitwin {command}")
    by_file: dict[str, list[Finding]] = {name: [] for name in files}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    total_failures = 0
    for name, items in by_file.items():
        failures = sum(1 for f in items if f.severity in _FAILING)
        total_failures += failures
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(max(len(items), 1)), failures=str(failures),
                              errors="0", skipped="0")
        if not items:
            ET.SubElement(suite, "testcase", classname=f"apitwin.{command}", name=f"{name}: no findings")
        for f in items:
            case = ET.SubElement(suite, "testcase", classname=f.rule, name=f"{_place(f)} {f.pointer or '/'}")
            if f.severity in _FAILING:
                failure = ET.SubElement(case, "failure", message=f.message, type=f.severity)
                failure.text = f"{_place(f)}: {f.severity} {f.rule}: {f.message}"
            else:
                ET.SubElement(case, "system-out").text = f"{f.severity} {f.rule}: {f.message}"
    root.set("tests", str(sum(max(len(v), 1) for v in by_file.values())))
    root.set("failures", str(total_failures))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Finding], command: str, files: list[str], severities: tuple[str, ...]) -> str:
    """GitHub Actions workflow commands: `::error file=F,line=L,title=RULE::message`."""
    lines = []
    for f in findings:
        props = [f"file={_escape_property(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property(f.rule)}")
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_escape_data(f.message)}")
    return "\n".join(lines)
