"""Written values: conversion of request values to stored values, entity building, and validation (the server's
rules: docs/molgenis-server.md, "Writes").

The rules follow the real server: `RestService.toEntityValue` for conversion, `RestService.toEntity` for building
(defaults, auto values, expression attributes skipped, unknown keys ignored), and `EntityAttributesValidator` +
`RepositoryValidationDecorator` for validation, with their exact texts.

Stored representation per type (what `Repository` keeps): text types and ENUM `str`; INT/LONG `int`; DECIMAL
`float`; BOOL `bool`; DATE `"YYYY-MM-DD"`; DATE_TIME `"YYYY-MM-DDTHH:MM:SS[.fff|.ffffff]Z"` (UTC, like Java's
`Instant.toString`); XREF/CATEGORICAL/FILE the referenced id; MREF/CATEGORICAL_MREF a non-empty list of ids;
ONE_TO_MANY and expression attributes are not stored; null (and an empty mref) = key absent.

Deliberate deltas from the server (this project's rule is "bad input -> 4xx, never 500"):
- a malformed number string for INT/LONG/DECIMAL (server: NumberFormatException -> 500) raises `ValueProblem`
  `Invalid <type> value '<v>' for attribute '<label>' of entity '<entityTypeId>'.` (the validator's template; type
  lower-cased as the server's validator writes it), as do NaN/Infinity (not representable in JSON);
- COMPOUND (server: IllegalAttributeTypeException -> 500) raises `Illegal attribute type [COMPOUND]`;
- a file *name* sent for a FILE attribute on create (server: NullPointerException -> 500) raises the server's own
  update-path message.
Other choices: the server's default time zone for zone-less datetimes is UTC; on update a body without the id keeps
the path id and auto dates keep their stored value (upstream tests always resend the id, so the server's
answer is unknown; docs/molgenis-deltas.md). Validation and nullable expressions are evaluated as the server's
expression library does (`expressions.py`).
"""
from __future__ import annotations

import base64
import calendar
import hashlib
import math
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apitwin_apis.molgenis.expressions import is_true as expression_true
from apitwin_apis.molgenis.expressions import variables as expression_variables
from apitwin_apis.molgenis.problem import Problem
from apitwin_apis.molgenis.model import MULTI_REFERENCE_TYPES, TEXT_TYPES, Attribute, EntityType, Model

Values = dict[str, Any]
Lookup = Callable[[str], Any]          # entity type id -> Repository | None

FILE_META = "sys_FileMeta"
INT_RANGE = (-2 ** 31, 2 ** 31 - 1)
LONG_RANGE = (-2 ** 63, 2 ** 63 - 1)
DATE_MESSAGE = "Failed to parse attribute [{}] value [{}] as date. Valid date format is [YYYY-MM-DD]."
DATETIME_MESSAGE = ("Failed to parse attribute [{}] value [{}] as datetime. Valid datetime format is "
                    "[YYYY-MM-DDThh:mm:ssZ]")
FILE_NAME_CHANGED = ("Cannot update entity with file attribute without passing file, while changing the name of "
                     "the existing file attribute")
AUTO_ID_UPPERCASE = False              # IdGeneratorImpl: base32().omitPadding().lowerCase() (the guide shows upper case)


class ValueProblem(Problem):
    """A value that cannot be converted: answered 400 without code (MolgenisDataException on the server)."""


# -- Java-flavoured text of values (messages quote values the way the server prints them) ------------------------

def java_type_name(value: Any) -> str:
    """The simple class name Gson gives a JSON value: numbers are Double, arrays ArrayList, objects LinkedTreeMap."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Double"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "ArrayList"
    if isinstance(value, tuple):
        return "String[]"               # repeated query parameters bound to an Object property
    if isinstance(value, dict):
        return "LinkedTreeMap"
    return type(value).__name__


def java_double_str(value: float) -> str:
    """`Double.toString`: plain between 1e-3 and 1e7, else `1.0E20` style; always a fraction digit."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{exponent + len(text) - 1}"


def java_str(value: Any, _depth: int = 0) -> str:
    """`String.valueOf` of a stored value: null, true/false, Java doubles, `[a, b]` lists, `{k=v}` maps (nesting
    beyond 32 levels is abbreviated, so hostile input cannot exhaust the stack)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, (list, tuple, dict)) and _depth >= 32:
        return "[...]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_str(v, _depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_str(v, _depth + 1)}" for k, v in value.items()) + "}"
    return str(value)


# -- numbers as Java parses them -----------------------------------------------------------------------------------

_JAVA_INT = re.compile(r"[+-]?[0-9]+")
_JAVA_DOUBLE = re.compile(r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)")


def parse_java_int(text: str, bounds: tuple[int, int] = INT_RANGE) -> int | None:
    """`Integer.valueOf` / `Long.valueOf`: sign and ASCII digits only, no spaces, in range; None when invalid."""
    if not _JAVA_INT.fullmatch(text):
        return None
    number = int(text)
    return number if bounds[0] <= number <= bounds[1] else None


def parse_java_double(text: str) -> float | None:
    """`Double.valueOf`: surrounding whitespace ignored, `1e5`, `.5`, `1d`, NaN, Infinity; None when invalid."""
    stripped = text.strip(" \t\n\r\x0b\x0c\x00")
    if not _JAVA_DOUBLE.fullmatch(stripped):
        return None
    return float(stripped.rstrip("fFdD"))


def number_to_int(value: float | int, bounds: tuple[int, int]) -> int:
    """`Number.intValue()`/`longValue()` of a Gson Double: truncated, saturated at the bounds, NaN -> 0."""
    if isinstance(value, int):
        return max(bounds[0], min(bounds[1], value))
    number = float(value)
    if math.isnan(number):
        return 0
    if math.isinf(number):
        return bounds[1] if number > 0 else bounds[0]
    return max(bounds[0], min(bounds[1], math.trunc(number)))


# -- dates: MolgenisDateFormat's loose ISO parser -----------------------------------------------------------------
# LOOSE_PARSER_FORMAT: [yyyy-MM-dd]['T'[HHmmss][HHmm][HH:mm:ss][HH:mm][.SSSSSSSSS][.SSSSSS][.SSS][.SS][.S]]
#                      [OOOO][O][z][XXXXX][XXXX]['['VV']']

_LOOSE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:T(?:(?P<h1>[0-9]{2})(?P<mi1>[0-9]{2})(?P<s1>[0-9]{2})|(?P<h2>[0-9]{2})(?P<mi2>[0-9]{2})"
    r"|(?P<h3>[0-9]{2}):(?P<mi3>[0-9]{2}):(?P<s3>[0-9]{2})|(?P<h4>[0-9]{2}):(?P<mi4>[0-9]{2}))?"
    r"(?:\.(?P<f>[0-9]{9}|[0-9]{6}|[0-9]{3}|[0-9]{2}|[0-9]))?)?"
    r"(?P<zone>GMT(?:[+-][0-9]{1,2}(?::[0-9]{2})?)?|UTC|UT|Z|[+-][0-9]{2}:?[0-9]{2})?"
    r"(?:\[(?P<zid>[A-Za-z0-9_/+-]+)\])?")


class _Parsed:
    __slots__ = ("day", "time", "zone")

    def __init__(self, day: date, time: tuple[int, int, int, int] | None, zone: timezone | ZoneInfo | None) -> None:
        self.day, self.time, self.zone = day, time, zone


_GMT = re.compile(r"GMT([+-])([0-9]{1,2})(?::([0-9]{2}))?")
_OFFSET = re.compile(r"([+-])([0-9]{2}):?([0-9]{2})")


def _zone(text: str | None, zone_id: str | None) -> timezone | ZoneInfo | None:
    """Zone of the parsed text: `Z`, `UTC`/`GMT`, `GMT+1`/`GMT+01:00` (O, OOOO), `+01:00`/`+0100` (XXXXX, XXXX) or a
    bracketed zone id `[Europe/Amsterdam]` (VV), which wins."""
    if zone_id:
        try:
            return ZoneInfo(zone_id)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(zone_id) from None
    if not text:
        return None
    if text in ("Z", "UTC", "UT", "GMT"):
        return timezone.utc
    match = _GMT.fullmatch(text) or _OFFSET.fullmatch(text)
    if not match:
        raise ValueError(text)
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 18 or minutes > 59:
        raise ValueError(text)
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if sign == "-" else offset)


def _parse_loose(text: str) -> _Parsed:
    """Parse like the server (SMART resolver: day-of-month clipped to the month, 24:00 = next midnight)."""
    match = _LOOSE.fullmatch(text)
    if not match:
        raise ValueError(text)
    g = match.groupdict()
    year, month, day_of_month = int(g["y"]), int(g["mo"]), int(g["d"])
    if year < 1 or not 1 <= month <= 12 or not 1 <= day_of_month <= 31:
        raise ValueError(text)
    day_of_month = min(day_of_month, calendar.monthrange(year, month)[1])
    day = date(year, month, day_of_month)
    time = None
    for n in "1234":
        if g[f"h{n}"] is not None:
            hour, minute, second = int(g[f"h{n}"]), int(g[f"mi{n}"]), int(g.get(f"s{n}") or 0)
            fraction = int((g["f"] or "0").ljust(9, "0")[:6])
            if hour == 24 and minute == second == fraction == 0:
                day, hour = day + timedelta(days=1), 0
            if hour > 23 or minute > 59 or second > 59:
                raise ValueError(text)
            time = (hour, minute, second, fraction)
    return _Parsed(day, time, _zone(g["zone"], g["zid"]))


def parse_date(text: str) -> str:
    """Stored DATE for a loose ISO string (time and zone are checked, then dropped). ValueError when invalid."""
    return _parse_loose(text).day.isoformat()


def parse_datetime(text: str) -> str:
    """Stored DATE_TIME for a loose ISO string; no zone = UTC (the mock's server zone). ValueError when invalid."""
    parsed = _parse_loose(text)
    if parsed.time is None:
        moment = datetime(parsed.day.year, parsed.day.month, parsed.day.day, tzinfo=timezone.utc)
    else:
        hour, minute, second, micro = parsed.time
        moment = datetime(parsed.day.year, parsed.day.month, parsed.day.day, hour, minute, second, micro,
                          tzinfo=parsed.zone or timezone.utc)
    return format_instant(moment)


def format_instant(moment: datetime) -> str:
    """`Instant.toString` at microsecond precision: seconds always, fraction in groups of three when non-zero."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micro = moment.microsecond
    if micro:
        text += f".{micro // 1000:03d}" if micro % 1000 == 0 else f".{micro:06d}"
    return text + "Z"


# -- conversion ----------------------------------------------------------------------------------------------------

def ref_entity_id(attribute: Attribute) -> str | None:
    """The referenced entity type; FILE attributes refer to sys_FileMeta even when the model leaves it out."""
    return attribute.ref_entity or (FILE_META if attribute.type == "FILE" else None)


def _type_error(attribute: Attribute, value: Any, *expected: str) -> ValueProblem:
    wanted = " or ".join(f"[{name}]" for name in expected)
    return ValueProblem(f"Attribute [{attribute.name}] value is of type [{java_type_name(value)}] instead of {wanted}")


def _bad_number(attribute: Attribute, value: Any, owner_id: str | None) -> ValueProblem:
    return ValueProblem(f"Invalid {attribute.type.lower()} value '{value}' for attribute '{attribute.display_label}' "
                        f"of entity '{owner_id}'.")


def _target(attribute: Attribute, model: Model | None) -> EntityType:
    ref = ref_entity_id(attribute)
    target = model.get(ref) if (model is not None and ref) else None
    if target is None:
        raise ValueProblem(f"Unknown entity type '{ref}'.")
    return target


def convert(attribute: Attribute, raw: Any, *, form: bool = False, model: Model | None = None,
            owner_id: str | None = None, lookup: Lookup | None = None, existing: Mapping[str, Any] | None = None,
            files: Mapping[str, Any] | None = None) -> Any:
    """Stored value for one written value (toEntityValue). `owner_id` names the entity type in messages; `model`
    resolves reference targets (needed for XREF/MREF/FILE); `existing` is the stored row on an update (FILE keeps
    its file when the same file name is sent back); `files` maps attribute name -> sys_FileMeta id of a file
    uploaded with this request. Form values arrive as strings; a list there is a repeated key and is joined."""
    if form and isinstance(raw, (list, tuple)):
        raw = ",".join(str(v) for v in raw)
    if isinstance(raw, str) and raw == "":
        raw = None
    kind = attribute.type
    if kind == "BOOL":
        if raw is None:
            return None if attribute.nillable else False
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            return raw.lower() == "true"
        raise _type_error(attribute, raw, "String", "Boolean")
    if kind in TEXT_TYPES:
        if raw is None or isinstance(raw, str):
            return raw
        raise _type_error(attribute, raw, "String")
    if kind in ("INT", "LONG"):
        bounds = INT_RANGE if kind == "INT" else LONG_RANGE
        if raw is None:
            return None
        if isinstance(raw, str):
            number = parse_java_int(raw, bounds)
            if number is None:
                raise _bad_number(attribute, raw, owner_id)
            return number
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return number_to_int(raw, bounds)
        raise _type_error(attribute, raw, "String", "Number")
    if kind == "DECIMAL":
        if raw is None:
            return None
        if isinstance(raw, str):
            number = parse_java_double(raw)
        elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
            try:
                number = float(raw)
            except OverflowError:
                number = math.inf
        else:
            raise _type_error(attribute, raw, "String", "Number")
        if number is None or math.isnan(number) or math.isinf(number):
            raise _bad_number(attribute, raw, owner_id)
        return number
    if kind == "DATE":
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise _type_error(attribute, raw, "String", "LocalDate")
        try:
            return parse_date(raw)
        except ValueError:
            raise ValueProblem(DATE_MESSAGE.format(attribute.name, raw)) from None
    if kind == "DATE_TIME":
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise _type_error(attribute, raw, "String", "Instant")
        try:
            return parse_datetime(raw)
        except ValueError:
            raise ValueProblem(DATETIME_MESSAGE.format(attribute.name, raw)) from None
    if kind in ("XREF", "CATEGORICAL"):
        if raw is None:
            return None
        target = _target(attribute, model)
        return convert(target.id_attribute, raw, model=model, owner_id=target.id)
    if kind in MULTI_REFERENCE_TYPES:
        if raw is None:
            return []
        if isinstance(raw, str):
            items: list[Any] = [part for part in raw.split(",") if part]
        elif isinstance(raw, list):
            items = raw
        else:
            raise _type_error(attribute, raw, "String", "List")
        target = _target(attribute, model)
        return [convert(target.id_attribute, item, model=model, owner_id=target.id) for item in items]
    if kind == "FILE":
        return _convert_file(attribute, raw, lookup=lookup, existing=existing, files=files)
    raise ValueProblem(f"Illegal attribute type [{kind}]")


def _convert_file(attribute: Attribute, raw: Any, *, lookup: Lookup | None, existing: Mapping[str, Any] | None,
                  files: Mapping[str, Any] | None) -> Any:
    """An uploaded file (its sys_FileMeta id in `files`), or the existing file's name to keep it."""
    if files and attribute.name in files:
        return files[attribute.name]
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _type_error(attribute, raw, "MultipartFile")
    current = (existing or {}).get(attribute.name)
    meta_repository = lookup(ref_entity_id(attribute) or FILE_META) if lookup else None
    meta = meta_repository.get(current) if (meta_repository is not None and current is not None) else None
    if meta is not None and meta.get("filename") == raw:
        return current
    raise ValueProblem(FILE_NAME_CHANGED)


def typed_id(entity_type: EntityType, raw: str, *, model: Model | None = None) -> Any:
    """A path id typed by the id attribute (`/V1_API_TypeTestAPIV1/1` -> 1). ValueProblem when it cannot be
    (server: NumberFormatException -> 500; the handler decides whether that is a 400 or a 404)."""
    return convert(entity_type.id_attribute, raw, form=True, model=model, owner_id=entity_type.id)


# -- building an entity from a request body ----------------------------------------------------------------------

def auto_string_id(sequence: int, entity_type_id: str, seed: str = "molgenis") -> str:
    """26 base32 characters like MOLGENIS' SEQUENTIAL_UUID ids: 4 bytes of sequence (hence the leading `AAAA...`)
    and 12 bytes of a hash of (seed, type, sequence). Deterministic: the same seed and sequence give the same id."""
    digest = hashlib.sha256(f"{seed}:{entity_type_id}:{sequence}".encode()).digest()[:12]
    text = base64.b32encode((sequence % 2 ** 32).to_bytes(4, "big") + digest).decode().rstrip("=")
    return text if AUTO_ID_UPPERCASE else text.lower()


def default_text(value: Any) -> str | None:
    """An attribute's default as the server keeps it: a string (YAML may have typed it as bool/number/date)."""
    return None if value is None else (value if isinstance(value, str) else java_str(value))


def _is_blank(value: Any) -> bool:
    return isinstance(value, str) and value.strip() == ""


def build_entity(entity_type: EntityType, payload: Mapping[str, Any], *, form: bool, model: Model,
                 existing_id: Any = None, lookup: Lookup | None = None, sequence: Callable[[], int] | None = None,
                 now: datetime | None = None, files: Mapping[str, Any] | None = None,
                 seed: str = "molgenis") -> Values:
    """Stored values of a new entity built from a request body, as `RestService.toEntity` does: auto values and
    defaults first, then every atomic attribute present in the body (compound children are top-level keys;
    expression and ONE_TO_MANY attributes skipped; unknown keys ignored).

    `existing_id` makes it an update: full replacement, but a body without the id keeps `existing_id` and
    auto dates keep their stored value. Forms: the caller joins repeated keys with commas; blank values are dropped
    on create (kept on update, where an empty value means null). `sequence()` feeds auto ids (strings via
    `auto_string_id`, numbers counted up past existing ids); `now` feeds auto dates."""
    if form and existing_id is None:
        payload = {key: value for key, value in payload.items() if not _is_blank(value)}
    existing = None
    if existing_id is not None and lookup is not None:
        own = lookup(entity_type.id)
        existing = own.get(existing_id) if own is not None else None
    id_attribute = entity_type.id_attribute
    values: Values = {}
    for attribute in entity_type.atomic_attributes():
        if attribute.expression is not None or attribute.type == "ONE_TO_MANY":
            continue
        name = attribute.name
        if name in payload:
            value = convert(attribute, payload[name], form=form, model=model, owner_id=entity_type.id,
                            lookup=lookup, existing=existing, files=files)
        elif files and name in files:
            value = files[name]
        elif attribute.auto and attribute is id_attribute:
            value = existing_id if existing_id is not None else _auto_id(entity_type, lookup, sequence, seed)
        elif attribute.auto and attribute.type in ("DATE", "DATE_TIME"):
            value = (existing or {}).get(name)
            if value is None:
                moment = now or datetime.now(timezone.utc)
                value = moment.date().isoformat() if attribute.type == "DATE" else format_instant(moment)
        elif attribute is id_attribute and existing_id is not None:
            value = existing_id
        elif attribute.default is not None:
            value = convert(attribute, default_text(attribute.default), form=True, model=model,
                            owner_id=entity_type.id, lookup=lookup, existing=existing, files=files)
        else:
            value = None
        if value is None or value == []:
            values.pop(name, None)
        else:
            values[name] = value
    return values


def _auto_id(entity_type: EntityType, lookup: Lookup | None, sequence: Callable[[], int] | None, seed: str) -> Any:
    if sequence is None:
        raise ValueError(f"{entity_type.id}: an auto id needs a sequence")
    own = lookup(entity_type.id) if lookup is not None else None
    while True:
        number = sequence()
        if entity_type.id_attribute.type in ("INT", "LONG"):
            candidate: Any = number
        else:
            candidate = auto_string_id(number, entity_type.id, seed)
        if own is None or not own.exists(candidate):
            return candidate


# -- validation ----------------------------------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"(?:[a-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+|\"(?:[^\"\\]|\\.)*\")"
                          r"(?:\.(?:[a-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+|\"(?:[^\"\\]|\\.)*\"))*", re.I)
_DOMAIN_LABEL = r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?"
_EMAIL_DOMAIN = re.compile(rf"{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})*|\[[0-9a-f:.]+\]", re.I)
_URI_BAD = re.compile(r"[\x00-\x20\"<>\\^`{|}\x7f]|%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def is_valid_email(text: str) -> bool:
    """Hibernate Validator's e-mail check: a dot-atom or quoted local part (<= 64), '@', a host name or [IP]."""
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or len(local) > 64 or len(domain) > 255:
        return False
    return bool(_EMAIL_LOCAL.fullmatch(local)) and bool(_EMAIL_DOMAIN.fullmatch(domain))


def is_valid_hyperlink(text: str) -> bool:
    """What `new java.net.URI(text)` accepts, approximately: no space/control/unsafe characters, valid %-escapes,
    a well-formed scheme with something after it, a non-empty authority after `//`."""
    if _URI_BAD.search(text) or text.count("#") > 1:
        return False
    head = re.match(r"([^:/?#]*):", text)
    if head:
        if not _SCHEME.fullmatch(head.group(1)):
            return False
        rest = text[head.end():]
        if rest == "" or rest.startswith("#"):
            return False
        if rest.startswith("//") and rest[2:3] in ("", "?", "#"):
            return False
    elif text.startswith(":"):
        return False
    brackets = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://\[[0-9A-Fa-f:.]+\]", "", text)
    return "[" not in brackets and "]" not in brackets


def _expression_context(entity_type: EntityType, values: Mapping[str, Any],
                        expressions_used: list[str]) -> dict[str, Any]:
    """SimpleExpressionEvaluator#resolve for every variable: ids for references, id lists for MREFs, dates as ISO
    text (what the evaluator sees); a name that is no attribute reads as null."""
    context: dict[str, Any] = {}
    for expression in expressions_used:
        for name in expression_variables(expression):
            attribute = entity_type.attribute(name)
            value = values.get(name) if attribute is not None else None
            if attribute is not None and attribute.type in MULTI_REFERENCE_TYPES:
                value = list(value or [])
            context[name] = value
    return context


def _expression_violations(entity_type: EntityType, values: Mapping[str, Any]) -> list[str]:
    """EntityAttributesValidator#checkNullableExpressions and #checkValidationExpressions: an expression that is
    not `true` (false, null, or no value at all because it fails) is offended."""
    attributes = entity_type.atomic_attributes()
    used = [e for a in attributes for e in (a.nullable_expression, a.visible_expression, a.validation_expression)
            if e and e.strip()]
    if not used:
        return []
    context = _expression_context(entity_type, values, used)
    found: list[str] = []
    for attribute in attributes:
        nullable = attribute.nullable_expression
        if nullable and values.get(attribute.name) in (None, []) and expression_true(nullable, context) is not True:
            visible = attribute.visible_expression
            if not (visible and expression_true(visible, context) is False):
                found.append(_bracket_violation(entity_type, attribute, values,
                                                f"Offended nullable expression: {nullable}"))
    for attribute in attributes:
        expression = attribute.validation_expression
        if expression and expression.strip() and expression_true(expression, context) is not True:
            found.append(_bracket_violation(entity_type, attribute, values,
                                            f"Offended validation expression: {expression}"))
    return found


def _row_label(entity_type: EntityType, values: Mapping[str, Any]) -> str:
    return java_str(values.get(entity_type.label_attribute.name))


def _plain_violation(entity_type: EntityType, attribute: Attribute, value: Any) -> str:
    """EntityAttributesValidator's 3-argument message: note the missing space before `Value must ...`."""
    message = (f"Invalid {attribute.type.lower()} value '{java_str(value)}' for attribute "
               f"'{attribute.display_label}' of entity '{entity_type.id}'.")
    if attribute.range_min is not None or attribute.range_max is not None:
        message += f"Value must be between {java_str(attribute.range_min)} and {java_str(attribute.range_max)}"
    max_length = attribute.effective_max_length
    if max_length is not None:
        message += f"Value must be less than or equal to {max_length} characters"
    return message


def _bracket_violation(entity_type: EntityType, attribute: Attribute, values: Mapping[str, Any],
                       detail: str | None) -> str:
    """EntityAttributesValidator's 4-argument message: `Invalid [type] value [v] ... with type [id].` + detail."""
    message = (f"Invalid [{attribute.type.lower()}] value [{java_str(values.get(attribute.name))}] for attribute "
               f"[{attribute.display_label}] of entity [{_row_label(entity_type, values)}] with type "
               f"[{entity_type.id}].")
    return message + (f" {detail}" if detail else "")


def _type_violations(entity_type: EntityType, values: Mapping[str, Any]) -> list[str]:
    """EntityAttributesValidator: these carry no row number, and when any is found nothing else is checked."""
    found: list[str] = _expression_violations(entity_type, values)
    attributes = [a for a in entity_type.atomic_attributes() if a.expression is None and a.mapped_by is None]
    for attribute in attributes:
        value = values.get(attribute.name)
        if value is None:
            continue
        kind = attribute.type
        max_length = attribute.effective_max_length
        if kind == "EMAIL":
            if not is_valid_email(value):
                found.append(_bracket_violation(entity_type, attribute, values, "Not a valid e-mail address."))
            elif max_length is not None and len(value) > max_length:
                found.append(_plain_violation(entity_type, attribute, value))
        elif kind == "HYPERLINK":
            if not is_valid_hyperlink(value):
                found.append(_bracket_violation(entity_type, attribute, values, "Not a valid hyperlink."))
            elif max_length is not None and len(value) > max_length:
                found.append(_plain_violation(entity_type, attribute, value))
        elif kind in ("INT", "LONG"):
            low, high = attribute.range_min, attribute.range_max
            if (low is not None and value < low) or (high is not None and value > high):
                found.append(_plain_violation(entity_type, attribute, value))
        elif kind == "ENUM":
            if value not in attribute.enum_options:
                options = "[" + ", ".join(attribute.enum_options) + "]"
                found.append(_bracket_violation(entity_type, attribute, values, f"Value must be one of {options}"))
        elif kind in ("STRING", "TEXT", "HTML", "SCRIPT"):
            if max_length is not None and len(value) > max_length:
                found.append(_plain_violation(entity_type, attribute, value))
    if values.get(entity_type.id_attribute.name) is None:
        found.append(_bracket_violation(entity_type, entity_type.id_attribute, values, None))
    return list(dict.fromkeys(found))


def _reference_ids(attribute: Attribute, value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if attribute.type in MULTI_REFERENCE_TYPES else [value]


def validate(entity_type: EntityType, values: Mapping[str, Any], *, model: Model, lookup: Lookup,
             existing_id: Any = None, row: int = 1, database: bool = False) -> list[str]:
    """Every violation of a built entity, in the server's order and words; [] when valid.

    Type checks (length, range, e-mail, hyperlink, enum, validation expression, missing id) come first and, as on
    the server, stop validation and carry no row suffix. Then required, unique, unknown references and (with
    `existing_id`, an update) read-only changes, each suffixed ` (entity <row>)`. Uniqueness ignores the row being
    replaced. `database=True` (a PostgreSQL repository): the database checks required, unique, read-only and
    references to PostgreSQL types (see `constraints.py`), so only references to other backends are checked here."""
    found = _type_violations(entity_type, values)
    if found:
        return found
    suffix = f" (entity {row})"
    own = lookup(entity_type.id)
    own_id = values.get(entity_type.id_attribute.name)
    if database:
        return _cross_backend_references(entity_type, values, model=model, lookup=lookup, own_id=own_id,
                                         suffix=suffix)
    for attribute in entity_type.atomic_attributes():
        if attribute.nillable or attribute.expression is not None or attribute.mapped_by is not None:
            continue
        if values.get(attribute.name) is None:
            found.append(f"The attribute '{attribute.name}' of entity '{entity_type.id}' can not be null.{suffix}")
    for attribute in entity_type.atomic_attributes():
        if not (attribute.unique or attribute is entity_type.id_attribute) or attribute.expression is not None:
            continue
        value = values.get(attribute.name)
        if value is None or own is None:
            continue
        holder = own.holder_of(attribute.name, value)
        if holder is not None and (existing_id is None or holder != existing_id):
            found.append(f"Duplicate value '{java_str(value)}' for unique attribute '{attribute.name}' from entity "
                         f"'{entity_type.id}'{suffix}")
    for attribute in entity_type.atomic_attributes():
        if not attribute.is_reference or attribute.expression is not None or attribute.mapped_by is not None:
            continue
        target_id = ref_entity_id(attribute)
        target = lookup(target_id) if target_id else None
        for ref in _reference_ids(attribute, values.get(attribute.name)):
            if target_id == entity_type.id and ref == own_id:
                continue
            if target is None or ref is None or not target.exists(ref):
                found.append(f"Unknown xref value '{java_str(ref)}' for attribute '{attribute.name}' of entity "
                             f"'{entity_type.id}'.{suffix}")
    if existing_id is not None and own is not None:
        stored = own.get(existing_id) or {}
        for attribute in entity_type.atomic_attributes():
            if (not attribute.read_only or attribute.expression is not None or attribute.mapped_by is not None
                    or attribute is entity_type.id_attribute):
                continue
            new, old = values.get(attribute.name), stored.get(attribute.name)
            if new is not None and old is not None and new != old:
                found.append(readonly_change_message(entity_type.id, attribute.name) + suffix)
    return list(dict.fromkeys(found))


def _cross_backend_references(entity_type: EntityType, values: Mapping[str, Any], *, model: Model, lookup: Lookup,
                              own_id: Any, suffix: str) -> list[str]:
    """RepositoryValidationDecorator on a database-checked type: references into another backend only."""
    found: list[str] = []
    for attribute in entity_type.atomic_attributes():
        if not attribute.is_reference or attribute.expression is not None or attribute.mapped_by is not None:
            continue
        target_type = model.get(ref_entity_id(attribute) or "")
        if target_type is None or target_type.backend == entity_type.backend:
            continue
        target = lookup(target_type.id)
        for ref in _reference_ids(attribute, values.get(attribute.name)):
            if target_type.id == entity_type.id and ref == own_id:
                continue
            if target is None or ref is None or not target.exists(ref):
                found.append(f"Unknown xref value '{java_str(ref)}' for attribute '{attribute.name}' of entity "
                             f"'{entity_type.id}'.{suffix}")
    return list(dict.fromkeys(found))


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OBJECT_EXPRESSION = re.compile(r"\{(.*)\}", re.S)


def with_computed(entity_type: EntityType, values: Mapping[str, Any], *, lookup: Lookup) -> Mapping[str, Any]:
    """The row with its computed (expression) attributes filled in, for reading. The two expression forms of the
    fixture model are evaluated: an attribute name (`xint`: its value) and, for an XREF, an object
    `{Chromosome: xstring, Position: xint}` naming the referenced row by attribute values. Other expressions
    (MOLGENIS' JavaScript) give no value. Returns `values` itself when the type has no computed attribute."""
    computed = _computed_plan(entity_type)
    if not computed:
        return values
    out = dict(values)
    for name, evaluate in computed:
        value = evaluate(values, lookup)
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


Evaluator = Callable[[Mapping[str, Any], Lookup], Any]
_PLAN = "computed"


def _computed_plan(entity_type: EntityType) -> tuple[tuple[str, Evaluator], ...]:
    """The computed attributes of a type with their parsed expressions, worked out once per entity type of the
    shared, frozen model (rendering calls `with_computed` for every row; `EntityType.freeze`)."""
    return entity_type.memoised(_PLAN, lambda: tuple((a.name, _evaluator(entity_type, a))
                                                     for a in entity_type.atomic_attributes()
                                                     if a.expression is not None))


def _nothing(values: Mapping[str, Any], lookup: Lookup) -> Any:
    return None


def _evaluator(entity_type: EntityType, attribute: Attribute) -> Evaluator:
    """One computed attribute's expression as a function of (row values, lookup)."""
    expression = (attribute.expression or "").strip()
    if _IDENTIFIER.fullmatch(expression):
        source = entity_type.attribute(expression)
        if source is None or source.expression is not None:
            return _nothing
        return lambda values, lookup: values.get(expression)
    match = _OBJECT_EXPRESSION.fullmatch(expression)
    if not match or attribute.type not in ("XREF", "CATEGORICAL"):
        return _nothing
    pairs: list[tuple[str, str]] = []
    for pair in match.group(1).split(","):
        key, sep, source = pair.partition(":")
        if not sep:
            return _nothing
        pairs.append((key.strip(), source.strip()))
    target_id = ref_entity_id(attribute) or ""

    def referenced(values: Mapping[str, Any], lookup: Lookup) -> Any:
        wanted: dict[str, Any] = {}
        for key, source in pairs:
            if values.get(source) is None:
                return None
            wanted[key] = values[source]
        target = lookup(target_id)
        if target is None:
            return None
        id_name = target.entity_type.id_attribute.name
        if id_name in wanted:
            row = target.get(wanted[id_name])
            return wanted[id_name] if row is not None and all(row.get(k) == v for k, v in wanted.items()) else None
        for row in target.scan():
            if all(row.get(k) == v for k, v in wanted.items()):
                return row.get(id_name)
        return None
    return referenced


def readonly_change_message(entity_type_id: str, attribute_name: str) -> str:
    """Full update changing a read-only attribute (400, a validation error)."""
    return f"The attribute '{attribute_name}' of entity '{entity_type_id}' can not be changed it is readonly."


def readonly_attribute_message(entity_type_id: str, attribute_name: str) -> str:
    """Single-attribute update of a read-only attribute (401 MolgenisDataAccessException)."""
    return f"Attribute '{attribute_name}' of entity '{entity_type_id}' is readonly"


__all__ = [
    "ValueProblem", "convert", "build_entity", "validate", "typed_id", "auto_string_id", "parse_date",
    "parse_datetime", "format_instant", "java_str", "java_type_name", "java_double_str", "parse_java_int",
    "parse_java_double", "number_to_int", "readonly_change_message", "readonly_attribute_message", "ref_entity_id",
    "is_valid_email", "is_valid_hyperlink", "default_text", "with_computed",
]
