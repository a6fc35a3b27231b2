"""The MOLGENIS entity model (EMX-like): packages, entity types and their attributes, loaded from YAML.

Everything the mock does is driven by this model: routes are generic (`/api/v1/{entityTypeId}…`), and the entity
type decides ids, labels, value conversion, query semantics and rendering. The model is part of the API's state
(it can be deleted with `DELETE /{e}/meta`), so it converts to and from plain JSON.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from apitwin.mockdata import read_yaml

FIELD_TYPES = (
    "BOOL", "CATEGORICAL", "CATEGORICAL_MREF", "COMPOUND", "DATE", "DATE_TIME", "DECIMAL", "EMAIL", "ENUM", "FILE",
    "HTML", "HYPERLINK", "INT", "LONG", "MREF", "ONE_TO_MANY", "SCRIPT", "STRING", "TEXT", "XREF",
)
REFERENCE_TYPES = {"XREF", "CATEGORICAL", "FILE", "MREF", "CATEGORICAL_MREF", "ONE_TO_MANY"}
MULTI_REFERENCE_TYPES = {"MREF", "CATEGORICAL_MREF", "ONE_TO_MANY"}
SINGLE_REFERENCE_TYPES = {"XREF", "CATEGORICAL", "FILE"}
TEXT_TYPES = {"STRING", "TEXT", "HTML", "SCRIPT", "EMAIL", "HYPERLINK", "ENUM"}
_MEMO = "_frozen_lookups"                      # EntityType.freeze: memoised attribute lookups
DEFAULT_MAX_LENGTH = {"STRING": 255, "EMAIL": 255, "ENUM": 255, "HYPERLINK": 255, "TEXT": 65535, "HTML": 65535,
                      "SCRIPT": 65535}


@dataclass
class Attribute:
    name: str
    type: str = "STRING"                      # one of FIELD_TYPES (the wire name is `fieldType`)
    label: str | None = None                  # defaults to the name
    description: str | None = None
    id_attribute: bool = False
    label_attribute: bool = False
    lookup_attribute: bool = False
    nillable: bool = True
    unique: bool = False
    read_only: bool = False
    auto: bool = False                        # auto ids / auto dates
    visible: bool = True
    aggregatable: bool = False
    default: Any = None                       # default value as written (string), applied on create
    enum_options: list[str] = field(default_factory=list)
    max_length: int | None = None             # None = the type's default (DEFAULT_MAX_LENGTH)
    range_min: int | None = None
    range_max: int | None = None
    ref_entity: str | None = None             # entity type id for reference types
    mapped_by: str | None = None              # ONE_TO_MANY: the XREF attribute of ref_entity pointing back
    expression: str | None = None             # computed attribute: not writable
    nullable_expression: str | None = None
    visible_expression: str | None = None
    validation_expression: str | None = None
    children: list["Attribute"] = field(default_factory=list)   # COMPOUND only

    @property
    def display_label(self) -> str:
        return self.label or self.name

    @property
    def effective_max_length(self) -> int | None:
        return self.max_length if self.max_length is not None else DEFAULT_MAX_LENGTH.get(self.type)

    @property
    def is_reference(self) -> bool:
        return self.type in REFERENCE_TYPES

    @property
    def is_multi(self) -> bool:
        return self.type in MULTI_REFERENCE_TYPES

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Attribute":
        data = dict(data)
        children = [cls.from_dict(c) for c in data.pop("children", []) or []]
        if "fieldType" in data:
            data["type"] = data.pop("fieldType")
        attribute = cls(**data, children=children)
        if attribute.type not in FIELD_TYPES:
            raise ValueError(f"attribute {attribute.name!r}: unknown type {attribute.type!r}")
        return attribute

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EntityType:
    id: str                                   # fully qualified: package id + "_" + name, e.g. V1_API_Items
    label: str | None = None
    description: str | None = None
    package: str | None = None
    abstract: bool = False
    # the parent type (`setExtends`); `attributes` then lists the inherited attributes too, after the own ones, in
    # `getAllAttributes` order, so rows need no lookup of the parent; the Metadata API tells own from inherited
    extends: str | None = None
    attributes: list[Attribute] = field(default_factory=list)   # top level, compounds with their children
    writable: bool = True                     # the repository accepts writes (system types may not)
    backend: str = "PostgreSQL"               # the repository kind; PostgreSQL checks constraints in the database
    # rows carry their own ACLs (RowLevelSecurityRepositoryDecorator): `row_grants` of security.yaml, and the creator
    # of a row gets WRITE on it
    row_level_secured: bool = False

    @property
    def display_label(self) -> str:
        return self.label or self.id

    def freeze(self) -> None:
        """Mark this type as shared and never changed again (the parsed model of `model_store.model_of`, a seed's):
        its attribute lookups are then worked out once instead of walking the attributes on every call (they run
        for every row a request builds, validates or renders)."""
        self.__dict__[_MEMO] = {}

    def memoised(self, key: str, build: Callable[[], Any]) -> Any:
        """`build()`, kept under `key` once the type is frozen (computed every call before)."""
        memo = self.__dict__.get(_MEMO)
        if memo is None:
            return build()
        if key not in memo:
            memo[key] = build()
        return memo[key]

    def atomic_attributes(self) -> list[Attribute]:
        """Every non-compound attribute in order, compound children in place of their compound."""
        return list(self.memoised("atomic", self._atomic_attributes))

    def _atomic_attributes(self) -> list[Attribute]:
        out: list[Attribute] = []

        def walk(attributes: list[Attribute]) -> None:
            for attribute in attributes:
                if attribute.type == "COMPOUND":
                    walk(attribute.children)
                else:
                    out.append(attribute)

        walk(self.attributes)
        return out

    def all_attributes(self) -> Iterator[Attribute]:
        """Every attribute, compounds included, depth first."""
        def walk(attributes: list[Attribute]) -> Iterator[Attribute]:
            for attribute in attributes:
                yield attribute
                yield from walk(attribute.children)

        return walk(self.attributes)

    def attribute(self, name: str) -> Attribute | None:
        """By exact (case-sensitive) name, compounds and their children included."""
        if _MEMO in self.__dict__:
            return self.memoised("by_name", lambda: self._first_by(lambda a: a.name)).get(name)
        return next((a for a in self.all_attributes() if a.name == name), None)

    def attribute_ci(self, name: str) -> Attribute | None:
        """By case-insensitive name (the `attributes`/`expand` filters compare lower-cased)."""
        lowered = name.lower()
        if _MEMO in self.__dict__:
            return self.memoised("by_lower", lambda: self._first_by(lambda a: a.name.lower())).get(lowered)
        return next((a for a in self.all_attributes() if a.name.lower() == lowered), None)

    def _first_by(self, key: Callable[[Attribute], str]) -> dict[str, Attribute]:
        found: dict[str, Attribute] = {}
        for attribute in self.all_attributes():
            found.setdefault(key(attribute), attribute)
        return found

    def own_attributes(self, parent: "EntityType | None") -> list[Attribute]:
        """`getOwnAllAttributes`: every attribute (compounds included, depth first) the parent does not define."""
        inherited = {a.name for a in parent.all_attributes()} if parent is not None else set()
        return [a for a in self.all_attributes() if a.name not in inherited]

    @property
    def id_attribute(self) -> Attribute:
        found = self.memoised("id", lambda: next((a for a in self.atomic_attributes() if a.id_attribute), None))
        if found is None:
            raise ValueError(f"entity type {self.id} has no id attribute")
        return found

    @property
    def label_attribute(self) -> Attribute:
        """The label attribute; MOLGENIS falls back to the id attribute."""
        return next((a for a in self.atomic_attributes() if a.label_attribute), self.id_attribute)

    @property
    def lookup_attributes(self) -> list[Attribute]:
        return [a for a in self.atomic_attributes() if a.lookup_attribute]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EntityType":
        data = dict(data)
        attributes = [Attribute.from_dict(a) for a in data.pop("attributes", []) or []]
        entity_type = cls(**data, attributes=attributes)
        entity_type.id_attribute  # noqa: B018 - fail fast on a model without id
        return entity_type

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Package:
    id: str
    label: str | None = None
    description: str | None = None
    parent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Model:
    packages: dict[str, Package] = field(default_factory=dict)
    entity_types: dict[str, EntityType] = field(default_factory=dict)

    def get(self, entity_type_id: str) -> EntityType | None:
        """By exact id (entity type ids in paths are case-sensitive)."""
        return self.entity_types.get(entity_type_id)

    def add(self, entity_type: EntityType) -> None:
        self.entity_types[entity_type.id] = entity_type

    def remove(self, entity_type_id: str) -> None:
        self.entity_types.pop(entity_type_id, None)

    def to_dict(self) -> dict[str, Any]:
        return {"packages": [p.to_dict() for p in self.packages.values()],
                "entity_types": [e.to_dict() for e in self.entity_types.values()]}

    def freeze(self) -> "Model":
        """Mark the model as shared and never changed again (`EntityType.freeze`); returns it."""
        for entity_type in self.entity_types.values():
            entity_type.freeze()
        return self

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Model":
        model = cls()
        for package in data.get("packages", []) or []:
            model.packages[package["id"]] = Package(**package)
        for entity_type in data.get("entity_types", []) or []:
            model.add(EntityType.from_dict(entity_type))
        return model

    def check_inheritance(self) -> None:
        """A type that extends another names a type of the model and lists every attribute of it (see
        `EntityType.extends`): seed files that do not fail loudly when loaded. (A stored model is not checked: a
        type whose parent was deleted renders without `extends`.)"""
        for entity_type in self.entity_types.values():
            if entity_type.extends is None:
                continue
            parent = self.get(entity_type.extends)
            if parent is None:
                raise ValueError(f"entity type {entity_type.id}: extends unknown type {entity_type.extends!r}")
            missing = [a.name for a in parent.all_attributes() if entity_type.attribute(a.name) is None]
            if missing:
                raise ValueError(f"entity type {entity_type.id}: lacks the attributes {missing} of its parent "
                                 f"{parent.id}")

    @classmethod
    def load(cls, directory: Path) -> "Model":
        """Every `model*.yaml` in the directory (keys `packages`, `entity_types`), in file-name order."""
        merged: dict[str, list[Any]] = {"packages": [], "entity_types": []}
        for path in sorted(Path(directory).glob("model*.yaml")):
            with open(path, encoding="utf-8") as fh:
                content = read_yaml(fh) or {}
            for key in merged:
                merged[key].extend(content.get(key) or [])
        model = cls.from_dict(merged)
        model.check_inheritance()
        return model
