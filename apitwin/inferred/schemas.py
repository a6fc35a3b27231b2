"""Schema helpers over one bundled document: internal `$ref`s followed, `allOf` merged for reading, the JSON media
schema of a request or response, and compiled validators (jsonschema-rs, 2020-12, formats) over the document."""
from __future__ import annotations

from typing import Any

import jsonschema_rs

from apitwin.review.loader import split


class Schemas:
    """Look-ups in one document (3.1, bundled: every `$ref` is internal)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self._validators: dict[int, Any] = {}
        self._keep: list[Any] = []
        self._answer_components: Any = None

    def deref(self, node: Any, depth: int = 0) -> Any:
        """`node` with its `$ref` chain followed (siblings of a `$ref` win, as in 3.1)."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 50:
            target = self.at(node["$ref"])
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if siblings and isinstance(target, dict) else target
            depth += 1
        return node

    def at(self, ref: str) -> Any:
        node: Any = self.doc
        for token in split(ref.partition("#")[2]):
            from urllib.parse import unquote

            token = unquote(token)
            node = node[int(token)] if isinstance(node, list) else node.get(token, {})
        return node

    def flat(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        """An object schema as a reader sees it: refs followed, `allOf` parts merged (properties, required)."""
        schema = self.deref(schema)
        if not isinstance(schema, dict) or depth > 10:
            return {}
        if "allOf" not in schema:
            return self._with_branch_properties(schema, depth) if self.branches(schema) else schema
        out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props = dict(out.get("properties") or {})
        required = list(out.get("required") or [])
        for part in schema["allOf"]:
            part = self.flat(part, depth + 1)
            props.update(part.get("properties") or {})
            required += [r for r in part.get("required") or [] if r not in required]
            for key in ("type", "additionalProperties"):
                if key in part and key not in out:
                    out[key] = part[key]
        if props:
            out["properties"] = props
        if required:
            out["required"] = required
        return self._with_branch_properties(out, depth) if self.branches(out) else out

    @staticmethod
    def branches(schema: Any) -> list[Any]:
        """The alternatives of a polymorphic schema (`oneOf`, else `anyOf`), or none."""
        if not isinstance(schema, dict):
            return []
        found = schema.get("oneOf") or schema.get("anyOf")
        return found if isinstance(found, list) else []

    def _with_branch_properties(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """A reader of a polymorphic object (oneOf of object schemas) sees every branch's properties: the id,
        readOnly and writeOnly properties they share are the resource's. `required` stays the schema's own."""
        props = dict(schema.get("properties") or {})
        for branch in self.branches(schema):
            for name, sub in (self.flat(branch, depth + 1).get("properties") or {}).items():
                props.setdefault(name, sub)
        return {**schema, "properties": props} if props else schema

    def properties(self, schema: Any) -> dict[str, dict[str, Any]]:
        flat = self.flat(schema)
        return {name: self.flat(value) for name, value in (flat.get("properties") or {}).items()}

    def is_array(self, schema: Any) -> bool:
        flat = self.flat(schema)
        kind = flat.get("type")
        return kind == "array" or (isinstance(kind, list) and "array" in kind) or ("items" in flat and not kind)

    def validator(self, schema: Any) -> Any:
        """A compiled validator for `schema` in this document (its refs resolve against the document)."""
        key = id(schema)
        found = self._validators.get(key)
        if found is None:
            root = {"$defs": {}, **({"components": self.doc.get("components")} if self.doc.get("components") else {}),
                    "allOf": [schema]} if isinstance(schema, dict) else schema
            found = jsonschema_rs.validator_for(root, validate_formats=True) if isinstance(root, dict) \
                else jsonschema_rs.validator_for({} if root is True else {"not": {}})
            self._validators[key] = found
            self._keep.append(schema)
        return found

    def valid(self, schema: Any, value: Any) -> bool:
        if schema is None:
            return True
        try:
            return self.validator(schema).is_valid(value)
        except Exception:  # noqa: BLE001 - an uncompilable schema (bad pattern) cannot be checked: accept
            return True

    def valid_answer(self, schema: Any, value: Any) -> bool:
        """Is `value` valid as an answer? A writeOnly property is never in an answer, so its `required` holds only
        for requests (OpenAPI: "MAY be in required, which then applies to the request only")."""
        if schema is None:
            return True
        key = ("answer", id(schema))
        found = self._validators.get(key)   # type: ignore[call-overload]
        if found is None:
            if self._answer_components is None:
                self._answer_components = self._without_write_only_required(self.doc.get("components") or {})
            root = {"$defs": {}, **({"components": self._answer_components} if self._answer_components else {}),
                    "allOf": [self._without_write_only_required(schema)]}
            try:
                found = jsonschema_rs.validator_for(root, validate_formats=True)
            except Exception:  # noqa: BLE001 - an uncompilable schema (bad pattern) cannot be checked: accept
                return True
            self._validators[key] = found   # type: ignore[index]
            self._keep.append(schema)
        try:
            return found.is_valid(value)
        except Exception:  # noqa: BLE001
            return True

    def _without_write_only_required(self, node: Any, depth: int = 0) -> Any:
        """A copy of `node` whose `required` lists leave out the writeOnly properties they name."""
        if depth > 200:
            return node
        if isinstance(node, list):
            return [self._without_write_only_required(v, depth + 1) for v in node]
        if not isinstance(node, dict):
            return node
        out = {k: self._without_write_only_required(v, depth + 1) if k not in ("example", "examples", "enum",
                                                                                "const", "default") else v
               for k, v in node.items()}
        props = node.get("properties")
        if isinstance(node.get("required"), list) and isinstance(props, dict):
            out["required"] = [name for name in node["required"]
                               if not (isinstance(self.deref(props.get(name)), dict)
                                       and self.deref(props.get(name)).get("writeOnly"))]
        return out

    def first_error_path(self, schema: Any, value: Any) -> list[Any] | None:
        try:
            error = next(iter(self.validator(schema).iter_errors(value)), None)
        except Exception:  # noqa: BLE001
            return None
        return list(error.instance_path) if error is not None else None


def json_media(content: Any) -> tuple[str, dict[str, Any]] | None:
    """The JSON (or first) media type of a `content` map, with its object."""
    if not isinstance(content, dict) or not content:
        return None
    for media_type, media in content.items():
        base = media_type.split(";")[0].strip().lower()
        if base == "application/json" or base.endswith("+json") or base == "*/*":
            return media_type, media if isinstance(media, dict) else {}
    return None
