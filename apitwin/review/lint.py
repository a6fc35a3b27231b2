"""`apitwin lint`: open a document, run every rule at the severity the configuration gives it, collect findings."""
from __future__ import annotations

from apitwin.review.config import ReviewConfig
from apitwin.review.findings import Finding
from apitwin.review.loader import Loader
from apitwin.review.openapi import Spec
from apitwin.review.rules import RULES

_ORDER = {"error": 0, "warn": 1, "info": 2}


def lint(target: str, config: ReviewConfig | None = None, loader: Loader | None = None) -> list[Finding]:
    """Findings for one document (raises LoadError when it cannot be read), sorted by file and line."""
    config = config or ReviewConfig()
    spec = Spec.open(target, loader)
    findings: list[Finding] = []
    for rule in RULES.values():
        if config.lint_level(rule.id, rule.level, spec.root.display) == "off" and not config.lint_overrides:
            continue
        try:
            hits = list(rule.check(spec)) if rule.check else []
        except Exception as exc:  # noqa: BLE001 - one rule tripping on an odd document must not hide the others
            hits = [(spec.at(), f"the rule could not finish on this document: {type(exc).__name__}: {exc}")]
        for where, message in hits:
            level = config.lint_level(rule.id, rule.level, where.doc.display, where.pointer)
            if level != "off":
                findings.append(Finding(rule.id, level, message, where.doc.display, where.line, where.pointer))
    findings.sort(key=lambda f: (f.file != spec.root.display, f.file, f.line or 0, _ORDER[f.severity], f.rule))
    return findings
