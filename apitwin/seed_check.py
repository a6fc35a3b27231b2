"""A seed directory given with `--data` is checked against the spec before the server starts: every record the
plugin lists in `seed_records` must validate against its components/schemas entry. A row that breaks the schema
stops the start with every problem named, instead of answering a 500 (ResponseGuard) on each request that shows it.

The packaged seed of each API is checked by `apitwin check-drift` (part of `make test`), so it is not re-checked
on every start.
"""
from __future__ import annotations

from typing import Any

import jsonschema_rs

from apitwin.runtime import ApiRuntime

MAX_LISTED = 20


class SeedRefused(ValueError):
    """The seed cannot be served; `problems` names each reason (one line each)."""

    def __init__(self, where: str, problems: list[str]) -> None:
        shown = problems[:MAX_LISTED] + ([f"... and {len(problems) - MAX_LISTED} more"]
                                         if len(problems) > MAX_LISTED else [])
        super().__init__(f"{where}: seed data the API would not serve:\n  " + "\n  ".join(shown))
        self.problems = problems


def document_defining(rt: ApiRuntime, schema_name: str) -> dict[str, Any] | None:
    """The first of the API's documents whose components define `schema_name` (a record's schema may live in any
    of them: MOLGENIS v2 records in the v2 document); None when none does."""
    for spec, _ in rt.extras["documents"]:
        if schema_name in ((spec.get("components") or {}).get("schemas") or {}):
            return spec
    return None


def problems(rt: ApiRuntime) -> list[str]:
    """Why seeded records do not match their schemas (empty when they all do)."""
    if rt.plugin.tooling.seed_records is None:
        return []
    validators: dict[str, Any] = {}
    found: list[str] = []
    for label, name, record in rt.plugin.tooling.seed_records(rt):
        home = document_defining(rt, name)
        if home is None:
            found.append(f"{label}: the spec has no schema {name}")
            continue
        if name not in validators:
            root = {"$ref": f"#/components/schemas/{name}", "components": home["components"]}
            validators[name] = jsonschema_rs.validator_for(root, validate_formats=True)
        for error in validators[name].iter_errors(record):
            where = "/".join(str(p) for p in error.instance_path)
            found.append(f"{label} does not match {name}{' at ' + where if where else ''}: {error.message}")
    return found
