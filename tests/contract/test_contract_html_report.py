"""The contract run's self-contained HTML report, its summary table and its progress bars (apitwin.progress)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from apitwin.cli import main
from apitwin.contract import coverage, report, runner
from apitwin.contract.results import Finding, PropertyOutcome, RunResult

SPEC = {"paths": {
    "/things/": {"get": {"responses": {"200": {}, "401": {}, "500": {}}},
                 "post": {"responses": {"201": {}, "400": {}}}},
    "/things/{id}/": {"get": {"responses": {"200": {}, "404": {}}}},
}}


def failing_result() -> RunResult:
    result = RunResult(api="demo", target="http://127.0.0.1:1", seed=0, max_examples=5,
                       phases=["examples", "coverage"])
    result.record_status("GET /things/", 200)
    result.record_status("GET /things/", 418)                      # undocumented
    result.record_status("GET /things/{id}/", 404)
    result.stats("GET /things/").cases = 7
    result.phase_times = {"examples": 1.25, "coverage": 2.5}
    result.phase_status = {"examples": "failure", "coverage": "success"}
    result.add_finding(Finding(check="status_code_conformance", operation="GET /things/",
                               title="Undocumented HTTP status code", message="Received: 418\n<script>x</script>",
                               curl="curl -X GET 'http://127.0.0.1:1/things/?a=1&b=<2>' -H 'Authorization: [Filtered]'",
                               status=418, response='{"teapot": true}', phase="examples", code="ST102"))
    result.properties = [PropertyOutcome("paging_total", "GET /things/", probes=3),
                         PropertyOutcome("tenant_isolation", "GET /things/", skipped="single tenant")]
    result.coverage = coverage.compute(SPEC, result)
    result.duration = 3.9
    return result


def test_html_report_is_one_self_contained_page() -> None:
    page = report.html_report(failing_result())
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"<script|<link|<img|\bsrc=|@import|url\(", page), "fetches or runs something"
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_html_report_summary_failures_and_coverage() -> None:
    page = report.html_report(failing_result(), min_coverage=90)
    assert '<span class="verdict failed">FAILED</span> 1 failure(s), 0 error(s)' in page
    assert "<th>status-code coverage</th><td>33.3 % (2/6), required 90 %</td>" in page
    assert "<tr><td>examples</td><td>failure</td><td>1.2 s</td></tr>" in page
    # the failure: check, operation, code, the escaped curl reproduction and the response
    assert "<code>status_code_conformance</code> on <code>GET /things/</code>" in page
    assert "(ST102, examples phase)" in page
    assert "curl -X GET &#x27;http://127.0.0.1:1/things/?a=1&amp;b=&lt;2&gt;&#x27;" in page
    assert "Response <b>418</b>" in page and "{&quot;teapot&quot;: true}" in page
    # coverage per operation: occurred, never occurred, undocumented, documented 5xx
    row = re.search(r"<tr><td><code>GET /things/</code></td>.*?</tr>", page).group(0)
    assert "<td>7</td>" in row and "1/2</td>" in row
    assert re.search(r'class="code hit" title="1 response\(s\)">200<', row)
    assert 'class="code miss" title="0 response(s)">401<' in row
    assert 'class="code extra" title="1 response(s)">418<' in row
    assert 'class="code five" title="0 response(s)">500<' in row
    post = re.search(r"<tr><td><code>POST /things/</code></td>.*?</tr>", page).group(0)
    assert "<td>0</td>" in post and "0/2</td>" in post
    assert "<td>paging_total</td><td><code>GET /things/</code></td><td>3</td><td>held</td>" in page
    assert "skipped: single tenant" in page


def test_html_report_of_a_passing_run() -> None:
    result = RunResult(api="demo", target="in-process mock", seed=1, max_examples=2, phases=["examples"])
    result.record_status("GET /things/", 200)
    result.coverage = coverage.compute(SPEC, result)
    page = report.html_report(result)
    assert '<span class="verdict passed">PASSED</span> no failures' in page
    assert "Failures (0)" in page and 'class="failure"' not in page


def test_report_files_include_html(tmp_path: Path) -> None:
    paths = {fmt: tmp_path / name for fmt, name in report.FILES.items()}
    written = report.write(failing_result(), paths)
    assert (tmp_path / "report.html") in written
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")


SMALL_RUN = ["contract", "partners", "--include", "GET /api/v1/trait-panels/", "--phases", "examples,coverage",
             "--max-examples", "2", "--no-properties"]


def test_cli_writes_the_html_report_and_prints_a_summary_table(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*SMALL_RUN, "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.html", "report.json", "report.md"]
    assert "apitwin contract partners:" in out and "status-code coverage" in out
    table = out[out.index("┃ phase"):]
    assert re.search(r"│ examples\s+│\s+success │\s+[\d.]+ │\s+0 │", table)
    assert re.search(r"│ coverage\s+│\s+success │", table) and re.search(r"│ total\s+│\s+success │", table)
    assert out.splitlines()[-1].startswith("apitwin contract partners: PASSED")   # the verdict stays last
    assert "\x1b[" not in out                                                     # no bar off a terminal


def test_cli_html_option_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*SMALL_RUN, "-q", "--html", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    assert "┃ phase" not in out and len(out.splitlines()) == 1                   # -q: the verdict line only


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def step(self, description: str, total: int | None = None) -> None:
        self.calls.append(("step", description, total))

    def advance(self, amount: int = 1) -> None:
        self.calls.append(("advance", amount))

    def end_step(self) -> None:
        self.calls.append(("end",))


def test_run_drives_one_step_per_phase_with_its_operations() -> None:
    tracker = Recorder()
    result = runner.run(runner.RunRequest(
        api="partners", include=["GET /api/v1/trait-panels/", "GET /api/v1/raw-panels/"], tracker=tracker,
        options=runner.config.Options(max_examples=2, phases=("examples", "coverage"))))
    steps = [c for c in tracker.calls if c[0] == "step"]
    assert steps == [("step", "examples", 2), ("step", "coverage", 2), ("step", "properties", None)]
    examples = tracker.calls[tracker.calls.index(("step", "examples", 2)) + 1:]
    assert examples[:3] == [("advance", 1), ("advance", 1), ("end",)]
    assert result.phase_status == {"examples": "success", "coverage": "success", "fuzzing": "skipped",
                                   "stateful": "skipped", "properties": "success"}
