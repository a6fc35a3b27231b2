"""Query rules (docs/molgenis-server.md, "Query rules"): reading them from GET parameters and RSQL, compiling them to a
row predicate, sorting.

The server validates rules with `QueryValidator` (value coercion, exact messages) and runs them as SQL built by
`PostgreSqlQueryGenerator`; the mock keeps both halves: rules are checked and their values coerced once, at compile
time, and the predicate evaluates SQL's three-valued logic (a comparison with a null column is *unknown*, and
`NOT unknown` is still unknown, so `NOT x = 'a'` skips rows where x is null; BOOL uses IS TRUE/IS FALSE and is never
unknown). A row matches when the whole expression is true.

Semantics kept from the server: flat infix rule lists, `NOT` as a prefix, AND binding tighter than OR, neighbouring
rules without connector AND-ed; `LIKE` as `ILIKE '%v%'` (so `%` and `_` in the value are wildcards) over the value
as text; `EQUALS null` = IS NULL; EQUALS/IN/LIKE/comparisons on MREF and ONE_TO_MANY are "some referenced id ...".
Choices where the server answers 500 (malformed rule lists, missing fields, deep nesting): a `QueryProblem` (400).
`SEARCH` is served by the mock (the server needs Elasticsearch for it) as a case-insensitive substring match over one
attribute or all atomic ones. NOT over a multi-valued field negates "some id matches" (the SQL join would keep rows with
any other id; documented simplification).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Sequence

from apitwin_apis.molgenis.problem import Problem
from apitwin_apis.molgenis.model import MULTI_REFERENCE_TYPES, REFERENCE_TYPES, Attribute, EntityType, Model
from apitwin_apis.molgenis.values import (DATE_MESSAGE, DATETIME_MESSAGE, INT_RANGE, LONG_RANGE, java_double_str,
                                      java_str, java_type_name, number_to_int, parse_date, parse_datetime,
                                      parse_java_double, parse_java_int, ref_entity_id)

Values = Mapping[str, Any]
Predicate = Callable[[Values], "bool | None"]
Lookup = Callable[[str], Any]          # entity type id -> Repository | None

OPERATORS = ("SEARCH", "SEARCH_QUERY", "EQUALS", "IN", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL", "RANGE",
             "LIKE", "NOT", "AND", "OR", "NESTED", "SHOULD", "DIS_MAX", "FUZZY_MATCH", "FUZZY_MATCH_NGRAM")
UNSUPPORTED = ("SEARCH_QUERY", "FUZZY_MATCH", "FUZZY_MATCH_NGRAM", "SHOULD", "DIS_MAX")
COMPARISONS = ("LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")
MAX_DEPTH = 32                 # NESTED levels; deeper is refused instead of recursing without bound
MAX_PARAM_INDEX = 255          # Spring's autoGrowCollectionLimit for q[i] binding
_PARAM = re.compile(r"q\[([0-9]+)\]\.(field|operator|value)")


class QueryProblem(Problem):
    """A query the server refuses: answered 400, without code unless a binding error gives one (`typeMismatch`)."""


# -- q[i].field / q[i].operator / q[i].value ----------------------------------------------------------------------

def rules_from_params(params: Mapping[str, str | Sequence[str]]) -> list[dict[str, Any]]:
    """Rules bound from numbered GET parameters (`q[0].field=…`), in numeric index order; gaps are skipped. Pass every
    value of a repeated parameter (e.g. `{k: query_params.getlist(k) for k in query_params}`). Values stay strings; a
    repeated `value` becomes a tuple (Java String[]: not a list, so IN/RANGE refuse it as the server does). A plain `q`
    parameter (RSQL on a JSON route) and unknown `q[...]` properties are refused; other parameters ignored."""
    rules: dict[int, dict[str, Any]] = {}
    for key, raw in params.items():
        if key == "q":
            raise QueryProblem("Field 'q' of 'entityCollectionRequest' Failed to convert property value of type "
                               "'java.lang.String' to required type 'java.util.List' for property 'q'",
                               code="typeMismatch")
        if not key.startswith("q["):
            continue
        match = _PARAM.fullmatch(key)
        if not match:
            raise QueryProblem(f"Invalid property '{key}' of bean class [EntityCollectionRequest]")
        index, prop = int(match.group(1)), match.group(2)
        if index > MAX_PARAM_INDEX:
            raise QueryProblem(f"Invalid property '{key}' of bean class [EntityCollectionRequest]: index {index} "
                               f"exceeds the maximum of {MAX_PARAM_INDEX}")
        items = [raw] if isinstance(raw, str) else list(raw)
        if prop == "value":
            value: Any = items[0] if len(items) == 1 else tuple(items)
        else:
            value = ",".join(items)
        rules.setdefault(index, {})[prop] = value
    return [rules[i] for i in sorted(rules)]


# -- value coercion (QueryValidator.toQueryRuleValue) --------------------------------------------------------------

def _java_to_string(value: Any) -> str:
    if isinstance(value, tuple):
        return "[Ljava.lang.String;"            # an array's identity string never equals real data
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        return java_double_str(value)            # Gson reads every JSON number as a Double
    return java_str(value)


def _wrong_type(attribute: Attribute, value: Any, first: str, second: str, dot: str = "") -> QueryProblem:
    return QueryProblem(f"Attribute [{attribute.name}] value is of type [{java_type_name(value)}] instead of "
                        f"[{first}] or [{second}]{dot}")


def _not_converted(attribute: Attribute, value: Any, java_type: str) -> QueryProblem:
    return QueryProblem(f"Attribute [{attribute.name}] value [{value}] cannot be converter to type [{java_type}]")


def coerce(attribute: Attribute, value: Any, model: Model) -> Any:
    """A rule value in the attribute's stored representation, with QueryValidator's exact messages."""
    kind = attribute.type
    if value is None:
        return None
    if kind == "BOOL":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise _not_converted(attribute, value, "Boolean")
        raise _wrong_type(attribute, value, "String", "Boolean")
    if kind in ("STRING", "TEXT", "HTML", "SCRIPT", "EMAIL", "HYPERLINK"):
        return value if isinstance(value, str) else _java_to_string(value)
    if kind == "ENUM":
        if not isinstance(value, str):
            raise _wrong_type(attribute, value, "String", "Enum")
        if value not in attribute.enum_options:
            raise QueryProblem(f"Attribute [{attribute.name}] value [{value}] is not a valid enum option")
        return value
    if kind in REFERENCE_TYPES:
        target = model.get(ref_entity_id(attribute) or "")
        if target is None:
            raise QueryProblem(f"Unknown entity type '{ref_entity_id(attribute)}'.")
        return coerce(target.id_attribute, value, model)
    if kind == "DATE":
        if not isinstance(value, str):
            raise _wrong_type(attribute, value, "LocalDate", "String", ".")
        try:
            return parse_date(value)
        except ValueError:
            raise QueryProblem(DATE_MESSAGE.format(attribute.name, value)) from None
    if kind == "DATE_TIME":
        if not isinstance(value, str):
            raise _wrong_type(attribute, value, "String", "Instant")
        try:
            return parse_datetime(value)
        except ValueError:
            raise QueryProblem(DATETIME_MESSAGE.format(attribute.name, value)) from None
    if kind in ("INT", "LONG", "DECIMAL"):
        java_type = {"INT": "Integer", "LONG": "Long", "DECIMAL": "Double"}[kind]
        if isinstance(value, str):
            number = parse_java_double(value) if kind == "DECIMAL" else \
                parse_java_int(value, INT_RANGE if kind == "INT" else LONG_RANGE)
            if number is None:
                raise _not_converted(attribute, value, java_type)
            return number
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if kind == "DECIMAL":
                return float(value)
            return number_to_int(value, INT_RANGE if kind == "INT" else LONG_RANGE)
        raise _wrong_type(attribute, value, "String", "Number")
    raise QueryProblem(f"Attribute [{attribute.name}] type [{kind}] is not allowed")


# -- text and order of stored values (what Postgres compares) ------------------------------------------------------

def _pg_text(value: Any, kind: str) -> str:
    """A stored value as `CAST(column AS TEXT)` shows it (LIKE compares non-text columns this way)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if kind == "DATE_TIME" and isinstance(value, str):
        return value[:10] + " " + value[11:-1] + "+00"
    return str(value)


def _order_key(value: Any, kind: str) -> Any:
    """Sort/compare key: DATE_TIME strings normalised to a fixed fraction width, everything else as stored."""
    if kind == "DATE_TIME" and isinstance(value, str):
        return value[:19] + (value[20:-1] if len(value) > 20 else "").ljust(6, "0")
    if isinstance(value, list):
        return tuple(value)
    return value


# -- fields --------------------------------------------------------------------------------------------------------

def _unknown(name: str, entity_type: EntityType) -> QueryProblem:
    return QueryProblem(f"Unknown attribute '{name}' of entity type '{entity_type.display_label}'.")


class _Field:
    """A rule's field: its terminal attribute and a getter returning a scalar (`multi` False) or a list of values."""

    def __init__(self, attribute: Attribute, get: Callable[[Values], Any], multi: bool) -> None:
        self.attribute, self.get, self.multi = attribute, get, multi


def _resolve(field: Any, entity_type: EntityType, model: Model, lookup: Lookup | None) -> _Field:
    """`name` or a dotted path through references (`xref.label`); every step precomputed so rows are cheap."""
    if not isinstance(field, str):
        field = java_str(field)                              # Gson reads a JSON number into a String as written
    steps = field.split(".") if field else [field]
    current = entity_type
    attributes: list[tuple[EntityType, Attribute]] = []
    for position, name in enumerate(steps):
        attribute = current.attribute(name)
        if attribute is None:
            raise _unknown(name, current)
        attributes.append((current, attribute))
        if position + 1 < len(steps):
            target = model.get(ref_entity_id(attribute) or "") if attribute.is_reference else None
            if target is None:
                raise QueryProblem(f"Attribute '{name}' of entity type '{current.display_label}' is not a reference; "
                                   f"cannot query '{field}'.")
            current = target
    getters = [_direct_getter(owner, attribute, model, lookup) for owner, attribute in attributes]
    terminal = attributes[-1][1]
    if len(getters) == 1:
        get, multi = getters[0]
        return _Field(terminal, get, multi)
    return _Field(terminal, _path_getter(attributes, getters, model, lookup), True)


def _direct_getter(owner: EntityType, attribute: Attribute, model: Model,
                   lookup: Lookup | None) -> tuple[Callable[[Values], Any], bool]:
    name = attribute.name
    if attribute.type == "ONE_TO_MANY" and attribute.mapped_by:
        children: dict[Any, list[Any]] = {}
        target = model.get(ref_entity_id(attribute) or "")
        repository = lookup(target.id) if (target is not None and lookup is not None) else None
        if repository is not None:
            child_id = target.id_attribute.name
            for row in repository.scan():
                parent = row.get(attribute.mapped_by)
                if parent is not None:
                    children.setdefault(parent, []).append(row.get(child_id))
        own_id = owner.id_attribute.name
        return (lambda values: children.get(values.get(own_id), [])), True
    if attribute.type in MULTI_REFERENCE_TYPES:
        return (lambda values: values.get(name) or []), True
    return (lambda values: values.get(name)), False


def _path_getter(attributes: list[tuple[EntityType, Attribute]], getters: list[tuple[Callable[[Values], Any], bool]],
                 model: Model, lookup: Lookup | None) -> Callable[[Values], list[Any]]:
    """Values at the end of a reference path, following ids through each referenced type's rows (indexed once)."""
    tables: list[dict[Any, Values]] = []
    for owner, attribute in attributes[:-1]:
        target = model.get(ref_entity_id(attribute) or "")
        repository = lookup(target.id) if (target is not None and lookup is not None) else None
        id_name = target.id_attribute.name if target is not None else ""
        tables.append({row.get(id_name): row for row in repository.scan()} if repository is not None else {})

    def get(values: Values) -> list[Any]:
        rows = [values]
        for (getter, multi), table in zip(getters[:-1], tables):
            ids: list[Any] = []
            for row in rows:
                found = getter(row)
                ids.extend(found if multi else ([found] if found is not None else []))
            rows = [table[i] for i in ids if i in table]
        last, last_multi = getters[-1]
        out: list[Any] = []
        for row in rows:
            found = last(row)
            out.extend(found if last_multi else ([found] if found is not None else []))
        return out

    return get


# -- predicates ----------------------------------------------------------------------------------------------------

def _over(field: _Field, test: Callable[[Any], bool]) -> Predicate:
    """Lift a test on one non-null value to a row predicate: unknown for null, "some value" for lists."""
    get = field.get
    if field.multi:
        def multi(values: Values) -> bool | None:
            found = get(values)
            if not found:
                return None
            return any(test(v) for v in found if v is not None)
        return multi

    def single(values: Values) -> bool | None:
        value = get(values)
        return None if value is None else test(value)
    return single


def _equals(field: _Field, value: Any) -> Predicate:
    get = field.get
    if value is None:
        if field.multi:
            return lambda values: not get(values)
        return lambda values: get(values) is None
    if field.attribute.type == "BOOL" and not field.multi:
        return lambda values: get(values) == value           # IS TRUE / IS FALSE: null is simply false
    kind = field.attribute.type
    key = _order_key(value, kind)
    if kind == "DATE_TIME":
        return _over(field, lambda v: _order_key(v, kind) == key)
    return _over(field, lambda v: v == value)


def _like_regex(text: str) -> re.Pattern[str]:
    """The body of `ILIKE '%text%'`: `%` any run, `_` one character, backslash escapes the next character."""
    out, escaped = [], False
    for char in text:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _compile_operand(rule: Mapping[str, Any], operator: str, entity_type: EntityType, model: Model,
                     lookup: Lookup | None, depth: int) -> Predicate:
    if operator == "NESTED":
        nested = rule.get("nestedRules")
        if not isinstance(nested, list) or not nested:
            raise QueryProblem("Query rule with operator [NESTED] needs a non-empty list of nestedRules")
        return _compile_list(nested, entity_type, model, lookup, depth + 1)
    if operator == "SEARCH":
        return _search(rule, entity_type, model, lookup)
    field_name = rule.get("field")
    if field_name is None:
        if operator == "EQUALS":
            raise QueryProblem("Missing attribute field in EQUALS query rule")
        label = "GREATER, GREATER_EQUAL, LESS or LESS_EQUAL" if operator in COMPARISONS else operator
        raise QueryProblem(f"Can't use {label} without specifying an attribute")
    field = _resolve(field_name, entity_type, model, lookup)
    attribute = field.attribute
    kind = attribute.type
    raw = rule.get("value")
    if operator in ("IN", "RANGE"):
        if raw is None:
            raise QueryProblem(f"Missing value for {operator} query")
        if not isinstance(raw, list):
            raise QueryProblem(f"Query rule with operator [{operator}] value is of type [{java_type_name(raw)}] "
                               f"instead of [Iterable]")
        items = [coerce(attribute, item, model) for item in raw]
        if operator == "IN":
            wanted = {_order_key(item, kind) for item in items if item is not None}
            return _over(field, lambda v: _order_key(v, kind) in wanted)
        if len(items) < 2:
            raise QueryProblem("Query rule with operator [RANGE] needs a value [from, to]")
        low, high = items[0], items[1]
        if low is None or high is None:
            return lambda values: None                         # col >= NULL is unknown for every row
        low_key, high_key = _order_key(low, kind), _order_key(high, kind)
        return _over(field, lambda v: low_key <= _order_key(v, kind) <= high_key)
    value = coerce(attribute, raw, model)
    if operator == "EQUALS":
        return _equals(field, value)
    if operator == "LIKE":
        pattern = _like_regex(_pg_text(value, kind))
        return _over(field, lambda v: pattern.search(_pg_text(v, kind)) is not None)
    if value is None:
        return lambda values: None
    bound = _order_key(value, kind)
    tests = {"LESS": lambda v: _order_key(v, kind) < bound, "LESS_EQUAL": lambda v: _order_key(v, kind) <= bound,
             "GREATER": lambda v: _order_key(v, kind) > bound,
             "GREATER_EQUAL": lambda v: _order_key(v, kind) >= bound}
    return _over(field, tests[operator])


def _atomic(compound: Attribute) -> list[Attribute]:
    out: list[Attribute] = []
    for child in compound.children:
        out.extend(_atomic(child) if child.type == "COMPOUND" else [child])
    return out


def _search(rule: Mapping[str, Any], entity_type: EntityType, model: Model, lookup: Lookup | None) -> Predicate:
    raw = rule.get("value")
    needle = "" if raw is None else (raw if isinstance(raw, str) else _java_to_string(raw)).lower()
    if rule.get("field") is not None:
        field = _resolve(rule["field"], entity_type, model, lookup)
        if field.attribute.type == "COMPOUND":
            fields = [_resolve(child.name, entity_type, model, lookup) for child in _atomic(field.attribute)]
        else:
            fields = [field]
    else:
        fields = [_resolve(a.name, entity_type, model, lookup) for a in entity_type.atomic_attributes()
                  if a.expression is None]
    if not needle:
        return lambda values: True
    plan = [(f.get, f.multi, f.attribute.type) for f in fields]

    def search(values: Values) -> bool:
        for get, multi, kind in plan:
            found = get(values)
            for value in (found if multi else [found]):
                if value is not None and needle in _pg_text(value, kind).lower():
                    return True
        return False
    return search


# -- the flat infix rule list --------------------------------------------------------------------------------------

def _all_of(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]

    def conjunction(values: Values) -> bool | None:
        unknown = False
        for part in parts:
            result = part(values)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True
    return conjunction


def _any_of(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]

    def disjunction(values: Values) -> bool | None:
        unknown = False
        for part in parts:
            result = part(values)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False
    return disjunction


def _negate(part: Predicate) -> Predicate:
    def negation(values: Values) -> bool | None:
        result = part(values)
        return None if result is None else not result
    return negation


def _compile_list(rules: Any, entity_type: EntityType, model: Model, lookup: Lookup | None,
                  depth: int) -> Predicate:
    """OR of AND-groups of (NOT* operand); neighbours without connector are AND-ed."""
    if depth > MAX_DEPTH:
        raise QueryProblem(f"Query rules are nested too deeply (more than {MAX_DEPTH} levels)")
    if not isinstance(rules, list):
        raise QueryProblem(f"Query rules must be a list, not [{java_type_name(rules)}]")
    groups: list[list[Predicate]] = [[]]
    negations = 0
    previous = None                                            # "connector", "not", "operand" or None
    connector = "AND"
    for rule in rules:
        if not isinstance(rule, Mapping):
            raise QueryProblem(f"A query rule must be an object, not [{java_type_name(rule)}]")
        operator = rule.get("operator")
        if operator is None or operator == "":
            raise QueryProblem("Query rule without operator")
        if not isinstance(operator, str) or operator not in OPERATORS:
            raise QueryProblem(f"Unknown query operator [{java_str(operator)}], expected one of "
                               f"{', '.join(OPERATORS)}")
        if operator in UNSUPPORTED:
            raise QueryProblem(f"Query operator [{operator}] not supported by PostgreSQL repository")
        if operator in ("AND", "OR"):
            if previous in (None, "connector", "not"):
                raise QueryProblem(f"Query operator [{operator}] must stand between two rules")
            if operator == "OR":
                groups.append([])
            previous, connector = "connector", operator
            continue
        if operator == "NOT":
            negations += 1
            previous = "not"
            continue
        part = _compile_operand(rule, operator, entity_type, model, lookup, depth)
        if negations % 2:
            part = _negate(part)
        negations = 0
        groups[-1].append(part)
        previous = "operand"
    if previous == "not":
        raise QueryProblem("Query operator [NOT] must be followed by a rule")
    if previous == "connector":
        raise QueryProblem(f"Query operator [{connector}] must stand between two rules")
    if not groups[0]:
        return lambda values: True
    return _any_of([_all_of(group) for group in groups])


def compile_rules(rules: Sequence[Mapping[str, Any]] | None, entity_type: EntityType, model: Model,
                  lookup: Lookup | None = None) -> Callable[[Values], bool]:
    """A predicate over stored values for a rule list (None or [] = every row). Rules are checked and their values
    coerced here, once; evaluation does no parsing. `lookup` is needed for ONE_TO_MANY and dotted fields."""
    if rules is None:
        return lambda values: True
    predicate = _compile_list(list(rules) if isinstance(rules, tuple) else rules, entity_type, model, lookup, 0)
    return lambda values: predicate(values) is True


# -- sorting -------------------------------------------------------------------------------------------------------

def sort_rows(rows: Iterable[Values], sort: Mapping[str, Any] | None, entity_type: EntityType) -> list[Values]:
    """Rows ordered by a SortV1 body `{"orders": [{"property": p, "direction": "ASC"|"DESC"}]}` (POST tunnel body only):
    a missing or unknown direction is DESC; nulls sort as Postgres does (last ascending, first descending); when no sort
    attribute is unique the id attribute breaks ties ascending, as the server's SQL does. None keeps the order."""
    rows = list(rows)
    if sort is None:
        return rows
    orders = sort.get("orders") if isinstance(sort, Mapping) else None
    if not isinstance(orders, list):
        raise QueryProblem("Invalid sort: expected {\"orders\": [{\"property\": ..., \"direction\": ...}]}")
    keys: list[tuple[Attribute, bool]] = []
    for order in orders:
        if not isinstance(order, Mapping):
            raise QueryProblem("Invalid sort: expected {\"orders\": [{\"property\": ..., \"direction\": ...}]}")
        prop = order.get("property")
        if not isinstance(prop, str) or not prop:
            raise QueryProblem("Property must not null or empty!")
        attribute = entity_type.attribute(prop)
        if attribute is None:
            raise _unknown(prop, entity_type)
        if attribute.type in ("COMPOUND", "ONE_TO_MANY") or attribute.expression is not None:
            raise QueryProblem(f"Cannot sort on attribute '{prop}' of type [{attribute.type}]")
        keys.append((attribute, order.get("direction") == "ASC"))
    id_attribute = entity_type.id_attribute
    if not any(a.unique or a is id_attribute for a, _ in keys):
        keys.append((id_attribute, True))
    for attribute, ascending in reversed(keys):
        name, kind = attribute.name, attribute.type
        present = [r for r in rows if r.get(name) is not None]
        missing = [r for r in rows if r.get(name) is None]
        present.sort(key=lambda r: _order_key(r[name], kind), reverse=not ascending)
        rows = present + missing if ascending else missing + present
    return rows


# -- RSQL (the CSV route's q) --------------------------------------------------------------------------------------

_RSQL_OPERATORS = {"==", "!=", "=lt=", "<", "=le=", "<=", "=gt=", ">", "=ge=", ">=", "=in=", "=out=", "=q=", "=sq=",
                   "=notlike=", "=rng=", "=like="}
_MULTI_VALUE = {"=in=", "=out=", "=rng="}
_RSQL_RULE = {"==": "EQUALS", "=lt=": "LESS", "<": "LESS", "=le=": "LESS_EQUAL", "<=": "LESS_EQUAL",
              "=gt=": "GREATER", ">": "GREATER", "=ge=": "GREATER_EQUAL", ">=": "GREATER_EQUAL"}
_NUMERIC_OR_DATE = ("DATE", "DATE_TIME", "DECIMAL", "INT", "LONG")
_RESERVED = set("\"'();,=<>!~ ")


def _rsql_tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens of jirutka's rsql-parser grammar: `and`/`or` need a space on each side."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if text.startswith(" and ", i) or text.startswith(" or ", i):
            word = "and" if text.startswith(" and ", i) else "or"
            tokens.append(("AND" if word == "and" else "OR", word))
            i += len(word) + 2
            continue
        if char in " \t":
            i += 1
        elif char in ";,()":
            tokens.append(({";": "AND", ",": "OR", "(": "(", ")": ")"}[char], char))
            i += 1
        elif char in "\"'":
            out, j = [], i + 1
            while j < n and text[j] != char:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                out.append(text[j])
                j += 1
            if j >= n:
                raise QueryProblem(f"Invalid RSQL query '{text}': unterminated quoted value")
            tokens.append(("VALUE", "".join(out)))
            i = j + 1
        elif char in "=!":
            match = re.match(r"(=[A-Za-z]*|!)=", text[i:])
            if not match:
                raise QueryProblem(f"Invalid RSQL query '{text}' at position {i}")
            tokens.append(("OP", match.group(0)))
            i += len(match.group(0))
        elif char in "<>":
            op = text[i:i + 2] if text[i + 1:i + 2] == "=" else char
            tokens.append(("OP", op))
            i += len(op)
        elif char == "~":
            raise QueryProblem(f"Invalid RSQL query '{text}' at position {i}")
        else:
            j = i
            while j < n and text[j] not in _RESERVED:
                j += 1
            tokens.append(("VALUE", text[i:j]))
            i = j
    return tokens


class _RsqlParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _rsql_tokens(text)
        self.position = 0
        self.depth = 0

    def error(self, what: str) -> QueryProblem:
        return QueryProblem(f"Invalid RSQL query '{self.text}': {what}")

    def peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def take(self, kind: str) -> str:
        if self.peek() != kind:
            found = self.tokens[self.position][1] if self.position < len(self.tokens) else "end of input"
            raise self.error(f"expected {kind.lower() if kind != 'VALUE' else 'a value'}, found '{found}'")
        value = self.tokens[self.position][1]
        self.position += 1
        return value

    def parse(self) -> Any:
        if not self.tokens:
            raise self.error("empty query")
        node = self.disjunction()
        if self.peek() is not None:
            raise self.error(f"unexpected '{self.tokens[self.position][1]}'")
        return node

    def disjunction(self) -> Any:
        children = [self.conjunction()]
        while self.peek() == "OR":
            self.position += 1
            children.append(self.conjunction())
        return children[0] if len(children) == 1 else ("or", children)

    def conjunction(self) -> Any:
        children = [self.constraint()]
        while self.peek() == "AND":
            self.position += 1
            children.append(self.constraint())
        return children[0] if len(children) == 1 else ("and", children)

    def constraint(self) -> Any:
        if self.peek() == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryProblem(f"Query rules are nested too deeply (more than {MAX_DEPTH} levels)")
            self.position += 1
            node = self.disjunction()
            self.take(")")
            self.depth -= 1
            return node
        selector = self.take("VALUE")
        operator = self.take("OP")
        if operator not in _RSQL_OPERATORS:
            raise QueryProblem(f"Unknown operator: {operator}")
        if self.peek() == "(":
            self.position += 1
            arguments = [self.take("VALUE")]
            while self.peek() == "OR":
                self.position += 1
                arguments.append(self.take("VALUE"))
            self.take(")")
        else:
            arguments = [self.take("VALUE")]
        if operator not in _MULTI_VALUE and len(arguments) > 1:
            raise QueryProblem(f"Operator {operator} expects single value, but multiple values given")
        return ("cmp", selector, operator, arguments)


def _rsql_attribute(selector: str, entity_type: EntityType, model: Model | None) -> Attribute:
    """MolgenisRSQLVisitor.getAttribute: dotted selectors walk references; the message names the whole selector."""
    tokens = selector.split(".")
    attribute = entity_type.attribute(tokens[0])
    if attribute is None:
        raise _unknown(selector, entity_type)
    for token in tokens[1:]:
        target = model.get(ref_entity_id(attribute) or "") if model is not None else None
        found = target.attribute(token) if target is not None else None
        if found is None:
            raise _unknown(selector, target or entity_type)
        attribute = found
    return attribute


def _rsql_value(text: str, attribute: Attribute | None, model: Model | None) -> Any:
    """RSQLValueParser: empty -> null; BOOL via Boolean.valueOf; other types are coerced later by compile_rules."""
    if text == "":
        return None
    while attribute is not None and attribute.is_reference and model is not None:
        target = model.get(ref_entity_id(attribute) or "")
        attribute = target.id_attribute if target is not None else None
    if attribute is not None and attribute.type == "BOOL":
        return text.lower() == "true"
    return text


def _rsql_rules(node: Any, entity_type: EntityType | None, model: Model | None) -> list[dict[str, Any]]:
    if node[0] in ("and", "or"):
        connector = {"operator": "AND" if node[0] == "and" else "OR"}
        nested: list[dict[str, Any]] = []
        for position, child in enumerate(node[1]):
            if position:
                nested.append(dict(connector))
            nested.extend(_rsql_rules(child, entity_type, model))
        return [{"operator": "NESTED", "nestedRules": nested}]
    _, selector, operator, arguments = node
    first = arguments[0]
    if operator in ("=like=", "=notlike="):
        rule = {"field": selector, "operator": "LIKE", "value": first}
        return [{"operator": "NOT"}, rule] if operator == "=notlike=" else [rule]
    if operator in ("=q=", "=sq="):
        kind = "SEARCH" if operator == "=q=" else "SEARCH_QUERY"
        return [{"operator": kind, "value": first} if selector == "*" else
                {"field": selector, "operator": kind, "value": first}]
    if operator == "=out=":
        raise QueryProblem("Unknown rsql operator: =out=")
    attribute = _rsql_attribute(selector, entity_type, model) if entity_type is not None else None
    if operator in ("=lt=", "<", "=le=", "<=", "=gt=", ">", "=ge=", ">=", "=rng=") and attribute is not None \
            and attribute.type not in _NUMERIC_OR_DATE:
        raise QueryProblem(f"Can't perform RSQL query operator [{operator}] on {attribute.type} attribute "
                           f"'{attribute.name}' of entity type '{entity_type.display_label}'.")
    if operator == "=in=":
        return [{"field": selector, "operator": "IN", "value": [_rsql_value(a, attribute, model) for a in arguments]}]
    if operator == "=rng=":
        if len(arguments) < 2:
            raise QueryProblem("Operator =rng= expects two values (from, to)")
        return [{"field": selector, "operator": "RANGE",
                 "value": [_rsql_value(arguments[0], attribute, model), _rsql_value(arguments[1], attribute, model)]}]
    value = _rsql_value(first, attribute, model)
    if operator == "!=":
        return [{"operator": "NOT"}, {"field": selector, "operator": "EQUALS", "value": value}]
    return [{"field": selector, "operator": _RSQL_RULE[operator], "value": value}]


def parse_rsql(text: str, *, entity_type: EntityType | None = None, model: Model | None = None) -> list[dict[str, Any]]:
    """Rules for an RSQL string as MolgenisRSQLVisitor builds them: `;`/` and `, `,`/` or `, parentheses, quoted
    values; a group of more than one child becomes one NESTED rule. With `entity_type`, selectors are checked and
    `<`-style operators are refused on non-numeric, non-date attributes, as the visitor does."""
    if not isinstance(text, str):
        raise QueryProblem("Invalid RSQL query: not a string")
    return _rsql_rules(_RsqlParser(text).parse(), entity_type, model)
