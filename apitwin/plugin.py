"""What an API contributes to the engine: its spec, its seed data, its error body. Nothing else is API-specific.

Each `handlers/<api>/__init__.py` exposes `PLUGIN = ApiPlugin(...)`, registered as an `apitwin.apis` entry point
(apitwin.discovery), so adding an API never touches `apitwin/`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from apitwin.errors import ApiError

if TYPE_CHECKING:
    from apitwin.runtime import ApiRuntime


@dataclass
class Action:
    """A named admin operation of one API (e.g. move a kit through its lifecycle), with a JSON Schema for its body."""

    summary: str
    run: Callable[["ApiRuntime", dict[str, Any]], Any]
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})


@dataclass
class ApiPlugin:
    name: str                                     # "partners"; also the default mount prefix "/partners"
    title: str
    spec_file: Path                               # absolute path of the OpenAPI document
    mockdata_dir: Path                            # default seed directory (overridable with --data)
    render_error: Callable[[ApiError], dict[str, Any]]
    seed: Callable[["ApiRuntime", Path], None]    # fills runtime.store from a data directory
    auth_challenge: str | None = 'Bearer realm="api"'  # WWW-Authenticate value on 401 (None: no header)
    # operationId → check(body, token_info, problems) for rules beyond the schema; the engine runs it next to
    # schema violations so one answer names every problem (the handler runs it again on valid bodies)
    body_checks: dict[str, Callable[[Any, dict[str, Any], Any], Any]] = field(default_factory=dict)
    lenient_json: bool = False                    # accept Gson-style lenient JSON bodies (apitwin.lenient_json)
    # Webhooks (optional): events inserted into `events_collection` are delivered to the tenant's endpoints.
    events_collection: str | None = None
    tenant_key: str = "_tenant"
    event_shape: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: row
    event_matches: Callable[[dict[str, Any], str], bool] = lambda event, name: event.get("type") == name
    tenants: Callable[["ApiRuntime"], list[str]] = lambda rt: []
    # Admin actions (optional): name → Action, exposed at POST /__apitwin/apis/<api>/actions/<name>
    actions: dict[str, "Action"] = field(default_factory=dict)
    # Simulated clock (optional): called every settings.clock_interval seconds, and by the `tick` action
    tick: Callable[["ApiRuntime"], Any] | None = None
    # Drift check (optional, `apitwin check-drift`): every seeded record as the API shows it, as
    # (label, components/schemas name, record); and auth headers for the smoke run, from a test client
    seed_records: Callable[["ApiRuntime"], Iterable[tuple[str, str, Any]]] | None = None
    smoke_headers: Callable[[Any], dict[str, str]] | None = None
    # Contract suite (optional, `apitwin contract`): a function returning this API's apitwin.contract.profiles.Profile
    contract_profile: Callable[[], Any] | None = None
    response_headers: dict[str, str] = field(default_factory=dict)   # sent with every answer (if not set already)
    json_media_type: str = "application/json"     # e.g. "application/json;charset=UTF-8" (MOLGENIS)
    # json.dumps arguments for this API's bodies, errors included (MOLGENIS: Gson's compact, unescaped output)
    json_style: dict[str, Any] = field(default_factory=dict)
    docs_base: str = ""                           # documented API root inside the spec paths, for printing
    # lines printed by `apitwin serve`; {root} is the API's URL, {username}/{password} the first of `logins`
    # (lines naming them are left out when the seed has no login)
    quickstart: list[str] = field(default_factory=list)
    # the seeded accounts a user can log in with, as (username, password, note), best first: the banner shows
    # only logins that exist, and `serve` warns when there is none
    logins: Callable[["ApiRuntime"], list[tuple[str, str, str]]] | None = None

    @property
    def default_prefix(self) -> str:
        return "/" + self.name


def lazy(target: str) -> Callable[..., Any]:
    """`"package.module:function"` as a hook that imports its module on first call: a plugin's `__init__` stays
    importable without loading its handlers (they import the plugin package themselves)."""
    module_name, _, name = target.partition(":")
    resolved: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not resolved:
            resolved.append(getattr(importlib.import_module(module_name), name))
        return resolved[0](*args, **kwargs)

    call.__qualname__ = call.__name__ = f"lazy({target})"
    return call
