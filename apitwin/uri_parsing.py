"""Query and path parameters read by the OpenAPI serialization rules Connexion 3.3's URI parser leaves out.

- An object parameter of style `form` with `explode: true` (the query's defaults) has no key of its own: its
  properties are the query's keys (`?size=3&color=red` is `where={size: 3, color: red}`). Connexion's parser saw
  unknown query parameters (a 400 under strict validation) and never the object.
- An array of arrays (no OpenAPI style spells one) keeps its values as sent: Connexion's split joined and re-split
  them, losing the inner arrays; apitwin.validation reads them (`nested_readings`). Any exploded array sent as
  repeated keys keeps its values too (`?tag=a,b&tag=c` is ["a,b", "c"]); so does a repeated form field.

Both are marked in the 3.0 view (apitwin.specs EXPLODED, NESTED). The validators and the endpoint read parameters
through the same parser, so the handler gets what was validated.
"""
from __future__ import annotations

from typing import Any

from connexion.uri_parsing import OpenAPIURIParser
from connexion.utils import coerce_type

from apitwin.specs import EXPLODED, NESTED


class StyledURIParser(OpenAPIURIParser):
    """Connexion's OpenAPI parser, plus exploded form objects and arrays of arrays."""

    def __init__(self, param_defns: Any, body_defn: Any) -> None:
        super().__init__(param_defns, body_defn)
        query = [p for p in param_defns if p.get("in") == "query"]
        self._declared = {p["name"] for p in query}
        self._exploded = [(p["name"], set(p[EXPLODED].get("names") or ()), bool(p[EXPLODED].get("free")))
                          for p in query if isinstance(p.get(EXPLODED), dict)]
        self._nested = {p["name"] for p in param_defns
                        if p.get("in") in ("query", "path") and NESTED in (p.get("schema") or {})}
        self._reserved = {str(key) for p in query if isinstance(p.get(EXPLODED), dict)
                          for key in p[EXPLODED].get("reserved") or ()}
        self._repeatable = {p["name"]: p for p in query
                            if (p.get("schema") or {}).get("type") == "array" and p["name"] not in self._nested
                            and p.get("style", "form") == "form" and p.get("explode", True) is not False}

    def resolve_query(self, query_data: dict[str, list[str]]) -> dict[str, Any]:
        nested = {name: query_data.pop(name) for name in self._nested if name in query_data}
        # an exploded array sent as repeated keys keeps its values as sent: Connexion joined them with commas and
        # split them again, so a value holding a comma became two items
        repeated = {name: query_data.pop(name) for name, values in list(query_data.items())
                    if name in self._repeatable and len(values) > 1}
        folded = self._fold(query_data) if self._exploded and query_data else {}
        resolved = super().resolve_query(query_data)
        resolved.update(folded)
        resolved.update(nested)            # every value as sent, in order
        for name, values in repeated.items():
            resolved[name] = coerce_type(self._repeatable[name], values, "parameter", name)
        return resolved

    def resolve_path(self, path_data: dict[str, Any]) -> dict[str, Any]:
        nested = {name: path_data[name] for name in self._nested if name in path_data}
        resolved = super().resolve_path({k: v for k, v in path_data.items() if k not in nested})
        resolved.update(nested)
        return resolved

    def resolve_form(self, form_data: dict[str, Any]) -> dict[str, Any]:
        """Connexion's, except that an array field sent as repeated keys (`pair=1&pair=a,b`, style form with explode,
        the default) keeps its values as sent: Connexion joined them with commas and split them again, so a value
        holding a comma became two items."""
        if self._body_schema is None or self._body_schema.get("type") != "object":
            return form_data
        repeated = {}
        for key, values in form_data.items():
            encoding = self._body_encoding.get(key, {"style": "form"})
            definition = self.form_defns.get(key) or {}
            if (isinstance(values, list) and len(values) > 1 and definition.get("type") == "array"
                    and "contentType" not in encoding and encoding.get("style", "form") == "form"
                    and encoding.get("explode", True) is not False):
                repeated[key] = values
        resolved = super().resolve_form({k: v for k, v in form_data.items() if k not in repeated})
        for key, values in repeated.items():
            resolved[key] = coerce_type(self.form_defns[key], values, "requestBody", key)
        return resolved

    def _fold(self, query_data: dict[str, list[str]]) -> dict[str, dict[str, str]]:
        """Removes from `query_data` the keys that make up exploded objects; those objects by parameter name. A
        declared parameter keeps its own key; a key goes to the first object naming it as a property, else to the
        first object that takes other keys. An object sent under its own name (`?where=size,3`) takes none."""
        objects: dict[str, dict[str, str]] = {}
        for key in [k for k in query_data if k.split("[", 1)[0] not in self._declared and k not in self._reserved]:
            owner = next((name for name, names, _ in self._exploded if key in names and name not in query_data), None)
            if owner is None:
                owner = next((name for name, _, free in self._exploded if free and name not in query_data), None)
            if owner is not None:
                values = query_data.pop(key)
                objects.setdefault(owner, {})[key] = values[-1] if values else ""
        return objects
