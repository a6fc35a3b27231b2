"""Error bodies of an inferred API: where the document gives the operation a schema for the status (the status
itself, its `4XX` range, or `default`), the body follows it, filled so it validates, with the problem in its
message-like field; otherwise an RFC 9457 `application/problem+json` body."""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from apitwin import runtime
from apitwin.errors import ApiError
from apitwin.fake import rng_for
from apitwin.inferred.auth import challenge as auth_challenge, lacks_credentials
from apitwin.inferred.model import Model
from apitwin.inferred.schemas import json_media
from apitwin.inferred.values import compose, generate
from apitwin.specs import HTTP_METHODS, UNKNOWN_QUERY

MESSAGE = ("message", "detail", "details", "error_description", "errormessage", "error_message", "description",
           "msg", "reason", "title", "error", "text")
log = logging.getLogger("apitwin")

CODE = ("code", "status", "statuscode", "status_code", "httpstatus", "http_status", "errorcode", "error_code")


def _text(error: ApiError) -> str:
    parts = [str(m) for m in error.messages]
    parts += [f"{field}: {' '.join(map(str, problems))}" for field, problems in error.field_errors.items()]
    if parts:
        return " ".join(parts)
    try:
        return HTTPStatus(error.status).phrase + "."
    except ValueError:
        return "Error."


def problem(error: ApiError) -> tuple[dict[str, Any], str]:
    try:
        title = HTTPStatus(error.status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": error.status, "detail": _text(error)}
    if error.field_errors:
        body["errors"] = error.field_errors
    return body, "application/problem+json"


# A refusal the operation does not document answers the closest status it does: what a client of that document
# can handle (e.g. an invalid request to an operation documenting only 200 and 404 answers 404).
_NEAREST = {400: (422, 409, 404, 403, 405, 406, 415), 401: (403,), 403: (401,), 415: (400, 422),
            413: (400, 422), 422: (400, 409)}   # 404 and 405 stay: clients and tools read them as routing answers


def documented_status(status: int, responses: dict[str, Any], nearest: tuple[int, ...] | None = None) -> int:
    codes = {str(code).upper() for code in responses}

    def documented(code: int) -> bool:
        return str(code) in codes or f"{str(code)[0]}XX" in codes or "DEFAULT" in codes

    if documented(status) or status >= 500:
        return status
    for other in nearest if nearest is not None else _NEAREST.get(status, ()):
        if documented(other):
            return other
    return status


# Statuses by which an operation documents that it refuses bad input. A real server answers a query parameter it does
# not declare with 400 only if it refuses input at all; where an operation documents none of these, its API is one
# that ignores what it does not bind (as Spring and most servers do), and a 400 would be a status the document never
# promises (schemathesis' status_code_conformance; Pi-hole's GETs documenting only 200 and 401).
INPUT_REFUSALS = ("400", "4XX", "422", "DEFAULT")


def refuses_input(responses: Any) -> bool:
    """Whether an operation's responses document a refusal of bad input (400, 4XX, 422 or default)."""
    return isinstance(responses, dict) and any(str(code).upper() in INPUT_REFUSALS for code in responses)


def unknown_query_view(view: dict[str, Any]) -> dict[str, Any]:
    """Connexion's in-memory view with `x-apitwin-unknown-query: ignore` on each operation that documents no refusal
    of input (the engine then lets its undeclared query parameters through, unvalidated and not passed on); the
    others keep the engine's rule (400). A document whose root sets the extension keeps its own rule; the served
    document is not touched."""
    paths = view.get("paths")
    if not isinstance(paths, dict) or UNKNOWN_QUERY in view:     # the document's root says what its API does
        return view
    marked: dict[str, Any] = {}
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        ignoring = {method: {**operation, UNKNOWN_QUERY: "ignore"} for method, operation in item.items()
                    if method in HTTP_METHODS and isinstance(operation, dict) and UNKNOWN_QUERY not in operation
                    and not refuses_input(operation.get("responses"))}
        if ignoring:
            marked[path] = {**item, **ignoring}
    return {**view, "paths": {**paths, **marked}} if marked else view


_UNSATISFIABLE = object()
_WARNED: set[str] = set()         # pointers of unsatisfiable error schemas already warned about (once a process)


class ErrorRenderer:
    """`Wire.render_error` of one inferred API."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._unsatisfiable: set[int] = set()     # ids of error schemas no body could be built for

    def __call__(self, error: ApiError) -> Any:
        responses = self._responses()
        if responses is not None:
            error.status = documented_status(error.status, responses)
            if error.status == 404 and error.kind == "routing":
                # the path names an operation but a parameter does not fit its type (`/comments/x` for an
                # integer id): the refusal of an invalid request, where the operation documents one — after
                # the credentials check a server makes first
                error.status = documented_status(404, responses, nearest=(400, 422))
                binding, scope = self._binding(), runtime.scope_or_none()
                if binding is not None and scope is not None \
                        and lacks_credentials(self.model.schemas.doc, binding.operation, scope):
                    error.status = documented_status(401, responses)
                    error.messages, error.field_errors = ["No valid credentials."], {}
                    challenge = auth_challenge(self.model.schemas.doc)
                    if error.status == 401 and challenge:
                        error.headers.setdefault("WWW-Authenticate", challenge)
        answer = self._answer(error)
        if answer is _UNSATISFIABLE:
            # the documented schema for this status admits no body (Unkey's 400: an allOf of an object closed by
            # additionalProperties: false and one requiring another property; Pi-hole's oneOf of two identical
            # schemas): the nearest documented client-error status whose schema the mock can fill answers instead
            status = error.status
            for other in self._instead_of(status):
                error.status = other
                answer = self._answer(error)
                if answer is not _UNSATISFIABLE:
                    break
            else:
                error.status = status
                answer = self._generated(error)
        return answer

    def _answer(self, error: ApiError) -> Any:
        """(body, media type) for the error's status, or _UNSATISFIABLE when its documented schema admits no body
        the mock can build (warned about once, with its pointer)."""
        response = self._documented(error.status)
        if response is None:
            return problem(error)
        media = json_media(response.get("content"))
        if media is None:
            return problem(error)
        media_type, spec = media
        schema = spec.get("schema")
        if schema is None:
            return problem(error)
        schemas = self.model.schemas
        if id(schema) in self._unsatisfiable:
            return _UNSATISFIABLE
        body = self._fill(schema, error)
        if not schemas.valid(schema, body):
            body = generate(schemas, schema, rng_for("error", error.status))
            if not schemas.valid(schema, body):
                self._unsatisfiable.add(id(schema))        # the document's own objects: alive as long as the mock
                self._warn_unsatisfiable(error.status, media_type)
                return _UNSATISFIABLE
        return body, ("application/json" if media_type == "*/*" else media_type)

    def _generated(self, error: ApiError) -> Any:
        """The documented status after all, with a body generated from its schema (no other status could answer)."""
        media_type, spec = json_media(self._documented(error.status)["content"])  # type: ignore[index,misc]
        return (generate(self.model.schemas, spec["schema"], rng_for("error", error.status)),
                "application/json" if media_type == "*/*" else media_type)

    def _instead_of(self, status: int) -> list[int]:
        """Documented statuses that may refuse in place of `status`: its nearest ones (_NEAREST), then, for a
        refusal of input, any other documented client error but 429 (a rate limit is not a refusal), in order."""
        responses = self._responses() or {}
        codes = {str(code).upper() for code in responses}
        candidates = [code for code in _NEAREST.get(status, ())
                      if str(code) in codes or f"{str(code)[0]}XX" in codes or "DEFAULT" in codes]
        if status in (400, 422):
            candidates += sorted(int(code) for code in codes if code.isdigit() and 400 <= int(code) < 500
                                 and int(code) not in (status, 429, *candidates))
        return candidates

    def _warn_unsatisfiable(self, status: int, media_type: str) -> None:
        binding = self._binding()
        if binding is None:
            return
        documented = next((code for code in (str(status), f"{str(status)[0]}XX", "default")
                           if code in (binding.operation.get("responses") or {})), str(status))
        pointer = "/".join(("", "paths", binding.path.replace("~", "~0").replace("/", "~1"), binding.method,
                            "responses", documented, "content", media_type.replace("~", "~0").replace("/", "~1"),
                            "schema"))
        if pointer not in _WARNED:
            _WARNED.add(pointer)
            log.warning("%s: no body can validate against this schema; the nearest other documented client-error "
                        "status answers instead", pointer)

    def _responses(self) -> dict[str, Any] | None:
        binding = self._binding()
        return (binding.operation.get("responses") or {}) if binding is not None else None

    def _binding(self) -> Any:
        scope = runtime.scope_or_none()
        rt = runtime.current_or_none()
        if scope is None or rt is None:
            return None
        path = scope.get("path", "")
        root = rt.prefix + rt.extras.get("base_path", "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        return self.model.route(scope.get("method", "GET"), path)

    def _documented(self, status: int) -> dict[str, Any] | None:
        responses = self._responses()
        if responses is None:
            return None
        found = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        found = self.model.schemas.deref(found)
        return found if isinstance(found, dict) else None

    def _fill(self, schema: Any, error: ApiError) -> Any:
        schemas = self.model.schemas
        flat = schemas.flat(schema)
        props = schemas.properties(schema)
        if not props:
            kind = flat.get("type")
            if kind == "string" or (isinstance(kind, list) and "string" in kind):
                return _text(error)
            return generate(schemas, schema, rng_for("error", error.status))
        given: dict[str, Any] = {}
        for name, prop in props.items():
            lower = name.lower()
            kinds = prop.get("type") if isinstance(prop.get("type"), list) else [prop.get("type")]
            if lower in MESSAGE and "string" in kinds:
                given[name] = _text(error)
            elif lower in CODE and "integer" in kinds:
                given[name] = error.status
            elif lower in CODE and "string" in kinds and not prop.get("enum"):
                given[name] = error.code or str(error.status)
            elif lower in MESSAGE and "object" in kinds:
                nested = self._fill(prop, error)
                if schemas.valid(prop, nested):
                    given[name] = nested
        return compose(schemas, schema, given, {}, rng_for("error", error.status))
