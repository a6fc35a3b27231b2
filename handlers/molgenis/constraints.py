"""Constraint failures as a PostgreSQL-backed MOLGENIS reports them.

Entity types whose repository is PostgreSQL (`EntityType.backend`, the default, as on a real server) declare the
`VALIDATE_NOTNULL/UNIQUE/REFERENCE/READONLY_CONSTRAINT` capabilities, so `RepositoryValidationDecorator` leaves those
checks to the database and `PostgreSqlExceptionTranslator` turns the database's error into a coded exception with
one message (no ` (entity n)` suffix). The database stops at the first failure, in this order:

1. NOT NULL of the row's table columns, in column order (`D21a`); multi-valued references live in junction tables
   and have no such constraint, so an empty required MREF is accepted;
2. the primary key and UNIQUE indexes, in attribute order (`D24a`; a repeated value within one MREF, `D25`);
3. the read-only trigger after the UPDATE (`D18`): a changed value, null <-> value changes are not caught;
4. deferred foreign keys at commit: XREF/CATEGORICAL/FILE columns in attribute order, then junction tables (`D23`;
   a junction table's column is not in the translator's attribute map, so MREF failures name `<unknown>`).

Deleting a row that is still referenced fails at commit too (`D22`). Entity types on another backend, and references
to a type on another backend, keep the in-memory validator's checks (`values.validate`).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping

from apitwin_apis.molgenis.model import MULTI_REFERENCE_TYPES, Attribute, EntityType, Model
from apitwin_apis.molgenis.problem import Problem
from apitwin_apis.molgenis.values import ref_entity_id

POSTGRESQL = "PostgreSQL"
UNKNOWN = "<unknown>"                 # data_en.properties: unknown.placeholder
Lookup = Callable[[str], Any]


class ConstraintProblem(Problem):
    """A translated database error: 400 with the translator's code."""


def is_postgresql(entity_type: EntityType | None) -> bool:
    return entity_type is not None and entity_type.backend == POSTGRESQL


def pg_text(value: Any, kind: str) -> str:
    """A value as PostgreSQL prints it in a key detail (`Key (col)=(<text>)`)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)             # shortest round-trip digits, as PostgreSQL 12+ prints float8
    if kind == "DATE_TIME" and isinstance(value, str):
        return value[:10] + " " + value[11:-1] + "+00"
    return str(value)


def _table_attributes(entity_type: EntityType) -> list[Attribute]:
    """Columns of the entity type's table: stored atomic attributes without a junction table."""
    return [a for a in entity_type.atomic_attributes()
            if a.expression is None and a.type not in MULTI_REFERENCE_TYPES and a.type != "ONE_TO_MANY"]


def _junction_attributes(entity_type: EntityType) -> list[Attribute]:
    return [a for a in entity_type.atomic_attributes() if a.expression is None and a.type in MULTI_REFERENCE_TYPES]


def _ids(attribute: Attribute, value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if attribute.type in MULTI_REFERENCE_TYPES else [value]


def not_null(entity_type_id: str, attribute_name: str) -> ConstraintProblem:
    return ConstraintProblem(f"The attribute '{attribute_name}' of entity '{entity_type_id}' can not be null.",
                             code="D21a")


def already_exists(entity_type_id: str, attribute_name: str, value: str) -> ConstraintProblem:
    return ConstraintProblem(f"Value '{value}' for unique attribute '{attribute_name}' from entity "
                             f"'{entity_type_id}' already exists.", code="D24a")


def duplicate_list_value(entity_type_id: str, entity_id: str, value: str) -> ConstraintProblem:
    return ConstraintProblem(f"Duplicate list value '{value}' for attribute '{UNKNOWN}' from entity "
                             f"'{entity_type_id}' with id '{entity_id}'.", code="D25")


def readonly(entity_type_id: str, attribute_name: str, entity_id: str) -> ConstraintProblem:
    return ConstraintProblem(f"Updating read-only attribute '{attribute_name}' of type '{entity_type_id}' with id "
                             f"'{entity_id}' is not allowed.", code="D18")


def unknown_reference(entity_type_id: str, attribute_name: str, value: str) -> ConstraintProblem:
    return ConstraintProblem(f"Unknown xref value '{value}' for attribute '{attribute_name}' of entity "
                             f"'{entity_type_id}'.", code="D23")


def referenced(entity_type_id: str, attribute_name: str, value: str) -> ConstraintProblem:
    return ConstraintProblem(f"Value '{value}' for attribute '{attribute_name}' is referenced by entity "
                             f"'{entity_type_id}'.", code="D22")


def dependencies(entity_type_ids: list[str], dependants: dict[str, list[str]]) -> ConstraintProblem:
    """DROP TABLE refused by a foreign key of a table that stays (PostgreSQL 2BP01, EntityTypeReferencedException)."""
    listed = ", ".join(f"{type_id} -> [{', '.join(dependants[type_id])}]" for type_id in entity_type_ids
                       if dependants.get(type_id))
    return ConstraintProblem(f"Data cannot be deleted due to dependencies: {listed}.", code="D19")


def drop_problem(entity_type_ids: list[str], *, model: Model) -> ConstraintProblem | None:
    """Dropping these PostgreSQL tables while a type that is not dropped references one of them: the database
    refuses (`DROP TABLE` without CASCADE); None when nothing outside the set depends on them."""
    doomed = {type_id for type_id in entity_type_ids if is_postgresql(model.get(type_id))}
    dependants: dict[str, list[str]] = {}
    for other in model.entity_types.values():
        if other.id in doomed or not is_postgresql(other):
            continue
        for attribute in other.atomic_attributes():
            if attribute.ref_entity in doomed and attribute.expression is None and attribute.type != "ONE_TO_MANY":
                names = dependants.setdefault(attribute.ref_entity, [])
                if other.id not in names:
                    names.append(other.id)
    if not dependants:
        return None
    return dependencies(entity_type_ids, dependants)


def write_problem(entity_type: EntityType, values: Mapping[str, Any], *, model: Model, lookup: Lookup,
                  existing_id: Any = None) -> ConstraintProblem | None:
    """The first constraint the database refuses for this insert (or, with `existing_id`, this update of the row
    with that id); None when the row is accepted. Only references to PostgreSQL types are the database's job."""
    own = lookup(entity_type.id)
    id_attribute = entity_type.id_attribute
    own_id = values.get(id_attribute.name)
    columns = _table_attributes(entity_type)
    for attribute in columns:
        if attribute is not id_attribute and not attribute.nillable and values.get(attribute.name) is None:
            return not_null(entity_type.id, attribute.name)
    for attribute in columns:
        if not (attribute is id_attribute or attribute.unique):
            continue
        value = values.get(attribute.name)
        if value is None or own is None:
            continue
        holder = own.holder_of(attribute.name, value)
        if holder is not None and (existing_id is None or holder != existing_id):
            return already_exists(entity_type.id, attribute.name, pg_text(value, attribute.type))
    if existing_id is not None and own is not None:
        stored = own.get(existing_id) or {}
        for attribute in columns:
            if not attribute.read_only or attribute is id_attribute:
                continue
            new, old = values.get(attribute.name), stored.get(attribute.name)
            if new is not None and old is not None and new != old:
                return readonly(entity_type.id, attribute.name, pg_text(existing_id, id_attribute.type))
    for attribute in _junction_attributes(entity_type):
        seen: set[Any] = set()
        for ref in _ids(attribute, values.get(attribute.name)):
            if ref in seen:
                return duplicate_list_value(entity_type.id, pg_text(own_id, id_attribute.type),
                                            pg_text(ref, _ref_id_type(attribute, model)))
            seen.add(ref)
    for attribute in [a for a in columns if a.is_reference] + _junction_attributes(entity_type):
        target = model.get(ref_entity_id(attribute) or "")
        if not is_postgresql(target):
            continue                   # no foreign key: RepositoryValidationDecorator checks it (values.validate)
        name = UNKNOWN if attribute.type in MULTI_REFERENCE_TYPES else attribute.name
        repository = lookup(target.id) if target is not None else None
        for ref in _ids(attribute, values.get(attribute.name)):
            if target is not None and target.id == entity_type.id and ref == own_id:
                continue               # the row itself exists by commit time
            if repository is None or not repository.exists(ref):
                return unknown_reference(entity_type.id, name, pg_text(ref, _ref_id_type(attribute, model)))
    return None


def _ref_id_type(attribute: Attribute, model: Model) -> str:
    target = model.get(ref_entity_id(attribute) or "")
    return target.id_attribute.type if target is not None else "STRING"


def referencing_attributes(model: Model, target: EntityType) -> Iterable[tuple[EntityType, Attribute]]:
    """(entity type, attribute) pairs holding a foreign key to `target`'s table."""
    if not is_postgresql(target):
        return
    for owner in model.entity_types.values():
        if owner.abstract or not is_postgresql(owner):
            continue
        for attribute in owner.atomic_attributes():
            if (attribute.is_reference and attribute.expression is None and attribute.type != "ONE_TO_MANY"
                    and ref_entity_id(attribute) == target.id):
                yield owner, attribute


def delete_problem(target: EntityType, doomed_ids: Iterable[Any], *, model: Model, lookup: Lookup
                   ) -> ConstraintProblem | None:
    """D22 when a row of another table (or another row of this one) still references one of the rows being
    deleted; rows deleted together may reference each other."""
    doomed = list(doomed_ids)
    if not doomed:
        return None
    doomed_set = set(doomed)
    pairs = list(referencing_attributes(model, target))
    if not pairs:
        return None
    id_attribute = target.id_attribute
    for owner, attribute in pairs:
        repository = lookup(owner.id)
        if repository is None:
            continue
        owner_id_name = owner.id_attribute.name
        for row in repository.scan():
            if owner.id == target.id and row.get(owner_id_name) in doomed_set:
                continue
            for ref in _ids(attribute, row.get(attribute.name)):
                if ref in doomed_set:
                    return referenced(owner.id, id_attribute.name, pg_text(ref, id_attribute.type))
    return None
