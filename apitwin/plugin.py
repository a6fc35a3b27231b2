"""What an API contributes to the engine, grouped by job. Nothing else is API-specific.

Each `handlers/<api>/__init__.py` exposes `PLUGIN = ApiPlugin(...)`, one frozen expression, registered as an
`apitwin.apis` entry point (apitwin.discovery), so adding an API never touches `apitwin/`. Every hook is a plain
function named as `lazy("module:function")`: the plugin package stays importable without loading its handlers
(they import the package themselves), and a hook is an extension point of one call, like httpx's
`BaseTransport.handle_request`.

Hooks that receive the mounted API get an `apitwin.runtime.ApiRuntime` (typed `Any` here: the runtime holds its
plugin, so the plugin cannot name the runtime without an import circle).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from apitwin.binding import Binding
from apitwin.errors import ApiError

Runtime = Any   # apitwin.runtime.ApiRuntime, see the module docstring


def _read_only(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Action:
    """A named admin operation of one API (e.g. move a kit through its lifecycle), with a JSON Schema for its body."""

    summary: str
    run: Callable[[Runtime, dict[str, Any]], Any]
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})


@dataclass(frozen=True)
class Wire:
    """How the API looks on the wire: its error body, JSON style and media type, fixed headers, accepted input."""

    # error → body, or (body, media type); e.g. MOLGENIS answers unknown paths with problem+json
    render_error: Callable[[ApiError], Any]
    auth_challenge: str | None = 'Bearer realm="api"'   # WWW-Authenticate value on 401 (None: no header)
    json_media_type: str = "application/json"           # e.g. "application/json;charset=UTF-8" (MOLGENIS)
    # json.dumps arguments for this API's bodies, errors included (MOLGENIS: Gson's compact, unescaped output)
    json_style: Mapping[str, Any] = field(default_factory=dict)
    response_headers: Mapping[str, str] = field(default_factory=dict)  # sent with every answer (if not set already)
    lenient_json: bool = False                          # accept Gson-style lenient JSON bodies (apitwin.lenient_json)
    # a JSON `null` body is a value the schema judges (400 when it wants an object); False: it counts as no body,
    # as Spring reads it ("Required request body is missing")
    json_null_is_value: bool = False
    # status of a path holding an encoded control character: 400 as Spring's firewall answers; None: no such rule,
    # the path is routed like any other
    control_path_status: int | None = 400
    # operationId → check(body, token_info, problems) for rules beyond the schema; the engine runs it next to
    # schema violations so one answer names every problem (the handler runs it again on valid bodies)
    body_checks: Mapping[str, Callable[[Any, dict[str, Any], Any], Any]] = field(default_factory=dict)
    # the status line's reason phrase where the server can set it (apitwin.reason_phrase); None: the standard one
    # (MOLGENIS: "" as Tomcat sends it)
    reason_phrase: str | None = None

    def __post_init__(self) -> None:
        for name in ("json_style", "response_headers", "body_checks"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))


def _as_stored(row: dict[str, Any]) -> dict[str, Any]:
    return row


def _event_type_is(event: Any, name: str) -> bool:
    return isinstance(event, dict) and event.get("type") == name


@dataclass(frozen=True)
class Events:
    """Webhooks: rows inserted into `collection` are delivered, shaped, to the endpoints of their tenant."""

    collection: str
    tenants: Callable[[Runtime], list[str]]             # the known tenants (webhook registration checks them)
    tenant_key: str = "_tenant"                         # the row key naming an event's tenant
    shape: Callable[[dict[str, Any]], dict[str, Any]] = _as_stored   # an event as the API shows it
    matches: Callable[[dict[str, Any], str], bool] = _event_type_is   # does an event pass an endpoint's filter
    # the names an endpoint's `event_types` filter may use (registration refuses others with 400); None: any name
    event_types: Callable[[Runtime], Sequence[str]] | None = None


@dataclass(frozen=True)
class Simulation:
    """What the API's own back office does: admin actions (POST /__apitwin/apis/<api>/actions/<name>) and the
    simulated clock's step (called every settings.clock_interval seconds, and by a `tick` action)."""

    actions: Callable[[], Mapping[str, Action]] = dict      # name → Action
    tick: Callable[[Runtime], Any] | None = None


@dataclass(frozen=True)
class Tooling:
    """What the review and contract commands read about the API (all optional)."""

    # `apitwin check-drift`: every seeded record as the API shows it, as (label, components/schemas name, record)
    seed_records: Callable[[Runtime], Iterable[tuple[str, str, Any]]] | None = None
    # `apitwin check-drift` smoke run: auth headers, from a test client
    smoke_headers: Callable[[Any], dict[str, str]] | None = None
    # `apitwin check-drift` smoke run: query parameters every call carries (an API key sent in the query)
    smoke_params: Callable[[Any], dict[str, str]] | None = None
    # `apitwin contract`: this API's apitwin.contract.profiles.Profile
    contract_profile: Callable[[], Any] | None = None
    # `apitwin serve` banner: the seeded accounts a user can log in with, as (username, password, note), best first;
    # the banner shows only logins that exist (quickstart lines naming {username}/{password} are left out without
    # one), and `serve` warns when there is none
    logins: Callable[[Runtime], list[tuple[str, str, str]]] | None = None


@dataclass(frozen=True)
class StatePolicy:
    """What the admin API's state export/import must know beyond the schemas (all optional)."""

    # the API's own rules for a whole state (what its seed loader enforces), as a list of problems ([] = importable);
    # called on a scratch runtime holding the state (apitwin.state_check)
    check: Callable[[Runtime], list[str]] | None = None
    # secrets in the API's state (collection -> dotted field paths), masked in exports without the admin token
    secret_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "secret_fields", _read_only(self.secret_fields))


@dataclass(frozen=True)
class ApiPlugin:
    name: str                                   # "partners"; also the default mount prefix "/partners"
    title: str
    spec_file: Path                             # absolute path of the OpenAPI document
    mockdata_dir: Path                          # default seed directory (overridable with --data)
    seed: Callable[[Runtime, Path], None]       # fills runtime.store from a data directory
    wire: Wire
    # Further documents of the same API (e.g. its next version), each served at its own documented root from this
    # API's one runtime: same store, seed, settings and error shape. operationIds must differ across documents.
    extra_specs: tuple[Path, ...] = ()
    # operationIds (API names) → handlers, security schemes → token checks (apitwin.binding): the documents carry
    # no Python; `Binding.unbound` takes the operations the map does not name
    binding: Binding = Binding()
    events: Events | None = None                # None: the API has no webhooks
    simulation: Simulation = Simulation()
    tooling: Tooling = Tooling()
    state: StatePolicy = StatePolicy()
    docs_base: str = ""                         # documented API root inside the spec paths, for printing
    # lines printed by `apitwin serve`; {root} is the API's URL, {username}/{password} the first of `logins`
    quickstart: tuple[str, ...] = ()

    @property
    def default_prefix(self) -> str:
        return "/" + self.name

    @property
    def spec_files(self) -> tuple[Path, ...]:
        """Every document this API serves, the main one first."""
        return (self.spec_file, *self.extra_specs)


def lazy(target: str) -> Callable[..., Any]:
    """`"package.module:function"` as a hook that imports its module on first call. The function is looked up on
    every call, so replacing it in its module (a test's monkeypatch) takes effect as for any other caller."""
    module_name, _, name = target.partition(":")
    if not module_name or not name:
        raise ValueError(f"lazy({target!r}): expected 'package.module:function'")
    modules: list[Any] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not modules:
            modules.append(importlib.import_module(module_name))
        return getattr(modules[0], name)(*args, **kwargs)

    call.__qualname__ = call.__name__ = f"lazy({target})"
    return call
