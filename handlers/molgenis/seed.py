"""Fills a fresh MOLGENIS store from a seed directory: the model, every row (built and validated as a create
request would be), the accounts and the grants. A seed the API itself would refuse stops the start with every
problem listed, instead of serving data no client could have written."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from apitwin.store import Store
from apitwin_apis.molgenis.model_store import save_model
from apitwin_apis.molgenis.seed_loader import load_model, load_rows, load_security, populate


def load_runtime(rt: Any, data_dir: Path | str) -> None:
    """The plugin's seed hook."""
    load(rt.store, Path(data_dir))


def load(store: Store, data_dir: Path) -> None:
    if not data_dir.is_dir():
        raise ValueError(f"MOLGENIS seed directory {data_dir} does not exist")
    try:
        model = load_model(data_dir).freeze()          # only read from here on: lookups memoised
    except (TypeError, KeyError, AttributeError, yaml.YAMLError) as exc:   # unknown keys, wrong shapes, bad YAML
        raise ValueError(f"{data_dir}: the entity model (model*.yaml) cannot be read: {exc}") from None
    if not model.entity_types:
        raise ValueError(f"{data_dir}: no entity types (model*.yaml files with `entity_types`) found")
    save_model(store, model)
    try:
        accounts = load_security(data_dir)
    except yaml.YAMLError as exc:
        raise ValueError(f"{data_dir}/security.yaml cannot be read: {exc}") from None
    for user in accounts["users"]:
        store["users"].insert(user)
    for grant in accounts["grants"]:
        store["grants"].insert(grant)
    for grant in accounts["row_grants"]:
        store["row_grants"].insert(grant)
    store["tokens"]                       # exists (empty) in every export, so an import can restore it
    try:
        rows = load_rows(data_dir)
    except yaml.YAMLError as exc:
        raise ValueError(f"{data_dir}: data*.yaml cannot be read: {exc}") from None
    populate(store, model, rows)
