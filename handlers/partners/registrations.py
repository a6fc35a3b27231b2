"""Customer kit registrations (G2 kit-registration.md): one per shipped kit; partners PATCH `verification_date`
once the customer registered the kit, which a report needs before it can become available."""
from __future__ import annotations

from typing import Any

from apitwin.errors import ApiError
from apitwin.timeutil import format_datetime, now_text, parse_datetime
from apitwin_apis.partners.common import listing, owned, owned_public, public, store
from apitwin_apis.partners.lifecycle import record_change, settle_reports


async def list_registrations(token_info: dict[str, Any], customer: int | None = None, page: int | None = None,
                             page_size: int | None = None) -> Any:
    filters = {"customer": customer} if customer is not None else {}
    return listing("registrations", token_info, page, page_size, link_params=filters, **filters)


async def get_registration(registration_id: int, token_info: dict[str, Any]) -> Any:
    return owned_public("registrations", registration_id, token_info)


async def update_registration(registration_id: int, body: dict[str, Any], token_info: dict[str, Any]) -> Any:
    owned("registrations", registration_id, token_info)
    raw = body["verification_date"]
    if raw is None:
        verification = None
    else:
        try:
            verification = format_datetime(parse_datetime(raw))  # a date means midnight UTC (C40)
        except ValueError as exc:
            raise ApiError(400, [], {"verification_date": [str(exc)]}) from None
    db = store()
    at = now_text()
    with db.transaction():
        updated = db["registrations"].update(registration_id, {"verification_date": verification, "modified_at": at})
        record_change(db, token_info["partner"], "verified" if verification else "unverified", "registration",
                      registration_id, at)
        if verification:  # a report blocked for the missing verification can now be generated
            settle_reports(db, token_info["partner"], updated["customer"], at)
    return public(updated)
