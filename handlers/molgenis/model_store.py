"""The live MOLGENIS model, kept in the API's store.

The model is part of the API's state (`DELETE /{e}/meta` removes a type; reset and import bring it back), so it is
kept in the store as plain JSON (collection `model`, one row) and parsed once per change: `model_of` is a value
derived from that collection, rebuilt only after a write moved its version.

Its own module so that everything needing the model (the request context, security, seeding) can import it
without importing each other.
"""
from __future__ import annotations

from apitwin.store import Store
from apitwin_apis.molgenis.model import Model

MODEL_COLLECTION = "model"
_PARSED = "molgenis.model"


def model_of(store: Store) -> Model:
    """The store's model, parsed once per stored version. Never mutate it: `edit_model`, change and `save_model`."""
    collection = store[MODEL_COLLECTION]

    def parse() -> Model:
        rows = collection.scan()
        return Model.from_dict((rows[0]["model"] if rows else None) or {}).freeze()

    return collection.derived(_PARSED, parse)


def save_model(store: Store, model: Model) -> None:
    with store.transaction():
        collection = store[MODEL_COLLECTION]
        row = collection.first()
        if row is None:
            collection.insert({"model": model.to_dict()})
        else:
            collection.update(row["id"], {"model": model.to_dict()})


def edit_model(store: Store) -> Model:
    """A private copy of the model to change and pass to `save_model` (the one `model_of` returns is shared)."""
    return Model.from_dict(model_of(store).to_dict())
