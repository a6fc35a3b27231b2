"""Request validators for Connexion that report *every* violation per field instead of the first one.

They also close Connexion 3.3 gaps found by fuzzing: non-UTF-8 bodies (a 500 upstream) and multi-line
schema dumps in messages. Messages are short and human: what is wrong with which field.
"""
from __future__ import annotations

import ast
import codecs
import json
from collections import OrderedDict
from typing import Any
from urllib.parse import unquote_plus

import jsonschema_rs
import orjson
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import ProblemException, TypeValidationError
from connexion.lifecycle import ConnexionRequest
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import (
    AbstractRequestBodyValidator,
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from connexion.utils import coerce_type, is_null, is_nullable
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException
from jsonschema import Draft4Validator, Draft202012Validator, ValidationError

from apitwin import lenient_json, xmlbody
from apitwin.errors import ApiError, FieldErrorCollector
from apitwin.server import jsonio, raw_headers
from apitwin.server.connexion_seam import token_info
from apitwin.server.plans import FORMATS, as_request
from apitwin.server.state import RequestState, state_of
from apitwin.specs import FULL_SCHEMA, NESTED, READINGS

REQUIRED_MESSAGE = "This field is required."

class IdentityCache:
    """A bounded cache keyed by an object's identity, for schemas Connexion hands over per request (dicts cannot be
    hashed). Each entry keeps its object alive, so an id is never reused while cached; the oldest entries leave
    first once `maxsize` is reached."""

    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[int, Any], tuple[Any, Any]] = OrderedDict()

    def get(self, obj: Any, kind: Any, build: Any) -> Any:
        key = (id(obj), kind)
        entry = self._entries.get(key)
        if entry is None or entry[0] is not obj:
            entry = self._entries[key] = (obj, build())
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return entry[1]

    def __len__(self) -> int:
        return len(self._entries)


_COMPILED = IdentityCache()


def compiled(schema: Any, validator_cls: type) -> Any:
    """One validator per (schema, class); Connexion builds one per request."""
    return _COMPILED.get(schema, validator_cls, lambda: validator_cls(schema, format_checker=FORMATS))


def _required_names(schema: Any) -> list[str] | None:
    """For anyOf/oneOf made only of `required` alternatives (aliases like customer_id|customer)."""
    names = []
    for alt in schema if isinstance(schema, list) else []:
        if not (isinstance(alt, dict) and set(alt) == {"required"} and alt["required"]):
            return None
        names.append(alt["required"][0])
    return names or None


def _exclusive_names(schema: Any) -> list[str] | None:
    """For `not: {required: [a, b]}`: fields that must not be sent together (aliases like customer_id|customer)."""
    if isinstance(schema, dict) and set(schema) == {"required"} and len(schema["required"]) >= 2:
        return [str(name) for name in schema["required"]]
    return None


FORMAT_MESSAGES = {
    "email": "Enter a valid email address.",
    "date": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
    "date-time": "Datetime has wrong format. Use ISO 8601, e.g. 2019-10-01T10:00:00+00:00.",
    "uri": "Enter a valid URL.",
    "uuid": "Must be a valid UUID.",
}
TYPE_MESSAGES = {
    "integer": "A valid integer is required.",
    "number": "A valid number is required.",
    "string": "Not a valid string.",
    "boolean": "Must be a valid boolean.",
    "array": "Expected a list of items.",
    "object": "Expected an object (a JSON dictionary).",
    "null": "Must be null.",
}


class PatternText(str):
    """The generic message for a `pattern` violation: a plugin's body check that words the same field's rule in
    the API's own terms (DRF's "This field may not be blank.") replaces it (see `merge`)."""


def humanize(err: ValidationError) -> str:
    """DRF-like wording for the common keywords; jsonschema's own first line for the rest."""
    value, expected = err.instance, err.validator_value
    if err.validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        kinds = [k for k in kinds if k != "null"] or kinds
        return TYPE_MESSAGES.get(kinds[0], err.message) if len(kinds) == 1 else f"Expected one of: {', '.join(kinds)}."
    if err.validator == "format":
        return FORMAT_MESSAGES.get(expected, f"Enter a valid {expected}.")
    if err.validator == "minLength":
        return "This field may not be blank." if expected == 1 else f"Ensure this field has at least {expected} characters."
    if err.validator == "maxLength":
        return f"Ensure this field has no more than {expected} characters."
    if err.validator == "enum":
        return f"{json.dumps(value)} is not a valid choice. Choose one of: {', '.join(map(str, expected))}."
    if err.validator == "minimum":
        return f"Ensure this value is greater than or equal to {expected}."
    if err.validator == "maximum":
        return f"Ensure this value is less than or equal to {expected}."
    if err.validator == "minItems":
        return "This list may not be empty." if expected == 1 else f"Ensure this field has at least {expected} elements."
    if err.validator == "maxItems":
        return f"Ensure this field has no more than {expected} elements."
    if err.validator == "uniqueItems":
        return "Items must be unique."
    if err.validator == "pattern":
        return PatternText(f"{json.dumps(value)} does not have the expected form.")
    if err.validator in ("anyOf", "oneOf"):
        return "Not a valid value for this field."
    if err.validator in ("contains", "minContains", "maxContains"):
        return "The list does not hold the items it must (contains)."
    if err.validator in ("unevaluatedProperties", "unevaluatedItems"):
        return "Holds more than the schema allows."
    if err.validator == "propertyNames":
        return "A name in it is not allowed."
    return err.message.split("\n", 1)[0]


CUSTOM_MESSAGE = "x-apitwin-message"   # on a property schema: the whole message for any violation of it
GENERAL = ""                           # field key of spec-authored messages: shown as they are, one per violation


def _custom_message(err: ValidationError) -> str | None:
    """The spec author's text for this violation (`x-apitwin-message` on the violated property), e.g. MOLGENIS'
    `must not be blank` for a missing, null or blank login field (@NotBlank)."""
    schema = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "required" and err.message.count("'") >= 2:
        schema = (schema.get("properties") or {}).get(err.message.split("'")[1]) or {}
    text = schema.get(CUSTOM_MESSAGE) if isinstance(schema, dict) else None
    if isinstance(text, dict) and "message" not in text:   # per keyword: {maximum: "No more than 10000 rows ..."}
        text = text.get(str(err.validator))
    code = None
    if isinstance(text, dict):                 # {message: ..., code: Max}: the server's error code goes along
        text, code = text.get("message"), text.get("code")
    if not isinstance(text, str):
        return None
    if "{value}" in text:                      # the offending value as sent (Spring's typeMismatch quotes it)
        text = text.replace("{value}", str(err.instance))
    return CustomText(text, code=code if isinstance(code, str) else None)


class CustomText(str):
    """A message the spec author wrote (`x-apitwin-message`): shown as it is, without a field name; `code` is the
    error code the API attaches to it, if any (an `ApiError` built from it carries it in `codes`)."""

    code: str | None

    def __new__(cls, text: str, code: str | None = None) -> "CustomText":
        made = super().__new__(cls, text)
        made.code = code
        return made


def describe(err: ValidationError, prefix: tuple[str, ...] = ()) -> tuple[str, str]:
    """(dotted field, message) for one jsonschema error."""
    custom = _custom_message(err)
    if custom is not None:
        return GENERAL, custom
    path = [*prefix, *(str(p) for p in err.absolute_path)]
    message = err.message if err.validator in ("required", "additionalProperties") else humanize(err)
    if err.validator == "required":
        path.append(message.split("'")[1] if message.count("'") >= 2 else "")
        message = REQUIRED_MESSAGE
    elif err.validator in ("anyOf", "oneOf") and (names := _required_names(err.validator_value)):
        path.append(names[0])
        message = f"This field is required (or one of: {', '.join(names[1:])})." if len(names) > 1 else REQUIRED_MESSAGE
    elif err.validator == "not" and (names := _exclusive_names(err.validator_value)):
        path.append(names[-1])
        message = f"Conflicts with {', '.join(names[:-1])}; send one of them."
    elif err.validator == "additionalProperties" and message.count("'") >= 2:
        path.append(message.split("'")[1])
        message = "Unknown field."
    field = ".".join(p for p in path if p) or "body"
    return field, message if err.validator not in ("required", "additionalProperties") else message.split("\n", 1)[0]


def collect(errors: Any, prefix: tuple[str, ...] = ()) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in errors:
        field, message = describe(err, prefix)
        if field == GENERAL or message not in out.setdefault(field, []):
            out.setdefault(field, []).append(message)
    return out


def collect_rs(errors: Any) -> dict[str, list[str]]:
    """jsonschema-rs errors by field, for what Python's jsonschema lets through (its `pattern` uses `re.search`, so
    `$` also matches before a trailing newline; ECMA regexes, as JSON Schema means them, do not)."""
    out: dict[str, list[str]] = {}
    for err in errors:
        field = ".".join(str(p) for p in err.instance_path) or "body"
        kind = type(err.kind).__name__.lower()
        if "pattern" in kind:
            message = PatternText(f"{json.dumps(err.instance)} does not have the expected form.")
        elif "format" in kind:
            name = getattr(err.kind, "format", "")
            message = FORMAT_MESSAGES.get(name, f"Enter a valid {name}.")
        else:
            message = err.message
        if message not in out.setdefault(field, []):
            out[field].append(message)
    return out


def merge(into: dict[str, list[str]], extra: dict[str, list[str]]) -> None:
    """Add a plugin's field errors to the schema's; for a field both name, the plugin's wording replaces the
    generic pattern message (the pattern states the rule for clients, the check words it as the API does)."""
    for field, messages in extra.items():
        if messages and field in into:
            into[field] = [m for m in into[field] if not isinstance(m, PatternText)]
        for message in messages:
            if message not in into.setdefault(field, []):
                into[field].append(message)


def business_errors(state: RequestState, scope: Any, body: Any) -> dict[str, list[str]]:
    """The plugin's own checks for this operation (see apitwin.plugin.Wire.body_checks), on a body that failed the schema.
    A check that trips over the malformed body adds nothing: the schema errors already explain it."""
    check = state.plan.body_check if state.plan is not None and isinstance(body, dict) else None
    if check is None:
        return {}
    problems = FieldErrorCollector()
    try:
        check(body, token_info(scope), problems)
    except Exception:  # noqa: BLE001 - malformed input the check did not foresee
        return {}
    return problems.errors


def integral_floats_to_int(value: Any, changed: list[bool] | None = None) -> Any:
    """JSON has one number type: 3.0 is the integer 3 (JSON Schema 2020-12, DRF). Connexion validates with
    Draft 4, where 3.0 is not an integer, so normalise before validating. `changed[0]` tells if anything was.
    Values that cannot change (text, integers, booleans, null) are kept where they are met, without a call each:
    every JSON body is walked."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        if changed is not None:
            changed[0] = True
        return int(value)
    if isinstance(value, dict):
        return {k: v if type(v) in _UNCHANGED else integral_floats_to_int(v, changed) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _UNCHANGED else integral_floats_to_int(v, changed) for v in value]
    return value


_UNCHANGED = frozenset((str, int, bool, type(None)))
# bytes: every digit made "0", ".", "e" and "E" made ".", "[" and "{" made "[", everything else a blank
_NUMBER_MARKS = bytes.maketrans(bytes(range(256)), bytes(
    48 if 48 <= b <= 57 else 46 if b in b".eE" else 91 if b in b"[{" else 32 for b in range(256)))
_LONG_RUN = b"0" * 19   # jsonio.long_number's run of digits
_SHALLOW = 64    # fewer "[" and "{" than this: walking the body cannot come near Python's recursion limit


def json_of(raw: bytes, text: str, is_utf8: bool) -> tuple[Any, bool]:
    """(`jsonio.loads(text)`, whether `integral_floats_to_int` would leave it as it is), where `text` is `raw`
    decoded. From the bytes when they are its strict UTF-8 (what orjson reads from a text is that text's UTF-8, and
    one scan of the bytes stands for jsonio's long-number regex on the text), else — or when orjson refuses them, so
    json words the error as before — from the text. A JSON float is written with a digit right before its `.` or
    exponent (`3.0`, `1e5`): bytes without one hold no float (NaN and Infinity, read by json alone, are never
    integral), and with few brackets the walk could not have hit the recursion limit."""
    if is_utf8:
        marks = raw.translate(_NUMBER_MARKS)
        if _LONG_RUN not in marks:       # else orjson may read a long integer as a float: jsonio reads it with json
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass
            else:
                return body, b"0." not in marks and marks.count(b"[") < _SHALLOW
    return jsonio.loads(text), False


def utf8(encoding: str) -> bool:
    """Whether a charset names UTF-8 (without a signature): json.loads reads strict JSON bytes as exactly this text."""
    try:
        return encoding in ("utf-8", "UTF-8") or codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


class CollectBodyProblems:
    """Body validators: a body that cannot be read or validated is answered with the parameter problems collected
    before it (`state.problems`); problems that remain are raised once by `apitwin.server.handling`."""

    async def wrap_receive(self, receive: Any, *, scope: Any) -> Any:
        self._state = state_of(scope)
        self._scope = scope
        try:
            try:
                return await super().wrap_receive(receive, scope=scope)  # type: ignore[misc]
            except ProblemException as problem:  # e.g. Connexion's "RequestBody is required"
                if str(problem.detail) == "RequestBody is required" and (custom := missing_body(self._state.plan)):
                    raise custom from None
                raise ApiError(problem.status_code, [str(problem.detail or problem.title)]) from None
        except ApiError as exc:
            raise self._state.problems.merged(exc) from None


class ReadBodyDirectly:
    """Connexion's `wrap_receive` for a body that announces its length, reading the `receive` messages in a plain
    loop where Connexion wraps them in an async generator (about a tenth of a create's validation time); the same
    messages replayed, the same parse, validation and replay of a normalised body. Anything else (no or a zero
    Content-Length: Connexion's default body or its "RequestBody is required") goes Connexion's way."""

    async def wrap_receive(self, receive: Any, *, scope: Any) -> Any:
        length = raw_headers.first(scope["headers"], b"content-length") or b"0"
        if not int(length.decode("latin-1")):
            return await super().wrap_receive(receive, scope=scope)  # type: ignore[misc]
        messages, chunks, more = [], [], True
        while more:
            message = await receive()
            messages.append(message)
            more = message.get("more_body", False)
            chunks.append(message.get("body", b""))
        body = self._parsed(b"".join(chunks))  # type: ignore[attr-defined]
        if not (body is None and self._nullable):  # type: ignore[attr-defined]
            self._validate(body)  # type: ignore[attr-defined]
        if self.MUTABLE_VALIDATION:  # type: ignore[attr-defined]
            return self._insert_body(receive, body=body, scope=scope)  # type: ignore[attr-defined]
        return self._insert_messages(receive, messages=messages), scope  # type: ignore[attr-defined]


class CollectingJSONBodyValidator(CollectBodyProblems, ReadBodyDirectly, JSONRequestBodyValidator):
    @property
    def _validator(self) -> Any:
        return compiled(self._schema, Draft4RequestValidator)

    async def _parse(self, stream: Any, scope: Any) -> Any:
        return self._parsed(b"".join([chunk async for chunk in stream]))

    def _parsed(self, raw: bytes) -> Any:
        try:
            text = raw.decode(self._encoding)
        except UnicodeDecodeError as exc:  # connexion 3.3.0 answers 500 here
            raise ApiError(400, [f"Request body is not valid {self._encoding}: {exc.reason}."])
        state: RequestState = self._state
        state.sent_json = None
        if not text:
            return None
        if state.runtime is not None and state.runtime.plugin.wire.json_null_is_value and text.strip() == "null":
            state.json_null = True   # a JSON null the schema judges, not a missing body
        lenient = bool(state.runtime and state.runtime.plugin.wire.lenient_json)
        is_utf8 = utf8(self._encoding)
        try:
            body, as_is = json_of(raw, text, is_utf8)
            changed = [False]
        except RecursionError:
            raise ApiError(400, ["Request body is nested too deeply."]) from None
        except ValueError as exc:
            if not lenient:
                raise ApiError(400, [f"Request body is not valid JSON: {exc}."]) from None
            try:
                body = lenient_json.loads(text)
            except ValueError as lenient_exc:
                raise ApiError(400, [f"Request body is not valid JSON: {lenient_exc}"]) from None
            changed, as_is = [True], False  # the handler gets it as strict JSON
        strict = not changed[0]
        if not (strict and as_is):
            try:
                body = integral_floats_to_int(body, changed)
            except RecursionError:
                raise ApiError(400, ["Request body is nested too deeply."]) from None
        state.sent_json = body
        if strict and is_utf8:   # what json.loads of the bytes (the endpoint's reading) gives
            state.handler_json = body
        if changed[0]:   # replay the normalised body to the handler (Connexion's switch, read after _validate)
            self.MUTABLE_VALIDATION = True
        return body

    def _validate(self, body: Any) -> Any:
        if body is None and not self._state.json_null:
            if self._nullable or not self._required:  # an optional body may be left out
                return body
            raise missing_body(self._state.plan) or ApiError(
                400, ["Request body must not be empty."], {"body": [REQUIRED_MESSAGE]})
        if body is None and self._nullable:
            return body
        plan = self._state.plan
        sent_type = next((v.decode("latin-1") for k, v in self._scope.get("headers", []) if k == b"content-type"), "")
        contract = plan.json_body_for(sent_type) if plan is not None else None
        if contract is not None:   # the 3.1 document's schema, compiled at start (apitwin.server.plans)
            if contract.fast.is_valid(body):  # jsonschema-rs: the common, valid case costs microseconds
                return body
            errors = collect(contract.detailed.iter_errors(body)) or collect_rs(contract.fast.iter_errors(body))
            merge(errors, business_errors(self._state, self._scope, body))
        else:
            errors = collect(self._validator.iter_errors(body))
        if errors:
            raise ApiError(400, [], errors)
        return body


class JsonBodyStep:
    """A strict UTF-8 JSON body's validation for one operation and one sent Content-Type value, built once (in place
    of a `CollectingJSONBodyValidator` made per request): the body is read once, parsed by `json_of` and checked by the
    operation's compiled jsonschema-rs contract; a body that passes is recorded exactly as the validator records it
    (`sent_json`, `handler_json`) and its messages replayed. Anything else — no or a zero or an unusual
    Content-Length, Transfer-Encoding, a Content-Type other than the one this step is for, an empty, `null`, non-UTF-8,
    malformed or normalisable body (integral floats, long integers, deep nesting), a refused body, no contract, a
    failing `receive` — goes to the validator made as before, given the same messages (and the same failure), so
    every answer and error stays the validator's own. tests/engine/test_json_body_step.py compares both ways."""

    __slots__ = ("content_type", "sent_type", "encoding", "make", "_plan", "_contract")

    def __init__(self, content_type: bytes, encoding: str, make: Any) -> None:
        """`content_type`: the first Content-Type header's raw value this step is for; `make()`: the validator."""
        self.content_type = content_type
        self.sent_type = content_type.decode("latin-1")
        self.encoding = encoding
        self.make = make
        self._plan: Any = None
        self._contract: Any = None

    async def wrap_receive(self, receive: Any, *, scope: Any) -> Any:
        sent = length = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-type":
                if sent is None:
                    sent = value
            elif name == b"content-length":
                if length is None:
                    length = value
            elif name == b"transfer-encoding":
                chunked = True
        if chunked or sent != self.content_type or length is None or not length.isdigit() or not int(length):
            return await self.make().wrap_receive(receive, scope=scope)
        messages: list[Any] = []
        chunks: list[bytes] = []
        more = True
        try:
            while more:
                message = await receive()
                messages.append(message)
                more = message.get("more_body", False)
                chunks.append(message.get("body", b""))
        except Exception as exc:   # noqa: BLE001 - the validator meets the same failure after the same messages
            return await self.make().wrap_receive(_replayed(messages, None, exc), scope=scope)
        state = state_of(scope)
        body = self._accepted(b"".join(chunks), state)
        if body is None:
            return await self.make().wrap_receive(_replayed(messages, receive, None), scope=scope)
        state.sent_json = state.handler_json = body
        return JSONRequestBodyValidator._insert_messages(receive, messages=messages), scope

    def _accepted(self, raw: bytes, state: RequestState) -> Any:
        """The body when it is certainly valid as sent and read as the validator reads it, else None."""
        plan = state.plan
        if plan is None:
            return None
        if plan is not self._plan:
            self._contract = plan.json_body_for(self.sent_type)
            self._plan = plan
        contract = self._contract
        if contract is None:
            return None
        try:
            text = raw.decode(self.encoding)
            if not text:
                return None
            body, as_is = json_of(raw, text, True)
        except Exception:   # noqa: BLE001 - undecodable, malformed, too deep: the validator words it
            return None
        if not as_is or body is None or not contract.fast.is_valid(body):
            return None
        return body


def _replayed(messages: list[Any], receive: Any, failure: BaseException | None) -> Any:
    """A `receive` giving `messages` again, then `receive`'s own (or raising `failure`)."""
    pending = iter(messages)

    async def replay() -> Any:
        for message in pending:
            return message
        if failure is not None:
            raise failure
        return await receive()
    return replay


def missing_body(plan: Any) -> ApiError | None:
    """A required body that is missing, in the API's own words when the operation's `requestBody` has them
    (`x-apitwin-message`, e.g. Spring's `Required request body is missing`); None: the engine's wording."""
    text = ((plan.operation.get("requestBody") or {}) if plan is not None else {}).get(CUSTOM_MESSAGE)
    return ApiError(400, [text]) if isinstance(text, str) else None


class CollectingFormValidation(CollectBodyProblems):
    """Form bodies (urlencoded, multipart): every violation per field, one compiled validator per schema."""

    _schema: Any
    _required: bool

    async def wrap_receive(self, receive: Any, *, scope: Any) -> Any:
        """A form Content-Type with an empty body is the empty form, which a required body may be (a form with no
        field sent is present; its schema judges it): Connexion called it a missing body."""
        if self._required and any(key == b"content-type" for key, _ in scope.get("headers", ())):
            headers = Headers(scope=scope)
            if not int(headers.get("content-length") or 0) and "transfer-encoding" not in headers:
                self._required = False
        return await super().wrap_receive(receive, scope=scope)

    @property
    def _validator(self) -> Any:
        """Compiled once per schema, as a request sees it (readOnly properties not required, as for JSON bodies)."""
        return _COMPILED.get(self._schema, "form", lambda: Draft4RequestValidator(
            as_request(_read_fields(self._schema)), format_checker=FORMATS))

    def _validate(self, body: Any) -> Any:
        errors = collect(self._validator.iter_errors(body))
        if not errors and isinstance(body, dict) and FULL_SCHEMA in self._schema:
            errors = _full_form_errors(full_schema(self._schema), body)
        if errors:
            raise ApiError(400, [], errors)
        return body

    async def _parse(self, stream: Any, scope: Any) -> Any:
        """A malformed form (multipart without boundary, parts that do not match it) is the client's 400; Starlette
        raises its own exceptions for those, which Connexion would answer with a 500. An empty body is the empty
        form, whatever the Content-Type says (a multipart one without a boundary included): a form whose fields are
        all optional may be sent with none."""
        headers = Headers(scope=scope)
        if not int(headers.get("content-length") or 0) and "transfer-encoding" not in headers:
            sent = headers.get("content-type", "")
            if sent.lower().startswith("multipart/") and "boundary=" not in sent:
                # later readers of the form (the endpoint, apitwin.forms) parse it again: an empty multipart body
                # needs a boundary to be read as the empty form
                scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"content-type"] + [
                    (b"content-type", f"{sent}; boundary=apitwin-empty".encode("latin-1"))]
            return {}
        try:
            data = await super()._parse(stream, scope)  # type: ignore[misc]
        except (MultiPartException, AssertionError, ValueError, KeyError) as exc:
            raise ApiError(400, [f"Malformed form body: {exc}"]) from None
        if isinstance(data, dict) and self._schema.get("type") != "object":
            data = resolve_composed_form(form_properties(self._schema), data)
        properties = self._schema.get("properties") or {}
        if isinstance(data, dict) and _read_fields(self._schema) is not self._schema:   # some field has READINGS
            data = {key: read_by_schema(properties.get(key), value) for key, value in data.items()}
        return data


def _full_form_errors(full: Any, body: dict[str, Any]) -> dict[str, list[str]]:
    """The 3.1 schema's errors for a form body whose fields arrive as text: each field as sent, or with its leaves
    typed (`pair=1&pair=a` for `prefixItems: [integer, string]`) where that leaves fewer errors."""
    if full.is_valid(body):
        return {}
    best, count = body, sum(1 for _ in full.iter_errors(body))
    for key, value in body.items():
        typed = _typed_leaves(value)
        if typed != value:
            trial = {**best, key: typed}
            errors = sum(1 for _ in full.iter_errors(trial))
            if errors < count:
                best, count = trial, errors
    return {} if count == 0 else collect(full.iter_errors(best))


def form_properties(schema: Any, out: dict[str, Any] | None = None, depth: int = 0) -> dict[str, Any]:
    """Every property a form body may carry, from the schema and its allOf/oneOf/anyOf branches (first wins)."""
    out = {} if out is None else out
    if not isinstance(schema, dict) or depth > 8:
        return out
    for name, sub in (schema.get("properties") or {}).items():
        out.setdefault(name, sub)
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            form_properties(branch, out, depth + 1)
    return out


def _form_scalar(schema: Any, text: Any) -> Any:
    """A form value in its schema's type when it reads as one; otherwise as sent, for the validator to judge."""
    if not isinstance(text, str) or not isinstance(schema, dict):
        return text
    return xmlbody.scalar(schema, text, any_case=True)


def resolve_composed_form(properties: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Connexion resolves form fields only for a body schema that says `type: object`; a composed one (oneOf of
    object schemas, as multipart item forms often are) gets each field's values as sent, a list of strings. Read
    them as the branch declaring the field (in `properties`, refs resolved) says: one value, or a list for an
    array, in the declared type."""
    resolved: dict[str, Any] = {}
    for key, values in data.items():
        if not isinstance(values, list):
            resolved[key] = values
            continue
        prop = properties.get(key) or {}
        types = prop.get("type") if isinstance(prop, dict) else None
        if types == "array" or (isinstance(types, list) and "array" in types):
            resolved[key] = [_form_scalar(prop.get("items") or {}, v) for v in values]
        else:
            resolved[key] = _form_scalar(prop, values[-1]) if values else None
    return resolved


class CollectingXMLBodyValidator(CollectBodyProblems, AbstractRequestBodyValidator):
    """XML bodies (`application/xml`, `*/*+xml`), read as the document's XML Object describes (apitwin.xmlbody) and
    validated as a request sees the schema: malformed XML and schema violations are the client's 400. The handler
    still gets the body as sent."""

    @property
    def _validator(self) -> Any:
        return _COMPILED.get(self._schema, "xml", lambda: Draft4RequestValidator(as_request(self._schema),
                                                                                 format_checker=FORMATS))

    async def _parse(self, stream: Any, scope: Any) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return None
        try:
            return xmlbody.parse(raw, self._schema, form_properties)
        except xmlbody.XmlBodyError as exc:
            raise ApiError(400, [f"Request body is not valid XML: {exc}."]) from None

    def _validate(self, body: Any) -> Any:
        if body is None:
            if self._nullable or not self._required:
                return body
            raise missing_body(self._state.plan) or ApiError(
                400, ["Request body must not be empty."], {"body": [REQUIRED_MESSAGE]})
        errors = collect(self._validator.iter_errors(body))
        if errors:
            raise ApiError(400, [], errors)
        return body


class RawBodyPresenceValidator(AbstractRequestBodyValidator):
    """Media types apitwin does not read (`image/jpeg`, `application/octet-stream`, …): the bytes reach the handler
    as sent, unread; only presence is checked, so a required body that is missing is refused as a JSON one is
    (before, no validator ran for them and the empty request was answered 2xx)."""

    async def wrap_receive(self, receive: Any, *, scope: Any) -> Any:
        if self._required and not self._nullable and not _sent_length(scope):
            state = state_of(scope)
            raise state.problems.merged(missing_body(state.plan) or ApiError(
                400, ["Request body must not be empty."], {"body": [REQUIRED_MESSAGE]})) from None
        return receive, scope


def _sent_length(scope: Any) -> int:
    """The request's Content-Length, as Connexion's body validators read it (absent or unreadable: 0)."""
    for key, value in scope.get("headers") or ():
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


class CollectingFormDataValidator(CollectingFormValidation, FormDataValidator):
    pass


class CollectingMultiPartFormDataValidator(CollectingFormValidation, MultiPartFormDataValidator):
    pass


# Connexion builds a new validator (after a deepcopy of the schema) for every parameter of every request;
# parameter dicts live as long as the app, so one compiled validator per parameter is enough.
def _param_validator(param: dict) -> Draft4Validator:
    return _COMPILED.get(param, "parameter", lambda: Draft4Validator(param.get("schema", param), format_checker=FORMATS))


# --- the compiled parameter check (s5-paramcheck) -----------------------------------------------------------------
# A parameter's schema, compiled once by jsonschema-rs, answers whether a value is valid in well under a microsecond
# (Python's jsonschema: ~9 us for one integer). Only a "valid" answer is used: an invalid value goes through
# `_param_validator` as before, so every message stays word for word. For that shortcut to be sound, the compiled
# check may never accept what Python's rejects; it is built only for schemas made of keywords on which both agree
# (or jsonschema-rs is the stricter: ECMA `$` does not match before a trailing newline), and formats are checked by
# the same Python FormatChecker (jsonschema-rs accepts `{uuid}` and leap seconds that it rejects).
# tests/engine/test_param_fast_check.py compares both paths on many values per parameter kind.
_FAST_KEYWORDS = frozenset({
    "type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "pattern", "items", "additionalItems", "minItems", "maxItems", "uniqueItems", "properties", "required",
    "additionalProperties", "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not", "format",
    # annotations, no assertion
    "default", "description", "title", "example", "examples", "nullable", "readOnly", "writeOnly", "deprecated",
    "discriminator", "xml", "externalDocs",
})
# regex syntax Python's `re` and ECMA (jsonschema-rs) read differently: such a pattern is left to Python (groups
# `(?…)` other than the non-capturing `(?:…)` too: flags, lookarounds, named groups)
_UNSURE_PATTERN = ("[:", "\\p", "\\P", "\\Z", "\\A", "\\z", "\\b", "\\B", "\\N", "\\u", "\\x{")


def _fast_checkable(schema: Any, top: bool, depth: int = 0) -> bool:
    """Whether `schema` is made only of keywords the compiled check judges as Python's jsonschema does; a format
    Python checks only at the top (checked there with Python's FormatChecker)."""
    if not isinstance(schema, dict) or depth > 16:
        return False
    for key, value in schema.items():
        if key.startswith("x-"):
            continue
        if key not in _FAST_KEYWORDS:
            return False
        if key == "format" and not top and value in FORMATS.checkers:
            return False
        if key == "pattern" and (not isinstance(value, str) or any(mark in value for mark in _UNSURE_PATTERN)
                                 or "(?" in value.replace("(?:", "")):
            return False
        if key in ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems") and not isinstance(value, bool):
            return False
        if key in ("items", "additionalItems", "additionalProperties", "not") and isinstance(value, dict) \
                and not _fast_checkable(value, False, depth + 1):
            return False
        if key == "items" and isinstance(value, list) \
                and not all(_fast_checkable(sub, False, depth + 1) for sub in value):
            return False
        if key in ("allOf", "anyOf", "oneOf") and not (
                isinstance(value, list) and all(_fast_checkable(sub, False, depth + 1) for sub in value)):
            return False
        if key == "properties" and not (isinstance(value, dict) and all(
                _fast_checkable(sub, False, depth + 1) for sub in value.values())):
            return False
    return True


def _build_fast_check(param: dict[str, Any]) -> Any:
    schema = param.get("schema")
    if not isinstance(schema, dict) or READINGS in schema or NESTED in schema or FULL_SCHEMA in schema \
            or not _fast_checkable(schema, True):
        return None
    try:
        rs = jsonschema_rs.Draft4Validator(schema, validate_formats=False)
    except Exception:  # noqa: BLE001 - a schema jsonschema-rs cannot compile: Python's check only
        return None
    is_valid = rs.is_valid
    fmt = schema.get("format")
    conforms = FORMATS.conforms if fmt in FORMATS.checkers else None

    def check(value: Any) -> bool:
        try:
            valid = is_valid(value)
        except Exception:  # noqa: BLE001 - a value it cannot read (a huge integer...): Python's check judges
            return False
        return valid and (conforms is None or conforms(value, fmt))
    return check


def fast_check(param: dict[str, Any]) -> Any:
    """The parameter's compiled check (value → True when certainly valid), or None where only Python's applies
    (readings, nested arrays, a 3.1 schema beside the view, keywords outside `_FAST_KEYWORDS`)."""
    return _COMPILED.get(param, "fast", lambda: _build_fast_check(param))


def wire_readings(schema: dict[str, Any], text: str) -> list[Any]:
    """The values a parameter or form field sent as `text` may stand for, for a schema allowing several types
    (READINGS, apitwin.specs): as sent, then as each listed type that reads it."""
    out: list[Any] = [text]
    for kind in schema.get(READINGS) or ():
        if kind == "boolean" and text in ("true", "false"):
            out.append(text == "true")
        elif kind in ("integer", "number"):
            try:
                number = int(text) if kind == "integer" else float(text)
            except ValueError:
                continue
            if number == number and number not in (float("inf"), float("-inf")):
                out.append(number)
        elif kind == "array":
            out.append(text.split(",") if text else [])     # simple, or form with explode false: a,b,c
        elif kind == "object":
            for pairs in _object_texts(text):
                out.extend([pairs, _by_properties(schema, pairs), _typed_leaves(pairs)])
    if text[:1] in ("[", "{"):       # a list or object written out (JSON, or a Python literal): for a schema allowing it
        literal = _literal(text.strip())
        if isinstance(literal, (list, dict)):
            out.append(literal)
    elif text == "null":             # JSON's null, for a schema allowing it
        out.append(None)
    return out


def _object_texts(text: str) -> list[dict[str, Any]]:
    """The objects `text` may spell: `k,v,k,v` (simple; form with explode false), `k=v,k=v` (simple with explode),
    each also split only outside brackets and quotes (a value that is itself a list: `k,[1, 2]`), and a JSON object
    (or a Python dict literal: schemathesis 4.32.5 writes an object it generated for a path or header parameter whose
    schema offers it only in an anyOf/oneOf branch with `str()`, `{'a': '0'}`)."""
    if not text:
        return [{}]                                       # the empty object: nothing after `name=`
    found: list[dict[str, Any]] = []
    splits = [text.split(",")]
    if any(mark in text for mark in "[{'\""):
        bracketed = _split_outside_brackets(text, ",")
        if bracketed != splits[0]:
            splits.append(bracketed)
    for parts in splits:
        if all("=" in part for part in parts):
            found.append(dict(part.split("=", 1) for part in parts))
        if len(parts) % 2 == 0:
            found.append(dict(zip(parts[::2], parts[1::2])))
    if text.lstrip().startswith("{"):
        literal = _literal(text.strip())
        if isinstance(literal, dict):
            found.append({str(key): value for key, value in literal.items()})
    return found


def _typed_leaves(value: Any) -> Any:
    """An object read from text (deepObject, `k,v` pairs) with each leaf that reads as a number or boolean as one:
    the wire has only strings, the schema judges the values they stand for."""
    if isinstance(value, dict):
        return {key: _typed_leaves(leaf) for key, leaf in value.items()}
    if isinstance(value, list):
        return [_typed_leaves(leaf) for leaf in value]
    if not isinstance(value, str):
        return value
    if value in ("true", "false"):
        return value == "true"
    for kind in (int, float):
        try:
            number = kind(value)
        except ValueError:
            continue
        return number if number == number and number not in (float("inf"), float("-inf")) else value
    return value


def _without_view_type(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without the `type` the view gave it (and its items) for Connexion, which readings need not meet."""
    out = {k: v for k, v in schema.items() if k not in ("type", READINGS)} if READINGS in schema else dict(schema)
    if isinstance(out.get("items"), dict) and READINGS in out["items"]:
        out["items"] = _without_view_type(out["items"])
    return out


def _untyped(schema: dict[str, Any]) -> Draft4Validator:
    """The schema as the document has it, without the types the view gave it for Connexion."""
    return _COMPILED.get(schema, "readings", lambda: Draft4Validator(_without_view_type(schema),
                                                                     format_checker=FORMATS))


def _by_properties(schema: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """A deepObject's values (strings, or objects of strings) each read as the property naming it accepts."""
    properties = form_properties(schema)
    out: dict[str, Any] = {}
    for key, leaf in value.items():
        prop = properties.get(key)
        if not isinstance(prop, dict):
            out[key] = leaf
        elif isinstance(leaf, dict):
            out[key] = _by_properties(prop, leaf)
        elif leaf == "" and prop.get("type") in ("object", "array"):   # `p[o]=`: the empty object (or list)
            out[key] = {} if prop["type"] == "object" else []
        else:
            checker = _COMPILED.get(prop, "leaf", lambda prop=prop: Draft4Validator(prop, format_checker=FORMATS))
            text = {**prop, READINGS: ["boolean", "integer", "number"]}
            out[key] = next((r for r in wire_readings(text, leaf) if checker.is_valid(r)), leaf) \
                if isinstance(leaf, str) else leaf
    return out


def _readings(schema: dict[str, Any], value: Any) -> list[Any]:
    if isinstance(schema.get(NESTED), dict):
        return [typed for reading in nested_readings(schema[NESTED], value)
                for typed in (reading, _typed_leaves(reading))]
    if isinstance(value, str):
        return wire_readings(schema, value)
    return [value, _by_properties(schema, value), _typed_leaves(value)]


_LITERAL_LIMIT = 4096    # longest text read as a JSON or Python literal (bounded work per value)


def _literal(text: str) -> Any:
    """`text` as a JSON value, else as a Python literal (schemathesis 4.32 writes a nested list's items with
    `str()`: `['a', 'b']`); None when it is neither."""
    if len(text) > _LITERAL_LIMIT:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _split_outside_brackets(text: str, delimiter: str) -> list[str]:
    """`text` split at `delimiter`, keeping together a part that opens a bracket (`[1, 2],[3]` → `[1, 2]`, `[3]`;
    `k,{'a': 1, 'b': 2}` → `k`, `{'a': 1, 'b': 2}`) until its brackets close (quotes inside it counted)."""
    parts: list[str] = []
    pending: list[str] = []
    for piece in text.split(delimiter):
        if pending:
            pending.append(piece)
        elif piece.lstrip()[:1] in ("[", "{"):
            pending = [piece]
        else:
            parts.append(piece)
            continue
        joined = delimiter.join(pending)
        if _balanced(joined):
            parts.append(joined)
            pending = []
    if pending:
        parts.extend(pending)
    return parts


def _balanced(text: str) -> bool:
    depth, quote, escaped = 0, "", False
    for char in text:
        if escaped:
            escaped = False
        elif quote and char == "\\":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth <= 0 and not quote


def _inner(part: str) -> list[Any]:
    """One inner array as sent: a JSON (or Python) list, else comma-separated text, else one item."""
    stripped = part.strip()
    if stripped.startswith("["):
        found = _literal(stripped)
        if isinstance(found, list):
            return found
    return part.split(",") if part else []


def nested_readings(style: dict[str, Any], value: Any) -> list[Any]:
    """The arrays of arrays a parameter sent as `value` may stand for (apitwin.specs NESTED; no OpenAPI style
    spells one): the outer items are the repeated query values (explode) or the text split at the style's delimiter
    outside brackets; each inner one a JSON list or comma-separated text (`grid=1,2&grid=3`, `grid=[1,2]&grid=[3]`,
    `rows=a,b|c` with pipeDelimited); also the whole text as one JSON list (`grid=[[1,2],[3]]`) and, for repeated
    values, all of them as one inner array (a client library flattening `[[1, 2]]` into `grid=1&grid=2`). The leaves
    are text, read by the schema (`read_by_schema`)."""
    texts = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    delimiter = str(style.get("delimiter") or ",")
    if style.get("explode") and isinstance(value, list):
        outer = texts
    else:
        outer = _split_outside_brackets(texts[-1], delimiter) if texts and texts[-1] else []
    out: list[Any] = [[_inner(part) for part in outer]]
    whole = _literal(texts[-1].strip()) if len(texts) == 1 and texts[0].strip().startswith("[") else None
    if isinstance(whole, list):
        out.append(whole)
    if len(outer) > 1:
        out.append([[part for part in outer]])
    return out


def read_by_schema(schema: Any, value: Any) -> Any:
    """The first reading of a sent value that `schema` accepts (the value itself when none does); a list is read
    item by item."""
    if not isinstance(schema, dict):
        return value
    if isinstance(schema.get(NESTED), dict):
        checker = _untyped(schema)
        full = full_schema(schema) if FULL_SCHEMA in schema else None
        return next((reading for reading in _readings(schema, value)
                     if checker.is_valid(reading) and (full is None or full.is_valid(reading))), value)
    if isinstance(value, list) and isinstance(schema.get("items"), dict) and READINGS in schema["items"]:
        return _prefer_full(schema, [read_by_schema(schema["items"], item) for item in value])
    if not isinstance(value, (str, dict)) or not schema.get(READINGS):
        return _prefer_full(schema, value)
    checker = _untyped(schema)
    readings = [reading for reading in _readings(schema, value) if checker.is_valid(reading)]
    full = full_schema(schema) if FULL_SCHEMA in schema else None
    return next((reading for reading in readings if full is None or full.is_valid(reading)),
                readings[0] if readings else value)


def _read_fields(schema: Any) -> Any:
    """A form body schema as its fields arrive here: those with READINGS already read (`read_by_schema`), so
    without the `type: string` the view gave them for Connexion."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or not any(_has_readings(p) for p in properties.values()):
        return schema
    return {**schema, "properties": {name: _without_view_type(p) if _has_readings(p) else p
                                     for name, p in properties.items()}}


def _has_readings(schema: Any) -> bool:
    """READINGS on a field or on its items (apitwin.specs)."""
    return isinstance(schema, dict) and (READINGS in schema or READINGS in (schema.get("items") or {}))


_ENCODED_DELIMITERS = {"form": ("," , "%2c"), "pipeDelimited": ("|", "%7c")}


def _delimited_as_sent(param: dict[str, Any], query_string: bytes, value: Any) -> Any:
    """A delimited array or object (`form` or `pipeDelimited`, explode false) whose values hold the delimiter
    percent-encoded (`pair=1,a%2Cb` is [1, "a,b"] by RFC 6570, as schemathesis sends it; `obj=k,a%2Cb` is
    {k: "a,b"}) split as sent, not after decoding as Connexion's parser does; else `value` itself. A second reading
    only: many clients percent-encode the delimiter too (`pair=1%2Ca`, meaning [1, "a"])."""
    schema = param.get("schema") or {}
    style = param.get("style", "form")
    is_object = "object" in (schema.get(READINGS) or ())
    if style not in _ENCODED_DELIMITERS or param.get("explode", style != "form") is not False or NESTED in schema \
            or not (schema.get("type") == "array" or is_object):
        return value
    delimiter, encoded = _ENCODED_DELIMITERS[style]
    text = query_string.decode("latin-1")
    if encoded not in text.lower():
        return value
    raw = None
    for pair in text.split("&"):
        key, _, sent = pair.partition("=")
        if unquote_plus(key) == param["name"]:
            raw = sent
    if raw is None or encoded not in raw.lower():
        return value
    items = [unquote_plus(part) for part in raw.split(delimiter)] if raw else []
    if is_object:
        return dict(zip(items[::2], items[1::2])) if len(items) % 2 == 0 else value
    try:
        return coerce_type(param, items, "query", param["name"])
    except (KeyError, TypeError, TypeValidationError):
        return items


def full_schema(schema: dict[str, Any]) -> Any:
    """The validator of the 3.1 schema a parameter or form body schema of the view carries (apitwin.specs
    FULL_SCHEMA: the view left out keywords such as `prefixItems` or `propertyNames`), as a request sees it."""
    return _COMPILED.get(schema, "full", lambda: Draft202012Validator(
        as_request(json.loads(schema[FULL_SCHEMA])), format_checker=FORMATS))


def _prefer_full(schema: dict[str, Any], value: Any) -> Any:
    """`value`, or its typed leaves when only those meet the 3.1 schema (`pair=1,a` for `prefixItems`)."""
    if FULL_SCHEMA not in schema or full_schema(schema).is_valid(value):
        return value
    typed = _typed_leaves(value)
    return typed if full_schema(schema).is_valid(typed) else value


class CollectingParameterValidator(ParameterValidator):
    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict, param_name: str | None = None) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if value is None:
            return REQUIRED_MESSAGE if param.get("required") else None
        if value == [""] and param.get("explode") is False and (param.get("schema") or {}).get("type") == "array" \
                and not param.get("required"):
            # `?tags=` with style form, explode false: the empty list (RFC 6570), not [""]. A required one must name
            # something (Spotify's `/search?type=`): there it is [""], judged by the items, as schemathesis reads it
            value = []
        schema = param.get("schema", param)
        if parameter_type == "header" and isinstance(value, str) and schema.get("type") == "array":
            try:                 # a,b,c as a list of items in their type
                value = coerce_type(param, value, "header", param_name)
            except (KeyError, TypeError, TypeValidationError):
                pass             # judged as sent
        if isinstance(value, list) and isinstance(schema.get("items"), dict) and READINGS in schema["items"]:
            checker = _untyped(schema)
            read = read_by_schema(schema, value)
            message = " ".join(dict.fromkeys(humanize(err) for err in checker.iter_errors(read))) or None
            candidates = [read, _typed_leaves(read)]
        elif (isinstance(value, (str, dict)) and schema.get(READINGS)) or NESTED in schema:
            checker = _untyped(schema)
            readings = _readings(schema, value)
            candidates = [reading for reading in readings if checker.is_valid(reading)]
            if not candidates:
                judged = readings[1] if (NESTED in schema or isinstance(value, dict)) and len(readings) > 1 else value
                return " ".join(dict.fromkeys(humanize(err) for err in checker.iter_errors(judged))) or None
            message = None
        else:
            fast = fast_check(param)
            if fast is not None and fast(value):   # compiled (jsonschema-rs): the common, valid case
                return None
            messages = [_custom_message(err) or humanize(err) for err in _param_validator(param).iter_errors(value)]
            custom = [m for m in messages if isinstance(m, CustomText)]
            if custom:
                return custom[0]
            message = " ".join(dict.fromkeys(messages)) or None
            candidates = [value, _typed_leaves(value)]
        if message is None and FULL_SCHEMA in schema:
            full = full_schema(schema)
            if not any(full.is_valid(candidate) for candidate in candidates):
                judged = candidates[1] if len(candidates) > 1 else candidates[0]
                return " ".join(dict.fromkeys(humanize(err) for err in full.iter_errors(judged))) or None
        return message

    def validate_query_parameter(self, param: dict, request: Any) -> str | None:
        value = request.query_params.get(param["name"])
        message = self.validate_parameter("query", value, param)
        if message and value is not None:    # a delimited array may hold its delimiter percent-encoded in an item
            as_sent = _delimited_as_sent(param, request.scope.get("query_string") or b"", value)
            if as_sent is not value and not self.validate_parameter("query", as_sent, param):
                return None
        return message

    def validate_header_parameter(self, param: dict, request: Any) -> str | None:
        value = request.headers.get(param["name"])
        message = self.validate_parameter("header", value, param)
        if message and isinstance(value, str) and (param.get("schema") or {}).get("type") == "array" \
                and ("[" in value or "{" in value):    # items that are lists or objects written out: `1,{'a': 1, 'b': 2}`
            parts = _split_outside_brackets(value, ",")
            if len(parts) != value.count(",") + 1 and not self.validate_parameter("header", parts, param):
                return None
        return message

    def _absent_query_parameter(self, param: dict, request: Any) -> str | None:
        return self.validate_parameter("query", None, param)

    def validate_request(self, request: Any) -> None:
        errors: dict[str, list[str]] = {}
        # no query string: no query parameter is sent (saves parsing an empty one on most requests)
        sent_query = bool(request.scope.get("query_string"))
        if self.strict_validation and sent_query:
            for name in self.validate_query_parameter_list(request, self.security_query_params):
                errors.setdefault(name, []).append("Unknown query parameter.")
        checks = (
            ("query", self.validate_query_parameter if sent_query else self._absent_query_parameter),
            ("path", self.validate_path_parameter),
            ("header", self.validate_header_parameter),
            ("cookie", self.validate_cookie_parameter),
        )
        for location, check in checks:
            for param in self.parameters.get(location, []):
                msg = check(param, request)
                if msg:
                    errors.setdefault(GENERAL if isinstance(msg, CustomText) else param["name"], []).append(msg)
        if errors:
            raise ApiError(400, [], errors)

    def validate(self, scope: Any) -> None:  # noqa: D401
        """Parameter problems of an operation that takes a body wait in `state.problems` for the body's, so the
        client gets every violation in one answer (raised once, by `apitwin.server.handling`). The path parameters
        as parsed here go into `state.path_params`: the endpoint hands them to the handler without parsing the path
        again (the same URI parser class over the same definitions)."""
        state = state_of(scope)
        request = ConnexionRequest(scope, uri_parser=self.uri_parser)    # as Connexion's `validate`
        try:
            self.validate_request(request)
        except ApiError as exc:
            if state.plan is not None and not state.plan.accepted:
                raise                 # no body to wait for
            state.problems.add(exc.field_errors)
        if self.parameters.get("path"):
            state.path_params = request.path_params     # parsed (and kept by the request) while validating


VALIDATOR_MAP = {
    "parameter": CollectingParameterValidator,
    "body": MediaTypeDict(
        {
            "*/*json": CollectingJSONBodyValidator,
            "application/x-www-form-urlencoded": CollectingFormDataValidator,
            "multipart/form-data": CollectingMultiPartFormDataValidator,
            "*/*xml": CollectingXMLBodyValidator,
            "*/*": RawBodyPresenceValidator,     # the least specific: only what no reader above takes
        }
    ),
}
