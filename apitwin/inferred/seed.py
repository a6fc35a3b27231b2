"""The first state of an inferred API: the document's own examples (list answers, item answers, create answers)
that validate against the resource's schema, or `--data DIR` with one YAML/JSON file per resource
(`<resource>.yaml`: a list of items; a nested item names its parents with `_scope: {ownerId: 1}`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import yaml

from apitwin.inferred.listing import list_items_schema, wrapped_list
from apitwin.inferred.model import Model, Resource, response_schema, success
from apitwin.inferred.schemas import json_media
from apitwin.seed_check import SeedRefused

SCOPE_KEY = "_scope"


def example_items(model: Model, resource: Resource) -> list[dict[str, Any]]:
    """Items the document shows for the resource, each once, in document order."""
    schemas = model.schemas
    found: list[dict[str, Any]] = []
    for role in ("list", "read", "create", "replace"):
        op_id = resource.operations.get(role)
        if not op_id:
            continue
        operation = model.bindings[op_id].operation
        result = success(operation)
        media = json_media(schemas.deref(result[1]).get("content")) if result else None
        if media is None:
            continue
        values = ([media[1]["example"]] if "example" in media[1] else [])
        values += [schemas.deref(e).get("value") for e in (media[1].get("examples") or {}).values()
                   if isinstance(schemas.deref(e), dict)]
        for value in values:
            if role == "list":
                envelope, _ = list_items_schema(response_schema(operation, schemas), schemas)
                wrapper, inner, _ = wrapped_list(response_schema(operation, schemas), schemas)
                if wrapper is not None and isinstance(value, dict) and isinstance(value.get(wrapper), dict):
                    value, envelope = value[wrapper], inner
                items = value.get(envelope) if envelope and isinstance(value, dict) else value
                found += [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
            elif isinstance(value, dict):
                found.append(value)
    if resource.schema is not None:
        flat = schemas.deref(resource.schema)
        if isinstance(flat, dict) and isinstance(flat.get("example"), dict):
            found.append(flat["example"])
    return found


def seed(model: Model, rt: Any, source: Path) -> None:
    """Fill the store: from `source` when it is a data directory, else from the document's examples."""
    data_dir = source if source.is_dir() else None
    problems: list[str] = []
    ordered = sorted(model.resources.values(), key=lambda r: len(r.scope_params))
    for resource in ordered:
        if resource.schema is None:
            continue
        if data_dir is not None:
            items = _read(data_dir, resource, problems)
        else:
            items = example_items(model, resource)
        _insert(model, rt, resource, items, problems, strict=data_dir is not None)
    if problems:
        raise SeedRefused(str(source), problems)


def _read(data_dir: Path, resource: Resource, problems: list[str]) -> list[Any]:
    for suffix in (".yaml", ".yml", ".json"):
        path = data_dir / f"{resource.name}{suffix}"
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
                data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
            except (OSError, ValueError, yaml.YAMLError) as exc:
                problems.append(f"{path.name}: cannot be read: {str(exc).splitlines()[0]}")
                return []
            if not isinstance(data, list):
                problems.append(f"{path.name}: expected a list of {resource.name} items")
                return []
            return data
    return []


def _parent_scopes(rt: Any, resource: Resource) -> list[dict[str, str]]:
    parent = resource.parent
    if parent is None:
        return [{}]
    return [{**row.get("scope", {}), resource.parent_param: str(row["key"])}
            for row in rt.store[parent.name].scan()]


def _insert(model: Model, rt: Any, resource: Resource, items: Iterable[Any], problems: list[str], *,
            strict: bool) -> None:
    schemas = model.schemas
    collection = rt.store[resource.name]
    scopes = _parent_scopes(rt, resource)
    if resource.scope_params and not scopes:
        return
    seen: set[str] = set()
    for number, item in enumerate(items, 1):
        label = f"{resource.name}[{number}]"
        if not isinstance(item, dict):
            problems.append(f"{label}: not an object") if strict else None
            continue
        item = dict(item)
        scope = item.pop(SCOPE_KEY, None)
        if not schemas.valid(resource.schema, item):
            if strict:
                path = schemas.first_error_path(resource.schema, item)
                problems.append(f"{label}: does not match the {resource.name} schema at "
                                f"/{'/'.join(map(str, path or []))}")
            continue
        row_id = collection.next_id()
        key = item.get(resource.id_field) if resource.id_field else None
        if key is None:
            key = row_id
        if str(key) in seen:
            continue
        seen.add(str(key))
        if scope is None:
            scope = scopes[0] if resource.scope_params else {}
        scope = {str(k): str(v) for k, v in (scope or {}).items()}
        collection.insert({"id": row_id, "key": key, "scope": scope, "tenant": None, "body": item})
