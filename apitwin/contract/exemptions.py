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
  as, validates is not reported (schemathesis already does this for numeric parameters).
- collections emptied, not removed: a profile's `emptied_not_removed` DELETEs leave the collection readable (200
  with no rows), which schemathesis' `use_after_free` would report as a deleted resource still served.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

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


def documented_empty(operation: dict[str, Any], status: int, body: bytes) -> bool:
    response = (operation.get("responses") or {}).get(str(status)) or {}
    return not body and bool(response.get("x-apitwin-empty-body"))


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
        sent: dict[str, str] = {}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                return False
            sent[name] = str(value)
        try:
            if not declared.get_strict_validator().is_valid(sent):
                return False
        except Exception:  # noqa: BLE001 - a schema the validator cannot compile proves nothing either way
            return False
    return negative


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
            operation_id = case.operation.definition.raw.get("operationId")
            return not business_rule(profile, operation_id, response.status_code, body)
        if code == NEGATIVE_DATA_CODE and valid_as_sent(case):
            return False
        if code == USE_AFTER_FREE_CODE and emptied_not_removed(profile, failure):
            return False
        if code in BODY_CODES:
            return not documented_empty(operations.get(case.operation.label, {}), response.status_code, body)
        return True

    schema.hook("filter_failure")(filter_failure)
