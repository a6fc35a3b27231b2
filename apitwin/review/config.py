"""Review configuration from the repository: `apitwin.toml`, or `[tool.apitwin]` in `pyproject.toml`.

    [lint.rules]                      # re-level or switch off a rule everywhere: error | warn | info | off
    operation-description = "info"

    [[lint.overrides]]                # only for some files (globs relative to the config file)
    files = ["specs/molgenis_v1.yaml"]
    reason = "why this spec differs"
    rules = { secured-operation-401 = "off" }

    [diff]
    fail-on = "breaking"              # breaking | non-breaking | info | never (the CLI flag wins)
    [diff.rules]                      # breaking | non-breaking | info | off
    response-enum-value-added = "non-breaking"

(`[tool.apitwin.lint.rules]` and so on in pyproject.toml.) A wrong key, rule or level is an error, never ignored.
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from apitwin.review.diff_rules import DIFF_RULES
from apitwin.review.findings import DIFF_CHOICES, FAIL_ON_CHOICES, LINT_CHOICES
from apitwin.review.rules import RULES


class ConfigError(Exception):
    """A configuration that cannot be used; the message is one line."""


@dataclass
class Override:
    files: list[str]
    rules: dict[str, str]
    reason: str = ""


@dataclass
class ReviewConfig:
    path: Path | None = None
    lint_rules: dict[str, str] = field(default_factory=dict)
    lint_overrides: list[Override] = field(default_factory=list)
    diff_rules: dict[str, str] = field(default_factory=dict)
    fail_on: str | None = None

    def lint_level(self, rule_id: str, default: str, display: str, pointer: str = "") -> str:
        """The severity (or "off") of a lint rule for a finding in the file shown as `display`, at `pointer`."""
        level = self.lint_rules.get(rule_id, default)
        for override in self.lint_overrides:
            if rule_id in override.rules and self.matches(override.files, display, pointer):
                level = override.rules[rule_id]
        return level

    def matches(self, patterns: list[str], display: str, pointer: str = "") -> bool:
        """Does a spec (path as given on the command line, or REV:PATH) match one of the globs? A glob may end in
        `#/json/pointer` to cover only that node and what is under it."""
        path = display.split(":", 1)[1] if ":" in display and not Path(display).exists() else display
        candidates = {path.replace("\\", "/")}
        if self.path is not None:
            try:
                candidates.add(Path(path).resolve().relative_to(self.path.parent.resolve()).as_posix())
            except ValueError:
                pass
        for pattern in patterns:
            glob, _, scope = pattern.partition("#")
            if scope and pointer != scope and not pointer.startswith(scope + "/"):
                continue
            if any(fnmatch.fnmatch(c, glob) for c in candidates):
                return True
        return False


def find(start: Path) -> Path | None:
    """The nearest apitwin.toml, or pyproject.toml with a [tool.apitwin] table, from `start` upwards."""
    for directory in [start, *start.parents]:
        if (directory / "apitwin.toml").is_file():
            return directory / "apitwin.toml"
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "apitwin" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                    return pyproject
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
    return None


def load(path: Path | None = None, start: Path | None = None) -> ReviewConfig:
    """The configuration at `path`, or the one found from `start` (cwd) upwards, or the defaults."""
    if path is None:
        path = find((start or Path.cwd()).resolve())
        if path is None:
            return ReviewConfig()
    elif not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        content = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    table = content.get("tool", {}).get("apitwin", {}) if path.name == "pyproject.toml" else content
    return parse(table, path)


def parse(table: dict[str, Any], path: Path) -> ReviewConfig:
    where = path.name
    _keys(table, {"lint", "diff"}, where)
    lint, diff = table.get("lint", {}), table.get("diff", {})
    _keys(lint, {"rules", "overrides"}, f"{where} [lint]")
    _keys(diff, {"rules", "fail-on"}, f"{where} [diff]")
    config = ReviewConfig(path=path)
    config.lint_rules = _levels(lint.get("rules", {}), RULES, LINT_CHOICES, f"{where} [lint.rules]")
    for index, raw in enumerate(_list(lint.get("overrides", []), f"{where} [[lint.overrides]]")):
        at = f"{where} [[lint.overrides]] #{index + 1}"
        _keys(raw, {"files", "rules", "reason"}, at)
        files = raw.get("files")
        if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
            raise ConfigError(f"{at}: `files` must be a non-empty list of globs")
        config.lint_overrides.append(Override(files, _levels(raw.get("rules", {}), RULES, LINT_CHOICES, at),
                                              str(raw.get("reason", ""))))
    config.diff_rules = _levels(diff.get("rules", {}), DIFF_RULES, DIFF_CHOICES, f"{where} [diff.rules]")
    if "fail-on" in diff:
        if diff["fail-on"] not in FAIL_ON_CHOICES:
            raise ConfigError(f"{where} [diff]: fail-on must be one of {', '.join(FAIL_ON_CHOICES)}")
        config.fail_on = diff["fail-on"]
    return config


def _keys(table: Any, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected an array of tables")
    return value


def _levels(table: Any, known: Mapping[str, Any], choices: tuple[str, ...], where: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of rule = level")
    for rule_id, level in table.items():
        if rule_id not in known:
            raise ConfigError(f"{where}: unknown rule {rule_id!r}")
        if level not in choices:
            raise ConfigError(f"{where}: {rule_id} = {level!r}; expected one of {', '.join(choices)}")
    return dict(table)
