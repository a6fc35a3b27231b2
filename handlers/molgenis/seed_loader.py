"""Reading the MOLGENIS seed directory (`mockdata/molgenis/`) and turning its rows into stored rows.

Files: `model*.yaml` (packages and entity types, `Model.load`), `data*.yaml` (`rows: {<entityTypeId>: [...]}`; a
`templates:` key may hold YAML anchors rows merge in and is otherwise ignored) and `security.yaml` (`users`,
`grants`). Raw rows are what a JSON client would send; `populate` builds, validates and inserts them exactly as a
create request would, referenced types first, so a seed can never hold data the API itself would refuse.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping


from apitwin.mockdata import plain, read_mapping
from apitwin.store import Store
from apitwin_apis.molgenis.model import Model
from apitwin_apis.molgenis.repository import Repository, make_lookup
from apitwin_apis.molgenis.values import build_entity, format_instant, ref_entity_id, validate

SEED_TIME = datetime(2026, 1, 1, tzinfo=timezone.utc)   # auto dates of seeded rows: fixed, so seeds are repeatable


class SeedProblem(ValueError):
    """Seed data the API would refuse; every problem is listed (a ValueError: `apitwin serve` prints it, exit 2)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("seed data the API would refuse:\n  " + "\n  ".join(problems))
        self.problems = problems


def _plain(value: Any) -> Any:
    return plain(value, format_instant)


_read = read_mapping


def load_model(directory: Path | str) -> Model:
    """Every `model*.yaml` in file-name order."""
    return Model.load(Path(directory))


def load_rows(directory: Path | str) -> dict[str, list[dict[str, Any]]]:
    """Raw rows per entity type id from every `data*.yaml` in file-name order (lists of one type are joined)."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(Path(directory).glob("data*.yaml")):
        rows = _read(path).get("rows") or {}
        if not isinstance(rows, dict):
            raise ValueError(f"{path.name}: `rows` must map entity type ids to lists of rows")
        for entity_type_id, items in rows.items():
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise ValueError(f"{path.name}: rows of {entity_type_id} must be a list of mappings")
            merged.setdefault(entity_type_id, []).extend(_plain(items))
    return merged


def load_security(directory: Path | str) -> dict[str, list[dict[str, Any]]]:
    """`{"users": [...], "grants": [...], "row_grants": [...]}` from `security.yaml` (empty when the file is
    missing)."""
    path = Path(directory) / "security.yaml"
    content = _read(path) if path.exists() else {}
    users, grants = content.get("users") or [], content.get("grants") or []
    for user in users:
        if not isinstance(user, dict) or not user.get("username") or "password" not in user:
            raise ValueError(f"security.yaml: every user needs a username and a password: {user!r}")
    for grant in grants:
        if not isinstance(grant, dict) or {"principal", "entity_type", "level"} - set(grant):
            raise ValueError(f"security.yaml: every grant needs principal, entity_type and level: {grant!r}")
        if grant["level"] not in ("COUNT", "READ", "WRITE", "WRITEMETA"):
            raise ValueError(f"security.yaml: unknown grant level {grant['level']!r}")
    row_grants = content.get("row_grants") or []
    for grant in row_grants:
        if not isinstance(grant, dict) or {"principal", "entity_type", "row", "level"} - set(grant):
            raise ValueError(f"security.yaml: every row grant needs principal, entity_type, row and level: {grant!r}")
        if grant["level"] not in ("READ", "WRITE"):
            raise ValueError(f"security.yaml: unknown row grant level {grant['level']!r} (READ or WRITE)")
    return {"users": [dict(u) for u in users], "grants": [dict(g) for g in grants],
            "row_grants": [dict(g) for g in row_grants]}


def seed_order(model: Model, entity_type_ids: list[str]) -> list[str]:
    """The given types with referenced types first (self references and cycles keep the given order)."""
    pending = list(dict.fromkeys(entity_type_ids))
    wanted = set(pending)
    ordered: list[str] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(type_id: str) -> None:
        if type_id in placed or type_id in visiting:
            return
        visiting.add(type_id)
        entity_type = model.get(type_id)
        for attribute in (entity_type.atomic_attributes() if entity_type else []):
            target = ref_entity_id(attribute) if attribute.is_reference and attribute.type != "ONE_TO_MANY" else None
            if target and target != type_id and target in wanted:
                place(target)
        visiting.discard(type_id)
        placed.add(type_id)
        ordered.append(type_id)

    for type_id in pending:
        place(type_id)
    return ordered


def populate(store: Store, model: Model, rows: Mapping[str, list[dict[str, Any]]], *,
             now: datetime = SEED_TIME) -> dict[str, int]:
    """Build, validate and insert every raw row as a JSON create would (row numbers in messages count within each
    type); returns rows inserted per type. Raises SeedProblem listing every refused row, after inserting the rest."""
    lookup = make_lookup(store, model)
    problems: list[str] = []
    inserted: dict[str, int] = {}
    for type_id in seed_order(model, list(rows)):
        entity_type = model.get(type_id)
        if entity_type is None:
            problems.append(f"{type_id}: no such entity type in the model")
            continue
        repository = Repository(store, entity_type)
        for number, raw in enumerate(rows[type_id], 1):
            try:
                values = build_entity(entity_type, raw, form=False, model=model, lookup=lookup,
                                      sequence=repository.next_sequence, now=now)
            except Exception as error:  # noqa: BLE001 - ValueProblem and friends: report them all together
                problems.append(f"{type_id} row {number}: {getattr(error, 'message', error)}")
                continue
            violations = validate(entity_type, values, model=model, lookup=lookup, row=number)
            if violations:
                problems.extend(f"{type_id} row {number}: {message}" for message in violations)
                continue
            repository.insert(values)
            inserted[type_id] = inserted.get(type_id, 0) + 1
    if problems:
        raise SeedProblem(problems)
    return inserted
