"""The MOLGENIS rules for an imported state (apitwin.state_check runs them next to the spec schemas): the model must
parse and hold types the API can serve, and every stored row must be a row a create request could have stored —
each value converts as written input would (`values.convert`) and the row passes `values.validate`, the checks
seeding runs. Accounts, grants and tokens must have the shapes login and the permission checks read."""
from __future__ import annotations

from typing import Any

from apitwin.runtime import ApiRuntime
from apitwin_apis.molgenis.model_store import MODEL_COLLECTION, model_of
from apitwin_apis.molgenis.model import Model
from apitwin_apis.molgenis.repository import collection_name, make_lookup
from apitwin_apis.molgenis.security import LEVELS
from apitwin_apis.molgenis.values import ValueProblem, convert, validate

ROWS_PREFIX = collection_name("")


def _model(rt: ApiRuntime, found: list[str]) -> Model | None:
    stored = rt.store[MODEL_COLLECTION].filter()
    if len(stored) != 1 or not isinstance(stored[0].get("model"), dict):
        found.append(f"{MODEL_COLLECTION}: exactly one row with the entity model object is needed")
        return None
    try:
        model = model_of(rt.store)
        for entity_type in model.entity_types.values():
            entity_type.id_attribute                                   # noqa: B018 - raises without one
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        found.append(f"{MODEL_COLLECTION}: the entity model cannot be read: {exc}")
        return None
    if not model.entity_types:
        found.append(f"{MODEL_COLLECTION}: the entity model has no entity types")
    return model


def _rows(rt: ApiRuntime, model: Model, found: list[str]) -> None:
    lookup = make_lookup(rt.store, model)
    for name in rt.store.export()["collections"]:
        if name.startswith(ROWS_PREFIX) and model.get(name[len(ROWS_PREFIX):]) is None:
            found.append(f"{name}: rows of an entity type the model does not have")
    for entity_type in model.entity_types.values():
        collection = rt.store[collection_name(entity_type.id)]
        for stored in collection.scan():
            values = stored.get("values")
            if not isinstance(values, dict):
                found.append(f"{entity_type.id} row {stored['id']}: needs a 'values' object")
                continue
            label = f"{entity_type.id} {values.get(entity_type.id_attribute.name)!r}"
            before = len(found)
            for attribute in entity_type.atomic_attributes():
                value = values.get(attribute.name)
                if value is None or attribute.expression is not None or attribute.mapped_by is not None:
                    continue
                try:
                    converted = convert(attribute, value, model=model, owner_id=entity_type.id, lookup=lookup,
                                        existing=values)
                except ValueProblem as problem:
                    found.append(f"{label}: {problem.message}")
                    continue
                except (TypeError, ValueError, AttributeError):      # not even input of the right kind
                    converted = None
                if converted != value:
                    found.append(f"{label}: attribute {attribute.name!r} holds {value!r}, which is not a stored "
                                 f"{attribute.type} value")
            if len(found) > before:
                continue                                   # validate() expects values of the attribute types
            entity_id = values.get(entity_type.id_attribute.name)
            found.extend(f"{label}: {message}" for message in
                         validate(entity_type, values, model=model, lookup=lookup, existing_id=entity_id))


def _accounts(rt: ApiRuntime, found: list[str]) -> None:
    for user in rt.store["users"].scan():
        if not isinstance(user.get("username"), str) or not user["username"].strip():
            found.append(f"users {user['id']}: username must be a non-blank string")
        if not isinstance(user.get("password"), str):
            found.append(f"users {user['id']}: password must be a string")
        for flag in ("superuser", "active"):
            if flag in user and not isinstance(user[flag], bool):
                found.append(f"users {user['id']}: {flag} must be true or false")
    for grant in rt.store["grants"].scan():
        if not all(isinstance(grant.get(k), str) for k in ("principal", "entity_type")) \
                or grant.get("level") not in LEVELS:
            found.append(f"grants {grant['id']}: needs principal and entity_type strings and a level of "
                         f"{', '.join(LEVELS)}")
    for grant in rt.store["row_grants"].scan():
        if not all(isinstance(grant.get(k), str) for k in ("principal", "entity_type")) or "row" not in grant \
                or grant.get("level") not in ("READ", "WRITE"):
            found.append(f"row_grants {grant['id']}: needs principal and entity_type strings, a row and a level of "
                         "READ, WRITE")
    for token in rt.store["tokens"].scan():
        number = (int, float)
        if not isinstance(token.get("token"), str) or not isinstance(token.get("username"), str) \
                or not isinstance(token.get("creation"), number) or isinstance(token.get("creation"), bool) \
                or not (token.get("expires") is None or isinstance(token["expires"], number)):
            found.append(f"tokens {token['id']}: needs token and username strings, creation and expires numbers")


def check_state(rt: ApiRuntime) -> list[str]:
    found: list[str] = []
    model = _model(rt, found)
    _accounts(rt, found)
    if model is not None:
        _rows(rt, model, found)
    return found
