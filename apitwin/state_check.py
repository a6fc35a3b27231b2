"""Checks a state before `PUT /__apitwin/apis/<api>/state` replaces the live one: an import is all-or-nothing and may
only bring in data the API could have produced itself, so no later request trips over it (a 500 or a hang).

The state is loaded into a scratch store first (ids, sequences), then checked as seeding checks data:
- every record the plugin shows (`seed_records`, the same list `apitwin check-drift` uses) must validate against
  its schema in the API's spec — and showing it must not fail;
- the engine's own collections (webhook endpoints and deliveries) against the admin API's schemas;
- the plugin's own rules (`state.check`: accounts, models, references … whatever its seed loader enforces).
"""
from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema_rs

from apitwin.runtime import ApiRuntime
from apitwin.seed_check import document_defining
from apitwin.specs import load_spec
from apitwin.store import Store
from apitwin.webhooks import DELIVERIES, ENDPOINTS

MAX_LISTED = 20
ENGINE_SCHEMAS = {ENDPOINTS: "WebhookEndpoint", DELIVERIES: "Delivery"}


def _validator(cache: dict[str, Any], spec: dict[str, Any], name: str) -> Any:
    if name not in cache:
        root = {"$ref": f"#/components/schemas/{name}", "components": spec.get("components") or {}}
        cache[name] = jsonschema_rs.validator_for(root, validate_formats=True)
    return cache[name]


def _first_error(validator: Any, record: Any) -> str | None:
    error = next(iter(validator.iter_errors(record)), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.instance_path)
    return f"{error.message}" + (f" (at {where})" if where else "")


_ADMIN_VALIDATORS: dict[str, Any] = {}


@functools.cache
def _admin_spec(path: str) -> dict[str, Any]:
    return load_spec(Path(path))


def problems(rt: ApiRuntime, state: dict[str, Any], admin_spec_path: Any) -> list[str]:
    """Everything wrong with `state` for this API ([] when it may be imported). ValueError for a state whose shape
    is not even a state (collections of rows with integer ids)."""
    scratch = Store()
    scratch.load(state)
    trial = replace(rt, store=scratch, webhooks=None, clock=None)
    found: list[str] = []
    cache = rt.extras.setdefault("state_check_validators", {})
    if rt.plugin.tooling.seed_records is not None:
        try:
            for label, schema_name, record in rt.plugin.tooling.seed_records(trial):
                message = _first_error(_validator(cache, document_defining(rt, schema_name) or rt.extras["spec"], schema_name), record)
                if message:
                    found.append(f"{label} does not match {schema_name}: {message}")
        except Exception as exc:  # noqa: BLE001 - data the API cannot even show is the problem to report
            found.append(f"the API cannot show this state: {type(exc).__name__}: {exc}")
    admin_spec = _admin_spec(str(admin_spec_path))
    for collection, schema_name in ENGINE_SCHEMAS.items():
        for row in scratch[collection].filter():
            message = _first_error(_validator(_ADMIN_VALIDATORS, admin_spec, schema_name), row)
            if message:
                found.append(f"{collection} {row.get('id')} does not match {schema_name}: {message}")
    if rt.plugin.state.check is not None:
        try:
            found.extend(rt.plugin.state.check(trial))
        except Exception as exc:  # noqa: BLE001
            found.append(f"the state breaks the API's rules: {type(exc).__name__}: {exc}")
    return found


def summary(found: list[str]) -> list[str]:
    """The messages of a refused import: the first MAX_LISTED problems, then how many more."""
    listed = found[:MAX_LISTED]
    if len(found) > MAX_LISTED:
        listed.append(f"… and {len(found) - MAX_LISTED} more problems.")
    return listed
