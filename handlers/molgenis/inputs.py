"""Reading a request the way Spring binds it for the v1 controller: the `_method` tunnel (query or form field),
form and multipart bodies with repeated keys and file parts, and the String[] parameters `attributes`/`expand`.

Connexion hands handlers a parsed body that keeps one value per form key; the server joins repeated keys with
commas (mrefs), so forms are re-read with `apitwin.forms.multi_form`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connexion import request
from starlette.datastructures import QueryParams

from apitwin.errors import ApiError
from apitwin.forms import multi_form
from apitwin.server.state import ABSENT, sent_json as sent_json_of
from apitwin_apis.molgenis.problem import Problem
from apitwin_apis.molgenis.render import split_items

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
TUNNEL_METHODS = ("GET", "PUT", "DELETE")




def sent_json() -> Any:
    """The JSON body as the client sent it: ABSENT without a body, None for `null` (Connexion's `body` argument
    shows a default `{}` for both)."""
    return sent_json_of(request.scope)


def require_object_body(absent_allowed: bool = False) -> None:
    """The `_method=GET` tunnels bind a request object: `null` is Spring's missing body (400), and so is no body
    at all where the server's mapping requires one (the `/meta` tunnels)."""
    sent = sent_json()
    if sent is None or (sent is ABSENT and not absent_allowed):
        raise ApiError(400, ["Required request body is missing"])


def media_type() -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_form() -> bool:
    return media_type() in FORM_TYPES


@dataclass
class Upload:
    filename: str
    content_type: str | None
    content: bytes


@dataclass
class FormBody:
    values: dict[str, Any] = field(default_factory=dict)    # one value, or a list for a repeated key
    files: dict[str, Upload] = field(default_factory=dict)


async def read_form() -> FormBody:
    """Fields (repeated keys as lists, the tunnel's `_method` left out) and file parts (one per field, as the
    server requires; more answers 400 instead of the server's 500 `Multiple file input not supported`)."""
    form = await multi_form(request.scope)
    body = FormBody()
    for key, value in form.multi_items():
        if key == "_method":
            continue
        if hasattr(value, "read") and hasattr(value, "filename"):
            if key in body.files:
                raise ApiError(400, ["Multiple file input not supported"])
            body.files[key] = Upload(filename=value.filename or key, content_type=value.content_type,
                                     content=await value.read())
            continue
        if key in body.values:
            previous = body.values[key]
            body.values[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            body.values[key] = value
    return body


async def tunnel_method(query_value: str | None) -> str | None:
    """`_method` from the query string or, as the R client sends it, from a form body; upper-cased."""
    value = query_value
    if value is None and is_form():
        value = (await multi_form(request.scope)).get("_method")
    if value is None:
        return None
    method = str(value).upper()
    if method not in TUNNEL_METHODS:
        raise ApiError(400, [f"Request method 'POST' with _method={value} not supported"])
    return method


def string_array(name: str) -> list[str] | None:
    """A String[] query parameter as Spring binds it: one value is split into items, repeated values are kept as
    they are."""
    values = QueryParams(request.scope["query_string"]).getlist(name)   # raw, unsplit values
    if not values:
        return None
    if len(values) == 1:
        return [] if values[0] == "" else split_items(values[0])
    return list(values)


SORT_TYPE_MISMATCH = ("Field 'sort' of 'entityCollectionRequest' Failed to convert property value of type "
                      "'java.lang.String' to required type 'org.molgenis.api.data.v1.SortV1' for property 'sort'; "
                      "nested exception is java.lang.IllegalStateException: Cannot convert value of type "
                      "'java.lang.String' to required type 'org.molgenis.api.data.v1.SortV1' for property 'sort': no "
                      "matching editors or conversion strategy found")


def refuse_query_sort() -> None:
    """GET routes bind the query string to `EntityCollectionRequest`, whose `sort` is a `SortV1` no String converts
    to: any `sort` parameter is a typeMismatch binding error (sorting needs the POST tunnel). Other undeclared
    parameters are ignored."""
    if "sort" in QueryParams(request.scope["query_string"]):   # undeclared, so not a handler argument
        raise Problem(SORT_TYPE_MISMATCH, code="typeMismatch")


def body_array(body: Any, name: str) -> list[str] | None:
    """`attributes`/`expand` of a tunnel body: JSON arrays only (a string answers 400, as Gson refuses it)."""
    if not isinstance(body, dict) or body.get(name) is None:
        return None
    value = body[name]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(400, [f"Field '{name}' must be an array of strings"])
    return value


def collection_request(body: Any) -> dict[str, Any]:
    """The EntityCollectionRequest of a `_method=GET` tunnel: start, num, q, sort, attributes, expand."""
    require_object_body(absent_allowed=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ApiError(400, ["Request body must be a JSON object"])
    start, num = body.get("start", 0), body.get("num", 100)
    for key, value in (("start", start), ("num", num)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(400, [f"Field '{key}' must be an integer"])
    if start < 0:
        raise ApiError(400, ["must be greater than or equal to 0"])
    if num < 0:
        raise ApiError(400, ["must be greater than or equal to 0"])
    if num > 10000:
        raise ApiError(400, ["No more than 10000 rows can be requested"])
    return {"start": start, "num": num, "q": body.get("q"), "sort": body.get("sort"),
            "attributes": body_array(body, "attributes"), "expand": body_array(body, "expand")}
