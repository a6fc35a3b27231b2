"""Documented exceptions the spec states in words, honoured so the suite reports contract failures and nothing
else:

- business rules: schemathesis' `positive_data_acceptance` fails every 4xx to a schema-valid request, but some
  are the API's documented behaviour that no schema can state (wrong credentials, a value the entity type refuses,
  "no body and no content type: 415"). Rather than widening the accepted statuses of whole operations, only
  failures with the rule's status, on an operation the profile lists, with a body matching one of the rule's
  patterns are dropped. Any other rejected positive data stays a failure.
- `x-apitwin-empty-body: true` on a response: one variant of that operation (a tunnel) answers with no body at
  all, although the response documents JSON for the others. An empty body there is not a schema violation.
- control characters in a path: HTTP servers commonly refuse a path with an encoded control character (%0A, %10)
  before any application sees it (Tomcat, Spring's firewall, our mock's engine). A 400 for such a path is the
  transport's answer, not the contract's; the specs allow any string in these path parameters, so this is noted
  here rather than hidden: tighten `pattern` on the path parameters to make it part of the contract.
- negative data that is valid as sent: schemathesis' `negative_data_rejection` may mutate a string path, query,
  header or cookie parameter into a number; on the wire `42` is the string "42", which the parameter accepts, so
  no server can tell the request from a valid one. A case whose every mutated parameter, as the text it travels
  as, validates is not reported (schemathesis already does this for numeric parameters). The same holds for a form
  body (multipart or urlencoded): every field travels as text, so `null` or `42` in a string field arrives as the
  string "null" or "42". Such a body is not reported when some reading of the fields actually sent (each as its
  text, or parsed as a JSON scalar, as servers coerce form fields) validates. schemathesis tries this too, but
  picks each field's reading alone, by errors at that field; under a `oneOf` (a discriminated form body) the errors
  sit at the root, so it keeps a reading that makes the whole body invalid and reports a valid request. A
  non-exploded query list travels comma-joined and is judged as the server reads it back: `[""]` (an item outside
  an enum) is sent as `x=`, the OpenAPI serialization of the empty list.
- an empty path parameter: a value taken from an earlier answer through a `link` may be `""` (Adyen's
  `grantOfferId` echoed from a create), and `/grantOffers/{id}` with `""` is `/grantOffers/` on the wire: another
  route (the collection, a redirect) or none, never the documented operation. A 4xx there is not a valid request
  rejected; schemathesis' own generation never sends an empty path parameter for the same reason.
- positive data that breaks a stated `format`: schemathesis' coverage phase sends "" for an OpenAPI 3.0 nullable
  date-time (Libre Graph's school `terminationDate`) as schema-valid data; a server that checks formats refuses it,
  as it should. A 4xx to a JSON body that breaks a `format` of its schema is not a rejected valid request.
- collections emptied, not removed: a profile's `emptied_not_removed` DELETEs leave the collection readable (200
  with no rows), which schemathesis' `use_after_free` would report as a deleted resource still served.
"""
from __future__ import annotations

import itertools
import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, unquote

from apitwin.contract.profiles import Profile

POSITIVE_DATA_CODE = "ST202"                            # schemathesis' RejectedPositiveData
NEGATIVE_DATA_CODE = "ST201"                            # schemathesis' AcceptedNegativeData
USE_AFTER_FREE_CODE = "ST301"                           # schemathesis' UseAfterFree
BODY_CODES = {"ST104", "ST108", "ST109", "ST110"}       # missing content type, schema, malformed JSON, decoding


def business_rule(profile: Profile, operation_id: str | None, status: int, body: bytes) -> bool:
    """Is this answer to a schema-valid request the documented answer of a business rule?"""
    text = body.decode("utf-8", "replace")
    for rule in profile.business_rules.get(operation_id or "", ()):
        if status in rule.statuses and (not rule.patterns or any(re.search(p, text) for p in rule.patterns)):
            return True
    return False


def control_characters_in_path(case: Any) -> bool:
    """Does a path parameter hold a control character (schemathesis keeps them percent-encoded)?"""
    return any(isinstance(value, str) and any(ord(ch) < 32 or ord(ch) == 127 for ch in unquote(value))
               for value in (case.path_parameters or {}).values())


def empty_path_parameter(case: Any) -> bool:
    """Is a path parameter empty, so that the request travels to another path than the operation's?"""
    return any(value is not None and str(value) == "" for value in (case.path_parameters or {}).values())


def documented_empty(operation: dict[str, Any], status: int, body: bytes) -> bool:
    response = (operation.get("responses") or {}).get(str(status)) or {}
    return not body and bool(response.get("x-apitwin-empty-body"))


def body_breaks_a_format(case: Any, operation: dict[str, Any], version: str = "3.0") -> bool:
    """Does the case's JSON body break a `format` its schema (in `operation`, $refs resolved) states?"""
    import jsonschema

    media = str(getattr(case, "media_type", None) or "application/json").split(";")[0].strip().lower()
    body = operation.get("requestBody")
    content = body.get("content") if isinstance(body, dict) else None
    if not (media.endswith("/json") or media.endswith("+json")) or not isinstance(content, dict) or not content:
        return False
    spec = content.get(getattr(case, "media_type", None) or "") or next(iter(content.values()))
    schema = spec.get("schema") if isinstance(spec, dict) else None
    if not isinstance(schema, dict):
        return False
    kind = jsonschema.Draft202012Validator if version.startswith("3.1") else jsonschema.Draft4Validator
    try:
        errors = kind(schema, format_checker=kind.FORMAT_CHECKER).iter_errors(case.body)
        return any(error.validator == "format" for error in errors)
    except Exception:  # noqa: BLE001 - a schema the validator cannot read proves nothing either way
        return False


def valid_as_sent(case: Any) -> bool:
    """Is this negative case's every mutated parameter valid once sent, each scalar as its text? (The body is not
    judged here: a negative body keeps the case reported.)"""
    from schemathesis.core.parameters import ParameterLocation

    meta = getattr(case, "meta", None)
    if meta is None or meta.is_negative_at(ParameterLocation.BODY):
        return False
    negative = False
    for location in (ParameterLocation.PATH, ParameterLocation.QUERY, ParameterLocation.HEADER,
                     ParameterLocation.COOKIE):
        if not meta.is_negative_at(location):
            continue
        negative = True
        values = case.get_container(location)
        declared = case.operation.get_parameter_set(location)
        if not isinstance(values, dict) or not declared:
            return False
        joined = _joined_arrays(declared) if location is ParameterLocation.QUERY else set()
        sent: dict[str, Any] = {}
        for name, value in values.items():
            if name in joined and isinstance(value, (list, str)):
                reading = _joined_reading(value)
                if reading is None:
                    return False
                sent[name] = reading
                continue
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                return False
            sent[name] = str(value)
        try:
            if not declared.get_strict_validator().is_valid(sent):
                return False
        except Exception:  # noqa: BLE001 - a schema the validator cannot compile proves nothing either way
            return False
    return negative


def _joined_arrays(declared: Any) -> set[str]:
    """Query parameters whose list travels as one comma-joined value (`style: form`, `explode: false`)."""
    names: set[str] = set()
    for parameter in getattr(declared, "items", ()):
        definition = getattr(parameter, "definition", None) or {}
        if definition.get("style", "form") == "form" and definition.get("explode") is False:
            names.add(str(definition.get("name")))
    return names


def _joined_reading(value: list[Any] | str) -> list[str] | None:
    """A comma-joined list as the server reads it back: `[""]` travels as `x=`, which is the empty list (the
    OpenAPI serialization of `[]`), so such a 'negative' is on the wire a valid request. schemathesis keeps the
    value serialized in the case (its joined text), or, before serializing, the list."""
    if isinstance(value, str):
        return [] if value == "" else value.split(",")
    if any(isinstance(item, bool) or not isinstance(item, (str, int, float)) for item in value):
        return None
    text = ",".join(str(item) for item in value)
    return [] if text == "" else text.split(",")


FORM_READINGS_LIMIT = 4096      # combinations of field readings tried before giving up (and reporting the case)


def form_fields(content_type: str, body: bytes) -> dict[str, list[str | None]] | None:
    """The fields of a form body as sent; `None` marks a part that is a file or typed value, not plain text."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        return {k: list(v) for k, v in parse_qs(body.decode("ascii", "replace"), keep_blank_values=True).items()}
    if media != "multipart/form-data":
        return None
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        return None
    fields: dict[str, list[str | None]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return None
        payload = part.get_payload(decode=True)
        text = None
        if isinstance(payload, bytes) and part.get_filename() is None and "content-type" not in part:
            text = payload.decode(errors="replace")
        fields.setdefault(name, []).append(text)
    return fields


def _readings(text: str) -> list[Any]:
    """How a server may read one form field: as its text, or parsed as a JSON scalar (number, boolean, null)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return [text]
    return [text, parsed] if not isinstance(parsed, (dict, list)) and parsed != text else [text]


def _as_json(value: Any) -> Any:
    """A generated value for a non-text part (a file): its bytes as text, which a binary string schema accepts."""
    data = getattr(value, "data", value)
    return data.decode("latin-1") if isinstance(data, (bytes, bytearray)) else data


def form_body_valid_as_sent(schema: dict[str, Any], generated: Any, fields: dict[str, list[str | None]]) -> bool:
    """Does some reading of the form fields sent validate against the body schema?"""
    from jsonschema import Draft202012Validator

    if not isinstance(generated, dict):
        return False
    options: list[tuple[str, list[Any]]] = []
    for name, texts in fields.items():
        if any(text is None for text in texts):
            options.append((name, [_as_json(generated.get(name))]))
        elif len(texts) == 1:
            options.append((name, _readings(texts[0])))
        else:
            options.append((name, [list(texts), [r[-1] for r in map(_readings, texts)]]))
    total = 1
    for _, values in options:
        total *= len(values)
    if total > FORM_READINGS_LIMIT:
        return False
    try:
        validator = Draft202012Validator(schema)
        names = [name for name, _ in options]
        return any(validator.is_valid(dict(zip(names, combo)))
                   for combo in itertools.product(*(values for _, values in options)))
    except Exception:  # noqa: BLE001 - a schema the validator cannot read proves nothing either way
        return False


def form_body_case_valid_as_sent(case: Any, response: Any) -> bool:
    """Is this negative case's only negative part a form body that validates as its fields were sent?"""
    from schemathesis.core.parameters import ParameterLocation

    meta = getattr(case, "meta", None)
    if meta is None or not meta.is_negative_at(ParameterLocation.BODY):
        return False
    if any(meta.is_negative_at(location) for location in (ParameterLocation.PATH, ParameterLocation.QUERY,
                                                          ParameterLocation.HEADER, ParameterLocation.COOKIE)):
        return False
    request = getattr(response, "request", None)
    content = getattr(request, "body", None)
    if isinstance(content, str):
        content = content.encode()
    if not isinstance(content, bytes) or not case.media_type:
        return False
    fields = form_fields(request.headers.get("Content-Type", ""), content)
    body = case.operation.get_body_for_media_type(case.media_type)
    if fields is None or body is None:
        return False
    return form_body_valid_as_sent(body.optimized_schema, case.body, fields)


def emptied_not_removed(profile: Profile, failure: Any) -> bool:
    """Is this use-after-free about a DELETE the profile says empties a collection and keeps it readable? The
    failure names the DELETE's operation label (`DELETE /{entityTypeId}`); its `free` is the concrete request."""
    return getattr(failure, "operation", None) in profile.emptied_not_removed


def install(schema: Any, profile: Profile, operations: dict[str, dict[str, Any]]) -> None:
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        if response is None:
            return True
        code = getattr(failure, "code", None)
        body = response.content or b""
        if code == POSITIVE_DATA_CODE:
            if response.status_code == 400 and control_characters_in_path(case):
                return False
            if 400 <= response.status_code < 500 and empty_path_parameter(case):
                return False
            if 400 <= response.status_code < 500 and body_breaks_a_format(
                    case, operations.get(case.operation.label, {}), str(getattr(schema, "raw_schema", {}).get(
                        "openapi", "3.0"))):
                return False
            operation_id = case.operation.definition.raw.get("operationId")
            return not business_rule(profile, operation_id, response.status_code, body)
        if code == NEGATIVE_DATA_CODE and (valid_as_sent(case) or form_body_case_valid_as_sent(case, response)):
            return False
        if code == USE_AFTER_FREE_CODE and emptied_not_removed(profile, failure):
            return False
        if code in BODY_CODES:
            return not documented_empty(operations.get(case.operation.label, {}), response.status_code, body)
        return True

    schema.hook("filter_failure")(filter_failure)
