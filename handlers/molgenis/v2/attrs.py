"""The v2 `attrs` parameter: `AttributeFilterConverter` (parse) and `AttributeFilterToFetchConverter` (resolve
against an entity type into a fetch: which attributes a response shows, and for each reference which attributes of
the referenced rows).

A fetch is a dict attribute name -> sub-fetch (a dict, or None for "no sub-selection"), in insertion order; the
whole fetch being None means every attribute with the default sub-fetch, as on the server.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from apitwin_apis.molgenis.context import unknown_attribute
from apitwin_apis.molgenis.model import REFERENCE_TYPES, Attribute, EntityType, Model
from apitwin_apis.molgenis.values import ref_entity_id

Fetch = dict[str, "Fetch | None"]


@dataclass
class AttributeFilter:
    """One level of `attrs`: named attributes (each with an optional nested filter), `*`, `~id`, `~lbl`."""

    attributes: dict[str, "AttributeFilter | None"] = field(default_factory=dict)
    include_all: bool = False
    include_id: bool = False
    id_filter: "AttributeFilter | None" = None
    include_label: bool = False
    label_filter: "AttributeFilter | None" = None

    @property
    def is_star(self) -> bool:
        return self.include_all and not self.attributes

    def add(self, name: str, nested: "AttributeFilter | None" = None) -> None:
        if name == "~id":
            self.include_id, self.id_filter = True, nested
        elif name == "~lbl":
            self.include_label, self.label_filter = True, nested
        else:
            self.attributes[name] = nested

    def nested_for(self, entity_type: EntityType, attribute: Attribute) -> "AttributeFilter | None":
        if self.id_filter is not None and attribute is entity_type.id_attribute:
            return self.id_filter
        if self.label_filter is not None and attribute is entity_type.label_attribute:
            return self.label_filter
        return self.attributes.get(attribute.name)


def parse_attrs(source: str) -> AttributeFilter:
    """`a,b(c,d(*)),~id` as the server's converter reads it: `\\` escapes, `(`…`)` nest, `*` selects all; an
    unbalanced `)` ends the parse (the rest is ignored), as there."""
    root = AttributeFilter()
    _parse(source, 0, root)
    return root


def _parse(source: str, offset: int, target: AttributeFilter) -> int:
    escaped, text, i = False, [], offset
    while i < len(source):
        char = source[i]
        if escaped:
            text.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            if text:
                target.add("".join(text))
                text = []
        elif char == "(":
            nested = AttributeFilter()
            i = _parse(source, i + 1, nested)
            target.add("".join(text), nested)
            text = []
        elif char == ")":
            if text:
                target.attributes["".join(text)] = None
            return i
        elif char == "*":
            target.include_all = True
        else:
            text.append(char)
            if i == len(source) - 1:
                target.add("".join(text))
        i += 1
    return i


# -- filter -> fetch ------------------------------------------------------------------------------------------------

def _ref_type(attribute: Attribute, model: Model) -> EntityType | None:
    return model.get(ref_entity_id(attribute) or "") if attribute.type in REFERENCE_TYPES else None


def default_attribute_fetch(attribute: Attribute, model: Model) -> Fetch | None:
    """A reference shows the referenced row's id and label (and a file its `url`); other attributes nothing."""
    target = _ref_type(attribute, model)
    if target is None:
        return None
    fetch: Fetch = {target.id_attribute.name: None}
    fetch.setdefault(target.label_attribute.name, None)
    if attribute.type == "FILE":
        fetch["url"] = None
    return fetch


def default_entity_fetch(entity_type: EntityType, model: Model) -> Fetch | None:
    """Every atomic attribute with its default sub-fetch; None when the type has no reference (same meaning)."""
    fetch: Fetch = {a.name: default_attribute_fetch(a, model) for a in entity_type.atomic_attributes()}
    return fetch if any(sub is not None for sub in fetch.values()) else None


def to_fetch(attr_filter: AttributeFilter | None, entity_type: EntityType, model: Model) -> Fetch | None:
    """The fetch of `attrs` for `entity_type`; an unknown attribute is 404 D04 (UnknownAttributeException)."""
    if attr_filter is None or attr_filter.is_star:
        return default_entity_fetch(entity_type, model)
    fetch: Fetch = {}
    _fill(attr_filter, entity_type, model, fetch)
    return fetch


def _fill(attr_filter: AttributeFilter, entity_type: EntityType, model: Model, fetch: Fetch) -> None:
    if attr_filter.include_all:
        for attribute in entity_type.atomic_attributes():
            fetch[attribute.name] = default_attribute_fetch(attribute, model)
    if attr_filter.include_id:
        fetch[entity_type.id_attribute.name] = None
    if attr_filter.include_label:
        fetch[entity_type.label_attribute.name] = None
    for name in attr_filter.attributes:
        attribute = entity_type.attribute(name)
        if attribute is None:
            raise unknown_attribute(entity_type, name)
        _fill_attribute(attr_filter, entity_type, attribute, model, fetch)


def _fill_attribute(attr_filter: AttributeFilter | None, entity_type: EntityType, attribute: Attribute,
                    model: Model, fetch: Fetch) -> None:
    if attribute.type == "COMPOUND":
        nested = attr_filter.nested_for(entity_type, attribute) if attr_filter is not None else None
        if nested is not None and not nested.include_all:
            if nested.include_id:
                _fill_attribute(nested, entity_type, entity_type.id_attribute, model, fetch)
            if nested.include_label:
                _fill_attribute(nested, entity_type, entity_type.label_attribute, model, fetch)
            children = {child.name: child for child in attribute.children}
            for name in nested.attributes:
                if name not in children:          # the server dereferences null here (500): unknown is 404
                    raise unknown_attribute(entity_type, name)
                _fill_attribute(nested, entity_type, children[name], model, fetch)
        else:
            for child in attribute.children:
                _fill_attribute(nested, entity_type, child, model, fetch)
        return
    target = _ref_type(attribute, model)
    if target is None:
        fetch[attribute.name] = None
        return
    nested = attr_filter.nested_for(entity_type, attribute) if attr_filter is not None else None
    fetch[attribute.name] = (to_fetch(nested, target, model) if nested is not None
                             else default_attribute_fetch(attribute, model))
