"""XML request bodies read the way the OpenAPI XML Object describes them, so they are validated like JSON ones: the
root element is the body; each child element (or attribute, for `xml.attribute`) is the property its `xml.name` or
property name names; an array is its repeated elements, inside one wrapper element when `xml.wrapped`; element text
is read in the property's type (`<has_dog>true</has_dog>` is the boolean true, an empty one is the empty string,
which a boolean refuses). Text inside an element that should hold elements (`<booking>true</booking>`) is read as
that scalar, which the object schema refuses. Elements no property names are kept as text, for `additionalProperties` to judge.

The standard library's expat parser resolves no external entities and (expat 2.4+) caps entity expansion; a body
declaring a DTD is refused outright, as no API document describes one.
"""
from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

MAX_DEPTH = 32


class XmlBodyError(ValueError):
    """The body is not well-formed XML (or declares a DTD)."""


def parse(raw: bytes, schema: Any, properties_of: Any, deref: Any = None) -> Any:
    """The body as the value its schema describes. `properties_of(schema)` names every property a (possibly
    composed) object schema may carry; `deref` follows a `$ref` (schemas not yet resolved)."""
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise XmlBodyError("a document type declaration is not accepted")
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise XmlBodyError(str(exc)) from None
    return _value(root, schema, _Reader(properties_of, deref or (lambda node: node)), 0)


class _Reader:
    def __init__(self, properties_of: Any, deref: Any) -> None:
        self.deref = deref
        self._properties_of = properties_of

    def __call__(self, schema: Any) -> dict[str, Any]:
        return {name: self.deref(prop) for name, prop in (self._properties_of(self.deref(schema)) or {}).items()}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml_name(name: str, schema: Any) -> str:
    xml = schema.get("xml") if isinstance(schema, dict) else None
    return str(xml["name"]) if isinstance(xml, dict) and xml.get("name") else name


def _types(schema: Any) -> list[str]:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return [kind] if isinstance(kind, str) else list(kind or [])


def _value(element: ElementTree.Element, schema: Any, properties_of: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise XmlBodyError("the body is nested too deeply")
    schema = properties_of.deref(schema)
    properties = properties_of(schema) if isinstance(schema, dict) else {}
    text = (element.text or "").strip()
    if text and not len(element) and not element.attrib and "string" not in _types(schema) and (
            properties or "object" in _types(schema) or "array" in _types(schema)):
        return scalar(schema, text)   # text where elements were expected: a scalar the schema refuses
    if properties or "object" in _types(schema) or (len(element) and not _types(schema)):
        return _object(element, properties, properties_of, depth)
    if "array" in _types(schema):
        items = schema.get("items") or {}
        return [_value(child, items, properties_of, depth + 1) for child in element]
    if len(element):   # elements where a scalar was expected: an object the scalar schema refuses
        return _object(element, {}, properties_of, depth + 1)
    return scalar(schema, element.text or "")


def _object(element: ElementTree.Element, properties: dict[str, Any], properties_of: Any, depth: int) -> dict:
    out: dict[str, Any] = {}
    by_tag = {_xml_name(name, prop): name for name, prop in properties.items()
              if not (isinstance(prop, dict) and (prop.get("xml") or {}).get("attribute"))}
    for name, prop in properties.items():
        if isinstance(prop, dict) and (prop.get("xml") or {}).get("attribute"):
            attribute = _xml_name(name, prop)
            if attribute in element.attrib:
                out[name] = scalar(prop, element.attrib[attribute])
    for child in element:
        tag = _local(child.tag)
        name = by_tag.get(tag)
        prop = properties.get(name) if name else None
        if name is None:
            # an unwrapped array's items are named after the items' xml.name
            name = next((n for n, p in properties.items() if "array" in _types(p)
                         and _xml_name(n, p.get("items") or {}) == tag), None)
            prop = properties.get(name) if name else None
        if name is None or prop is None:
            out[tag] = child.text or "" if not len(child) else _object(child, {}, properties_of, depth + 1)
            continue
        if "array" in _types(prop):
            items = prop.get("items") or {}
            if (prop.get("xml") or {}).get("wrapped"):
                out[name] = [_value(item, items, properties_of, depth + 1) for item in child]
            else:
                out.setdefault(name, []).append(_value(child, items, properties_of, depth + 1))
        else:
            out[name] = _value(child, prop, properties_of, depth + 1)
    return out


def scalar(schema: Any, text: str, *, any_case: bool = False) -> Any:
    """Element, attribute or form-field text in its schema's type when it reads as one; otherwise the text, for the
    validator to judge. `any_case`: booleans in any letter case (forms, as Spring binds them); XML's are lower case."""
    types = _types(schema)
    if "null" in types and text == "" and "string" not in types:
        return None
    for kind in types:
        try:
            if kind == "integer":
                return int(text)
            if kind == "number":
                return float(text)
        except ValueError:
            continue
        word = text.lower() if any_case else text
        if kind == "boolean" and word in ("true", "false"):
            return word == "true"
    return text
