"""Binding a v2 request as Spring does for `EntityCollectionRequestV2` and the batch bodies: `attrs`, RSQL `q`,
`sort` (`a,b:desc`), `start`/`num`, `includeCategories`, from the query string or (for the `_method=GET` tunnels)
from form fields; batch bodies whose invalid JSON is the controller's `Invalid request body.`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connexion import request

from apitwin.errors import ApiError
from apitwin_apis.molgenis.inputs import ABSENT, is_form, media_type, read_form, sent_json
from apitwin_apis.molgenis.model import EntityType, Model
from apitwin_apis.molgenis.query import parse_rsql
from apitwin_apis.molgenis.v2.attrs import AttributeFilter, parse_attrs

DEFAULT_NUM = 100
INVALID_BODY = "Invalid request body."              # the controller's HttpMessageNotReadableException answer


@dataclass
class CollectionRequest:
    q: str | None = None
    sort: str | None = None
    attrs: str | None = None
    start: int = 0
    num: int = DEFAULT_NUM
    include_categories: bool = False

    def attr_filter(self) -> AttributeFilter | None:
        return parse_attrs(self.attrs) if self.attrs is not None else None

    def rules(self, entity_type: EntityType, model: Model) -> list[dict[str, Any]] | None:
        """RSQL `q` as query rules; an empty `q` means no query (Spring binds nothing from an empty string)."""
        return parse_rsql(self.q, entity_type=entity_type, model=model) if self.q else None

    def sort_orders(self) -> dict[str, Any] | None:
        """`SortConverter`: comma-separated attributes, each ascending unless it ends in `:desc` (`:asc` allowed)."""
        if not self.sort:
            return None
        orders = []
        for item in self.sort.split(","):
            direction = "ASC"
            if item.endswith(":desc"):
                item, direction = item[: -len(":desc")], "DESC"
            elif item.endswith(":asc"):
                item = item[: -len(":asc")]
            orders.append({"property": item, "direction": direction})
        return {"orders": orders}


def _integer(name: str, raw: str, minimum: int, maximum: int | None) -> int:
    """A form field bound to an int with @Min/@Max, worded as the global handler words field errors."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ApiError(400, [f"Field '{name}' of 'entityCollectionRequestV2' Failed to convert property value of "
                             f"type 'java.lang.String' to required type 'int' for property '{name}'"]) from None
    if value < minimum:
        raise ApiError(400, [f"Field '{name}' of 'entityCollectionRequestV2' must be greater than or equal to "
                             f"{minimum}"])
    if maximum is not None and value > maximum:
        raise ApiError(400, [f"Field '{name}' of 'entityCollectionRequestV2' must be less than or equal to "
                             f"{maximum}"])
    return value


async def collection_request(q: str | None, sort: str | None, attrs: str | None, start: int, num: int,
                             include_categories: bool) -> CollectionRequest:
    """The query parameters (validated by the spec), overlaid by form fields of a `_method=GET` tunnel body."""
    wanted = CollectionRequest(q=q, sort=sort, attrs=attrs, start=start, num=num,
                               include_categories=include_categories)
    if not is_form():
        return wanted
    form = (await read_form()).values
    first = {key: (value[0] if isinstance(value, list) else value) for key, value in form.items()}
    for key in ("q", "sort", "attrs"):
        if key in first and wanted.__dict__[key] is None:
            setattr(wanted, key, str(first[key]))
    if "start" in first:
        wanted.start = _integer("start", str(first["start"]), 0, None)
    if "num" in first:
        wanted.num = _integer("num", str(first["num"]), 0, 10000)
    if "includeCategories" in first:
        wanted.include_categories = str(first["includeCategories"]).strip().lower() in ("true", "on", "yes", "1")
    return wanted


def batch_body(key: str) -> list[Any]:
    """`entities` / `entityIds` of a batch body. The schema (with the server's texts) has checked it; what is
    left is a missing body: 415 without a content type, else unreadable (400)."""
    if not media_type():                # Spring's @RequestBody: no content type, no converter
        raise ApiError(415, ["Content type '' not supported"])
    sent = sent_json()
    if sent is ABSENT or sent is None or not isinstance(sent, dict) or not isinstance(sent.get(key), list):
        raise ApiError(400, [INVALID_BODY])
    return sent[key]


def page_link(start: int) -> str:
    """The request URL with `start` replaced (UriComponentsBuilder.replaceQueryParam: every `start` removed, the
    new one last): v2 paging links are absolute and keep the caller's other parameters as sent."""
    url = request.url
    kept = [part for part in url.query.split("&") if part and part.split("=", 1)[0] != "start"]
    query = "&".join([*kept, f"start={start}"])
    return f"{url.scheme}://{url.netloc}{url.path}?{query}"
