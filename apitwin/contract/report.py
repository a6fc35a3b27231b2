"""A contract run written down four ways: JUnit XML for CI, Markdown and one self-contained HTML page for people,
JSON for machines. Each failure carries the check that caught it, the operation, a curl line that reproduces it and
the response seen; each report ends with the status-code coverage table. Credentials in curl lines read
`[Filtered]`: put your own token there.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from apitwin.contract.coverage import Coverage
from apitwin.contract.results import Finding, RunResult

FILES = {"junit": "junit.xml", "markdown": "report.md", "json": "report.json", "html": "report.html"}


def verdict(result: RunResult, min_coverage: float | None = None) -> tuple[bool, str]:
    """(passed, one line): failures first, then the coverage threshold."""
    coverage: Coverage = result.coverage
    if result.findings or result.errors:
        return False, f"{len(result.findings)} failure(s), {len(result.errors)} error(s)"
    if min_coverage is not None and coverage.percent < min_coverage:
        return False, f"status-code coverage {coverage.percent:.1f} % is below --min-coverage {min_coverage:g} %"
    if result.stop_reason != "completed":
        return True, f"no failures (stopped early: {result.stop_reason})"
    return True, "no failures"


def _details(finding: Finding) -> str:
    lines = [f"check: {finding.check}" + (f" ({finding.code})" if finding.code else ""),
             f"operation: {finding.operation}", f"phase: {finding.phase}", "", finding.title]
    if finding.message:
        lines += ["", finding.message]
    if finding.curl:
        lines += ["", "reproduce:", finding.curl]
    if finding.status is not None:
        lines += ["", f"response {finding.status}:", finding.response]
    return "\n".join(lines)


def junit(result: RunResult, min_coverage: float | None = None) -> str:
    """One testcase per operation (its failures inside), one per property check, one for coverage."""
    suite_name = f"apitwin contract {result.api}"
    root = ET.Element("testsuites", name=suite_name)
    suite = ET.SubElement(root, "testsuite", name=suite_name, time=f"{result.duration:.3f}")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for row in result.coverage.rows:
        case = ET.SubElement(suite, "testcase", classname=f"contract.{result.api}", name=row.operation)
        counts["tests"] += 1
        for finding in result.findings_for(row.operation):
            if finding.phase == "properties":
                continue                  # reported under its property check below
            tag = "error" if finding in result.errors else "failure"
            counts["errors" if tag == "error" else "failures"] += 1
            element = ET.SubElement(case, tag, type=finding.check, message=finding.title)
            element.text = _details(finding)
    for outcome in result.properties:
        case = ET.SubElement(suite, "testcase", classname=f"contract.{result.api}.properties",
                             name=f"{outcome.name}: {outcome.operation}")
        counts["tests"] += 1
        failures = [f for f in result.findings if f.check == outcome.name and f.operation == outcome.operation]
        for finding in failures:
            counts["failures"] += 1
            ET.SubElement(case, "failure", type=finding.check, message=finding.title).text = _details(finding)
        if outcome.skipped and not failures:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=outcome.skipped)
    coverage_case = ET.SubElement(suite, "testcase", classname=f"contract.{result.api}", name="status-code coverage")
    counts["tests"] += 1
    coverage_case.set("time", "0")
    if min_coverage is not None and result.coverage.percent < min_coverage:
        counts["failures"] += 1
        ET.SubElement(coverage_case, "failure", type="coverage",
                      message=f"{result.coverage.percent:.1f} % < {min_coverage:g} %").text = coverage_text(result)
    else:
        ET.SubElement(coverage_case, "system-out").text = coverage_text(result)
    for key, value in counts.items():
        suite.set(key, str(value))
        root.set(key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def coverage_text(result: RunResult) -> str:
    coverage = result.coverage
    lines = [f"{coverage.percent:.1f} % ({coverage.exercised}/{coverage.counted} documented non-5xx status codes)"]
    for row in coverage.rows:
        lines.append(f"{row.operation}: exercised {', '.join(row.exercised) or '-'}; "
                     f"never occurred {', '.join(row.missing) or '-'}")
    return "\n".join(lines)


def _fence(text: str, lang: str = "") -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{lang}\n{text}\n{fence}"


def markdown(result: RunResult, min_coverage: float | None = None) -> str:
    passed, why = verdict(result, min_coverage)
    coverage = result.coverage
    out = [f"# Contract run: {result.api}", "",
           f"**{'PASSED' if passed else 'FAILED'}**: {why}.", "",
           "| | |", "|---|---|",
           f"| target | {result.target} |",
           f"| cases | {result.cases} in {result.duration:.1f} s |",
           f"| seed / examples per operation | {result.seed} / {result.max_examples} |",
           f"| phases | {', '.join(result.phases)} + properties |",
           f"| status-code coverage | {coverage.percent:.1f} % ({coverage.exercised}/{coverage.counted}) |",
           f"| data hints | {result.hints} |", ""]
    if result.findings or result.errors:
        out += ["## Failures", "", "Credentials in the curl lines read `[Filtered]`: put a token of yours there.", ""]
        for number, finding in enumerate(result.findings + result.errors, 1):
            out += [f"### {number}. `{finding.check}` on `{finding.operation}`", "",
                    f"{finding.title}" + (f" ({finding.code}, {finding.phase} phase)" if finding.code else ""), ""]
            if finding.message:
                out += [_fence(finding.message), ""]
            if finding.curl:
                out += ["Reproduce:", "", _fence(finding.curl, "bash"), ""]
            if finding.status is not None:
                out += [f"Response **{finding.status}**:", "", _fence(finding.response or "(empty body)"), ""]
    out += ["## Property checks", "", "| property | operation | probes | result |", "|---|---|---|---|"]
    for outcome in result.properties:
        state = "FAILED" if outcome.failed else (f"skipped: {outcome.skipped}" if outcome.skipped else "held")
        out.append(f"| {outcome.name} | `{outcome.operation}` | {outcome.probes} | {state} |")
    out += ["", "## Status-code coverage", "",
            f"{coverage.percent:.1f} % of the documented status codes occurred ({coverage.exercised} of "
            f"{coverage.counted}; documented 5xx are listed but not counted: a correct server never sends them).", "",
            "| operation | cases | exercised | never occurred | undocumented seen |", "|---|---|---|---|---|"]
    for row in coverage.rows:
        stats = result.operations.get(row.operation)
        out.append(f"| `{row.operation}` | {stats.cases if stats else 0} | {', '.join(row.exercised) or '-'} | "
                   f"{', '.join(row.missing) or '-'} | {', '.join(map(str, row.undocumented)) or '-'} |")
    return "\n".join(out) + "\n"


def as_json(result: RunResult, min_coverage: float | None = None) -> str:
    passed, why = verdict(result, min_coverage)
    document: dict[str, Any] = {
        "tool": "apitwin contract", "api": result.api, "target": result.target, "passed": passed, "verdict": why,
        "seed": result.seed, "max_examples": result.max_examples, "phases": result.phases,
        "cases": result.cases, "duration_seconds": round(result.duration, 3),
        "phase_seconds": {k: round(v, 3) for k, v in result.phase_times.items()},
        "phase_status": result.phase_status,
        "stop_reason": result.stop_reason, "hints": result.hints,
        "failures": [f.as_dict() for f in result.findings], "errors": [f.as_dict() for f in result.errors],
        "properties": [vars(o) for o in result.properties],
        "coverage": result.coverage.as_dict(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


HTML_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 75rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1rem; margin: 0; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid #ddd; padding: .25rem .5rem;
  text-align: left; vertical-align: top; } th { background: #f3f3f3; }
.verdict { display: inline-block; padding: .2rem .6rem; border-radius: 4px; color: #fff; font-weight: 700; }
.passed { background: #2e7d32; } .failed { background: #c62828; }
.failure { border: 1px solid #e0b4b4; border-left: 5px solid #c62828; border-radius: 4px; padding: .6rem 1rem;
  margin: 1rem 0; } .failure p { margin: .4rem 0; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all;
  margin: .3rem 0; }
.code { display: inline-block; font: 12px monospace; padding: 0 .35rem; margin: 1px; border-radius: 3px; }
.hit { background: #c8e6c9; } .miss { background: #ffcdd2; } .extra { background: #ffe0b2; } .five { background: #eee; }
.bar { display: inline-block; width: 8rem; height: .7rem; background: #ffcdd2; vertical-align: middle; }
.bar span { display: block; height: 100%; background: #43a047; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def html_report(result: RunResult, min_coverage: float | None = None) -> str:
    """One self-contained page (inline CSS, no scripts, nothing fetched): summary, failures with their curl
    reproduction and response, property checks, and the status codes each operation did and did not answer."""
    passed, why = verdict(result, min_coverage)
    coverage = result.coverage
    phases = "".join(f"<tr><td>{_e(name)}</td><td>{_e(result.phase_status.get(name, ''))}</td>"
                     f"<td>{seconds:.1f} s</td></tr>" for name, seconds in result.phase_times.items())
    summary = [("target", result.target), ("cases", f"{result.cases} in {result.duration:.1f} s"),
               ("seed / examples per operation", f"{result.seed} / {result.max_examples}"),
               ("failures / errors", f"{len(result.findings)} / {len(result.errors)}"),
               ("status-code coverage", f"{coverage.percent:.1f} % ({coverage.exercised}/{coverage.counted})"
                + (f", required {min_coverage:g} %" if min_coverage is not None else "")),
               ("data hints", result.hints)]
    out = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<title>Contract run: {_e(result.api)}</title><style>{HTML_STYLE}</style></head><body>",
           f"<h1>Contract run: {_e(result.api)}</h1>",
           f"<p><span class=\"verdict {'passed' if passed else 'failed'}\">{'PASSED' if passed else 'FAILED'}</span> "
           f"{_e(why)}</p>",
           "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in summary) + "</table>",
           "<h2>Phases</h2><table><tr><th>phase</th><th>result</th><th>time</th></tr>" + phases + "</table>"]
    failures = result.findings + result.errors
    out.append(f"<h2 id=\"failures\">Failures ({len(failures)})</h2>")
    if failures:
        out.append("<p>Credentials in the curl lines read <code>[Filtered]</code>: put a token of yours there.</p>")
    for number, finding in enumerate(failures, 1):
        parts = [f"<div class=\"failure\" id=\"failure-{number}\"><h3>{number}. <code>{_e(finding.check)}</code> on "
                 f"<code>{_e(finding.operation)}</code></h3>",
                 f"<p>{_e(finding.title)}"
                 + (f" ({_e(finding.code)}, {_e(finding.phase)} phase)" if finding.code
                    else f" ({_e(finding.phase)} phase)" if finding.phase else "") + "</p>"]
        if finding.message:
            parts.append(f"<pre>{_e(finding.message)}</pre>")
        if finding.curl:
            parts.append(f"<p>Reproduce:</p><pre class=\"curl\">{_e(finding.curl)}</pre>")
        if finding.status is not None:
            parts.append(f"<p>Response <b>{finding.status}</b>:</p><pre>{_e(finding.response or '(empty body)')}</pre>")
        out.append("".join(parts) + "</div>")
    out += ["<h2 id=\"coverage\">Status-code coverage per operation</h2>",
            f"<p>{coverage.percent:.1f} % of the documented status codes occurred ({coverage.exercised} of "
            f"{coverage.counted}). <span class=\"code hit\">occurred</span> <span class=\"code miss\">never "
            "occurred</span> <span class=\"code extra\">undocumented, seen</span> <span class=\"code five\">"
            "documented 5xx (not counted: a correct server never sends them)</span></p>",
            "<table><tr><th>operation</th><th>cases</th><th>covered</th><th>status codes</th></tr>"]
    for row in coverage.rows:
        stats = result.operations.get(row.operation)
        counted = len(row.exercised) + len(row.missing)
        share = 100.0 * len(row.exercised) / counted if counted else 100.0
        codes = sorted([("hit", c) for c in row.exercised] + [("miss", c) for c in row.missing]
                       + [("extra", str(c)) for c in row.undocumented] + [("five", c) for c in row.server_errors],
                       key=lambda kind_code: kind_code[1])
        seen = row.seen
        badges = " ".join(f"<span class=\"code {kind}\" title=\"{_e(_times(code, seen))}\">{_e(code)}</span>"
                          for kind, code in codes)
        out.append(f"<tr><td><code>{_e(row.operation)}</code></td><td>{stats.cases if stats else 0}</td>"
                   f"<td><span class=\"bar\"><span style=\"width:{share:.0f}%\"></span></span> "
                   f"{len(row.exercised)}/{counted}</td><td>{badges}</td></tr>")
    out.append("</table>")
    out.append("<h2 id=\"properties\">Property checks</h2><table><tr><th>property</th><th>operation</th><th>probes</th>"
               "<th>result</th></tr>")
    for outcome in result.properties:
        state = "FAILED" if outcome.failed else (f"skipped: {outcome.skipped}" if outcome.skipped else "held")
        out.append(f"<tr><td>{_e(outcome.name)}</td><td><code>{_e(outcome.operation)}</code></td>"
                   f"<td>{outcome.probes}</td><td>{_e(state)}</td></tr>")
    out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _times(code: str, seen: dict[int, int]) -> str:
    count = sum(n for status, n in seen.items() if code == str(status)
                or (code.upper().endswith("XX") and code[0] == str(status)[0]))
    return f"{count} response(s)"


RENDERERS = {"junit": junit, "markdown": markdown, "json": as_json, "html": html_report}


def write(result: RunResult, paths: dict[str, Path], min_coverage: float | None = None) -> list[Path]:
    """Write each requested format ("junit", "markdown", "json") to its path; returns what was written."""
    written = []
    for fmt, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(RENDERERS[fmt](result, min_coverage), encoding="utf-8")
        written.append(path)
    return written
