"""Fills a fresh MOLGENIS store from a seed directory: the model, every row (built and validated as a create
request would be), the accounts and the grants. A seed the API itself would refuse stops the start with every
problem listed, instead of serving data no client could have written."""
from __future__ import annotations

from pathlib import Path

from apitwin.store import Store
from handlers.molgenis.context import save_model
from handlers.molgenis.seed_loader import load_model, load_rows, load_security, populate


def load(store: Store, data_dir: Path) -> None:
    if not data_dir.is_dir():
        raise ValueError(f"MOLGENIS seed directory {data_dir} does not exist")
    model = load_model(data_dir)
    if not model.entity_types:
        raise ValueError(f"{data_dir}: no entity types (model*.yaml files with `entity_types`) found")
    save_model(store, model)
    accounts = load_security(data_dir)
    for user in accounts["users"]:
        store["users"].insert(user)
    for grant in accounts["grants"]:
        store["grants"].insert(grant)
    store["tokens"]                       # exists (empty) in every export, so an import can restore it
    populate(store, model, load_rows(data_dir))
