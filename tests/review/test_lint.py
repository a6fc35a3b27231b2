"""`apitwin lint`: our two specs are clean (the `make test` gate), every rule fires on a document that breaks it and
stays quiet on one that does not, findings point at file:line (YAML, JSON, other files, git revisions), the
configuration re-levels rules, and the four output formats and exit codes hold."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree as ET

import pytest

from apitwin.cli import main
from apitwin.discovery import discover
from apitwin.review import config as review_config
from apitwin.review.lint import lint
from apitwin.review.loader import Loader, LoadError
from apitwin.review.rules import RULES
from tests.review.helpers import CORPUS, edit, load, write

ROOT = Path(__file__).resolve().parents[2]
BASE = load(CORPUS / "diff" / "base.yaml")          # a clean third-party-style document
PETS = "/paths/~1pets"
PET = "/paths/~1pets~1{petId}"


def rules_of(path: Path, config: review_config.ReviewConfig | None = None) -> list[str]:
    return [f.rule for f in lint(str(path), config)]


# ---------------------------------------------------------------------------------------------------- our specs

# every document a discovered API serves (its extra_specs too), as a path inside the repository
OUR_SPECS = sorted(path.relative_to(ROOT).as_posix() for plugin in discover().values() for path in plugin.spec_files
                   if path.is_relative_to(ROOT))
assert {"specs/partners.yaml", "specs/molgenis_v1.yaml", "specs/molgenis_v2.yaml"} <= set(OUR_SPECS), OUR_SPECS


@pytest.mark.parametrize("spec", OUR_SPECS)
def test_our_specs_have_no_errors_and_no_warnings(spec: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    findings = lint(spec, review_config.load())
    assert [f"{f.file}:{f.line} {f.severity} {f.rule} {f.message}" for f in findings
            if f.severity in ("error", "warn")] == []


@pytest.mark.parametrize("spec", OUR_SPECS)
def test_our_specs_are_clean_far_from_the_repository_config(spec: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed package has no apitwin.toml beside it: the specs' own exceptions must be enough."""
    monkeypatch.chdir(tmp_path)
    assert review_config.find(tmp_path) is None
    findings = lint(str(ROOT / spec), review_config.load())
    assert [f"{f.line} {f.severity} {f.rule}" for f in findings if f.severity in ("error", "warn")] == []


def test_every_exception_in_our_specs_carries_its_reason() -> None:
    found = []

    def visit(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            if "x-apitwin-lint" in node:
                found.append(pointer)
                assert set(node["x-apitwin-lint"]) == {"rules", "reason"}, pointer
                assert str(node["x-apitwin-lint"]["reason"]).strip(), pointer
            for key, value in node.items():
                visit(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, f"{pointer}/{index}")

    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        visit(load(spec), spec.name + "#")
    assert found == ["molgenis_importwizard.yaml#/paths/~1importFile/post",
                     "molgenis_v1.yaml#/components/schemas/Problem"]
    config = review_config.load(ROOT / "apitwin.toml")
    assert all(o.reason.strip() for o in config.lint_overrides)


# ---------------------------------------------------------------------------------------------------- each rule

BREAKS: dict[str, list[dict[str, Any]]] = {
    "oas-schema": [{"op": "remove", "path": "/info/version"}],
    "ref-resolves": [{"op": "set", "path": f"{PET}/get/responses/200/content/application~1json/schema",
                      "value": {"$ref": "#/components/schemas/Nope"}}],
    "example-valid": [{"op": "set", "path": "/components/schemas/Pet/properties/born/examples",
                       "value": ["2020-02-30"]}],
    "default-valid": [{"op": "set", "path": "/components/schemas/Pet/properties/status/default", "value": "lost"}],
    "operation-id": [{"op": "remove", "path": f"{PET}/delete/operationId"}],
    "operation-id-unique": [{"op": "set", "path": f"{PET}/delete/operationId", "value": "getPet"}],
    "operation-summary": [{"op": "remove", "path": f"{PET}/delete/summary"}],
    "operation-description": [{"op": "remove", "path": f"{PET}/delete/description"}],
    "operation-tags": [{"op": "remove", "path": f"{PET}/delete/tags"}],
    "operation-tag-defined": [{"op": "set", "path": f"{PET}/delete/tags", "value": ["animals"]}],
    "operation-success-response": [{"op": "remove", "path": f"{PET}/delete/responses/204"}],
    "operation-error-response": [{"op": "remove", "path": "/paths/~1health/get/responses/400"}],
    "error-response-schema": [{"op": "remove", "path": "/components/responses/NotFound/content"}],
    "secured-operation-401": [{"op": "remove", "path": f"{PET}/delete/responses/401"}],
    "path-params": [{"op": "set", "path": f"{PET}/parameters/0/name", "value": "id"}],
    "parameter-description": [{"op": "remove", "path": f"{PETS}/get/parameters/0/description"}],
    "info-description": [{"op": "remove", "path": "/info/description"}],
    "tag-description": [{"op": "remove", "path": "/tags/0/description"}],
    "servers-defined": [{"op": "remove", "path": "/servers"}],
    "unused-component": [{"op": "set", "path": "/components/schemas/Orphan", "value": {"type": "object"}}],
    "create-operation-links": [{"op": "remove", "path": f"{PETS}/post/responses/201/links"}],
    "link-target": [{"op": "set", "path": f"{PETS}/post/responses/201/links/GetPet/operationId", "value": "nope"}],
    "path-trailing-slash": [{"op": "set", "path": "/paths/~1toys~1", "value": {}}],
    "path-segment-case": [{"op": "set", "path": "/paths/~1pet-toys", "value": {}},
                          {"op": "set", "path": "/paths/~1pet-owners", "value": {}},
                          {"op": "set", "path": "/paths/~1pet_food", "value": {}}],
    "constrained-field": [{"op": "set", "path": "/components/schemas/Pet/properties/email",
                           "value": {"type": "string"}}],
}

# Documents that look close to a violation but are fine: the rule must stay quiet.
KEEPS: dict[str, list[dict[str, Any]]] = {
    "secured-operation-401": [{"op": "remove", "path": f"{PET}/delete/responses/401"},
                              {"op": "set", "path": f"{PET}/delete/security", "value": [{"apiKey": []}, {}]}],
    "operation-error-response": [{"op": "remove", "path": "/paths/~1health/get/responses/400"},
                                 {"op": "set", "path": "/paths/~1health/get/responses/default",
                                  "value": {"$ref": "#/components/responses/BadRequest"}}],
    "constrained-field": [{"op": "set", "path": "/components/schemas/Pet/properties/email",
                           "value": {"type": "string", "format": "email"}},
                          {"op": "set", "path": "/components/schemas/Pet/properties/kind",
                           "value": {"type": "string", "description": "One of `cat` or `dog`.",
                                     "enum": ["cat", "dog"]}}],
    "path-trailing-slash": [{"op": "set", "path": "/paths/~1", "value": {}}],   # the root path has no style
    "path-params": [{"op": "set", "path": f"{PET}/parameters/0/description", "value": "Any id."}],
    "example-valid": [{"op": "set", "path": "/components/schemas/Pet/properties/born/examples",
                       "value": ["2020-02-29"]}],
    "default-valid": [{"op": "set", "path": "/components/schemas/Pet/properties/status/default", "value": "sold"}],
}


def test_the_base_document_is_clean(tmp_path: Path) -> None:
    assert rules_of(write(tmp_path / "base.yaml", BASE)) == []


def test_every_rule_has_a_breaking_case() -> None:
    assert set(BREAKS) == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_rule_fires(rule_id: str, tmp_path: Path) -> None:
    found = rules_of(write(tmp_path / "spec.yaml", edit(BASE, BREAKS[rule_id])))
    assert rule_id in found, found


@pytest.mark.parametrize("rule_id", sorted(KEEPS))
def test_rule_stays_quiet_on_a_legitimate_design(rule_id: str, tmp_path: Path) -> None:
    assert rule_id not in rules_of(write(tmp_path / "spec.yaml", edit(BASE, KEEPS[rule_id])))


def test_constraint_hint_reads_descriptions() -> None:
    from apitwin.review.rules import constraint_hint

    assert constraint_hint("kind", "One of `cat`, `dog`.") == "an enum"
    assert constraint_hint("created_at", "") == "format: date-time"
    assert constraint_hint("consent_date", "") == "format: date"
    assert constraint_hint("name", "The pet's name.") is None


# ---------------------------------------------------------------------------------------------------- locations

def test_findings_point_at_yaml_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "spec.yaml", edit(BASE, BREAKS["example-valid"]))
    [finding] = [f for f in lint(str(path)) if f.rule == "example-valid"]
    line = path.read_text().splitlines()[finding.line - 1]
    assert "2020-02-30" in line or "examples" in line
    assert finding.pointer == "/components/schemas/Pet/properties/born/examples/0"


def test_structural_errors_are_located(tmp_path: Path) -> None:
    path = write(tmp_path / "spec.yaml", edit(BASE, [{"op": "set", "path": f"{PETS}/get/parameters/0/in",
                                                      "value": "body"}]))
    [finding] = [f for f in lint(str(path)) if f.rule == "oas-schema"]
    assert finding.pointer.startswith("/paths/~1pets/get/parameters/0")
    assert "in:" in path.read_text().splitlines()[finding.line - 1] or finding.line > 1


def test_third_party_json_document_is_linted_with_lines() -> None:
    findings = lint(str(CORPUS / "lint" / "petstore-3.0.json"))
    by_rule = {f.rule: f for f in findings}
    # the 3.0 `nullable` tag with `example: null` is valid; the Pets example with a string id is not
    assert by_rule["example-valid"].line == 98
    assert "'one' is not of type 'integer'" in by_rule["example-valid"].message
    assert {f.rule for f in findings if f.severity == "error"} == {"example-valid"}
    assert "unused-component" not in by_rule  # Error is used by the `default` responses


def test_split_document_reports_in_the_file_that_holds_the_node() -> None:
    findings = lint(str(CORPUS / "lint" / "split" / "openapi.yaml"))
    places = {(f.rule, Path(f.file).name, f.line) for f in findings}
    assert ("ref-resolves", "openapi.yaml", 42) in places
    assert ("example-valid", "schemas.yaml", 10) in places       # schema-level example in the other file
    assert ("example-valid", "schemas.yaml", 17) in places       # named example used from the main file


def test_json_lines_and_yaml_dates() -> None:
    from apitwin.review.loader import parse

    data, lines = parse('{\n  "a": [\n    1,\n    {"b": "x"}\n  ]\n}', "x.json")
    assert data == {"a": [1, {"b": "x"}]}
    assert (lines["/a"], lines["/a/0"], lines["/a/1/b"]) == (2, 3, 4)
    data, lines = parse("when: 2019-10-01\n200:\n  ok: yes\n", "x.yaml")
    assert data == {"when": "2019-10-01", "200": {"ok": True}}
    assert lines["/200/ok"] == 3


def test_lint_a_git_revision(tmp_path: Path, git_repo: Callable[..., None]) -> None:
    (tmp_path / "specs").mkdir()
    write(tmp_path / "specs" / "api.yaml", edit(BASE, BREAKS["operation-summary"]))
    git_repo("add", ".")
    git_repo("commit", "-q", "-m", "spec")
    write(tmp_path / "specs" / "api.yaml", BASE)
    findings = lint("main:specs/api.yaml", loader=Loader(tmp_path))
    assert [(f.rule, f.file) for f in findings] == [("operation-summary", "main:specs/api.yaml")]
    assert lint(str(tmp_path / "specs" / "api.yaml")) == []


# ---------------------------------------------------------------------------------------------------- configuration

def test_config_relevels_and_switches_off(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", edit(BASE, BREAKS["operation-summary"] + BREAKS["tag-description"]))
    (tmp_path / "apitwin.toml").write_text('[lint.rules]\noperation-summary = "error"\ntag-description = "off"\n')
    config = review_config.load(start=tmp_path)
    assert [(f.rule, f.severity) for f in lint(str(spec), config)] == [("operation-summary", "error")]


def test_config_override_by_file_and_pointer(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", edit(BASE, BREAKS["unused-component"] + [
        {"op": "set", "path": "/components/schemas/Orphan2", "value": {"type": "object"}}]))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.apitwin.lint]\n[[tool.apitwin.lint.overrides]]\nfiles = ["spec.yaml#/components/schemas/Orphan"]\n'
        'reason = "kept on purpose"\nrules = { unused-component = "off" }\n')
    config = review_config.load(start=tmp_path)
    assert [f.pointer for f in lint(str(spec), config)] == ["/components/schemas/Orphan2"]


def test_document_exception_on_a_node_and_what_is_under_it(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec.yaml", edit(BASE, [
        {"op": "set", "path": "/components/schemas/Orphan", "value": {
            "type": "object", "x-apitwin-lint": {"rules": {"unused-component": "off"}, "reason": "kept"}}},
        {"op": "set", "path": "/components/schemas/Orphan2", "value": {"type": "object"}},
        {"op": "set", "path": "/components/schemas/Orphan3", "value": {
            "type": "object", "x-apitwin-lint": {"rules": {"unused-component": "info"}, "reason": "kept"}}}]))
    assert [(f.pointer, f.severity) for f in lint(str(spec))] == [("/components/schemas/Orphan2", "warn"),
                                                                  ("/components/schemas/Orphan3", "info")]
    # on an ancestor it covers every node under it; the configuration still re-levels on top
    spec = write(tmp_path / "spec.yaml", edit(BASE, BREAKS["unused-component"] + [
        {"op": "set", "path": "/components/x-apitwin-lint", "value": {"rules": {"unused-component": "off"}}}]))
    assert lint(str(spec)) == []
    (tmp_path / "apitwin.toml").write_text('[lint.rules]\nunused-component = "error"\n')
    assert [f.severity for f in lint(str(spec), review_config.load(start=tmp_path))] == ["error"]


@pytest.mark.parametrize(("value", "message"), [
    ({"rules": {"not-a-rule": "off"}}, "unknown rule 'not-a-rule'"),
    ({"rules": {"unused-component": "quiet"}}, "unused-component: expected one of error, warn, info, off"),
    ({"rules": {"unused-component": "off"}, "why": "x"}, "expected {rules: {rule-id: level}, reason: why}"),
    ("off", "expected {rules: {rule-id: level}, reason: why}"),
])
def test_a_wrong_document_exception_is_one_line_and_exit_2(value: Any, message: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    spec = write(tmp_path / "spec.yaml", edit(BASE, [
        {"op": "set", "path": "/components/schemas/Orphan", "value": {"type": "object", "x-apitwin-lint": value}}]))
    assert main(["lint", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"apitwin lint: {spec}:") and "x-apitwin-lint" in err and err.endswith(message), err
    assert "\n" not in err


def test_lint_of_an_api_name_covers_every_document_it_serves(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "molgenis"]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert "molgenis_v1.yaml" in summary and "molgenis_v2.yaml" in summary, summary


@pytest.mark.parametrize(("text", "message"), [
    ("[lint.rules]\nnot-a-rule = \"warn\"\n", "unknown rule 'not-a-rule'"),
    ("[lint.rules]\noperation-summary = \"loud\"\n", "expected one of error, warn, info, off"),
    ("[lint]\nrule = 1\n", "unknown key 'rule'"),
    ("[lint.rules\n", "not valid TOML"),
    ("[[lint.overrides]]\nrules = {}\n", "`files` must be a non-empty list"),
    ("[diff]\nfail-on = \"sometimes\"\n", "fail-on must be one of"),
])
def test_bad_config_is_one_line_and_exit_2(text: str, message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "apitwin.toml").write_text(text)
    spec = write(tmp_path / "spec.yaml", BASE)
    assert main(["lint", str(spec), "--config", str(tmp_path / "apitwin.toml")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


# ---------------------------------------------------------------------------------------------------- CLI, formats

def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write(tmp_path / "clean.yaml", BASE)
    warned = write(tmp_path / "warned.yaml", edit(BASE, BREAKS["operation-summary"]))
    broken = write(tmp_path / "broken.yaml", edit(BASE, BREAKS["example-valid"]))
    empty = tmp_path / "apitwin.toml"
    empty.write_text("")
    assert main(["lint", str(clean), "--config", str(empty)]) == 0
    assert main(["lint", str(warned), "--config", str(empty)]) == 0
    assert main(["lint", str(broken), "--config", str(empty)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:" in out and "error  example-valid" in out


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("openapi: 3.1.0\ninfo: [unclosed\n", "not valid YAML"),
    ('{"openapi": "3.1.0",}', "not valid JSON"),
    ("swagger: '2.0'\n", "not an OpenAPI 3.x document"),
    ("openapi: 2.0.0\n", "is not supported"),
])
def test_unusable_input_is_one_line_and_exit_2(content: str | None, message: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / ("spec.json" if content and content.startswith("{") else "spec.yaml")
    if content is not None:
        path.write_text(content)
    assert main(["lint", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_git_ref_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], git_repo: Callable[..., None]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "nope:specs/api.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin lint: nope:specs/api.yaml:") and err.count("\n") == 1
    with pytest.raises(LoadError):
        Loader(tmp_path).open("main:")


def _formatted(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    spec = write(tmp_path / "spec.yaml", edit(BASE, BREAKS["example-valid"] + BREAKS["operation-summary"]))
    out = tmp_path / "report.out"
    assert main(["lint", str(spec), "--format", fmt, "--output", str(out)]) == 1
    assert capsys.readouterr().out == ""
    return out.read_text()


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = json.loads(_formatted(tmp_path, "json", capsys))
    assert report["command"] == "lint" and report["summary"] == {"error": 1, "warn": 1, "info": 0}
    finding = report["findings"][0]
    assert set(finding) == {"rule", "severity", "message", "file", "line", "pointer"}
    assert isinstance(finding["line"], int)


def test_junit_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = ET.fromstring(_formatted(tmp_path, "junit", capsys))
    assert root.tag == "testsuites" and root.get("failures") == "2"
    cases = root.findall("testsuite/testcase")
    assert {c.get("classname") for c in cases} == {"example-valid", "operation-summary"}
    assert all(c.find("failure") is not None for c in cases)


def test_github_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    error, warning = sorted(_formatted(tmp_path, "github", capsys).splitlines())
    assert error.startswith(f"::error file={tmp_path}/spec.yaml,line=")
    assert ",title=example-valid::example does not match" in error
    assert warning.startswith("::warning file=") and "title=operation-summary::" in warning


def test_github_escapes_message_and_properties() -> None:
    from apitwin.review.findings import Finding
    from apitwin.review.report import github

    text = github([Finding("r", "info", "50%\nnext", "a,b:c.yaml", 3)], "lint", [], ())
    assert text == "::notice file=a%2Cb%3Ac.yaml,line=3,title=r::50%25%0Anext"


def test_human_format_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _formatted(tmp_path, "human", capsys)
    assert text.splitlines()[-1].endswith("1 error, 1 warn, 0 info")
