"""`apitwin lint`: open a document, run every rule at the severity the configuration gives it, collect findings."""
from __future__ import annotations

from typing import Any

from apitwin.review.config import ConfigError, ReviewConfig
from apitwin.review.findings import LINT_CHOICES, Finding
from apitwin.review.loader import Document, Loader, join, split
from apitwin.review.openapi import Spec
from apitwin.review.rules import RULES

_ORDER = {"error": 0, "warn": 1, "info": 2}
EXTENSION = "x-apitwin-lint"     # {rules: {rule-id: level}, reason: why}: an exception that travels with the document


def document_level(doc: Document, pointer: str, rule_id: str) -> str | None:
    """The level an `x-apitwin-lint` extension on the node at `pointer` (or an ancestor; the nearest wins) gives a
    rule. A deliberate exception kept in the document holds wherever the document goes (an installed package has
    no apitwin.toml next to it); the review configuration still re-levels on top."""
    tokens, level = split(pointer), None
    for depth in range(len(tokens) + 1):
        try:
            node: Any = doc.node(join("", *tokens[:depth]))
        except KeyError:
            break
        rules = node.get(EXTENSION, {}).get("rules", {}) if isinstance(node, dict) and isinstance(
            node.get(EXTENSION), dict) else {}
        if isinstance(rules, dict) and rules.get(rule_id) in LINT_CHOICES:
            level = rules[rule_id]
    return level


def check_exceptions(doc: Document, node: Any = None, pointer: str = "") -> None:
    """Every `x-apitwin-lint` of a document names known rules and levels and keeps only `rules` and `reason`: a
    wrong one is an error (ConfigError, exit 2), as in apitwin.toml, never silently ignored."""
    node = doc.data if pointer == "" and node is None else node
    if isinstance(node, dict):
        if EXTENSION in node:
            value, where = node[EXTENSION], f"{doc.display}:{doc.line(join(pointer, EXTENSION)) or '?'}: {EXTENSION}"
            shape_ok = isinstance(value, dict) and isinstance(value.get("rules"), dict)
            if not shape_ok or set(value) - {"rules", "reason"}:
                raise ConfigError(f"{where}: expected {{rules: {{rule-id: level}}, reason: why}}")
            for rule_id, level in value["rules"].items():
                if rule_id not in RULES:
                    raise ConfigError(f"{where}: unknown rule {rule_id!r}")
                if level not in LINT_CHOICES:
                    raise ConfigError(f"{where}: {rule_id}: expected one of {', '.join(LINT_CHOICES)}")
        for key, value in node.items():
            check_exceptions(doc, value, join(pointer, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            check_exceptions(doc, value, join(pointer, index))


def lint(target: str, config: ReviewConfig | None = None, loader: Loader | None = None) -> list[Finding]:
    """Findings for one document (raises LoadError when it cannot be read, ConfigError when its own `x-apitwin-lint`
    exceptions are wrong), sorted by file and line."""
    config = config or ReviewConfig()
    spec = Spec.open(target, loader)
    check_exceptions(spec.root)
    findings: list[Finding] = []
    for rule in RULES.values():
        if config.lint_level(rule.id, rule.level, spec.root.display) == "off" and not config.lint_overrides:
            continue
        try:
            hits = list(rule.check(spec)) if rule.check else []
        except Exception as exc:  # noqa: BLE001 - one rule tripping on an odd document must not hide the others
            hits = [(spec.at(), f"the rule could not finish on this document: {type(exc).__name__}: {exc}")]
        for where, message in hits:
            default = document_level(where.doc, where.pointer, rule.id) or rule.level
            level = config.lint_level(rule.id, default, where.doc.display, where.pointer)
            if level != "off":
                findings.append(Finding(rule.id, level, message, where.doc.display, where.line, where.pointer))
    findings.sort(key=lambda f: (f.file != spec.root.display, f.file, f.line or 0, _ORDER[f.severity], f.rule))
    return findings
