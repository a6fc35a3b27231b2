"""Reports (G2 reports.md): one per order item; `pending` until the lab is done, then AVAILABLE or BLOCKED."""
from __future__ import annotations

from typing import Any

from apitwin_apis.partners.common import listing, owned_public


async def list_reports(token_info: dict[str, Any], customer_id: int | None = None, client_id: int | None = None,
                       customer: int | None = None, page: int | None = None, page_size: int | None = None) -> Any:
    """The three customer filters are django-filter filters on one field: given together they all apply (AND), so
    different values select nothing (C34)."""
    given = {k: v for k, v in (("customer_id", customer_id), ("client_id", client_id), ("customer", customer)) if v is not None}
    if len(set(given.values())) > 1:
        return listing("reports", token_info, page, page_size, predicate=lambda row: False, link_params=given)
    filters = {"customer": next(iter(given.values()))} if given else {}
    return listing("reports", token_info, page, page_size, link_params=given, **filters)


async def get_report(report_id: int, token_info: dict[str, Any]) -> Any:
    return owned_public("reports", report_id, token_info)
