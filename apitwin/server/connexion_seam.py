"""What apitwin reads from Connexion per request, in one place: the routed operation and the caller's token info
(Connexion keeps routing and security). Everything else the pipeline needs about the operation is in its plan."""
from __future__ import annotations

from typing import Any


def routed_operation_id(scope: dict[str, Any]) -> str | None:
    """The operationId Connexion's routing matched (None before routing, or for no operation)."""
    extensions = scope.get("extensions")
    routing = extensions.get("connexion_routing") if extensions else None
    return routing.get("operation_id") if routing else None


def token_info(scope: dict[str, Any]) -> dict[str, Any]:
    """What the API's security function returned for this request ({} when none ran)."""
    extensions = scope.get("extensions") or {}
    return (extensions.get("connexion_context") or {}).get("token_info") or {}
