"""The handlers of an inferred API: one function per operation, chosen by its role on its resource. State lives in
the runtime's store as for the built-in APIs: one collection per resource, each row
`{"id": n, "key": public id, "scope": {parent path parameter: value}, "tenant": t, "body": item}`."""
from __future__ import annotations

import contextvars
import json
import re
import uuid
from typing import Any, Callable
from urllib.parse import urlsplit

from connexion.lifecycle import ConnexionResponse

from apitwin import runtime, xmlbody
from apitwin.binding import SpecAnswer
from apitwin.errors import ApiError
from apitwin.fake import rng_for
from apitwin.validation import resolve_composed_form
from apitwin.inferred import callbacks, listing, patching
from apitwin.inferred.model import Binding, Model, Resource, response_schema, success
from apitwin.inferred.schemas import json_media
from apitwin.inferred.values import (compose, documented_example, generate, is_timestamp, now_value,
                                     without_write_only)


def documents_status(operation: dict[str, Any], status: int) -> bool:
    responses = operation.get("responses") or {}
    return str(status) in responses or f"{str(status)[0]}XX" in responses or "default" in responses


def _answer(status: int, body: Any, media_type: str | None, headers: dict[str, str] | None = None) -> Any:
    headers = dict(headers or {})
    if body is None or media_type is None:
        return ConnexionResponse(status_code=status, headers=headers or None)
    if isinstance(body, (bytes, str)) and not media_type.split(";")[0].endswith("json"):
        payload = body.encode() if isinstance(body, str) else body
    else:
        payload = json.dumps(body).encode()
    return ConnexionResponse(status_code=status, content_type=media_type, body=payload, headers=headers or None)


class Handlers:
    """Builds the handler of each operation of one model (Connexion's function resolver)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.schemas = model.schemas
        self._list_specs: dict[str, listing.ListSpec] = {}
        # callbacks and webhook events, when the document describes any (apitwin.inferred.callbacks)
        self.sender = callbacks.Sender(model) if callbacks.has_any(model) else None

    def resolve(self, operation_id: str) -> Callable[..., Any]:
        binding = self.model.bindings.get(operation_id)
        if binding is None:
            raise ValueError(f"no operation {operation_id}")
        role = binding.role
        method = getattr(self, f"_{role}")

        async def handler(**kwargs: Any) -> Any:
            gone = self._gone(binding)
            if gone is not None:
                raise ApiError(404, [f"{gone} was deleted."])
            if self.sender is None:
                answer = method(binding, kwargs)
            else:
                token = _ITEM.set(None)
                try:
                    answer = method(binding, kwargs)
                    self._succeeded(binding, kwargs, answer)
                finally:
                    _ITEM.reset(token)
            self._remember(answer)
            return answer

        handler.__name__ = handler.__qualname__ = operation_id
        return handler

    # ------------------------------------------------------------------------------------------------ deleted paths

    def _gone(self, binding: Binding) -> str | None:
        """The deleted path a read (or PATCH) of an operation that fits no resource lies at or under, when it
        documents a 404: DELETE answers its 2xx then 404 for such operations too (`DELETE /links/7/visits`, then
        `GET` of it), and for sub-paths of a deleted item (`/links/7/visits` once `/links/7` is gone). Resources
        answer from the store, which alone says whether an item exists."""
        if binding.role != "other":
            return None
        deleted = runtime.current().store.existing(_DELETED_PATHS)
        if deleted is None or not len(deleted):
            return None
        request = self._request()
        if request.method not in ("GET", "HEAD", "PATCH") or not documents_status(binding.operation, 404):
            return None
        path = request.url.path.rstrip("/")
        for row in deleted.scan():
            if path == row["path"] or path.startswith(row["path"] + "/"):
                return row["path"]
        return None

    def _remember(self, answer: Any) -> None:
        """A 2xx DELETE marks its path deleted; a 2xx PUT at a path, a POST to it, or a created item's Location
        makes it live again."""
        status = getattr(answer, "status_code", 200)
        if not 200 <= status < 300:
            return
        request = self._request()
        if request.method not in ("DELETE", "PUT", "POST"):
            return
        store = runtime.current().store
        path = request.url.path.rstrip("/")
        if request.method == "DELETE":
            deleted = store[_DELETED_PATHS]
            if not any(row["path"] == path for row in deleted.scan()):
                with store.transaction():
                    deleted.insert({"id": deleted.next_id(), "path": path})
            return
        deleted = store.existing(_DELETED_PATHS)
        if deleted is None or not len(deleted):
            return
        headers = {str(k).lower(): v for k, v in (getattr(answer, "headers", None) or {}).items()}
        location = urlsplit(str(headers.get("location") or "")).path.rstrip("/")
        live = [p for p in (location, path if request.method == "PUT" else "") if p]   # these and all below
        with store.transaction():
            for row in deleted.scan():
                if row["path"] == path or any(row["path"] == p or row["path"].startswith(p + "/") for p in live):
                    deleted.delete(row["id"])

    # ------------------------------------------------------------------------------------------------ callbacks

    def _succeeded(self, binding: Binding, kwargs: dict[str, Any], answer: Any) -> None:
        """After a 2xx answer: the operation's callbacks, to the URLs their expressions name."""
        status = getattr(answer, "status_code", 200)
        if self.sender is None or not 200 <= status < 300 or not self.sender.callbacks_of(binding.operation_id):
            return
        request = self._request()
        raw = getattr(answer, "body", None)
        try:
            response_body = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            response_body = None
        seen = callbacks.Request(
            url=str(request.url), method=request.method, path=dict(request.path_params),
            query=dict(request.query_params), headers={k.lower(): v for k, v in request.headers.items()},
            body=kwargs.get("body"), status=status,
            response_headers={k.lower(): v for k, v in (getattr(answer, "headers", None) or {}).items()},
            response_body=response_body)
        item = _ITEM.get()
        self.sender.succeeded(runtime.current(), binding.operation_id, seen,
                              item if item is not None else response_body, self._tenant(kwargs),
                              self._rng(binding.operation_id, "callback", status))

    def answered(self, rt: Any, answer: SpecAnswer) -> None:
        """The document answered in the handler's stead (Prefer code/example/dynamic, `Binding.answered`): a 2xx
        answer fires the operation's callbacks as the handler's would, the chosen answer standing for the
        handler's (`$response.*` and the callback body read it); nothing was stored, so no webhook entry fires."""
        if self.sender is None or not 200 <= answer.status < 300 or \
                answer.operation_id not in self.model.bindings or not self.sender.callbacks_of(answer.operation_id):
            return
        seen = callbacks.Request(
            url=answer.url, method=answer.method, path=answer.path, query=answer.query,
            headers=answer.request_headers, body=answer.request_body, status=answer.status,
            response_headers=answer.headers, response_body=answer.body)
        tenant = self._tenant({"token_info": dict(answer.token_info)})
        self.sender.succeeded(rt, answer.operation_id, seen, answer.body, tenant,
                              rng_for(rt.settings.seed, rt.name, answer.operation_id, "callback", answer.status))

    def _changed(self, resource: Resource, kind: str, item: Any, tenant: str | None) -> None:
        """An item was created, updated or deleted: the webhook entries carrying the resource fire."""
        if self.sender is not None:
            self.sender.changed(runtime.current(), resource, kind, item, tenant,
                                self._rng(resource.name, "webhook", kind))

    # ------------------------------------------------------------------------------------------------ helpers

    def _rng(self, *parts: Any) -> Any:
        rt = runtime.current()
        return rng_for(rt.settings.seed, rt.name, *parts)

    def _request(self) -> Any:
        from connexion import request

        return request

    def _tenant(self, kwargs: dict[str, Any]) -> str | None:
        info = kwargs.get("token_info")
        return info.get("tenant") if isinstance(info, dict) else None

    def _path_param(self, name: str | None) -> Any:
        """A path parameter by its documented name; the router holds `{school-id}` as `school_id`."""
        params = self._request().path_params
        if name is None:
            return None
        return params[name] if name in params else params.get(name.replace("-", "_"))

    def _scope(self, resource: Resource) -> dict[str, str]:
        return {name: str(self._path_param(name)) for name in resource.scope_params}

    def _check_parent(self, binding: Binding, resource: Resource, kwargs: dict[str, Any]) -> None:
        """An unknown parent (`/owners/999/pets`) is 404, as an unknown item is."""
        parent = resource.parent
        if parent is None or parent.parent_param is None and not resource.scope_params:
            return
        if not documents_status(binding.operation, 404):
            return
        key = str(self._path_param(resource.parent_param))
        scope = {name: str(self._path_param(name)) for name in parent.scope_params}
        if self._find(parent, key, scope, self._tenant(kwargs)) is None:
            raise ApiError(404, [f"{parent.name} {key} does not exist."])

    def _check_owner(self, binding: Binding, kwargs: dict[str, Any]) -> None:
        """An operation under an unknown or deleted item (`GET /drives/46/root` once drive 46 is gone) is 404, as
        a read of the item is: its documented answer would describe something that does not exist."""
        owner = binding.owner
        if owner is None or owner.id_param is None or not documents_status(binding.operation, 404):
            return
        key = str(self._path_param(owner.id_param))
        scope = {name: str(self._path_param(name)) for name in owner.scope_params}
        if self._find(owner, key, scope, self._tenant(kwargs)) is None:
            raise ApiError(404, [f"{owner.name} {key} does not exist."])

    def _rows(self, resource: Resource, scope: dict[str, str], tenant: str | None) -> list[dict[str, Any]]:
        """The rows a caller sees: a tenant its own and the seeded ones; a caller without credentials (an operation
        the document leaves open) every row, as a public read does."""
        store = runtime.current().store
        return [row for row in store[resource.name].scan()
                if (tenant is None or row.get("tenant") in (None, tenant)) and all(row.get("scope", {}).get(k) == v for k, v in scope.items())]

    def _find(self, resource: Resource, key: str, scope: dict[str, str], tenant: str | None) -> dict[str, Any] | None:
        for row in self._rows(resource, scope, tenant):
            if str(row.get("key")) == key:
                return row
        return None

    def _item(self, binding: Binding, kwargs: dict[str, Any]) -> tuple[Resource, dict[str, str], str, Any]:
        resource = binding.resource
        assert resource is not None and resource.id_param is not None
        self._check_parent(binding, resource, kwargs)
        scope = self._scope(resource)
        key = str(self._path_param(resource.id_param))
        return resource, scope, key, self._find(resource, key, scope, self._tenant(kwargs))

    def _new_key(self, resource: Resource, number: int) -> Any:
        schema = self.schemas.flat(resource.id_schema)
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "integer" in kinds or "number" in kinds:
            return number
        if schema.get("format") == "uuid":
            rng = self._rng(resource.name, "key", number)
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if not schema.get("pattern") and not schema.get("enum") and not schema.get("format") \
                and schema.get("minLength", 1) <= len(str(number)):
            return str(number)
        rows = runtime.current().store[resource.name].scan()
        taken = {str(row.get("key")) for row in rows}
        templates = [str(row.get("key")) for row in rows[:5]] + [str(v) for v in _examples_of(schema)]
        for attempt in range(40):
            rng = self._rng(resource.name, "key", number, attempt)
            if templates and attempt % 2 == 0:
                value: Any = _like(templates[attempt // 2 % len(templates)], rng)
            else:
                value = generate(self.schemas, schema, rng)
            if str(value) not in taken and self.schemas.valid(schema, value):
                return value
        return str(number)

    def _server_fields(self, resource: Resource, key: Any, *, created: bool,
                       previous: dict[str, Any] | None) -> dict[str, Any]:
        """What the server decides: the id, and read-only timestamps (creation kept on updates)."""
        fields: dict[str, Any] = {}
        if resource.id_field:
            fields[resource.id_field] = key
        for name, prop in self.schemas.properties(resource.schema).items():
            if name == resource.id_field or not is_timestamp(name, prop):
                continue
            if created or not name.lower().startswith(("created", "creation", "date_created", "datecreated")):
                value = now_value(prop)
                if value is not None:
                    fields[name] = value
            elif previous is not None and name in previous:
                fields[name] = previous[name]
        return fields

    def _render(self, binding: Binding, status_hint: int | None, body: Any, *, item: Any = None,
                location: str | None = None) -> Any:
        """The operation's documented success answer carrying `body` (the item or list), shaped to its schema."""
        if item is not None:
            _ITEM.set(item)
        found = success(binding.operation)
        if found is None:
            return _answer(status_hint or 200, None, None)
        code, response = found
        status = int(code) if code.isdigit() else (status_hint or 200)
        response = self.schemas.deref(response)
        media = json_media(response.get("content"))
        headers = self._headers(binding, response, item)
        if location and not any(name.lower() == "location" for name in headers):
            headers["Location"] = location
        if media is None:
            content = response.get("content") or {}
            if content:
                media_type, spec = next(iter(content.items()))
                found_example, example = documented_example(self.schemas, spec if isinstance(spec, dict) else {})
                return _answer(status, example if found_example and isinstance(example, str) and example
                               else _placeholder(media_type), media_type, headers)
            return _answer(status, None, None, headers)
        media_type, spec = media
        if body is None:   # nothing to carry (a DELETE of an item never created): the documented body, never none
            return self._documented(binding, status, media_type, spec, headers)
        schema = spec.get("schema")
        if schema is None:
            return _answer(status, body, _json_type(media_type), headers)
        # The store keeps writeOnly properties (a password, a card's cvc); an answer never carries them.
        shown = without_write_only(self.schemas, schema, body)
        if self.schemas.valid_answer(schema, shown):
            return _answer(status, shown, _json_type(media_type), headers)
        for name, prop in self.schemas.properties(schema).items():   # an envelope such as {"data": item}
            if isinstance(body, list) and not self.schemas.is_array(prop):
                continue   # a list goes into the envelope's array, never into a free-form sibling such as `links`
            if self.schemas.valid(prop, body):
                wrapped = compose(self.schemas, schema, {}, {name: body}, self._rng(binding.operation_id, "wrap"))
                wrapped = without_write_only(self.schemas, schema, wrapped)
                if self.schemas.valid_answer(schema, wrapped):
                    return _answer(status, wrapped, _json_type(media_type), headers)
        return self._documented(binding, status, media_type, spec, headers)

    def _documented(self, binding: Binding, status: int, media_type: str, spec: dict[str, Any],
                    headers: dict[str, str]) -> Any:
        found, example = documented_example(self.schemas, spec)
        if not found:
            example = generate(self.schemas, spec.get("schema") or {}, self._rng(binding.operation_id, "answer"))
            example = without_write_only(self.schemas, spec.get("schema") or {}, example)
        return _answer(status, example, _json_type(media_type), headers)

    def _headers(self, binding: Binding, response: dict[str, Any], item: Any) -> dict[str, str]:
        out = {}
        for name, header in (response.get("headers") or {}).items():
            header = self.schemas.deref(header)
            if not isinstance(header, dict) or not header.get("required") or name.lower() == "content-type":
                continue
            value = header.get("example")
            if value is None:
                value = generate(self.schemas, header.get("schema") or {"type": "string"},
                                 self._rng(binding.operation_id, name))
            out[name] = value if isinstance(value, str) else json.dumps(value).strip('"')
        return out

    def _missing(self, binding: Binding, resource: Resource, key: str) -> Any:
        if documents_status(binding.operation, 404):
            raise ApiError(404, [f"{resource.name} {key} does not exist."])
        return self._other(binding, {})

    # ------------------------------------------------------------------------------------------------ roles

    def _other(self, binding: Binding, kwargs: dict[str, Any]) -> Any:
        self._check_owner(binding, kwargs)
        found = success(binding.operation)
        if found is None:
            return _answer(200, None, None)
        code, response = found
        status = int(code) if code.isdigit() else 200
        response = self.schemas.deref(response)
        headers = self._headers(binding, response, None)
        media = json_media(response.get("content"))
        if media is None:
            return self._render(binding, status, None)
        media_type, spec = media
        return self._documented(binding, status, media_type, spec, headers)

    def _list(self, binding: Binding, kwargs: dict[str, Any]) -> Any:
        resource = binding.resource
        assert resource is not None
        self._check_parent(binding, resource, kwargs)
        spec = self._list_specs.get(binding.operation_id)
        if spec is None:                 # what the operation declares never changes: read it once
            schema = response_schema(binding.operation, self.schemas)
            path_item = self.schemas.deref((self.model.schemas.doc.get("paths") or {}).get(binding.path) or {})
            spec = listing.list_spec(binding.operation, schema, self.schemas, path_item.get("parameters") or [])
            self._list_specs[binding.operation_id] = spec
        rows = self._rows(resource, self._scope(resource), self._tenant(kwargs))
        bodies = [row["body"] for row in rows]
        page, facts = listing.select(bodies, spec, self._request().query_params,
                                     self.schemas.properties(resource.schema))
        facts["next_url"] = listing.next_url(self._request().url, spec, facts)
        if spec.items_schema is not None:
            page = [item for item in page if self.schemas.valid(spec.items_schema, item)]
        shaped = listing.shape(page, facts, spec, self.schemas, self._rng(binding.operation_id, "list"))
        return self._render(binding, 200, shaped)

    def _create(self, binding: Binding, kwargs: dict[str, Any]) -> Any:
        resource = binding.resource
        assert resource is not None
        self._check_parent(binding, resource, kwargs)
        if resource.schema is None:
            return self._other(binding, kwargs)
        body = _unwrap(resource, self._form_fields(binding, kwargs.get("body")))
        given = body if isinstance(body, dict) else {}
        store = runtime.current().store
        scope, tenant = self._scope(resource), self._tenant(kwargs)
        with store.transaction():
            number = store[resource.name].next_id()
            key = given.get(resource.id_field) if resource.id_field and given.get(resource.id_field) is not None \
                and not self.schemas.properties(resource.schema).get(resource.id_field, {}).get("readOnly") else None
            if key is None:
                key = self._new_key(resource, number)
            record = compose(self.schemas, resource.schema, given,
                             self._server_fields(resource, key, created=True, previous=None),
                             self._rng(resource.name, "create", number))
            existing = self._find(resource, str(key), scope, tenant)
            if existing is not None:
                store[resource.name].delete(existing["id"])
            store[resource.name].insert({"id": number, "key": key, "scope": scope, "tenant": tenant, "body": record})
        self._changed(resource, "created", record, tenant)
        return self._render(binding, 201, record, item=record, location=self._location(resource, scope, key))

    def _form_fields(self, binding: Binding, body: Any) -> Any:
        """A form body of a composed schema (no `type: object`) as its fields' types say (Connexion hands those
        over as lists of strings); JSON and plain object forms come through as they are."""
        content = (self.schemas.deref(binding.operation.get("requestBody")) or {}).get("content") or {}
        if isinstance(body, (bytes, str)) and body:   # XML: validated as read by apitwin.xmlbody, read the same here
            xml = next((m for t, m in content.items() if t.split(";")[0].strip().lower().endswith("xml")), None)
            if isinstance(xml, dict) and xml.get("schema") is not None:
                try:
                    return xmlbody.parse(body.encode() if isinstance(body, str) else body, xml["schema"],
                                         self.schemas.properties, self.schemas.deref)
                except xmlbody.XmlBodyError:
                    return body
        form = next((m for t, m in content.items() if t.split(";")[0].strip().lower()
                     in ("multipart/form-data", "application/x-www-form-urlencoded")), None)
        if not isinstance(body, dict) or not isinstance(form, dict) or form.get("schema") is None \
                or self.schemas.deref(form["schema"]).get("type") == "object" \
                or not all(isinstance(v, list) for v in body.values()):
            return body
        return resolve_composed_form(self.schemas.properties(form["schema"]), body)

    def _location(self, resource: Resource, scope: dict[str, str], key: Any) -> str | None:
        """Where the created item lives (its item path filled in), for the Location header clients follow."""
        if resource.item_path is None or resource.id_param is None:
            return None
        from urllib.parse import quote

        # every other template parameter (an API version, a tenant segment: `/v{version}/things/{id}`) as this
        # request named it, so the header is a real URL and never a template
        request = {name: str(value) for name, value in self._request().path_params.items()}
        values = {**request, **scope, resource.id_param: str(key)}
        path = re.sub(r"\{([^}/]+)\}", lambda m: quote(values.get(m.group(1), m.group(0)), safe=""),
                      resource.item_path)
        rt = runtime.current()
        return rt.prefix + rt.extras.get("base_path", "") + path

    def _read(self, binding: Binding, kwargs: dict[str, Any]) -> Any:
        resource, _, key, row = self._item(binding, kwargs)
        if row is None:
            return self._missing(binding, resource, key)
        return self._render(binding, 200, row["body"], item=row["body"])

    def _replace(self, binding: Binding, kwargs: dict[str, Any]) -> Any:
        return self._write(binding, kwargs, merge=False)

    def _merge(self, binding: Binding, kwargs: dict[str, Any]) -> Any:
        return self._write(binding, kwargs, merge=True)

    def _write(self, binding: Binding, kwargs: dict[str, Any], *, merge: bool) -> Any:
        resource, scope, key, row = self._item(binding, kwargs)
        if resource.schema is None:
            return self._other(binding, kwargs)
        if row is None and documents_status(binding.operation, 404):
            raise ApiError(404, [f"{resource.name} {key} does not exist."])
        body = _unwrap(resource, kwargs.get("body"))
        store = runtime.current().store
        previous = row["body"] if row else None
        if merge:
            media = (self._request().headers.get("content-type") or "").split(";")[0].strip().lower()
            if media == "application/json-patch+json" and isinstance(body, list):
                merged = patching.json_patch(previous or {}, body)
            else:
                merged = patching.merge_patch(previous or {}, body)
            given, keep = (merged if isinstance(merged, dict) else {}), {}
            if previous is not None:   # read-only values stay the server's even when the patch names them
                props = self.schemas.properties(resource.schema)
                keep = {k: v for k, v in previous.items() if (props.get(k) or {}).get("readOnly")}
        else:
            given, keep = (body if isinstance(body, dict) else {}), {}
            if previous is not None:   # PUT replaces what the client owns; read-only values stay the server's
                props = self.schemas.properties(resource.schema)
                keep = {k: v for k, v in previous.items() if (props.get(k) or {}).get("readOnly")}
        typed_key: Any = row["key"] if row else _typed(key, resource.id_schema)
        with store.transaction():
            record = compose(self.schemas, resource.schema, given,
                             self._server_fields(resource, typed_key, created=row is None, previous=previous),
                             self._rng(resource.name, "write", key), base=previous, keep=keep)
            if row is None:
                number = store[resource.name].next_id()
                store[resource.name].insert({"id": number, "key": typed_key, "scope": scope,
                                             "tenant": self._tenant(kwargs), "body": record})
            else:
                store[resource.name].update(row["id"], {"body": record})
        self._changed(resource, "created" if row is None else "updated", record, self._tenant(kwargs))
        return self._render(binding, 200, record, item=record)

    def _delete(self, binding: Binding, kwargs: dict[str, Any]) -> Any:
        resource, _, key, row = self._item(binding, kwargs)
        if row is None:
            if documents_status(binding.operation, 404):
                raise ApiError(404, [f"{resource.name} {key} does not exist."])
            return self._render(binding, 204, None)
        runtime.current().store[resource.name].delete(row["id"])
        self._changed(resource, "deleted", row["body"], row.get("tenant"))
        return self._render(binding, 204, row["body"], item=row["body"])


# the store collection of concrete paths a DELETE answered 2xx for (reset with the rest of the state)
_DELETED_PATHS = "_deleted_paths"

# the item an operation answered with (set by `_render`), for the bodies of its callbacks
_ITEM: contextvars.ContextVar[Any] = contextvars.ContextVar("apitwin_inferred_item", default=None)

# A body for media types the mock cannot build from a schema: never empty (an empty answer carries no
# Content-Type, and the document promises one).
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8"
                     "ffff3f0005fe02fea7d6a4e30000000049454e44ae426082")


def _placeholder(media_type: str) -> bytes | str:
    base = media_type.split(";")[0].strip().lower()
    if base == "image/png":
        return _PNG
    if base.endswith("xml"):
        return "<mock/>"
    if base.startswith("text/"):
        return "mock"
    return b"mock"


def _examples_of(schema: dict[str, Any]) -> list[Any]:
    found = [schema["example"]] if "example" in schema else []
    return found + (list(schema["examples"]) if isinstance(schema.get("examples"), list) else [])


def _like(template: str, rng: Any) -> str:
    """A new id shaped like an existing one (`ord_01h1s5z6…`): the prefix up to the last separator kept, each later
    letter or digit redrawn from the characters of its class the template uses, so a `pattern` keeps matching."""
    cut = max((i for i, c in enumerate(template) if not c.isalnum()), default=-1) + 1
    head, tail = template[:cut], template[cut:]
    pools = {kind: sorted({c for c in tail if test(c)}) for kind, test in
             (("digit", str.isdigit), ("lower", str.islower), ("upper", str.isupper))}
    out = []
    for char in tail:
        kind = "digit" if char.isdigit() else "lower" if char.islower() else "upper" if char.isupper() else None
        out.append(rng.choice(pools[kind]) if kind and pools[kind] else char)
    return head + "".join(out)


def _unwrap(resource: Resource, body: Any) -> Any:
    """`{"article": {...}}` → the item, for a resource whose items travel wrapped."""
    if resource.wrapper and isinstance(body, dict) and isinstance(body.get(resource.wrapper), dict):
        return body[resource.wrapper]
    return body


def _json_type(media_type: str) -> str:
    return "application/json" if media_type == "*/*" else media_type


def _typed(key: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds:
        try:
            return int(key)
        except ValueError:
            return key
    return key
