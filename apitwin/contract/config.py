"""The schemathesis configuration of a run, in three layers, later wins:

1. the suite's defaults: positive and negative data, fixed seed, no example database (so two runs with the same
   seed send the same requests), health checks off;
2. a `schemathesis.toml` (given with `--config`, or found from the working directory upwards as schemathesis
   itself does): anything schemathesis understands, e.g. `[checks]`, `[phases]`, `[generation]`, `[[operations]]`;
3. the command-line options (`--seed`, `--max-examples`, `--workers`, `--max-time`, `--phases`).

`base-url` is always the target's. The merged dictionary goes through schemathesis' own validation, so a wrong
key is reported the way schemathesis would report it.
"""
from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apitwin.contract.target import SetupError

PHASES = ("examples", "coverage", "fuzzing", "stateful")
DEFAULT_SEED = 0
DEFAULT_MAX_EXAMPLES = 25
DEFAULT_STATEFUL_STEPS = 8


@dataclass
class Options:
    """The knobs a user turns; None means "the config file's value, else the suite's default"."""

    seed: int | None = None
    max_examples: int | None = None
    workers: int | None = None
    max_time: int | None = None
    phases: tuple[str, ...] | None = None
    stateful_steps: int | None = None
    config_file: Path | None = None


def find_config_file(start: Path | None = None) -> Path | None:
    """schemathesis' own rule: `schemathesis.toml` here or in a parent, stopping at a git root."""
    current = (start or Path.cwd()).resolve()
    while True:
        candidate = current / "schemathesis.toml"
        if candidate.is_file():
            return candidate
        if (current / ".git").exists() or current.parent == current:
            return None
        current = current.parent


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif key == "operations" and isinstance(value, list):
            out[key] = list(value) + list(out.get(key, []))    # the file's entries match first
        else:
            out[key] = copy.deepcopy(value)
    return out


def defaults(secret_headers: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "seed": DEFAULT_SEED,
        # Only credentials are masked in reports; generated bodies stay readable so a curl line reproduces the
        # failure (schemathesis would also mask any field whose name contains "password" or "token").
        "output": {"sanitization": {"keys-to-sanitize": sorted({h.lower() for h in secret_headers}
                                                               | {"authorization", "cookie", "set-cookie"}),
                                    "sensitive-markers": ["secret"]}},
        "suppress-health-check": ["all"],
        "generation": {"mode": "all", "max-examples": DEFAULT_MAX_EXAMPLES, "database": "none"},
        "phases": {"stateful": {"max-steps": DEFAULT_STATEFUL_STEPS}},
    }


def load_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SetupError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(f"{path}: not valid TOML: {exc}") from None


def build(options: Options, base_url: str, secret_headers: tuple[str, ...] = ()) -> tuple[dict[str, Any], Path | None]:
    """The merged configuration dictionary and the config file it used (if any)."""
    path = options.config_file or find_config_file()
    if options.config_file is not None and not options.config_file.is_file():
        raise SetupError(f"--config {options.config_file}: no such file")
    data = _merge(defaults(secret_headers), load_file(path) if path else {})
    cli: dict[str, Any] = {"base-url": base_url}
    if options.seed is not None:
        cli["seed"] = options.seed
    if options.max_examples is not None:
        cli["generation"] = {"max-examples": options.max_examples}
    if options.workers is not None:
        cli["workers"] = options.workers
    if options.max_time is not None:
        cli["max-time"] = options.max_time
    if options.stateful_steps is not None:
        cli.setdefault("phases", {})["stateful"] = {"max-steps": options.stateful_steps}
    if options.phases is not None:
        unknown = [p for p in options.phases if p not in PHASES]
        if unknown:
            raise SetupError(f"unknown phase {', '.join(unknown)}; choose from {', '.join(PHASES)}")
        phases = cli.setdefault("phases", {})
        for phase in PHASES:
            phases.setdefault(phase, {})["enabled"] = phase in options.phases
    return _merge(data, cli), path


def to_schemathesis(data: dict[str, Any], path: Path | None) -> Any:
    import schemathesis
    from schemathesis.config import ConfigError

    try:
        return schemathesis.Config.from_dict(data, base_dir=str(path.parent) if path else None)
    except ConfigError as exc:
        where = f"{path}: " if path else ""
        raise SetupError(f"{where}invalid schemathesis configuration: {str(exc).splitlines()[0]}") from None


def enabled_phases(data: dict[str, Any]) -> list[str]:
    phases = data.get("phases", {})
    return [p for p in PHASES if phases.get(p, {}).get("enabled", True)]
