"""Events (G1 events.md): every kit/report state change, per partner, ascending by id; poll with created_at__gte."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from apitwin.errors import FieldErrorCollector
from apitwin.timeutil import parse_datetime
from apitwin.sorted_groups import SortedGroups
from apitwin_apis.partners.common import TENANT, indexed_listing, partner_of, store
from apitwin_apis.partners.lifecycle import REASON_NO_CONSENT, REASON_NOT_REGISTERED

# G2 event names → (G1 type, payload test); the mapping is in docs/partners-decisions.md (Event scheme)
G2_TYPES: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "kit_out_for_delivery": ("kit.created", lambda d: True),
    "kit_received_by_lab": ("kit.updated", lambda d: d.get("kit", {}).get("status") == "KIT_RECEIVED"),
    "kit_in_process": ("kit.updated", lambda d: d.get("kit", {}).get("status") == "KIT_PROCESSING"),
    "kit_failed": ("kit.updated", lambda d: d.get("kit", {}).get("status") == "KIT_FAILED"),
    "kit_data_ready": ("kit.updated", lambda d: d.get("kit", {}).get("status") == "DATA_AVAILABLE"),
    "report_ready": ("report.updated", lambda d: d.get("report", {}).get("status") == "AVAILABLE"),
    "report_blocked_no_consent": ("report.updated", lambda d: d.get("report", {}).get("reason") == REASON_NO_CONSENT),
    "report_blocked_kit_not_registered": (
        "report.updated", lambda d: d.get("report", {}).get("reason") == REASON_NOT_REGISTERED),
}

# Stored created_at values are all "YYYY-MM-DDTHH:MM:SS+00:00" (UTC, whole seconds), so an instant compares as
# text once the bound is written the same way (with its fraction, if any: "+" sorts before "."). No per-event
# parsing: polling stays fast with 100 000 events (and the index below bisects those texts).


def utc_text(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat()


def time_bounds(values: dict[str, str | None]) -> list[tuple[str, str]]:
    """(parameter name, the instant as stored text) of each given bound; every unreadable one is a 400."""
    problems = FieldErrorCollector()
    bounds = []
    for name, raw in values.items():
        if raw is None:
            continue
        try:
            bound = utc_text(parse_datetime(raw))
        except ValueError as exc:
            problems.add(name, str(exc))
            continue
        bounds.append((name, bound))
    problems.raise_if_any()
    return bounds


async def list_events(token_info: dict[str, Any], created_at__gte: str | None = None, created_at__gt: str | None = None,
                      created_at__lte: str | None = None, created_at__lt: str | None = None, type: str | None = None,
                      page: int | None = None, page_size: int | None = None) -> Any:
    bounds = {"created_at__gte": created_at__gte, "created_at__gt": created_at__gt,
              "created_at__lte": created_at__lte, "created_at__lt": created_at__lt}
    checked = time_bounds(bounds)
    lows = [(bound, name.endswith("e")) for name, bound in checked if "__g" in name]
    highs = [(bound, name.endswith("e")) for name, bound in checked if "__l" in name]
    partner = partner_of(token_info)
    group = (partner, "g2", type) if type in G2_TYPES else (partner, "type", type) if type else (partner, "")
    db = store()
    with db.transaction():      # the index changes in place on writes, under this lock
        events = db["events"]
        index = events.derived(INDEX_KEY, lambda: SortedGroups.build(events.scan(), event_groups, "created_at"))
        ids = index.ids(group, lows, highs)
        return indexed_listing("events", ids, page, page_size, link_params={"type": type, **bounds})


# The events index (apitwin.sorted_groups): per partner all events, events of each type, and of each G2 name, in id
# order with created_at alongside; a filter and a page cost a bisection and the page's copies, not a scan.
INDEX_KEY = "partners.events.by-group"


def event_groups(row: dict[str, Any]) -> list[tuple[Any, ...]]:
    partner = row.get(TENANT)
    groups: list[tuple[Any, ...]] = [(partner, ""), (partner, "type", row.get("type"))]
    for name, (g1_type, test) in G2_TYPES.items():
        if row.get("type") == g1_type and isinstance(row.get("data"), dict) and test(row["data"]):
            groups.append((partner, "g2", name))
    return groups


# -- webhooks (the plugin's Events hooks) -----------------------------------------------------------------------

def matches_filter(event: dict[str, Any], name: str) -> bool:
    """A webhook's event filter takes G1 types (kit.updated) and the G2 names (report_ready), like GET /events/."""
    if name in G2_TYPES:
        g1_type, test = G2_TYPES[name]
        return event.get("type") == g1_type and test(event.get("data", {}))
    return event.get("type") == name


G1_TYPES = ("kit.created", "kit.updated", "report.updated")


def event_types(rt: Any) -> list[str]:
    """The names a webhook's `event_types` filter takes: the G1 types and the G2 names, as `GET /events/?type=`
    (the spec's `EventTypeFilter`); any other name would match no event, so registration refuses it."""
    return [*G1_TYPES, *G2_TYPES]


def tenants(rt: Any) -> list[str]:
    """Every partner with an account: the tenants webhooks may be registered for."""
    return sorted({a["partner"] for a in rt.store["accounts"].filter()})
