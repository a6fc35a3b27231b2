"""Callbacks and webhooks of an inferred API, from the document alone, sent by the engine's webhook dispatcher
(apitwin.webhooks: signed, ordered, retried, dead-lettered).

- An operation's `callbacks` fire after it succeeds, to the URL its runtime expression names
  (`{$request.body#/callbackUrl}/data`, `{$request.query.url}`, `…?id={$response.body#/id}`); a 2xx answer the
  document chose through Prefer (example/code/dynamic, told through `Binding.answered`) fires them the same way,
  `$response.*` and the body read from the chosen answer.
- A 3.1 `webhooks` entry fires when the resource whose schema its request body carries changes (a name saying
  new/created, updated/changed or deleted/removed narrows it to that change), to the receivers registered through
  the admin API; its name is the event type a receiver's `event_types` filter uses.

Bodies follow the callback's (or webhook's) requestBody schema: the changed item where the schema takes it, else
the item inside the property that takes it, else a seeded record valid against the schema holding the item's
matching fields."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Mapping

from apitwin.errors import ApiError
from apitwin.http_methods import HTTP_METHODS
from apitwin.inferred.model import Model, Resource
from apitwin.inferred.schemas import Schemas, json_media
from apitwin.inferred.values import compose, generate, is_timestamp, now_value

log = logging.getLogger("apitwin.callbacks")

EVENTS = "inferred_events"          # the store collection of webhook events (apitwin.plugin.Events.collection)
# a callback or webhook path item's operations, those that carry a body first (the usual notification verbs)
_METHODS = ("post", "put", "patch", *(m for m in HTTP_METHODS if m not in ("post", "put", "patch")))
_EXPRESSION = re.compile(r"\{(\$[^{}]+)\}")
_KINDS = {
    "created": ("new", "create", "created", "add", "added", "register", "registered"),
    "updated": ("update", "updated", "change", "changed", "modify", "modified", "edit", "edited"),
    "deleted": ("delete", "deleted", "remove", "removed"),
}


@dataclass(frozen=True)
class Target:
    """One request the document describes the API making: a callback (URL template) or a webhook (named)."""

    name: str
    method: str
    url: str | None          # the callback's runtime-expression URL; None for a webhook
    body_schema: Any         # the requestBody's JSON schema, None without one


@dataclass(frozen=True)
class Request:
    """What runtime expressions read of the request and its answer."""

    url: str
    method: str
    path: Mapping[str, Any]
    query: Mapping[str, Any]
    headers: Mapping[str, str]   # lower-cased names
    body: Any
    status: int
    response_headers: Mapping[str, str]
    response_body: Any


def _targets(schemas: Schemas, path_item: Any, name: str, url: str | None) -> list[Target]:
    path_item = schemas.deref(path_item)
    found = []
    for method in _METHODS:
        operation = schemas.deref(path_item.get(method)) if isinstance(path_item, dict) else None
        if not isinstance(operation, dict):
            continue
        body = schemas.deref(operation.get("requestBody") or {})
        media = json_media(body.get("content")) if isinstance(body, dict) else None
        found.append(Target(name, method.upper(), url, media[1].get("schema", {}) if media else None))
    return found


def operation_callbacks(schemas: Schemas, operation: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    for name, callback in (operation.get("callbacks") or {}).items():
        callback = schemas.deref(callback)
        for url, path_item in (callback or {}).items() if isinstance(callback, dict) else ():
            out += _targets(schemas, path_item, name, str(url))
    return out


def webhooks(schemas: Schemas) -> list[Target]:
    out: list[Target] = []
    for name, path_item in (schemas.doc.get("webhooks") or {}).items():
        out += _targets(schemas, path_item, str(name), None)
    return out


def has_any(model: Model) -> bool:
    """Whether the document makes requests of its own (then the API gets the engine's webhook dispatcher)."""
    return bool(model.schemas.doc.get("webhooks")) or any(
        binding.operation.get("callbacks") for binding in model.bindings.values())


def change_kind(name: str) -> str | None:
    """created / updated / deleted when the webhook's name says so (`newPet`, `petDeleted`), else None (any)."""
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}
    for kind, markers in _KINDS.items():
        if words & set(markers):
            return kind
    return None


def _ref(schema: Any) -> Any:
    if isinstance(schema, dict) and "$ref" in schema:
        return schema["$ref"]
    return json.dumps(schema, sort_keys=True, default=str)


def carries(schemas: Schemas, body_schema: Any, resource: Resource) -> bool:
    """Whether a request body of this schema carries an item of the resource: the same schema, or one property
    (an envelope such as `{"data": Pet}`) or the array items being it."""
    if body_schema is None or resource.schema is None:
        return False
    wanted = schemas.flat(resource.schema)

    def same(schema: Any) -> bool:
        return _ref(schema) == _ref(resource.schema) or (bool(wanted) and schemas.flat(schema) == wanted)

    if same(body_schema):
        return True
    flat = schemas.flat(body_schema)
    inner = [*(flat.get("properties") or {}).values(), flat.get("items")]
    return any(isinstance(prop, dict) and same(prop) for prop in inner)


def payload(schemas: Schemas, schema: Any, item: Any, rng: Any) -> Any:
    """A body valid against `schema` holding `item` where the schema takes it (seeded, deterministic)."""
    if schema is None:
        return None
    props = schemas.properties(schema)
    shared = {k: v for k, v in item.items() if k in props} if isinstance(item, dict) else {}
    # the item itself where the schema takes it and names its fields (a loose `type: object` with other
    # properties takes any object, but means a body of its own)
    if item is not None and (shared or not props) and schemas.valid(schema, item):
        return item
    if item is not None:
        for name, prop in props.items():
            if _ref(prop) != _ref({}) and schemas.valid(prop, item) and (schemas.properties(prop) or
                                                                       not isinstance(item, dict)):
                wrapped = compose(schemas, schema, {}, {name: item}, rng)
                if schemas.valid(schema, wrapped):
                    return wrapped
    generated = generate(schemas, schema, rng)
    if isinstance(generated, dict):       # timestamps of the moment it is sent, not of the seed
        stamps = {name: now_value(prop) for name, prop in props.items()
                  if name in generated and name not in shared and is_timestamp(name, prop)}
        stamped = {**generated, **{k: v for k, v in stamps.items() if v is not None}}
        generated = stamped if schemas.valid(schema, stamped) else generated
    if isinstance(generated, dict) and shared:
        filled = {**generated, **shared}
        if schemas.valid(schema, filled):
            return filled
        record = compose(schemas, schema, shared, {}, rng)
        if schemas.valid(schema, record):
            return record
    return generated


# ---------------------------------------------------------------------------------------------- runtime expressions

class Unresolved(ValueError):
    """A runtime expression names nothing in this request (an absent parameter, a pointer into no value)."""


def _pointer(document: Any, pointer: str) -> Any:
    if pointer in ("", "/"):
        return document
    node = document
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise Unresolved(pointer)
    return node


def evaluate(expression: str, request: Request) -> Any:
    """The value of one runtime expression (OpenAPI 3 "Runtime Expressions")."""
    expression = expression.strip()
    if expression == "$url":
        return request.url
    if expression == "$method":
        return request.method
    if expression == "$statusCode":
        return request.status
    source, _, rest = expression.partition(".")
    if source not in ("$request", "$response"):
        raise Unresolved(expression)
    part, _, name = rest.partition(".")
    if part.startswith("body"):
        body = request.body if source == "$request" else request.response_body
        return _pointer(body, part.partition("#")[2])
    if part == "header":
        headers = request.headers if source == "$request" else request.response_headers
        value = headers.get(name.lower())
    elif part == "query" and source == "$request":
        value = request.query.get(name)
    elif part == "path" and source == "$request":
        value = request.path.get(name, request.path.get(name.replace("-", "_")))   # the router's `school_id`
    else:
        value = None
    if value is None:
        raise Unresolved(expression)
    return value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (dict, list)):
        raise Unresolved("not a scalar")
    return json.dumps(value)


def expand(template: str, request: Request) -> str:
    """A callback's URL with every `{expression}` filled in (a key that is one bare expression, too)."""
    if template.startswith("$"):
        return _text(evaluate(template, request))
    return _EXPRESSION.sub(lambda m: _text(evaluate(m.group(1), request)), template)


# ---------------------------------------------------------------------------------------------- firing

class Sender:
    """Fires one model's callbacks and webhook events through the API's dispatcher (`runtime.webhooks`)."""

    def __init__(self, model: Model) -> None:
        self.schemas = model.schemas
        self.webhooks = webhooks(model.schemas)
        self._callbacks: dict[str, list[Target]] = {}
        self._hooks: dict[str, list[tuple[Target, str | None]]] = {}
        self.model = model

    def callbacks_of(self, operation_id: str) -> list[Target]:
        found = self._callbacks.get(operation_id)
        if found is None:
            binding = self.model.bindings[operation_id]
            found = self._callbacks[operation_id] = operation_callbacks(self.schemas, binding.operation)
        return found

    def hooks_of(self, resource: Resource) -> list[tuple[Target, str | None]]:
        found = self._hooks.get(resource.name)
        if found is None:
            found = self._hooks[resource.name] = [(hook, change_kind(hook.name)) for hook in self.webhooks
                                                  if carries(self.schemas, hook.body_schema, resource)]
        return found

    def changed(self, rt: Any, resource: Resource, kind: str, item: Any, tenant: str | None, rng: Any) -> None:
        """A resource item was created, updated or deleted: an event per webhook entry that carries it."""
        if rt.webhooks is None:
            return
        for hook, wanted in self.hooks_of(resource):
            if wanted is not None and wanted != kind:
                continue
            body = payload(self.schemas, hook.body_schema, item, rng)
            rt.store[EVENTS].insert({"type": hook.name, "tenant": tenant, "change": kind,
                                     "resource": resource.name, "payload": body})

    def succeeded(self, rt: Any, operation_id: str, request: Request, item: Any, tenant: str | None,
                  rng: Any) -> None:
        """The operation answered 2xx: each of its callbacks goes to the URL its expression names. An expression
        naming nothing, or a URL that is no http(s) URL, sends nothing (logged); a URL the webhook allow-list
        refuses is a dead letter in the delivery log."""
        if rt.webhooks is None:
            return
        for target in self.callbacks_of(operation_id):
            try:
                url = expand(target.url or "", request)
            except Unresolved as missing:
                log.info("callback %s of %s not sent: %s names nothing in this request", target.name,
                         operation_id, missing)
                continue
            body = payload(self.schemas, target.body_schema, item, rng)
            try:
                rt.webhooks.deliver(url, body, tenant or "", target.name, target.method)
            except ApiError:
                log.info("callback %s of %s not sent: %r is not an http(s) URL", target.name, operation_id, url)


def tenants(pins: Any) -> list[str]:
    """The tenants receivers may be registered for: the pinned credentials' (none pinned: any name)."""
    return sorted({*pins.secrets.values(), *pins.logins.values()} - {None})
