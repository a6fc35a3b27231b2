"""Which APIs this installation can serve: every `apitwin.apis` entry point that names an `ApiPlugin`.

A third-party distribution adds an API (spec, seed data, optional handlers) by declaring, in its pyproject.toml,
`[project.entry-points."apitwin.apis"] myapi = "my_package:PLUGIN"`; the built-in APIs register the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from apitwin.plugin import ApiPlugin

GROUP = "apitwin.apis"


@dataclass(frozen=True)
class PluginProblem:
    """An entry point that could not be used, and why (shown by the CLI instead of a traceback)."""

    entry_point: str
    reason: str

    def __str__(self) -> str:
        return f"API plugin {self.entry_point}: {self.reason}"


def entry_points() -> list[metadata.EntryPoint]:
    """The registered entry points of the group, one per name (the first installed wins, as importlib.metadata
    orders distributions by sys.path)."""
    seen: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=GROUP):
        seen.setdefault(ep.name, ep)
    return list(seen.values())


def load() -> tuple[dict[str, ApiPlugin], list[PluginProblem]]:
    """Every plugin by name, in name order, and the entry points that failed (import error, not an ApiPlugin,
    a name that differs from the entry point's)."""
    found: dict[str, ApiPlugin] = {}
    problems: list[PluginProblem] = []
    for ep in sorted(entry_points(), key=lambda e: e.name):
        label = f"{ep.name} = {ep.value}"
        try:
            plugin = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken third-party plugin must not stop the others
            problems.append(PluginProblem(label, f"cannot be loaded: {type(exc).__name__}: {exc}"))
            continue
        if not isinstance(plugin, ApiPlugin):
            problems.append(PluginProblem(label, f"is a {type(plugin).__name__}, not an apitwin.plugin.ApiPlugin"))
        elif plugin.name != ep.name:
            problems.append(PluginProblem(label, f"names itself {plugin.name!r}; the entry point must use that name"))
        else:
            found[plugin.name] = plugin
    return found, problems


def discover() -> dict[str, ApiPlugin]:
    """Every plugin that loads, by name, in name order (see `load()` for the ones that did not)."""
    return load()[0]
