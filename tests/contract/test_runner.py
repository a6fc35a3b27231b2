"""The contract suite (apitwin.contract) against our own mocks: both APIs in-process with the default settings (the
bounded run `make test` keeps), the same suite over real HTTP (uvicorn on 127.0.0.1), the CLI and the pytest entry
(contract_tests/), the reports and coverage table, and every way a run can refuse to start.

MOLGENIS mock bugs the suite found are expected failures of exactly their operation (xfail strict: fixing the
bug turns them into a failure here, so the mark goes with the fix).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as ET

import pytest

from apitwin.app import create_app
from apitwin.cli import main
from apitwin.contract import auth, config, coverage, exemptions, hints, properties, report, runner
from apitwin.contract.profiles import get as get_profile
from apitwin.contract.results import Finding, RunResult
from apitwin.contract.target import AppTarget, HttpTarget, SetupError
from apitwin.settings import Settings
from tests.receiver import closed_port

PARTNERS = get_profile("partners")
MOLGENIS = get_profile("molgenis")

ROOT = Path(__file__).resolve().parents[2]
MOLGENIS_BUGS: dict[str, str] = {
    # fixed: "POST /login" answered 500 for a non-ASCII password (hmac.compare_digest on str); regression test in
    # tests/molgenis/test_auth_errors.py
}


def _explain(findings: list[Finding]) -> str:
    return "\n".join(f"{f.check} {f.operation}: {f.title}\n  {f.curl}\n  -> {f.status} {f.response[:200]}"
                     for f in findings)


def _labels(profile: Any) -> list[str]:
    return [label for label, _ in coverage.operations_of(runner.load_spec(profile))]


@pytest.fixture(scope="module")
def partners_run() -> RunResult:
    return runner.run(runner.RunRequest(api="partners"))


@pytest.fixture(scope="module")
def molgenis_run() -> RunResult:
    return runner.run(runner.RunRequest(api="molgenis"))


# -- both APIs in-process, default settings -----------------------------------------------------------------------

def test_partners_mock_passes_its_contract(partners_run: RunResult) -> None:
    assert not partners_run.findings and not partners_run.errors, _explain(partners_run.findings + partners_run.errors)
    assert partners_run.stop_reason == "completed"
    assert partners_run.phases == ["examples", "coverage", "fuzzing", "stateful"]
    assert partners_run.cases > 1000
    reached = {label for label, stats in partners_run.operations.items() if any(200 <= s < 300 for s in stats.statuses)}
    assert reached == set(_labels(PARTNERS)), "data hints reach a real resource on every operation"


@pytest.mark.parametrize("operation", [
    pytest.param(label, marks=pytest.mark.xfail(strict=True, reason=MOLGENIS_BUGS[label]))
    if label in MOLGENIS_BUGS else label for label in _labels(MOLGENIS)])
def test_molgenis_operation_passes_its_contract(molgenis_run: RunResult, operation: str) -> None:
    findings = molgenis_run.findings_for(operation)
    assert not findings, _explain(findings)


def test_molgenis_run_has_no_other_failures(molgenis_run: RunResult) -> None:
    labels = set(_labels(MOLGENIS))
    stray = [f for f in molgenis_run.findings + molgenis_run.errors if f.operation not in labels]
    assert not stray, _explain(stray)
    assert molgenis_run.stop_reason == "completed" and molgenis_run.cases > 800


@pytest.mark.parametrize("api", ["partners", "molgenis"])
def test_property_checks_ran_and_held(api: str, partners_run: RunResult, molgenis_run: RunResult) -> None:
    result = partners_run if api == "partners" else molgenis_run
    probed = {o.name for o in result.properties if o.probes}
    expected = {"partners": {"tenant_isolation", "paging_total", "list_filters", "update_round_trip",
                             "anonymous_access"},
                "molgenis": {"paging_total", "query_semantics", "update_round_trip", "delete_removes",
                             "anonymous_access"}}[api]
    assert expected <= probed
    assert not [o for o in result.properties if o.failed]


def test_coverage_table_lists_every_documented_status(partners_run: RunResult) -> None:
    table = partners_run.coverage
    assert [row.operation for row in table.rows] == _labels(PARTNERS)
    customers = next(row for row in table.rows if row.operation == "GET /api/v1/customers/{customer_id}/")
    assert {"200", "400", "401", "404"} <= set(customers.exercised) and customers.server_errors == ["500"]
    assert 85.0 <= table.percent <= 100.0
    assert table.exercised + sum(len(r.missing) for r in table.rows) == table.counted


def test_same_seed_same_requests() -> None:
    def once() -> dict[str, dict[int, int]]:
        result = runner.run(runner.RunRequest(api="partners", include=["GET /api/v1/kits/", "POST /api/v1/customers/"],
                                              options=config.Options(max_examples=5, phases=("coverage", "fuzzing")),
                                              run_properties=False))
        return {label: dict(stats.statuses) for label, stats in result.operations.items()}

    assert once() == once()


def test_workers_share_the_run_without_flaky_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import ast
    import contextlib

    from apitwin.contract import isolation

    original, patched_during_run = ast.parse, []
    serialised = isolation.serialised_ast_parse

    @contextlib.contextmanager
    def spy() -> Any:
        with serialised():
            yield
            patched_during_run.append(ast.parse is not original)

    monkeypatch.setattr(isolation, "serialised_ast_parse", spy)
    result = runner.run(runner.RunRequest(
        api="partners", run_properties=False, include=["GET /api/v1/kits/", "POST /api/v1/customers/",
                                                       "GET /api/v1/events/"],
        options=config.Options(workers=2, max_examples=5, phases=("coverage", "fuzzing"))))
    assert not result.findings and not result.errors, _explain(result.findings + result.errors)
    assert patched_during_run == [True]         # serialised while the workers ran ...
    assert ast.parse is original                # ... and only then


# -- reports ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def failing_run() -> RunResult:
    """A real failing run: the page envelope's `count` counts the page, and a customer's email is dropped."""
    import apitwin_apis.partners.common as common
    import apitwin_apis.partners.customers as customers

    mp = pytest.MonkeyPatch()
    envelope, owned_public = common.envelope, customers.owned_public
    mp.setattr(common, "envelope", lambda results, total, *a, **k: envelope(results, len(results), *a, **k))
    mp.setattr(customers, "owned_public", lambda *a: {k: v for k, v in owned_public(*a).items() if k != "email"})
    try:
        app = create_app(["partners"], settings=Settings(validate_responses=False))
        return runner.run(runner.RunRequest(api="partners", app=app, options=config.Options(max_examples=5),
                                            include=["GET /api/v1/customers/", "GET /api/v1/customers/{customer_id}/"]))
    finally:
        mp.undo()


def test_reports_name_check_operation_curl_and_response(failing_run: RunResult, tmp_path: Path) -> None:
    paths = {fmt: tmp_path / name for fmt, name in report.FILES.items()}
    assert report.write(failing_run, paths) == list(paths.values())
    document = json.loads(paths["json"].read_text())
    assert document["passed"] is False and document["api"] == "partners"
    checks = {f["check"] for f in document["failures"]}
    assert {"paging_total", "response_schema_conformance"} <= checks
    for failure in document["failures"]:
        assert failure["operation"] and failure["curl"].startswith("curl -X ") and failure["status"]
        assert "[Filtered]" in failure["curl"] and "JWT ey" not in failure["curl"]
    assert document["coverage"]["operations"][0]["operation"] == "POST /api/v1/api-token-auth/"

    suite = ET.parse(paths["junit"]).getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) == len(document["failures"])
    failed_case = suite.find("testcase[@name='GET /api/v1/customers/{customer_id}/']")
    failure = failed_case.find("failure") if failed_case is not None else None
    assert failure is not None and "reproduce:\ncurl" in (failure.text or "")

    text = paths["markdown"].read_text()
    assert text.startswith("# Contract run: partners\n\n**FAILED**")
    assert "### 1. `" in text and "Reproduce:" in text and "Response **200**" in text
    assert "## Status-code coverage" in text and "| `GET /api/v1/customers/` |" in text


def test_min_coverage_fails_the_verdict(partners_run: RunResult) -> None:
    assert report.verdict(partners_run, None) == (True, "no failures")
    passed, why = report.verdict(partners_run, 100.0)
    assert not passed and "below --min-coverage 100 %" in why
    root = ET.fromstring(report.junit(partners_run, 100.0))
    assert root.find(".//testcase[@name='status-code coverage']/failure") is not None


# -- the CLI, over real HTTP --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served_partners(serve_for_module: Callable[..., str]) -> str:
    return serve_for_module(create_app(["partners"], settings=Settings(seed=0)))


def test_cli_against_the_mock_over_http(served_partners: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["contract", "partners", "--url", served_partners, "--reset", "--max-examples", "5",
                 "--other-account", "acme:acme-password", "--min-coverage", "60", "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "apitwin contract partners → http://127.0.0.1:" in out and "  coverage  success" in out
    assert "tenant_isolation   success" in out
    assert "apitwin contract partners: PASSED (no failures);" in out
    document = json.loads((tmp_path / "report.json").read_text())
    assert document["passed"] and document["target"] == served_partners and document["cases"] > 300
    assert (tmp_path / "junit.xml").is_file() and (tmp_path / "report.md").is_file()


def test_molgenis_over_http_fails_only_on_its_known_bugs(serve: Callable[..., str]) -> None:
    url = serve(create_app(["molgenis"], settings=Settings(seed=0)))
    result = runner.run(runner.RunRequest(api="molgenis", url=url, reset=True, options=config.Options(max_examples=5)))
    assert result.target.startswith("http://127.0.0.1:") and result.cases > 300
    unexpected = [f for f in result.findings + result.errors if f.operation not in MOLGENIS_BUGS]
    assert not unexpected, _explain(unexpected)


def test_cli_failures_exit_1_with_one_line_per_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       serve: Callable[..., str]) -> None:
    import apitwin_apis.partners.kits as kits

    original = kits.list_kits

    async def list_kits(token_info: dict[str, Any], shipment: Any = None, status: Any = None, page: Any = None,
                        page_size: Any = None) -> Any:
        return await original(token_info, shipment=shipment, page=page, page_size=page_size)
    monkeypatch.setattr(kits, "list_kits", list_kits)
    code = main(["contract", "partners", "--url", serve(create_app(["partners"])), "--include", "GET /api/v1/kits/",
                 "-q", "--max-examples", "3", "--phases", "examples", "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("FAIL list_filters") and "GET /api/v1/kits/ ?status" in out[0]
    assert out[-1].startswith("apitwin contract partners: FAILED (1 failure(s), 0 error(s));")
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize("argv, message", [
    (["--url", "http://127.0.0.1:{closed}"], "cannot connect to http://127.0.0.1:{closed}: connection refused"),
    (["--url", "ftp://example.org"], "--url must start with http:// or https://"),
    (["--password", "wrong"], "login as 'demo' at http://testserver/api/v1/api-token-auth/ failed: 400"),
    (["--config", "/nonexistent/schemathesis.toml"], "--config /nonexistent/schemathesis.toml: no such file"),
    (["--phases", "examples,warp"], "unknown phase warp; choose from examples, coverage, fuzzing, stateful"),
    (["--other-account", "acme:wrong"], "login as 'acme' at http://testserver/api/v1/api-token-auth/ failed: 400"),
])
def test_cli_setup_errors_exit_2_with_one_line(argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    closed = str(closed_port())
    code = main(["contract", "partners", "-q", *[a.replace("{closed}", closed) for a in argv]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("apitwin contract partners: ")
    assert message.replace("{closed}", closed) in err


def test_cli_reset_refused_by_a_server_without_admin_api(capsys: pytest.CaptureFixture[str],
                                                        serve: Callable[..., str]) -> None:
    url = serve(status=404)        # a server, but no apitwin mock
    code = main(["contract", "partners", "--url", url, "--reset", "-q"])
    assert code == 2
    assert "has no apitwin admin API to reset 'partners'" in capsys.readouterr().err


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "stripe"]) == 2          # neither an API nor a document (documents: tests/inferred/)
    assert "unknown API 'stripe' and no such document" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["contract", "partners", "--other-account", "no-colon"])
    assert exc.value.code == 2
    assert "expected USER:PASSWORD" in capsys.readouterr().err


def test_cli_without_schemathesis_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import apitwin.contract

    monkeypatch.setitem(sys.modules, "apitwin.contract.runner", None)
    monkeypatch.delattr(apitwin.contract, "runner", raising=False)
    assert main(["contract", "partners"]) == 2
    assert "pip install 'apitwin[test]'" in capsys.readouterr().err


def test_errors_of_the_run_are_reported_and_fail_it(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def exploding(found: Any, case: Any) -> Any:
        raise RuntimeError("hint source exploded")
    monkeypatch.setattr(hints, "case_strategy", exploding)
    code = main(["contract", "partners", "--include", "GET /api/v1/kits/", "--phases", "fuzzing", "-q",
                 "--max-examples", "3", "--no-properties", "--report-dir", str(tmp_path)])
    assert code == 1
    assert "FAIL error                        GET /api/v1/kits/: Runtime Error" in capsys.readouterr().out
    errors = json.loads((tmp_path / "report.json").read_text())["errors"]
    assert errors[0]["message"] == "RuntimeError: hint source exploded" and errors[0]["phase"] == "fuzzing"


def test_a_fatal_engine_error_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import schemathesis.engine
    from schemathesis.engine import events

    class Stream:
        def execute(self) -> Any:
            yield events.FatalError(exception=RuntimeError("engine broke"))
    monkeypatch.setattr(schemathesis.engine, "from_schema", lambda schema: Stream())
    with pytest.raises(SetupError, match="schemathesis stopped: engine broke"):
        runner.run(runner.RunRequest(api="partners", include=["GET /api/v1/kits/"]))


def test_max_time_stops_generation_early() -> None:
    result = runner.run(runner.RunRequest(api="partners", options=config.Options(max_time=1, max_examples=1000)))
    assert result.stop_reason == "max_time" and not result.findings
    assert report.verdict(result) == (True, "no failures (stopped early: max_time)")
    assert {o.name for o in result.properties if o.probes} >= {"paging_total", "list_filters"}


def test_include_without_links_skips_the_stateful_phase(capsys: pytest.CaptureFixture[str]) -> None:
    result = runner.run(runner.RunRequest(api="partners", include=["GET /api/v1/kits/"], run_properties=False,
                                          options=config.Options(max_examples=2, phases=("stateful",)),
                                          progress=print))
    assert not result.errors and not result.findings
    assert "stateful  skipped  (no links between the selected operations)" in capsys.readouterr().out


# -- schemathesis.toml --------------------------------------------------------------------------------------------

def test_schemathesis_toml_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "schemathesis.toml").write_text('[generation]\nmax-examples = 3\n[phases.coverage]\nenabled = false\n'
                                                '[phases.stateful]\nenabled = false\n')
    monkeypatch.chdir(tmp_path)
    result = runner.run(runner.RunRequest(api="partners", include=["GET /api/v1/kits/"], run_properties=False,
                                          options=config.Options(seed=7)))
    assert result.max_examples == 3 and result.seed == 7
    assert result.phases == ["examples", "fuzzing"]


def test_config_layers_and_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[generation\n")
    with pytest.raises(SetupError, match="not valid TOML"):
        config.build(config.Options(config_file=bad), "http://x")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[generation]\nmax-exampels = 3\n")
    data, path = config.build(config.Options(config_file=unknown, max_examples=4, workers=2, max_time=9), "http://x")
    assert path == unknown and data["generation"]["max-examples"] == 4 and data["workers"] == 2
    with pytest.raises(SetupError, match="invalid schemathesis configuration"):
        config.to_schemathesis(data, path)
    assert config.find_config_file(tmp_path) is None        # no toml here or above before the filesystem root


def test_unreadable_config_file_is_a_setup_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "schemathesis.toml"
    path.write_text("")

    def refuse(self: Path, *args: Any, **kwargs: Any) -> str:
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(SetupError, match="schemathesis.toml: cannot read: Permission denied"):
        config.build(config.Options(config_file=path), "http://x")


# -- auth ---------------------------------------------------------------------------------------------------------

def test_credentials_refresh_before_expiry_and_alternate_prefixes() -> None:
    target = AppTarget(create_app(["partners"], settings=Settings(token_ttl=40)), "")
    creds = auth.Credentials(target, PARTNERS.login, "demo", "demo-password")
    first = creds.token()
    assert creds.logins == 1 and creds.token() == first          # cached while it lives
    assert 0 < creds._expires - time.time() <= 40               # from the JWT's exp
    creds._expires = time.time() + auth.REFRESH_MARGIN - 1      # about to expire
    creds.token()
    assert creds.logins == 2
    values = [creds.headers()["Authorization"].split(" ")[0] for _ in range(4)]
    assert values == ["JWT", "Bearer", "JWT", "Bearer"]
    assert auth._jwt_expiry("not-a-jwt") is None and auth._jwt_expiry("a.!!!.c") is None


def test_static_token_is_used_as_is() -> None:
    target = AppTarget(create_app(["molgenis"]), "/api/v1")
    creds = auth.Credentials(target, MOLGENIS.login, "x", "y", static_token="abc")
    assert creds.token() == "abc" and creds.renew() == "abc" and creds.logins == 0


def test_logout_gets_its_own_login_and_401_refreshes() -> None:
    """MOLGENIS logout revokes the token it is called with; the run's token must survive it."""
    app = create_app(["molgenis"])
    result = runner.run(runner.RunRequest(api="molgenis", app=app, include=["POST /logout", "GET /{entityTypeId}/meta"],
                                          options=config.Options(max_examples=5, phases=("examples", "fuzzing")),
                                          reset=False, run_properties=False))
    assert not result.findings, _explain(result.findings)
    assert result.operations["GET /{entityTypeId}/meta"].statuses[200] > 0
    import schemathesis

    schema = schemathesis.openapi.from_dict(runner.load_spec(MOLGENIS))
    auth.install(schema, auth.Credentials(AppTarget(app, "/api/v1"), MOLGENIS.login, "admin", "admin"), frozenset())
    provider = schema.auth.providers[0]
    assert provider.retry_on == [401] and provider.refresh_interval == 7200 - auth.REFRESH_MARGIN


# -- hints, exemptions, coverage helpers ---------------------------------------------------------------------------

def test_hints_come_from_the_target_and_the_spec() -> None:
    target = AppTarget(create_app(["partners"]), "")
    creds = auth.Credentials(target, PARTNERS.login, "demo", "demo-password")
    found = hints.discover(runner.load_spec(PARTNERS), PARTNERS, target, creds.headers())
    assert found.values["customer_id"][:2] == [319, 320] and found.values["customer"] == found.values["customer_id"]
    assert "cardiometabolic-1" in found.items["order_items"]
    target = AppTarget(create_app(["molgenis"]), "/api/v1")
    creds = auth.Credentials(target, MOLGENIS.login, "admin", "admin")
    found = hints.discover(runner.load_spec(MOLGENIS), MOLGENIS, target, creds.headers())
    items = found.groups["entityTypeId"]["V1_API_Items"]
    assert items == {"id": ["ref1", "ref2", "ref3", "ref4", "ref5"], "attributeName": ["label", "value"]}
    assert "sys_NonExistingEntity" not in found.groups["entityTypeId"]
    anonymous = hints.discover(runner.load_spec(MOLGENIS), MOLGENIS, target, {})
    assert set(anonymous.groups["entityTypeId"]) == {"biobank_Sample", "biobank_Donor", "biobank_Disease"}


def test_hints_leave_negative_cases_alone() -> None:
    import schemathesis
    from hypothesis import given, settings

    schema = schemathesis.openapi.from_dict(runner.load_spec(PARTNERS))
    operation = schema["/api/v1/customers/{customer_id}/"]["GET"]
    known = hints.Hints(values={"customer_id": [987654]})     # a value no generator would produce by itself
    seen: set[tuple[str, bool]] = set()

    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        @given(operation.as_strategy(generation_mode=mode).flatmap(lambda case: hints.case_strategy(known, case)))
        @settings(max_examples=30, database=None, deadline=None)
        def draw(case: Any) -> None:
            seen.add((mode.value, case.path_parameters["customer_id"] == 987654))
        draw()
    assert ("positive", True) in seen and ("positive", False) in seen
    assert ("negative", True) not in seen


def test_business_rules_and_documented_empty_bodies() -> None:
    blank = b'{"errors":[{"message":"must not be blank"}]}'
    assert exemptions.business_rule(MOLGENIS, "login", 400, blank)
    assert not exemptions.business_rule(MOLGENIS, "login", 400, b'{"errors":[{"message":"other"}]}')
    assert not exemptions.business_rule(MOLGENIS, "login", 415, b"must not be blank")
    assert exemptions.business_rule(MOLGENIS, "postEntities", 415,
                               b"Content type '' not supported")
    assert exemptions.business_rule(PARTNERS, "obtainToken", 400, b"anything")
    assert not exemptions.business_rule(PARTNERS, "listKits", 400, b"anything")
    assert exemptions.documented_empty({"responses": {"200": {"x-apitwin-empty-body": True}}}, 200, b"")
    assert not exemptions.documented_empty({"responses": {"200": {"x-apitwin-empty-body": True}}}, 200, b"{}")
    assert not exemptions.documented_empty({"responses": {"200": {}}}, 200, b"")

    class Case:
        def __init__(self, **path: str) -> None:
            self.path_parameters = path
    assert exemptions.control_characters_in_path(Case(id="a%0Ab"))
    assert exemptions.control_characters_in_path(Case(id="\x7f"))
    assert not exemptions.control_characters_in_path(Case(id="caf%C3%A9", e="V1_API_Items"))
    assert exemptions.empty_path_parameter(Case(id=""))                  # /grantOffers/ on the wire
    assert not exemptions.empty_path_parameter(Case(id="0", e="V1_API_Items"))


def test_operation_matcher_prefers_literal_segments() -> None:
    matcher = coverage.OperationMatcher(runner.load_spec(MOLGENIS))
    assert matcher.label("GET", "/V1_API_Items/meta") == "GET /{entityTypeId}/meta"
    assert matcher.label("GET", "/V1_API_Items/ref1") == "GET /{entityTypeId}/{id}"
    assert matcher.label("POST", "/login?x=1") == "POST /login"
    assert matcher.label("PATCH", "/login") is None


def test_round_trip_comparison_allows_documented_normalisation() -> None:
    from apitwin.contract.values import same_value

    assert same_value("2020-01-02", "2020-01-02T00:00:00+00:00")
    assert same_value(" Arya ", "Arya") and same_value("nO", "no")
    assert not same_value("2020-01-02", "2020-01-03T00:00:00+00:00")
    assert not same_value("label1", "label2") and not same_value(1, "1")


def test_http_target_reports_unreachable_servers() -> None:
    target = HttpTarget(f"http://127.0.0.1:{closed_port()}", "/api/v1", timeout=2)
    with pytest.raises(SetupError, match="cannot connect to http://127.0.0.1:[0-9]+: connection refused"):
        target.send("GET", "/x")
    assert target.reset("molgenis") is False
    assert target.root_url.endswith("/api/v1") and HttpTarget("http://h:1/api/v1/", "/api/v1", 1).root_url == \
        "http://h:1/api/v1"


# -- the pytest entry (contract_tests/) ---------------------------------------------------------------------------

def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_pytest_entry_against_a_base_url(served_partners: str, tmp_path: Path) -> None:
    done = _pytest("--api", "partners", "--base-url", served_partners, "--max-examples", "3",
                   "--phases", "examples,coverage", "--min-coverage", "50", "--contract-reports", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "passed" in done.stdout.splitlines()[-1]
    assert json.loads((tmp_path / "report.json").read_text())["passed"]


def test_pytest_entry_stops_with_2_when_the_server_is_down() -> None:
    done = _pytest("--api", "molgenis", "--base-url", f"http://127.0.0.1:{closed_port()}")
    assert done.returncode == 2
    assert "apitwin contract molgenis: cannot connect to http://127.0.0.1:" in done.stdout + done.stderr


def test_properties_are_declared_once_each_with_a_check() -> None:
    assert list(properties.PROPERTIES) == ["tenant_isolation", "paging_total", "list_filters", "query_semantics",
                                           "update_round_trip", "anonymous_access", "crud_round_trip", "parent_scope",
                                           "delete_removes"]
    assert all(rule.check is not None and rule.description for rule in properties.PROPERTIES.values())


def test_an_outcome_names_a_declared_property() -> None:
    checker = object.__new__(properties.Checker)     # the name is checked before anything of the run is used
    with pytest.raises(KeyError, match="'tenant_isolaton' is not declared"):
        checker.outcome("tenant_isolaton", "GET /x")


def test_a_rejected_request_with_an_empty_path_parameter_is_not_reported() -> None:
    """The installed filter drops ST202 for a 4xx when a path parameter is "" (the request went to another path),
    and keeps it for the same answer to a non-empty id."""
    from types import SimpleNamespace

    hooks: dict[str, Any] = {}
    schema = SimpleNamespace(hook=lambda name: lambda fn: hooks.setdefault(name, fn), raw_schema={"openapi": "3.1.0"})
    exemptions.install(schema, PARTNERS, {})
    failure = SimpleNamespace(code=exemptions.POSITIVE_DATA_CODE)
    response = SimpleNamespace(status_code=422, content=b'{"detail": "accountHolderId: This field is required."}')

    def case(value: str) -> Any:
        operation = SimpleNamespace(label="GET /grantOffers/{id}", definition=SimpleNamespace(raw={}))
        return SimpleNamespace(path_parameters={"id": value}, operation=operation, body=None, media_type=None)
    assert hooks["filter_failure"](None, failure, case(""), response) is False
    assert hooks["filter_failure"](None, failure, case("7"), response) is True
