"""What every MOLGENIS handler needs for one request: the live model, row repositories, the caller and the mount
prefix — and the lookups that fail the way the server fails (unknown type D01, row D02, attribute D04, DS04).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from apitwin import runtime
from apitwin.errors import ApiError
from apitwin.store import Store
from apitwin_apis.molgenis.auth import caller
from apitwin_apis.molgenis.model import Attribute, EntityType, Model
from apitwin_apis.molgenis.model_store import model_of
from apitwin_apis.molgenis.repository import Repository, make_lookup
from apitwin_apis.molgenis.security import Security
from apitwin_apis.molgenis.values import ValueProblem, typed_id


@dataclass
class RequestContext:
    store: Store
    model: Model
    security: Security
    username: str | None          # None = anonymous
    prefix: str                   # the mount prefix hrefs start with ("" at the root)
    lookup: Callable[[str], Repository | None] = field(init=False)   # entity type id -> its Repository

    def __post_init__(self) -> None:
        self.lookup = make_lookup(self.store, self.model)

    def repository(self, entity_type: EntityType) -> Repository:
        return Repository(self.store, entity_type)

    def permissions(self, entity_type_id: str) -> list[str]:
        return self.security.permissions(self.username, entity_type_id)

    def require(self, entity_type: EntityType, *permissions: str) -> None:
        for permission in permissions:
            self.security.require(self.username, entity_type, permission)

    def may(self, entity_type: EntityType, entity_id: Any, action: str) -> bool:
        """Row-level security (READ, UPDATE, DELETE on one row); always true on types without it."""
        return not entity_type.row_level_secured or self.security.row_permitted(self.username, entity_type.id,
                                                                                  entity_id, action)

    def require_row(self, entity_type: EntityType, entity_id: Any, action: str) -> None:
        self.security.require_row(self.username, entity_type, entity_id, action)

    # -- lookups that answer like the server -----------------------------------------------------------------------
    def entity_type(self, entity_type_id: str, *permissions: str) -> EntityType:
        """The type, after READ_METADATA (every route resolves the type) and the given permissions."""
        entity_type = self.model.get(entity_type_id)
        if entity_type is None:
            raise unknown_entity_type(entity_type_id)
        self.require(entity_type, "READ_METADATA", *permissions)
        return entity_type

    def row(self, entity_type: EntityType, raw_id: str) -> tuple[Any, dict[str, Any]]:
        """(typed id, stored values) of the row, or 404 D02 (also for a row-level secured row the caller may not
        read: `findOneById` answers null)."""
        entity_id = self.typed_id(entity_type, raw_id)
        values = self.repository(entity_type).get(entity_id) if entity_id is not None else None
        if values is None or not self.may(entity_type, entity_id, "READ"):
            raise unknown_entity(entity_type, raw_id)
        return entity_id, values

    def typed_id(self, entity_type: EntityType, raw_id: str) -> Any:
        """A path id typed by the id attribute; an id that cannot be of that type names no row (None). The server
        answers 500 NumberFormatException there; no row can have such an id, so the mock says 404 D02."""
        try:
            return typed_id(entity_type, raw_id, model=self.model)
        except ValueProblem:
            return None


def unknown_entity_type(entity_type_id: str) -> ApiError:
    return ApiError(404, [f"Unknown entity type '{entity_type_id}'."], code="D01")


def unknown_entity(entity_type: EntityType, raw_id: Any) -> ApiError:
    id_label = entity_type.id_attribute.display_label
    return ApiError(404, [f"Unknown entity with '{id_label}' '{raw_id}' of type '{entity_type.display_label}'."],
                    code="D02")


def unknown_attribute(entity_type: EntityType, name: str) -> ApiError:
    return ApiError(404, [f"Unknown attribute '{name}' of entity type '{entity_type.display_label}'."], code="D04")


def attribute_of(entity_type: EntityType, name: str) -> Attribute:
    attribute = entity_type.attribute(name)
    if attribute is None:
        raise unknown_attribute(entity_type, name)
    return attribute


def request_context(token_info: dict[str, Any] | None = None) -> RequestContext:
    rt = runtime.current()
    store = rt.store
    return RequestContext(store=store, model=model_of(store), security=Security(store),
               username=caller(token_info), prefix=rt.prefix)
