"""The review subcommands of `apitwin`: `lint`, `diff` and `check-drift` (registered by apitwin/cli.py).

Exit codes: 0 clean; 1 findings at the failing level (lint and drift: any error; diff: `--fail-on`); 2 the input
could not be used (missing file, unparseable document, bad git ref, bad config), said in one line on stderr.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from apitwin.review.findings import DIFF_LEVELS, FAIL_ON_CHOICES, LINT_SEVERITIES, Finding
from apitwin.review.loader import LoadError
from apitwin.review.report import FORMATS, render

COMMANDS = ("lint", "diff", "check-drift")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", "-f", choices=FORMATS, default="human", help="output format (default: human)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lint = sub.add_parser("lint", help="check OpenAPI documents: validity and the review rules")
    lint.add_argument("specs", nargs="+", metavar="SPEC",
                      help="file, git REV:PATH (e.g. main:specs/api.yaml) or the name of an installed API")
    lint.add_argument("--config", type=Path, metavar="FILE", help="apitwin.toml or pyproject.toml (default: found "
                                                                  "from the working directory upwards)")
    _common(lint)

    diff = sub.add_parser("diff", help="classify the changes between two versions of a document")
    diff.add_argument("old", metavar="OLD", help="file or git REV:PATH")
    diff.add_argument("new", metavar="NEW", help="file or git REV:PATH")
    diff.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default=None,
                      help="exit 1 when a change reaches this level (default: config, else never)")
    diff.add_argument("--config", type=Path, metavar="FILE", help="apitwin.toml or pyproject.toml")
    _common(diff)

    drift = sub.add_parser("check-drift", help="check the mock against its spec: handlers, seed data, smoke run")
    drift.add_argument("apis", nargs="*", metavar="API|SPEC", help="API names or spec files (default: all)")
    drift.add_argument("--no-smoke", action="store_true", help="skip the in-process smoke run")
    _common(drift)


def run(args: argparse.Namespace) -> int:
    from apitwin.review import config as review_config   # here: `apitwin serve` need not import the rules

    try:
        if args.command == "lint":
            return _lint(args)
        if args.command == "diff":
            return _diff(args)
        return _drift(args)
    except (LoadError, review_config.ConfigError) as exc:
        print(f"apitwin {args.command}: {exc}", file=sys.stderr)
        return 2


def _emit(args: argparse.Namespace, findings: list[Finding], files: list[str], severities: tuple[str, ...]) -> None:
    text = render(findings, args.format, args.command, files, severities)
    if args.output:
        try:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise LoadError(f"{args.output}: cannot write: {exc.strerror}") from None
    elif text:
        print(text)


def _lint(args: argparse.Namespace) -> int:
    from apitwin.review.lint import lint
    from apitwin.review.loader import Loader

    from apitwin.review import config as review_config

    config = review_config.load(args.config)
    loader = Loader()
    findings: list[Finding] = []
    targets = [spec for target in args.specs for spec in _specs_of(target)]
    for target in targets:
        findings.extend(lint(target, config, loader))
    _emit(args, findings, targets, LINT_SEVERITIES)
    return 1 if any(f.severity == "error" for f in findings) else 0


def _specs_of(target: str) -> list[str]:
    """An installed API's name stands for every document it serves (MOLGENIS: v1 and v2), unless a file of that
    name exists here."""
    if Path(target).exists() or ":" in target:
        return [target]
    from apitwin.discovery import discover

    plugin = discover().get(target)
    return [str(path) for path in plugin.spec_files] if plugin is not None else [target]


def _diff(args: argparse.Namespace) -> int:
    from apitwin.review import config as review_config
    from apitwin.review.diff import diff, reached

    config = review_config.load(args.config)
    findings = diff(args.old, args.new, config)
    _emit(args, findings, [args.old, args.new], DIFF_LEVELS)
    return 1 if reached(findings, args.fail_on or config.fail_on) else 0


def _drift(args: argparse.Namespace) -> int:
    from apitwin.review import drift

    files, findings = drift.run(args.apis, smoke=not args.no_smoke)
    _emit(args, findings, files, LINT_SEVERITIES)
    return 1 if any(f.severity == "error" for f in findings) else 0
