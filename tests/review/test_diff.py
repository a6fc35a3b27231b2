"""`apitwin diff`: the corpus of change pairs (tests/review/corpus/diff/cases.yaml) gets exactly the expected
verdicts, each verdict names the oasdiff check for the same change, git revisions work as inputs (with files they
reference), and `--fail-on`, the output formats and the error paths behave."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as ET

import pytest

from apitwin.cli import main
from apitwin.review import config as review_config
from apitwin.review.diff import diff, reached
from apitwin.review.diff_rules import DIFF_RULES
from apitwin.review.loader import Loader
from tests.review.helpers import CORPUS, edit, load, write

BASE = load(CORPUS / "diff" / "base.yaml")
CASES: list[dict[str, Any]] = load(CORPUS / "diff" / "cases.yaml")


def pair(tmp_path: Path, case: dict[str, Any]) -> tuple[Path, Path]:
    return (write(tmp_path / "old.yaml", edit(BASE, case.get("old", []))),
            write(tmp_path / "new.yaml", edit(BASE, case["new"])))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_change_pair(case: dict[str, Any], tmp_path: Path) -> None:
    old, new = pair(tmp_path, case)
    findings = diff(str(old), str(new))
    assert sorted(f.rule for f in findings) == sorted(case["expect"]), [f.message for f in findings]
    for finding in findings:
        assert finding.severity == DIFF_RULES[finding.rule].level
        assert finding.line and finding.file in (str(old), str(new))
        assert (finding.file == str(old)) == finding.rule.endswith(("-removed", "-removed-deprecated"))


@pytest.mark.parametrize("case", [c for c in CASES if c["expect"] and c.get("oasdiff")], ids=lambda c: c["id"])
def test_verdict_names_the_oasdiff_check(case: dict[str, Any], tmp_path: Path) -> None:
    """The oasdiff check id its docs give for this change is recorded on the rule that reports it, and the finding
    names exactly that one id (not the rule's whole family)."""
    recorded = {oid.split(" ")[0] for rule in case["expect"] for oid in DIFF_RULES[rule].extra["oasdiff"].split(", ")}
    assert case["oasdiff"] in recorded, (case["oasdiff"], recorded)
    old, new = pair(tmp_path, case)
    named = [f.extra["oasdiff"] for f in diff(str(old), str(new))]
    assert case["oasdiff"] in named, named
    assert all(re.fullmatch(r"[a-z-]+", oid) for oid in named), named


def test_every_rule_has_a_change_pair() -> None:
    covered = {rule for case in CASES for rule in case["expect"]}
    assert covered == set(DIFF_RULES)


def test_an_unchanged_document_has_no_changes(tmp_path: Path) -> None:
    path = write(tmp_path / "same.yaml", BASE)
    assert diff(str(path), str(path)) == []
    assert diff(str(CORPUS / "lint" / "petstore-3.0.json"), str(CORPUS / "lint" / "petstore-3.0.json")) == []


def test_direction_decides(tmp_path: Path) -> None:
    """The same edit (a new enum value) breaks a response and widens a request."""
    case = next(c for c in CASES if c["id"] == "response enum value added")
    old, new = pair(tmp_path, case)
    assert {f.severity for f in diff(str(old), str(new))} == {"breaking"}
    case = next(c for c in CASES if c["id"] == "parameter enum value added")
    old, new = pair(tmp_path, case)
    assert {f.severity for f in diff(str(old), str(new))} == {"non-breaking"}


def test_recursive_schemas_terminate(tmp_path: Path) -> None:
    tree = edit(BASE, [{"op": "set", "path": "/components/schemas/Pet/properties/parent",
                        "value": {"$ref": "#/components/schemas/Pet"}}])
    changed = edit(tree, [{"op": "set", "path": "/components/schemas/Pet/properties/status/enum",
                           "value": ["available"]}])
    findings = diff(str(write(tmp_path / "a.yaml", tree)), str(write(tmp_path / "b.yaml", changed)))
    assert {f.rule for f in findings} == {"response-enum-narrowed"}


def test_config_relevels_a_rule(tmp_path: Path) -> None:
    case = next(c for c in CASES if c["id"] == "response enum value added")
    old, new = pair(tmp_path, case)
    (tmp_path / "apitwin.toml").write_text('[diff.rules]\nresponse-enum-widened = "non-breaking"\n')
    config = review_config.load(start=tmp_path)
    assert {f.severity for f in diff(str(old), str(new), config)} == {"non-breaking"}
    (tmp_path / "apitwin.toml").write_text('[diff.rules]\nresponse-enum-widened = "off"\n')
    assert diff(str(old), str(new), review_config.load(start=tmp_path)) == []


def test_fail_on_levels() -> None:
    from apitwin.review.findings import Finding

    info = [Finding("description-changed", "info", "m", "f")]
    assert not reached(info, "breaking") and not reached(info, "non-breaking") and reached(info, "info")
    assert not reached([Finding("x", "breaking", "m", "f")], "never") and not reached(info, None)


# ---------------------------------------------------------------------------------------------------- git and CLI

@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_repo: Callable[..., None]) -> Path:
    """A git repository whose `main` holds specs/api.yaml (the base document) and a split document."""
    (tmp_path / "specs").mkdir()
    write(tmp_path / "specs" / "api.yaml", BASE)
    for name in ("openapi.yaml", "schemas.yaml"):
        (tmp_path / "specs" / name).write_text((CORPUS / "lint" / "split" / name).read_text())
    (tmp_path / "apitwin.toml").write_text("")
    git_repo("add", ".")
    git_repo("commit", "-q", "-m", "v1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_diff_against_a_git_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in CASES if c["id"] == "parameter became required")
    write(repo / "specs" / "api.yaml", edit(BASE, case["new"]))
    assert main(["diff", "main:specs/api.yaml", "specs/api.yaml"]) == 0
    out = capsys.readouterr().out
    assert "specs/api.yaml:" in out and "breaking  parameter-became-required" in out
    assert "[oasdiff: request-parameter-became-required]" in out
    assert main(["diff", "main:specs/api.yaml", "specs/api.yaml", "--fail-on", "breaking"]) == 1
    assert main(["diff", "main:specs/api.yaml", "main:specs/api.yaml", "--fail-on", "info"]) == 0
    (repo / "apitwin.toml").write_text('[diff]\nfail-on = "breaking"\n')
    assert main(["diff", "main:specs/api.yaml", "specs/api.yaml"]) == 1
    assert main(["diff", "main:specs/api.yaml", "specs/api.yaml", "--fail-on", "never"]) == 0


def test_git_revision_follows_references_into_other_files(repo: Path) -> None:
    schemas = repo / "specs" / "schemas.yaml"
    schemas.write_text(schemas.read_text().replace("    title: {type: string}\n", ""))
    findings = diff("main:specs/openapi.yaml", "specs/openapi.yaml", loader=Loader(repo))
    assert [(f.rule, f.file) for f in findings] == [("response-property-removed", "main:specs/schemas.yaml")]


@pytest.mark.parametrize("args", [["nope:specs/api.yaml", "specs/api.yaml"], ["main:specs/gone.yaml",
                                  "specs/api.yaml"], ["main:specs/api.yaml", "missing.yaml"]])
def test_bad_inputs_are_one_line_and_exit_2(repo: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin diff: ") and err.count("\n") == 1 and "Traceback" not in err


def test_output_formats(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in CASES if c["id"] == "security alternative added")
    write(repo / "specs" / "api.yaml", edit(BASE, case["new"] + [{"op": "remove", "path": "/paths/~1owners"}]))
    assert main(["diff", "main:specs/api.yaml", "specs/api.yaml", "-f", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == {"breaking": 0, "non-breaking": 4, "info": 1}
    assert {f["oasdiff"] for f in report["findings"]} == {"api-global-security-added",
                                                          "api-path-removed-with-deprecation"}
    assert main(["diff", "main:specs/api.yaml", "specs/api.yaml", "-f", "github"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("::notice file=") for line in lines) and len(lines) == 5
    assert main(["diff", "main:specs/api.yaml", "specs/api.yaml", "-f", "junit"]) == 0
    root = ET.fromstring(capsys.readouterr().out)
    assert root.get("failures") == "0" and len(root.findall("testsuite/testcase")) == 5
