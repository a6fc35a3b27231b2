"""GET /csv/{e}: rows as CSV (opencsv defaults), the only v1 route with RSQL `q` and `sortColumn`/`sortOrder`."""
from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from apitwin.errors import ApiError
from apitwin_apis.molgenis import data
from apitwin_apis.molgenis.context import RequestContext, request_context
from apitwin_apis.molgenis.inputs import string_array
from apitwin_apis.molgenis.model import MULTI_REFERENCE_TYPES, SINGLE_REFERENCE_TYPES, Attribute, EntityType
from apitwin_apis.molgenis.query import parse_rsql
from apitwin_apis.molgenis.values import java_double_str, java_str, ref_entity_id, with_computed

DEFAULT_NUM = 100
MAX_NUM = 10000


def _label_of(ctx: RequestContext, attribute: Attribute, ref_id: Any) -> str:
    target = ctx.model.get(ref_entity_id(attribute) or "")
    row = ctx.repository(target).get(ref_id) if target is not None else None
    label = row.get(target.label_attribute.name) if row is not None else None
    return _text(label if label is not None else ref_id)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_str(value)
    return java_str(value)


def _cell(ctx: RequestContext, attribute: Attribute, values: dict[str, Any]) -> str | None:
    value = values.get(attribute.name)
    if value is None:
        return None
    if attribute.type in SINGLE_REFERENCE_TYPES:
        return _label_of(ctx, attribute, value)
    if attribute.type in MULTI_REFERENCE_TYPES:
        return ",".join(_label_of(ctx, attribute, ref) for ref in value)
    return _text(value)


def _quote(cell: str | None) -> str:
    return "" if cell is None else '"' + cell.replace('"', '""') + '"'


def _columns(entity_type: EntityType, wanted: list[str] | None) -> list[Attribute]:
    columns = entity_type.atomic_attributes()
    if not wanted:
        return columns
    lowered = {w.lower() for w in wanted}
    unknown = sorted(w for w in wanted if entity_type.attribute_ci(w) is None)
    if unknown:
        raise ApiError(400, [f"Unknown attributes [{', '.join(unknown)}]"])
    return [a for a in columns if a.name.lower() in lowered]


async def export_csv(entityTypeId: str, q: str | None = None, start: int = 0, num: int = 0,
                     sortColumn: str | None = None, sortOrder: str | None = None,
                     token_info: dict[str, Any] | None = None, **_: Any) -> Any:
    ctx = request_context(token_info)
    entity_type = ctx.entity_type(entityTypeId, "READ_DATA")
    num = num or DEFAULT_NUM
    if num > MAX_NUM:
        raise ApiError(400, [f"Num exceeded the maximum of {MAX_NUM} rows"])
    columns = _columns(entity_type, string_array("attributes"))
    rules = parse_rsql(q, entity_type=entity_type, model=ctx.model) if q else None
    sort = None
    if sortColumn:
        sort = {"orders": [{"property": sortColumn, "direction": "DESC" if sortOrder == "DESC" else "ASC"}]}
    rows, _ = data.query_page(ctx, entity_type, rules=rules, sort=sort, start=start, num=num)
    lines = [",".join(_quote(a.name) for a in columns)]
    rows = [with_computed(entity_type, row, lookup=ctx.lookup) for row in rows]
    lines += [",".join(_quote(_cell(ctx, a, row)) for a in columns) for row in rows]
    return ConnexionResponse(status_code=200, content_type="text/csv", body="\n".join(lines) + "\n")
