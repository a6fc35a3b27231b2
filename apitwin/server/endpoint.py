"""The final app: one endpoint per operation, compiled at start, calling the handler.

Connexion's own final app builds, for every request, a decorator stack around the handler (a parameter decorator
and a response decorator, each re-deriving from the operation what never changes: the handler's signature, the
path and query parameter definitions, the query defaults, the body schema, the produced media types) — about a
third of a request's time (cProfile, bench/bench_partners.py). `OperationEndpoint` does the same work with all of
that worked out once: it hands the handler the same keyword arguments Connexion would (same names, snake-cased
the same way, same types, the security context), and turns what the handler returns into the same Starlette
response (`Endpoints` keeps Connexion's lookup by the routed operationId; requests no operation was routed to
still get Connexion's own 404). Routing stays Connexion's, and so do security and request validation (its
per-operation objects, run by apitwin.server.operation.OperationLayer above).

Per request only what the request brings is worked on: Connexion's request object is made only when a body, a
form, a query string or an unparsed path needs it; path values are cast by functions chosen at start; query
defaults are handed only to handlers taking them. The answer is not made into a Starlette Response: the endpoint
builds the raw headers that Response would (`answer_for`, `_raw_answer`: same order, Content-Type and
Content-Length rules) and sends the two ASGI messages itself; an answer that is already a Response, or a body
Starlette would render another way, still goes through Starlette.
"""
from __future__ import annotations

import asyncio
import collections.abc
import functools
import json
import logging
import types
from copy import deepcopy
from enum import Enum
from typing import Any, Callable

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.datastructures import NoContent
from connexion.decorators.parameter import CONTEXT_NAME, pythonic, sanitized, unwrap_decorators
from connexion.exceptions import NonConformingResponseHeaders
from connexion.jsonifier import Jsonifier
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.operations import AbstractOperation, Swagger2Operation
from connexion.uri_parsing import OpenAPIURIParser
from python_multipart.multipart import parse_options_header
from connexion.utils import (TYPE_MAP, deep_merge, inspect_function_arguments, is_json_mimetype, is_null, is_nullable,
                             make_type, split_content_type)
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from apitwin.server import raw_headers
from apitwin.server.connexion_patches import extract_content_type
from apitwin.server.state import ABSENT, SCOPE_KEY
from apitwin.specs import READINGS
from apitwin.store import IMMUTABLE_TYPES, clone

# Connexion's parameter decorator logs here; the endpoint logs to the same logger.
log = logging.getLogger("connexion.decorators.parameter")
_BODY_SCHEMAS = 16   # media types remembered per operation (a client chooses the Content-Type it sends)


def _value(value: Any, definition: dict[str, Any]) -> Any:
    """A parameter's value cast as its definition says (Connexion's `_get_val_from_param`)."""
    schema = definition.get("schema", definition)
    if is_nullable(schema) and is_null(value):
        return None
    if READINGS in schema or READINGS in (schema.get("items") or {}):
        return _read(schema, value)
    if schema["type"] == "array":
        item_type, item_format = schema["items"]["type"], schema["items"].get("format")
        return [make_type(part, item_type, item_format) for part in value]
    return make_type(value, schema["type"], schema.get("format"))


def _read(schema: dict[str, Any], value: Any) -> Any:
    """A value whose schema allows several types (apitwin.specs READINGS): what validation accepted it as (`12` an
    integer, `a,3` the object {a: 3}), not a cast to the `type` the view gave Connexion to parse by."""
    from apitwin.validation import read_by_schema   # the validators import the pipeline's modules
    return read_by_schema(schema, value)


def _reader(definition: dict[str, Any]) -> Callable[[Any], Any]:
    """`_value` for one parameter definition, with what depends only on the definition decided once: a plain
    scalar (not nullable, no READINGS, not an array) is cast by its type's function (Connexion's `make_type`)."""
    try:
        schema = definition.get("schema", definition)
        plain = not (is_nullable(schema) or READINGS in schema or READINGS in (schema.get("items") or {}))
        kind, form = schema["type"], schema.get("format")
        if plain and kind != "array" and not (kind == "string" and form == "binary") and kind in TYPE_MAP:
            return TYPE_MAP[kind]  # type: ignore[no-any-return]
    except (AttributeError, KeyError, TypeError):
        pass   # left to `_value`, which fails (or not) as Connexion's cast does
    return functools.partial(_value, definition=definition)


def _query_defaults(definitions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Default values of the query parameters (Connexion's `_get_query_defaults`)."""
    defaults: dict[str, Any] = {}
    for name, definition in definitions.items():
        try:
            if "default" in definition:
                defaults[name] = definition["default"]
            elif definition["schema"]["type"] == "object":
                defaults[name] = _default_object(definition["schema"])
            else:
                defaults[name] = definition["schema"]["default"]
        except KeyError:
            pass
    return defaults


def _default_object(schema: dict[str, Any]) -> dict[str, Any]:
    if "default" in schema:
        return deepcopy(schema["default"])
    return _default_properties(schema.get("properties", {}), {})


def _default_properties(properties: dict[str, Any], into: dict[str, Any]) -> dict[str, Any]:
    for name, prop in properties.items():
        if "default" in prop and name not in into:
            into[name] = deepcopy(prop["default"])
        elif prop.get("type") == "object" and "properties" in prop:
            into.setdefault(name, {})
            into[name] = _default_properties(prop["properties"], into[name])
    return into


class OperationEndpoint:
    """One operation's endpoint: parameters and body in, the handler called, its answer out as a Starlette
    response — Connexion's parameter and response decorators with everything that depends only on the operation
    worked out at start."""

    def __init__(self, operation: AbstractOperation, *, pythonic_params: bool, jsonifier: Any) -> None:
        self.operation = operation
        self.operation_id = operation.operation_id
        self.jsonifier = jsonifier
        self.dumps = json_dumps(jsonifier)
        function = operation.function
        self.function = function
        self.is_async = asyncio.iscoroutinefunction(function)
        self.arguments, self.has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        self.sanitize: Callable[[str], str] = functools.lru_cache(maxsize=1024)(pythonic if pythonic_params else sanitized)
        self.uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self.path_definitions = {p["name"]: p for p in operation.parameters if p["in"] == "path"}
        self.query_definitions = {p["name"]: p for p in operation.parameters if p["in"] == "query"}
        self.query_defaults = _query_defaults(self.query_definitions)
        self.plain_query = isinstance(self.uri_parser, OpenAPIURIParser)   # apitwin.uri_parsing subclasses it
        self.is_trace = operation.method.upper() == "TRACE"
        self.body_defined = operation.is_request_body_defined
        self.body_name = self.sanitize(operation.body_name(""))   # OpenAPI 3: x-body-name or "body", any media type
        self.swagger2 = isinstance(operation, Swagger2Operation)
        self.wants_body = self.body_name in self.arguments or self.has_kwargs
        self.takes_context = CONTEXT_NAME in self.arguments
        # every name sanitized once is its own sanitized form (so Connexion's second pass changes nothing)
        self.stable = all(self.sanitize(key) == key for key in (
            self.body_name, *map(self.sanitize, self.path_definitions), *map(self.sanitize, self.query_definitions)))
        # per path parameter: (argument name, cast), the cast worked out once (`_reader`)
        self.path_readers = {name: (self.sanitize(name), _reader(definition))
                             for name, definition in self.path_definitions.items()}
        # per query default the handler takes: (argument name, default, cast) — handed over when no query is sent
        self.default_arguments = [(key, default, _reader(self.query_definitions[name]))
                                  for name, default in self.query_defaults.items()
                                  for key in (self.sanitize(name),) if self.has_kwargs or key in self.arguments]
        self.produces = list(set(operation.produces))
        # the one media type the operation produces, when JSON: a bare body's Content-Type, encoded once
        self.json_type = _json_type(self.produces)
        self._body_schemas: dict[str, dict[str, Any]] = {}
        self._mimetypes: dict[str, str] = {}
        self._json_types: dict[Any, bool] = {}

    def body_schema(self, content_type: str | None) -> dict[str, Any]:
        found = self._body_schemas.get(content_type or "")
        if found is None:
            found = self.operation.body_schema(content_type)
            if len(self._body_schemas) < _BODY_SCHEMAS:
                self._body_schemas[content_type or ""] = found
        return found

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        request = None   # Connexion's request, made only when a body, a form or a query string needs reading
        # the request's Content-Type as Starlette's headers give it (the first one), read once from the raw headers;
        # `content_type` as ConnexionRequest has it (its default when none was sent)
        raw = raw_headers.first(scope["headers"], b"content-type")
        sent = None if raw is None else raw.decode("latin-1")
        content_type = "application/octet-stream" if sent is None else sent
        body = None
        if self.wants_body or (self.swagger2 and self.mimetype_of(content_type) in FORM_CONTENT_TYPES):
            state = scope.get(SCOPE_KEY)
            parsed = ABSENT if state is None else state.handler_json
            if parsed is not ABSENT and is_json_mimetype(content_type):
                body = clone(parsed)   # parsed once, by the body validator; a copy: `sent_json` stays as sent
            else:
                request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
                body = request.get_body()
                while asyncio.iscoroutine(body):
                    body = await body
        # Connexion reads the form for every request; only a form body has files (others read an empty form)
        files: Any = {}
        if sent is not None and "form" in sent.lower():
            if request is None:
                request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
            files = await request.files()
        # the media type only matters to a body or files (Connexion parses it for every request)
        mimetype = self.mimetype_of(content_type) if self.body_defined or files else ""
        kwargs = self.arguments_for(request, body, files, mimetype, scope, receive)
        if self.is_async:
            result = await self.function(**kwargs)
        else:
            result = await run_in_threadpool(self.function, **kwargs)
        answer = self.answer_for(result)
        if type(answer) is not tuple:
            await answer(scope, receive, send)
            return
        # what Starlette's Response would send, sent without making one (to the response guard whole, if it is on)
        whole = getattr(send, "whole", None)
        if whole is not None:
            await whole(*answer)
        else:
            await send({"type": "http.response.start", "status": answer[0], "headers": answer[1]})
            await send({"type": "http.response.body", "body": answer[2]})

    def mimetype_of(self, content_type: str) -> str:
        """`ConnexionRequest.mimetype` of a request whose `content_type` this is, parsed once per value (a bounded
        few: a client chooses the Content-Type it sends)."""
        found = self._mimetypes.get(content_type)
        if found is None:
            found = parse_options_header(content_type)[0].decode()
            if len(self._mimetypes) < _BODY_SCHEMAS:
                self._mimetypes[content_type] = found
        return found

    # -- parameters (Connexion's decorators/parameter.py: prep_kwargs, get_arguments) --------------------------------

    def arguments_for(self, request: ConnexionRequest | None, body: Any, files: Any, mimetype: str, scope: dict,
                      receive: Any = None) -> dict[str, Any]:
        """The handler's keyword arguments, as Connexion's `prep_kwargs` makes them. `request`: Connexion's request
        if the endpoint made one, else made here only if the path or the query string needs its parsing.

        Connexion sanitizes every argument name twice (once per source, once more at the end). Where that gives
        the name once sanitized (`stable`: every name of the operation, the usual case) each value goes straight
        to its final name; files, Swagger 2 forms and unstable names take Connexion's steps (`_general_arguments`)."""
        state = scope.get(SCOPE_KEY)    # the path as request validation parsed it (apitwin.validation), if it ran
        path_params = state.path_params if state is not None else None
        if path_params is None and self.plain_query and not scope.get("path_params"):
            path_params = {}            # nothing in the path: the URI parser resolves nothing to nothing
        if path_params is None:
            if request is None:
                request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
            path_params = request.path_params
        if files or not self.stable or (self.swagger2 and mimetype in FORM_CONTENT_TYPES):
            if request is None:
                request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
            return self._general_arguments(request, body, files, mimetype, scope)
        arguments, has_kwargs, sanitize = self.arguments, self.has_kwargs, self.sanitize
        kwargs: dict[str, Any] = {}
        path_readers = self.path_readers
        for name, value in path_params.items():
            reader = path_readers.get(name)
            if reader is not None:
                kwargs[reader[0]] = reader[1](value)
                continue
            key = sanitize(name)        # not a defined path parameter (injected): passed as it is
            if sanitize(key) != key:
                if request is None:
                    request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
                return self._general_arguments(request, body, files, mimetype, scope)
            kwargs[key] = value
        # no query string: no query parameters (the URI parser resolves an empty mapping to an empty one), only the
        # defaults the handler takes
        if scope.get("query_string") or not self.plain_query:
            # the query as request validation's parameter reader parsed it (apitwin.param_reader), if it did
            sent = state.query_params if state is not None else None
            if sent is None:
                if request is None:
                    request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
                sent = request.query_params
            self._query_arguments(sent, kwargs)
        else:
            for key, default, reader in self.default_arguments:
                kwargs[key] = reader(default if type(default) in IMMUTABLE_TYPES else deepcopy(default))
        if not self.is_trace and self.body_defined and (arguments or has_kwargs):
            kwargs.update(self.body_argument(body, mimetype))
        return self._with_context(kwargs, scope)

    def _with_context(self, kwargs: dict[str, Any], scope: dict) -> dict[str, Any]:
        """The request context's values (e.g. `token_info`, `user`) the handler takes, and the whole context when it
        takes `context_`, last: they win over a parameter of the same name, as in Connexion."""
        context = (scope.get("extensions") or {}).get("connexion_context", {})
        for key, value in context.items():
            if self.has_kwargs or key in self.arguments:
                kwargs[key] = value
        if self.takes_context:
            kwargs[CONTEXT_NAME] = context
        return kwargs

    def _query_arguments(self, sent: dict[str, Any], kwargs: dict[str, Any]) -> None:
        sanitize, arguments, has_kwargs = self.sanitize, self.arguments, self.has_kwargs
        query = deep_merge(deepcopy(self.query_defaults), sent) if self.query_defaults else dict(sent)
        for name, value in query.items():
            key = sanitize(name)
            if not has_kwargs and key not in arguments:
                continue
            definition = self.query_definitions.get(name)
            if definition is None:
                # Undeclared query parameters get this far only as expected traffic: a security scheme's query key
                # (strict validation lets those through) or an API that ignores them (x-apitwin-unknown-query).
                # Connexion logged an ERROR for each; here it is a debug line.
                log.debug("query parameter %r (argument %r) not defined in the specification: not passed", name, key)
            else:
                kwargs[key] = _value(value, definition)

    def _general_arguments(self, request: ConnexionRequest, body: Any, files: Any, mimetype: str,
                           scope: dict) -> dict[str, Any]:
        """Connexion's `prep_kwargs` step by step: every key sanitized once more at the end (a file's name is
        sanitized only there)."""
        sanitize, arguments, has_kwargs = self.sanitize, self.arguments, self.has_kwargs
        kwargs: dict[str, Any] = {}
        state = scope.get(SCOPE_KEY)    # the path as request validation parsed it (apitwin.validation), if it ran
        path_params = state.path_params if state is not None and state.path_params is not None else request.path_params
        for name, value in path_params.items():
            definition = self.path_definitions.get(name)
            kwargs[sanitize(name)] = value if definition is None else _value(value, definition)
        # no query string: no query parameters (the URI parser resolves an empty mapping to an empty one)
        # the query as request validation's parameter reader parsed it (apitwin.param_reader), if it did
        sent = state.query_params if state is not None and state.query_params is not None else \
            request.query_params if scope.get("query_string") or not self.plain_query else {}
        self._query_arguments(sent, kwargs)
        if not self.is_trace:
            if self.body_defined and (arguments or has_kwargs):
                kwargs.update(self.body_argument(body, mimetype))
            if files:
                schema = self.body_schema(mimetype)
                for name, value in files.items():
                    if name in arguments or has_kwargs:
                        kwargs[name] = value if schema.get("properties", {}).get(name, {}).get("type") == "array" \
                            else value[0]
        kwargs = {sanitize(k): v for k, v in kwargs.items()}
        return self._with_context(kwargs, scope)

    def body_argument(self, body: Any, mimetype: str) -> dict[str, Any]:
        """The body's argument (only for an operation defining a body, to a handler taking arguments)."""
        schema = self.body_schema(mimetype)
        if mimetype in FORM_CONTENT_TYPES:
            value: Any = self._form_value(body, schema)
            if self.swagger2:
                if self.has_kwargs:
                    return value
                return {self.sanitize(k): v for k, v in value.items() if self.sanitize(k) in self.arguments}
        elif is_nullable(schema) and is_null(body):
            value = None
        elif body is None:
            value = deepcopy(schema.get("default", {}))
        else:
            value = body
        return {self.body_name: value} if self.wants_body else {}

    def _form_value(self, body: Any, schema: dict[str, Any]) -> dict[str, Any]:
        properties = {k: {"schema": v} for k, v in schema.get("properties", {}).items()}
        additional = self.body_schema(None).get("additionalProperties", True)
        value = deepcopy(schema.get("default", {}))
        value.update(body or {})
        if not (properties or additional):
            return {}
        additional_definition = {"schema": additional} if isinstance(additional, dict) else None
        typed = {}
        for key, item in value.items():
            try:   # a KeyError inside the cast too (a property schema without `type`) falls back, as in Connexion
                typed[key] = _value(item, properties[key])
            except KeyError:
                if not additional:
                    log.error(f"Body property '{key}' not defined in body schema")
                    continue
                typed[key] = item if additional_definition is None else _value(item, additional_definition)
        return typed

    # -- the answer (Connexion's decorators/response.py: AsyncResponseDecorator) -------------------------------------

    def answer_for(self, result: Any) -> tuple[Any, list[tuple[bytes, bytes]], bytes] | Response:
        """The handler's answer as Connexion's response decorator turns it into a Starlette response: that response,
        or — for a body that is text, bytes or none (JSON encoded here), the usual case — the (status, raw headers,
        body) that response would send, without making it (Starlette's `Response.init_headers`: the handler's
        headers, the Content-Type added, then Content-Length unless the handler set one or the status has no body)."""
        if isinstance(result, Response):
            return result
        if isinstance(result, ConnexionResponse):
            return StarletteFramework.connexion_to_framework_response(result)
        if type(result) is not tuple and self.json_type is not None:
            # a bare body of the operation's one JSON media type: its encoding and two headers
            if result is None or result is NoContent:
                return 204, [(b"content-type", self.json_type)], b""
            body = self.dumps(result)
            if type(body) is str:
                body = body.encode()
            elif type(body) is not bytes:
                return self._general_answer(result)
            return 200, [(b"content-type", self.json_type), (b"content-length", str(len(body)).encode())], body
        return self._general_answer(result)

    def _general_answer(self, result: Any) -> tuple[Any, list[tuple[bytes, bytes]], bytes] | Response:
        data, status, headers = _unpack(result)
        content_type = self._content_type(data, headers)
        if not isinstance(data, Response):
            if data is None or data is NoContent:
                data = None
            elif self.is_json(content_type):
                data = self.dumps(data)
            status = status or (204 if data is None else 200)
            if type(headers) is dict and (data is None or type(data) is str or type(data) is bytes):
                return _raw_answer(data, status, headers, content_type)
            if content_type and not any(key.lower() == "content-type" for key, _ in headers.items()):
                headers["Content-Type"] = content_type
        return StarletteFramework.build_response(data, content_type=content_type, status_code=status,
                                                 headers=headers)

    def is_json(self, content_type: Any) -> bool:
        """Connexion's `is_json_mimetype(split_content_type(content_type)[0])`, decided once per value (the few
        media types an operation answers with)."""
        found = self._json_types.get(content_type)
        if found is None:
            found = is_json_mimetype(split_content_type(content_type)[0])
            if len(self._json_types) < _BODY_SCHEMAS:
                self._json_types[content_type] = found
        return found

    def _content_type(self, data: Any, headers: dict[str, str]) -> str | None:
        content_type = extract_content_type(headers)
        produces = self.produces if (data is None or self.produces) else ["application/json"]
        if content_type:
            if content_type not in produces:
                raise NonConformingResponseHeaders(
                    f"Returned content type ({content_type}) is not defined in operation spec "
                    f"({self.operation.produces}).")
            return content_type
        if not produces:
            return None
        if len(produces) == 1:
            return produces[0]
        if isinstance(data, str):
            for produced in produces:
                if "text/plain" in produced:
                    content_type = produced
        elif isinstance(data, (bytes, types.GeneratorType, collections.abc.Iterator)):
            for produced in produces:
                if "application/octet-stream" in produced:
                    content_type = produced
        if content_type is None:
            raise NonConformingResponseHeaders(
                "Multiple response content types are defined in the operation spec, but "
                "the handler response did not specify which one to return.")
        return content_type


def json_dumps(jsonifier: Any) -> Callable[[Any], str]:
    """`jsonifier.dumps`, for Connexion's own Jsonifier over the json module with its encoder made once: its
    `dumps` builds the same JSONEncoder (same options, stateless between calls) for every answer, a quarter of the
    encoding time of a small body. Any other jsonifier is called as it is."""
    if type(jsonifier) is not Jsonifier or jsonifier.json is not json:
        return jsonifier.dumps  # type: ignore[no-any-return]
    options = dict(jsonifier.dumps_args)
    try:
        encoder = options.pop("cls")(**options)
    except TypeError:        # options only json.dumps itself takes: leave it to json.dumps
        return jsonifier.dumps  # type: ignore[no-any-return]
    encode = encoder.encode
    return lambda data: encode(data) + "\n"


def _json_type(produces: list[str]) -> bytes | None:
    """The Content-Type of a bare body: the operation's one produced media type, if it is JSON."""
    try:
        if len(produces) == 1 and is_json_mimetype(split_content_type(produces[0])[0]):
            return produces[0].encode("latin-1")
    except (ValueError, UnicodeEncodeError):   # a media type without a subtype: left to the general path
        pass
    return None


def _raw_answer(data: str | bytes | None, status: Any, headers: dict[str, Any],
                content_type: str | None) -> tuple[Any, list[tuple[bytes, bytes]], bytes]:
    """(status, raw headers, body) of `Response(data, status, headers + Content-Type, content_type)`, as Starlette
    makes them: the handler's headers lower-cased in their order, the Content-Type after them unless one was set,
    Content-Length last unless one was set or the status has no body (1xx, 204, 304)."""
    body = b"" if data is None else data.encode("utf-8") if type(data) is str else data
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    keys = [name for name, _ in raw]
    if content_type and b"content-type" not in keys:
        raw.append((b"content-type", content_type.encode("latin-1")))
        keys.append(b"content-type")
    if b"content-length" not in keys and not (status < 200 or status in (204, 304)):
        raw.append((b"content-length", str(len(body)).encode("latin-1")))
    if content_type is not None and b"content-type" not in keys:
        if content_type.startswith("text/") and "charset=" not in content_type.lower():
            content_type += "; charset=utf-8"
        raw.append((b"content-type", content_type.encode("latin-1")))
    return status, raw, body


def _unpack(result: Any) -> tuple[Any, int | None, Any]:
    """(data, status, headers) of a handler's return value: a body, or (body,), (body, status), (body, headers),
    (body, status, headers)."""
    if not isinstance(result, tuple):
        return result, None, {}
    if len(result) == 1:
        return result[0], None, {}
    if len(result) == 2:
        data, second = result
        if isinstance(second, int):
            return data, int(second), {}
        if isinstance(second, Enum) and isinstance(second.value, int):
            return data, second.value, {}
        return data, None, second
    if len(result) == 3:
        return result
    raise TypeError("The view function did not return a valid response tuple."
                    " The tuple must have the form (body), (body, status, headers),"
                    " (body, status), or (body, headers).")


class EndpointApi(AsyncApi):
    """Connexion's per-API operation table, holding compiled endpoints."""

    def make_operation(self, operation: AbstractOperation) -> Any:
        return OperationEndpoint(operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)


class Endpoints(AsyncASGIApp):
    """Connexion's final app (lookup by the routed operationId; its 404 for paths no operation was routed to),
    serving compiled endpoints. The lookup — the first API under the routed base path holding the operationId —
    is one dict lookup per request (`routed`, made from the API tables at the first request, again after an
    `add_api`); everything else (no routing information, no operationId, an unknown one) is Connexion's own."""

    api_cls = EndpointApi

    def __init__(self) -> None:
        super().__init__()
        self._routed: dict[tuple[Any, Any], Any] | None = None

    def add_api(self, *args: Any, **kwargs: Any) -> Any:
        self._routed = None
        return super().add_api(*args, **kwargs)

    def routed(self) -> dict[tuple[Any, Any], Any]:
        """(API base path, operationId) → endpoint, the first API of a base path holding the id winning (as in
        Connexion's `RoutedMiddleware.__call__`)."""
        table: dict[tuple[Any, Any], Any] = {}
        for base_path, apis in self.apis.items():
            for api in apis:
                for operation_id, endpoint in api.operations.items():
                    if operation_id is not None:
                        table.setdefault((base_path, operation_id), endpoint)
        self._routed = table
        return table

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            context = (scope.get("extensions") or {}).get(ROUTING_CONTEXT)
            if context is not None:
                table = self._routed if self._routed is not None else self.routed()
                endpoint = table.get((context.get("api_base_path"), context.get("operation_id")))
                if endpoint is not None:
                    return await endpoint(scope, receive, send)  # type: ignore[no-any-return]
        return await super().__call__(scope, receive, send)  # type: ignore[no-any-return]
