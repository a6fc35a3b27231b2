"""`apitwin contract API [--url URL]`: the contract suite against our mock (default, in this process) or any
server (registered by apitwin/cli.py).

Exit codes: 0 passed; 1 contract failures (or coverage below `--min-coverage`); 2 the run could not start
(unknown API, unreachable URL, refused login, bad config), said in one line on stderr.
Credentials: `--username/--password` or `--token`, else $APITWIN_CONTRACT_USERNAME / _PASSWORD / _TOKEN, else the
mock's seeded account. A second account for the tenant isolation check: `--other-account USER:PASSWORD` or
$APITWIN_CONTRACT_OTHER_ACCOUNT.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from apitwin.contract.profiles import profiles

COMMANDS = ("contract",)
DEFAULT_REPORT_DIR = Path("reports") / "contract"


def _account(value: str) -> tuple[str, str]:
    name, sep, secret = value.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected USER:PASSWORD")
    return name, secret


def _phases(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("contract", help="property-based contract tests of a server (default: our mock)",
                            description="Run the spec's contract tests (schemathesis + apitwin's property checks) "
                                        "against the in-process mock or a server at --url.")
    parser.add_argument("api", metavar="API|FILE",
                        help=f"which contract: an API ({', '.join(sorted(profiles()))}) or an OpenAPI 3.0/3.1 "
                             "document (a generic profile built from it)")
    target = parser.add_argument_group("target")
    target.add_argument("--url", help="base URL of the server (host and port; the spec's /api/v1 root is added "
                                      "when missing). Default: the mock, in this process")
    target.add_argument("--username", help="account to log in with (default: $APITWIN_CONTRACT_USERNAME, else the "
                                           "mock's seeded account)")
    target.add_argument("--password", help="its password (default: $APITWIN_CONTRACT_PASSWORD)")
    target.add_argument("--token", help="use this token instead of logging in ($APITWIN_CONTRACT_TOKEN)")
    target.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="credential header for a document's API (e.g. 'Authorization: Bearer T'; default: one "
                             "shaped for its first security scheme)")
    target.add_argument("--auth", metavar="FILE",
                        help="a document's pinned credentials (as for `apitwin serve --auth`): the first is used, "
                             "the in-process mock accepts only these")
    target.add_argument("--other-account", type=_account, metavar="USER:PASSWORD",
                        help="a second tenant, for the tenant isolation check")
    target.add_argument("--reset", action=argparse.BooleanOptionalAction, default=None,
                        help="reset the target to its seed through apitwin's admin API before each operation "
                             "(default: on for the in-process mock, off for --url)")
    run = parser.add_argument_group("generation")
    run.add_argument("--seed", type=int, help="seed (default 0: the same requests every run)")
    run.add_argument("--max-examples", type=int, metavar="N", help="generated cases per operation and phase "
                                                                   "(default 25)")
    run.add_argument("--workers", type=int, metavar="N", help="concurrent workers (default 1; >1 turns off "
                                                              "the per-operation reset)")
    run.add_argument("--max-time", type=int, metavar="SECONDS", help="stop generating after this long")
    run.add_argument("--phases", type=_phases, metavar="LIST",
                     help="comma-separated subset of examples,coverage,fuzzing,stateful (default: all)")
    run.add_argument("--stateful-steps", type=int, metavar="N", help="steps per stateful scenario (default 8)")
    run.add_argument("--include", action="append", metavar="OPERATION",
                     help="only this operation (label 'GET /path' or operationId); repeatable")
    run.add_argument("--no-properties", action="store_true", help="skip apitwin's property checks")
    run.add_argument("--config", type=Path, metavar="FILE",
                     help="schemathesis.toml (default: found from the working directory upwards)")
    out = parser.add_argument_group("reports")
    out.add_argument("--report-dir", type=Path, metavar="DIR",
                     help=f"write junit.xml, report.md, report.json and report.html here "
                          f"(default: {DEFAULT_REPORT_DIR}/<api>)")
    out.add_argument("--junit", type=Path, metavar="FILE", help="JUnit XML to this file instead")
    out.add_argument("--markdown", type=Path, metavar="FILE", help="Markdown report to this file instead")
    out.add_argument("--json", type=Path, metavar="FILE", help="JSON report to this file instead")
    out.add_argument("--html", type=Path, metavar="FILE", help="self-contained HTML report to this file instead")
    out.add_argument("--min-coverage", type=float, metavar="PERCENT",
                     help="fail when less of the documented status codes occurred")
    out.add_argument("--quiet", "-q", action="store_true", help="no progress lines or bars, only the summary")
    out.add_argument("--publish", metavar="URL",
                     help="post the JSON report to the apitwin mock at URL, for its inspector page (/__apitwin/); "
                          "a failed post is reported on stderr and does not change the exit code")
    out.add_argument("--publish-token", metavar="TOKEN",
                     help="admin token of that mock, when it requires one (default: $APITWIN_ADMIN_TOKEN)")


def document_request(args: argparse.Namespace) -> dict[str, Any] | None:
    """RunRequest fields for a document target (None for a built-in API): its generic profile, its root, the
    credential header, and, without --url, the in-process mock of the document accepting only that credential.
    Raises ValueError with the problems, one per line."""
    from apitwin.inferred.plugin import looks_like_document

    if args.api in profiles() or not looks_like_document(args.api):
        return None
    from apitwin.contract.generic import credential_of, profile_for
    from apitwin.inferred.auth import Pins, load_pins
    from apitwin.inferred.document import DocumentRefused, open_document
    from apitwin.inferred.plugin import build, slug
    from apitwin.specs import spec_base_path

    try:
        bundled = open_document(args.api)
        pins = load_pins(Path(args.auth)) if args.auth else None
    except DocumentRefused as exc:
        raise ValueError("\n".join(exc.problems)) from None
    header = None
    for value in args.header:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"--header {value!r}: expected 'NAME: VALUE'")
        header = (name.strip(), text.strip())
    key = None      # an API key sent in the query or a cookie: schemathesis sends it through the scheme
    if header is None:
        credential = credential_of(bundled.data, pins)
        if credential is not None and credential.location in ("query", "cookie"):
            key = credential
        elif credential is not None:
            header = credential.header
    name = slug(bundled.title)
    token = key.value if key is not None else header[1] if header else "-"
    fields: dict[str, Any] = {"api": name, "api_root": spec_base_path(bundled.data), "token": token}
    app = None
    if not args.url:
        from apitwin.app import create_app
        from apitwin.settings import Settings

        if pins is None and header is not None:   # in process, only the contract's credential is accepted
            pins = Pins(secrets={header[1].split(" ", 1)[-1].split("=", 1)[-1]: "contract"},
                        logins={("apitwin", "contract"): "contract"})
        elif pins is None and key is not None:
            pins = Pins(secrets={key.value: "contract"})
        plugin = build(args.api, name=name, bundled=bundled, pins=pins)
        app = create_app([plugin], settings=Settings(seed=0))
        fields["app"] = app
    else:
        plugin = build(args.api, name=name, bundled=bundled)
    fields["profile"] = profile_for(name, bundled.title, plugin.spec_file, bundled.data, header, key)
    return fields


def _report_paths(args: argparse.Namespace) -> dict[str, Path]:
    from apitwin.contract.report import FILES

    explicit = {fmt: getattr(args, fmt) for fmt in FILES if getattr(args, fmt) is not None}
    if explicit and args.report_dir is None:
        return explicit
    directory = args.report_dir or DEFAULT_REPORT_DIR / (args.api if args.api in profiles() else Path(args.api).stem)
    return {fmt: directory / name for fmt, name in FILES.items()} | explicit


def run(args: argparse.Namespace) -> int:
    try:
        from apitwin.contract import config, report, runner
        from apitwin.contract.target import SetupError
    except ImportError as exc:   # schemathesis and hypothesis come with the `test` extra
        print(f"apitwin contract: {exc.name or exc} is not installed; pip install 'apitwin[test]'", file=sys.stderr)
        return 2

    from apitwin.progress import RunProgress

    options = config.Options(seed=args.seed, max_examples=args.max_examples, workers=args.workers,
                             max_time=args.max_time, phases=args.phases, stateful_steps=args.stateful_steps,
                             config_file=args.config)
    with RunProgress(bars=False if args.quiet else None) as tracker:
        try:
            document = document_request(args)
        except ValueError as exc:
            print(f"apitwin contract: {exc}", file=sys.stderr)
            return 2
        if not document and args.api not in profiles():
            print(f"apitwin contract: unknown API {args.api!r} and no such document; known APIs: "
                  f"{', '.join(sorted(profiles()))}", file=sys.stderr)
            return 2
        document = document or {}
        request = runner.RunRequest(api=document.pop("api", args.api), url=args.url, username=args.username, password=args.password,
                                    token=args.token or document.pop("token", None), other_account=args.other_account, options=options,
                                    reset=args.reset, run_properties=not args.no_properties, include=args.include,
                                    progress=None if args.quiet else tracker.line,
                                    tracker=None if args.quiet else tracker, **document)
        try:
            result = runner.run(request)
        except SetupError as exc:
            print(f"apitwin contract {args.api}: {exc}", file=sys.stderr)
            return 2
    written = report.write(result, _report_paths(args), args.min_coverage)
    passed, why = report.verdict(result, args.min_coverage)
    for finding in result.findings + result.errors:
        print(f"FAIL {finding.check:<28} {finding.operation}: {finding.title}")
    coverage = result.coverage
    if not args.quiet:
        tracker.table(f"apitwin contract {args.api}: {result.cases} cases, status-code coverage {coverage.percent:.1f} %",
                      ("phase", "result", "seconds", "failures"), summary_rows(result))
    print(f"apitwin contract {args.api}: {'PASSED' if passed else 'FAILED'} ({why}); {result.cases} cases in "
          f"{result.duration:.1f} s; status-code coverage {coverage.percent:.1f} % "
          f"({coverage.exercised}/{coverage.counted}); reports: {', '.join(str(p) for p in written)}", flush=True)
    if args.publish:
        _publish(result, args)
    return 0 if passed else 1


def _publish(result: Any, args: argparse.Namespace) -> None:
    import json

    from apitwin.contract import publish, report

    try:
        where = publish.publish(json.loads(report.as_json(result, args.min_coverage)), args.publish,
                                args.publish_token)
    except publish.PublishError as exc:
        print(f"apitwin contract {args.api}: report not published: {exc}", file=sys.stderr, flush=True)
        return
    print(f"apitwin contract {args.api}: report published, see {where}", flush=True)


def summary_rows(result: Any) -> list[tuple[str, str, str, str]]:
    """One row per phase that ran (its result, time and distinct failures), then the totals."""
    rows = [(name, result.phase_status.get(name, ""), f"{seconds:.1f}",
             str(sum(1 for f in result.findings + result.errors if f.phase == name)))
            for name, seconds in result.phase_times.items() if result.phase_status.get(name) != "skipped"]
    rows.append(("total", "failure" if result.failed else "success", f"{result.duration:.1f}",
                 str(len(result.findings) + len(result.errors))))
    return rows
