"""Panel catalogues (G2 panels.md): trait panels and raw panels; orders reference them by SKU. Shared by all partners."""
from __future__ import annotations

from typing import Any

from apitwin_apis.partners.common import listing


async def list_trait_panels(page: int | None = None, page_size: int | None = None) -> Any:
    return listing("trait_panels", None, page, page_size)


async def list_raw_panels(page: int | None = None, page_size: int | None = None) -> Any:
    return listing("raw_panels", None, page, page_size)
