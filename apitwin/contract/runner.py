"""One contract run: the spec against one implementation, through schemathesis' engine (the same one `st run`
uses: examples, coverage, fuzzing and stateful phases, its checks and ours), then our targeted property checks,
then status-code coverage. The result is a `RunResult`; reports and exit codes are the caller's business.

Order of a run:
    target (in-process mock, an ASGI app, or a base URL) → login (exit 2 when refused or unreachable)
    → back to seed state when the target is resettable → data hints → schemathesis config (defaults < toml < CLI)
    → engine phases, each event turned into counts, findings and progress lines
    → property checks (apitwin.contract.properties) → coverage table
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

from apitwin.contract import (auth, checks, config, coverage, events, exemptions, hints, isolation, profiles,
                              properties)
from apitwin.contract.results import RunResult
from apitwin.contract.target import AppTarget, HttpTarget, SetupError, Target
from apitwin.http_methods import HTTP_METHODS

Progress = Callable[[str], None]


@dataclass
class RunRequest:
    api: str
    url: str | None = None                 # None: our mock, in this process
    app: Any = None                        # an ASGI app to test in this process instead (tests: broken variants)
    username: str | None = None            # default: $APITWIN_CONTRACT_USERNAME, else the profile's
    password: str | None = None
    token: str | None = None               # a ready token instead of logging in
    other_account: tuple[str, str] | None = None   # second tenant for the isolation check
    options: config.Options = field(default_factory=config.Options)
    reset: bool | None = None              # back to seed state (apitwin admin API) before each operation;
                                           # default: on in-process, off for URLs
    run_properties: bool = True
    include: list[str] | None = None       # operation labels ("GET /x") or operationIds; default: all
    progress: Progress | None = None
    tracker: Any = None                    # apitwin.progress.RunProgress: a bar per phase (the CLI at a terminal)
    profile: profiles.Profile | None = None  # a plain document's generic profile (apitwin.contract.generic)
    api_root: str | None = None            # the API root under the URL (default: servers[0] when it is a path)


def _credentials_from(request: RunRequest, profile: profiles.Profile, target: Target) -> auth.Credentials:
    env = os.environ
    username = request.username or env.get("APITWIN_CONTRACT_USERNAME") or profile.login.username
    password = request.password or env.get("APITWIN_CONTRACT_PASSWORD") or profile.login.password
    token = request.token or env.get("APITWIN_CONTRACT_TOKEN")
    return auth.Credentials(target, profile.login, username, password, static_token=token)


def _explicit_headers(request: RunRequest, credentials: auth.Credentials) -> dict[str, str]:
    """A plain document's fixed credential (`--header`) travels as an explicit header, as `st run -H` sends it,
    not through an auth provider: schemathesis then probes auth only where the header is one the operation's
    security declares (an oauth2 bearer beside an apiKey alternative is not stripped by its probes, and a
    provider's header on the probe would make a correct 200 look like ignored auth)."""
    if request.profile is None or not credentials.static_token or request.profile.login.key_scheme is not None:
        return {}
    return credentials.headers()


def _key_auth(profile: profiles.Profile, credentials: auth.Credentials) -> dict[str, Any]:
    """A document's API key sent in the query or a cookie goes to schemathesis as OpenAPI-aware auth for its scheme
    (what `[auth.openapi.NAME]` in schemathesis.toml says): the key is then explicit, so `ignored_auth` probes the
    operation without it and with a wrong one instead of taking the key for generated data, and a negative case
    that drops the key is sent without it (a fixed Cookie header would put it back)."""
    if profile.login.key_scheme is None:
        return {}
    return {"openapi": {profile.login.key_scheme: {"api_key": credentials.token()}}}


def _other_account(request: RunRequest, profile: profiles.Profile, target: Target) -> auth.Credentials | None:
    """The second tenant: as asked, else the mock's seeded one when testing the mock in-process (skipped if that
    app does not know it)."""
    account = request.other_account
    if account is None and os.environ.get("APITWIN_CONTRACT_OTHER_ACCOUNT"):
        name, _, secret = os.environ["APITWIN_CONTRACT_OTHER_ACCOUNT"].partition(":")
        account = (name, secret)
    if account is not None:
        other = auth.Credentials(target, profile.login, account[0], account[1])
        other.token()
        return other
    if target.in_process and profile.other_account is not None:
        other = auth.Credentials(target, profile.login, *profile.other_account)
        try:
            other.token()
        except SetupError:
            return None
        return other
    return None


def build_target(request: RunRequest, profile: profiles.Profile, api_root: str) -> Target:
    if request.url:
        return HttpTarget(request.url, api_root)
    app = request.app
    if app is None:
        from apitwin.app import create_app
        from apitwin.settings import Settings

        app = create_app([profile.name], settings=Settings(seed=0))
    return AppTarget(app, api_root)


def load_spec(profile: profiles.Profile) -> dict[str, Any]:
    with open(profile.spec_file, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def run(request: RunRequest) -> RunResult:
    import schemathesis
    from apitwin.specs import spec_base_path

    progress = request.progress or (lambda line: None)
    profile = request.profile or profiles.get(request.api)
    spec = load_spec(profile)
    api_root = request.api_root if request.api_root is not None else (
        spec_base_path(spec) if str((spec.get("servers") or [{}])[0].get("url", "")).startswith("/") else "")
    target = build_target(request, profile, api_root)
    try:
        settings, config_path = config.build(request.options, target.root_url,
                                             (profile.login.header, profile.login.header.lower()))
        result = RunResult(api=profile.name, target=request.url or "in-process mock", seed=settings["seed"],
                           max_examples=settings["generation"]["max-examples"],
                           phases=config.enabled_phases(settings))
        started = time.monotonic()
        resettable = request.reset if request.reset is not None else target.in_process
        if resettable and not target.reset(profile.name):
            raise SetupError(f"{target.origin} has no apitwin admin API to reset {profile.name!r}; "
                             "drop --reset for servers that are not apitwin mocks")
        credentials = _credentials_from(request, profile, target)
        credentials.token()                                  # fails early: unreachable, bad credentials
        other = _other_account(request, profile, target)
        found = hints.discover(spec, profile, target, credentials.headers(), credentials.params())
        result.hints = found.summary()
        progress(f"apitwin contract {profile.name} → {result.target} (seed {result.seed}, "
                 f"{result.max_examples} examples per operation, phases {', '.join(result.phases)}"
                 + (f", config {config_path}" if config_path else "") + ")")
        progress(f"  data hints: {result.hints}")

        explicit = _explicit_headers(request, credentials)
        if explicit:
            settings = {**settings, "headers": {**(settings.get("headers") or {}), **explicit}}
        key_auth = _key_auth(profile, credentials)
        if key_auth:
            settings = {**settings, "auth": {**(settings.get("auth") or {}), **key_auth}}
        schema = schemathesis.openapi.from_dict(spec, config=config.to_schemathesis(settings, config_path))
        if request.include:
            schema = schema.include(func=lambda ctx: ctx.operation.label in request.include
                                    or ctx.operation.definition.raw.get("operationId") in request.include)
        if target.in_process:
            schema.app = target.app
        if not explicit and not key_auth:
            auth.install(schema, credentials, profile.session_ending)
        hints.install(schema, found)
        operations = _resolved_operations(spec)
        exemptions.install(schema, profile, operations)
        context = checks.RunContext(target=target, credentials=credentials, operations=operations,
                                    matcher=coverage.OperationMatcher(spec), result=result, lock=threading.Lock())
        checks.activate(schema, context)
        workers = schema.config.workers
        if resettable and workers == 1:
            isolation.reset_per_operation(schema, target, profile.name, credentials)
        _quiet_mock_logs()
        try:
            with isolation.serialised_ast_parse() if workers > 1 else contextlib.nullcontext():
                events.drive(schema, result, progress, request.tracker)
        finally:
            checks.deactivate(schema)
            isolation.stop_resetting(schema)
        if request.run_properties and result.stop_reason in ("completed", "max_time", "failure_limit"):
            if resettable:
                target.reset(profile.name)
                for account in (credentials, other):
                    if account is not None:
                        account.renew()
            else:   # the phases may have deleted what the lists held at the start: the properties read them again
                found = hints.discover(spec, profile, target, credentials.headers(), credentials.params())
            phase_start = time.monotonic()
            if request.tracker is not None:
                request.tracker.step("properties")
            properties.run_all(context, profile, spec, found, other, request.include, progress,
                               destructive=resettable)
            if request.tracker is not None:
                request.tracker.end_step()
            result.phase_times["properties"] = time.monotonic() - phase_start
            ran = [o for o in result.properties if not o.skipped]
            result.phase_status["properties"] = ("failure" if any(o.failed for o in ran)
                                                 else "success" if ran else "skipped")
        result.coverage = coverage.compute(spec, result)
        result.duration = time.monotonic() - started
        return result
    finally:
        target.close()


def _resolved_operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from apitwin.specs import operation_index

    by_id = operation_index(spec)
    out = {}
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            if isinstance(operation, dict) and operation.get("operationId") in by_id:
                out[f"{method.upper()} {path}"] = by_id[operation["operationId"]]
    return out


def _quiet_mock_logs() -> None:
    # an in-process mock logs every 4xx (connexion) and every guarded 500 (apitwin); the findings already say it
    logging.getLogger("connexion").setLevel(logging.ERROR)
    logging.getLogger("apitwin").setLevel(logging.CRITICAL)
    logging.getLogger("python_multipart").setLevel(logging.ERROR)
