"""Per-operation parameter readers, compiled at an operation's first request: the common request's parameters read
straight from the ASGI scope, without a ConnexionRequest and the generic URI parser walk.

`CollectingParameterValidator.validate` (apitwin.validation) builds, for every request, a ConnexionRequest over a
Starlette request, parses the query string into a multidict, re-derives the parser's parameter tables per key
(`param_schemas` is a property building a dict) and walks every location. For an operation whose parameters are all
*plain* — path parameters of style simple and query parameters of style form with a scalar type (string, integer,
number, boolean) or an array of scalars, headers with a scalar schema, no cookie parameters, every schema covered by
the compiled check (`apitwin.validation.fast_check`) and none of the view's marks (readings, nested arrays, exploded
objects, a 3.1 schema beside the view) — `ParamReader.read` gives the same values the way the parser gives them
(`StyledURIParser`: the last value of a repeated scalar, an exploded array's repeated values as sent, a single value
split at commas, each coerced as Connexion's `coerce_type` does), and accepts the request only when the compiled check
accepts every value. Anything else — a value the check refuses (so the message is Python's, word for word), a missing
required parameter, an unknown query parameter under strict validation, a path key it does not know — answers
False, and the caller runs today's full validation from the start: the reader changes nothing before it accepts.

tests/engine/test_param_reader.py sends the same raw requests through both for every operation of the APIs and
fixture documents and compares the parsed values and the errors.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qsl

from connexion.utils import boolean, is_null, is_nullable

from apitwin.specs import EXPLODED, FULL_SCHEMA, NESTED, READINGS
from apitwin.uri_parsing import StyledURIParser
from apitwin.validation import CollectingParameterValidator, fast_check

# Connexion's `coerce_type` casts (its TYPE_MAP); "string" has none: the text as sent
_CASTS: dict[str, Callable[[Any], Any] | None] = {"integer": int, "number": float, "boolean": boolean, "string": None}
_MARKS = (READINGS, NESTED, FULL_SCHEMA, EXPLODED)


def _cast(cast: Callable[[Any], Any] | None, value: Any) -> Any:
    """`coerce_type` of a scalar: the cast value, or the value as sent when it does not cast."""
    if cast is None:
        return value
    try:
        return cast(value)
    except (ValueError, TypeError):
        return value


class Plain:
    """One plain parameter: how its text becomes the value the parser gives, and whether that value is valid."""

    __slots__ = ("name", "raw_name", "required", "null_ok", "null_cast", "cast", "array", "explode", "empty_list",
                 "check")

    def __init__(self, param: dict[str, Any], check: Callable[[Any], bool]) -> None:
        schema = param["schema"]
        self.name: str = param["name"]
        self.raw_name = self.name.lower().encode("latin-1") if param["in"] == "header" else b""
        self.required = bool(param.get("required"))
        self.null_ok = bool(is_nullable(param))        # validate_parameter: a null value is valid
        self.null_cast = bool(is_nullable(schema))     # coerce_type: a null value becomes None
        self.array = schema["type"] == "array"
        self.cast = _CASTS[schema["items"]["type"] if self.array else schema["type"]]
        self.explode = param.get("explode", True) is not False   # query arrays (style form): explode by default
        # `?tags=` with style form, explode false, not required: the empty list (CollectingParameterValidator)
        self.empty_list = self.array and param.get("explode") is False and not param.get("required")
        self.check = check

    def query_value(self, values: list[str]) -> Any:
        """StyledURIParser.resolve_query for this parameter's values, in request order."""
        if not self.array:
            text: Any = values[-1]
            return None if self.null_cast and is_null(text) else _cast(self.cast, text)
        if self.explode:
            items = values if len(values) > 1 else values[0].split(",")
        else:
            items = values[-1].split(",")
        cast = self.cast
        return items if cast is None else [_cast(cast, item) for item in items]

    def path_value(self, value: Any) -> Any:
        """StyledURIParser.resolve_path for this (scalar) parameter."""
        return None if self.null_cast and is_null(value) else _cast(self.cast, value)

    def valid(self, value: Any) -> bool:
        """`CollectingParameterValidator.validate_parameter` answers None (valid) — as far as the compiled check can
        tell: False may still be valid there, and the caller asks it."""
        if self.null_ok and is_null(value):
            return True
        if value is None:
            return not self.required
        if self.empty_list and value == [""]:
            value = []
        return self.check(value)


def _plain(param: dict[str, Any]) -> Plain | None:
    """The parameter as a `Plain`, or None when it is not one (see the module's docstring)."""
    where, schema = param.get("in"), param.get("schema")
    if where not in ("path", "query", "header") or not isinstance(schema, dict) or "content" in param:
        return None
    if any(mark in param or mark in schema for mark in _MARKS):
        return None
    kind = schema.get("type")
    style = param.get("style")
    if kind == "array":
        items = schema.get("items")
        if where != "query" or style not in (None, "form") or not isinstance(items, dict) \
                or items.get("type") not in _CASTS or any(mark in items for mark in _MARKS):
            return None
    elif not isinstance(kind, str) or kind not in _CASTS:
        return None
    elif style not in (None, "form" if where == "query" else "simple"):
        return None
    name = param.get("name")
    if not isinstance(name, str) or (where == "path" and "-" in name):
        return None                # Connexion looks a path parameter up by its name with `_` for `-`
    if where == "header" and not name.isascii():
        return None                # Starlette's header lookup encodes the name as latin-1 (raising for some)
    check = fast_check(param)
    return None if check is None else Plain(param, check)


def _once(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parameters without repeats of a definition already listed (equal ones: see `ParamReader.compile`)."""
    kept: list[dict[str, Any]] = []
    for param in params:
        if param not in kept:
            kept.append(param)
    return kept


class ParamReader:
    """One operation's plain parameters, read and checked from the scope (`read`)."""

    def __init__(self, query: list[Plain], path: dict[str, Plain], headers: list[Plain], strict: bool,
                 allowed_query: frozenset[str]) -> None:
        self.query = query
        self.path = path
        self.headers = headers
        self.strict = strict
        self.allowed_query = allowed_query        # declared query names and the security schemes' query keys
        self.has_path = bool(path)
        self.required_query = any(p.required and not p.null_ok for p in query)
        self.repeatable = frozenset(p.name for p in query if p.array and p.explode)

    @classmethod
    def compile(cls, validator: Any) -> ParamReader | None:
        """The reader for an operation whose parameter validator this is (apitwin.validation's, over
        apitwin.uri_parsing's parser), or None where some parameter is not plain."""
        if type(validator) is not CollectingParameterValidator or type(validator.uri_parser) is not StyledURIParser:
            return None
        params = validator.parameters
        if set(params) - {"query", "path", "header"}:
            return None
        # the parser keeps one definition per name across the query and the path (the last); a definition listed
        # more than once alike (Connexion repeats path-level parameters) is read and checked once
        defined: dict[str, dict[str, Any]] = {}
        for param in [*params.get("query", []), *params.get("path", [])]:
            if defined.setdefault(param.get("name"), param) != param:
                return None
        plain: dict[str, list[Plain]] = {}
        for where in ("query", "path", "header"):
            found = [_plain(param) for param in _once(params.get(where, []))]
            if None in found:
                return None
            plain[where] = found  # type: ignore[assignment]
        return cls(plain["query"], {p.name: p for p in plain["path"]}, plain["header"], validator.strict_validation,
                   frozenset(p.name for p in plain["query"]) | frozenset(validator.security_query_params))

    def read(self, scope: dict[str, Any]) -> Reading | None:
        """The path and query parameters as the parser gives them when every parameter is certainly valid; None
        otherwise (nothing is changed either way)."""
        query = scope.get("query_string")
        resolved: dict[str, Any] | None = {}
        if query:
            if self.query or self.strict:
                sent: dict[str, list[str]] = {}
                for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                    found = sent.get(key)
                    if found is None:
                        sent[key] = [value]
                    else:
                        found.append(value)
                if self.strict and not self.allowed_query.issuperset(sent):
                    return None
                values: dict[str, Any] = {}
                for param in self.query:
                    got = sent.get(param.name)
                    value = None if got is None else param.query_value(got)
                    if not param.valid(value):
                        return None
                    if got is not None:
                        values[param.name] = value
                resolved = _in_parser_order(sent, values, self.repeatable)
            else:
                resolved = None       # not read: whoever needs it parses it
        elif self.required_query:
            return None
        path: dict[str, Any] = {}
        if self.has_path:
            for key, value in scope.get("path_params", {}).items():
                param = self.path.get(key)
                if param is None:
                    return None
                path[key] = param.path_value(value)
            for name, param in self.path.items():
                if not param.valid(path.get(name)):
                    return None
        if self.headers:
            raw = scope["headers"]
            for param in self.headers:
                value = next((v.decode("latin-1") for k, v in raw if k == param.raw_name), None)
                if not param.valid(value):
                    return None
        return Reading(path, resolved)


class Reading(NamedTuple):
    """What an accepted request's parameters are, as `ConnexionRequest.path_params` and `.query_params` over the
    operation's parser give them (`query` None: the query string was not read)."""
    path: dict[str, Any]
    query: dict[str, Any] | None


def _in_parser_order(sent: dict[str, list[str]], values: dict[str, Any], repeatable: frozenset[str]) -> dict[str, Any]:
    """`StyledURIParser.resolve_query`'s mapping: every key in the order first sent (an undeclared one with its
    values as sent), except that exploded arrays sent as repeated keys come last (the parser sets them aside and
    adds them back)."""
    resolved: dict[str, Any] = {}
    later: dict[str, Any] = {}
    for key, got in sent.items():
        if key not in values:
            resolved[key] = got
        elif key in repeatable and len(got) > 1:
            later[key] = values[key]
        else:
            resolved[key] = values[key]
    if later:
        resolved.update(later)
    return resolved
