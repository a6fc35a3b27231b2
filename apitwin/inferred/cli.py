"""Command-line glue: which `serve`/`contract`/`check-drift` targets are document files, and their plugins."""
from __future__ import annotations

import sys
from pathlib import Path

from apitwin.inferred.auth import AuthFileError
from apitwin.inferred.document import DocumentRefused, open_document
from apitwin.inferred.plugin import build, looks_like_document, slug
from apitwin.plugin import ApiPlugin


class Refused(ValueError):
    """Documents that cannot be served; `lines` are the problems, one per line, ready to print."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def plugins_for(targets: list[str], known: set[str], names: list[str] | None = None,
                auth: str | None = None) -> list[str | ApiPlugin]:
    """Each target as a built-in API name (kept) or the plugin of its document (`--name` values name the
    documents in order; otherwise a slug of the title, made unique). Warnings (examples that contradict their
    schemas) go to stderr."""
    names = list(names or [])
    out: list[str | ApiPlugin] = []
    problems: list[str] = []
    taken = set(t for t in targets if t in known)
    for target in targets:
        if target in known or not looks_like_document(target):
            out.append(target)
            continue
        try:
            bundled = open_document(target)
        except DocumentRefused as exc:
            problems += exc.problems
            continue
        name = names.pop(0) if names else slug(bundled.title)
        base, n = name, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        for warning in bundled.warnings:
            print(f"apitwin: warning: {warning}", file=sys.stderr, flush=True)
        try:
            out.append(build(target, name=name, auth_file=Path(auth) if auth else None, bundled=bundled))
        except AuthFileError as exc:
            problems.append(str(exc))
    if problems:
        raise Refused(problems)
    return out
