"""Kits (G2 kits.md): created by shipments, moved through the lab lifecycle by the vendor (never by partners)."""
from __future__ import annotations

from typing import Any

from apitwin_apis.partners.common import listing, owned, public

# G2 spellings accepted on input (C29)
STATUS_ALIASES = {"SAMPLE_IN_PROCESS": "KIT_PROCESSING", "KIT_UNUSABLE": "KIT_FAILED"}


def shape(kit: dict[str, Any]) -> dict[str, Any]:
    out = public(kit)
    if not out.get("reason"):
        out.pop("reason", None)
    return out


async def list_kits(token_info: dict[str, Any], shipment: int | None = None, status: str | None = None,
                    page: int | None = None, page_size: int | None = None) -> Any:
    filters: dict[str, Any] = {}
    if shipment is not None:
        filters["shipment"] = shipment
    if status is not None:
        filters["status"] = STATUS_ALIASES.get(status, status)
    return listing("kits", token_info, page, page_size, shape=shape, link_params={"shipment": shipment, "status": status},
                   **filters)


async def get_kit(kit_id: int, token_info: dict[str, Any]) -> Any:
    return shape(owned("kits", kit_id, token_info, "kit"))
