"""Admin actions of the Partners mock (POST /__apitwin/apis/partners/actions/<name>): drive kits through the lab
lifecycle step by step, and the simulated clock's tick. The vendor does all of this in its lab; partners only see
the resulting resource changes and events."""
from __future__ import annotations

from typing import Any

from apitwin.errors import ApiError
from apitwin.plugin import Action
from apitwin.runtime import ApiRuntime
from apitwin.timeutil import now_text
from apitwin_apis.partners.common import public
from apitwin_apis.partners.lifecycle import (DEFAULT_FAIL_REASON, MAIN_LINE, TERMINAL, IllegalTransition, move_kit,
                                         next_status)

KIT_BODY = {"type": "object", "required": ["kit_id"], "additionalProperties": False,
            "properties": {"kit_id": {"type": "integer", "minimum": 1}}}
FAIL_BODY = {"type": "object", "required": ["kit_id"], "additionalProperties": False,
             "properties": {"kit_id": {"type": "integer", "minimum": 1},
                            "reason": {"type": "string", "minLength": 1, "maxLength": 500}}}


def _kit(rt: ApiRuntime, kit_id: int) -> dict[str, Any]:
    kit = rt.store["kits"].get(kit_id)
    if kit is None:
        raise ApiError(404, [f"No kit {kit_id}."], {"kit_id": [f"No kit {kit_id}."]})
    return kit


def _move(rt: ApiRuntime, kit: dict[str, Any], status: str, reason: str | None = None) -> dict[str, Any]:
    try:
        events = move_kit(rt.store, kit, status, now_text(), reason)
    except IllegalTransition as exc:
        raise ApiError(409, [f"Kit {kit['id']} {exc}"]) from None
    return {"kit": public(rt.store["kits"].get(kit["id"])), "events": [public(e) for e in events]}


def advance_kit(rt: ApiRuntime, body: dict[str, Any]) -> dict[str, Any]:
    kit = _kit(rt, body["kit_id"])
    try:
        status = next_status(kit["status"])
    except IllegalTransition as exc:
        raise ApiError(409, [f"Kit {kit['id']} {exc}"]) from None
    return _move(rt, kit, status)


def complete_kit(rt: ApiRuntime, body: dict[str, Any]) -> dict[str, Any]:
    """Every remaining main-line step at once (each with its event): the quick way to a report."""
    kit = _kit(rt, body["kit_id"])
    if kit["status"] in TERMINAL:
        raise ApiError(409, [f"Kit {kit['id']} is {kit['status']}, a final state; it cannot advance."])
    events: list[dict[str, Any]] = []
    while kit["status"] != MAIN_LINE[-1]:
        result = _move(rt, kit, next_status(kit["status"]))
        events += result["events"]
        kit = rt.store["kits"].get(kit["id"])
    return {"kit": public(kit), "events": events}


def fail_kit(rt: ApiRuntime, body: dict[str, Any]) -> dict[str, Any]:
    return _move(rt, _kit(rt, body["kit_id"]), "KIT_FAILED", body.get("reason") or DEFAULT_FAIL_REASON)


def lose_kit(rt: ApiRuntime, body: dict[str, Any]) -> dict[str, Any]:
    return _move(rt, _kit(rt, body["kit_id"]), "KIT_LOST")


def tick(rt: ApiRuntime, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One step of the simulated lab: every kit on the main line moves to its next status."""
    moved = []
    for kit in rt.store["kits"].filter(lambda k: k["status"] not in TERMINAL):
        moved.append(_move(rt, kit, next_status(kit["status"])))
    return {"moved": [m["kit"] for m in moved], "events": [e for m in moved for e in m["events"]]}


ACTIONS = {
    "advance-kit": Action("Move a kit to its next lab status (shipped → received → in process → data ready); "
                          "data ready settles the customer's reports.", advance_kit, KIT_BODY),
    "complete-kit": Action("Move a kit through every remaining step to DATA_AVAILABLE, one event per step.",
                           complete_kit, KIT_BODY),
    "fail-kit": Action("The lab cannot use the sample (kit received or in process): KIT_FAILED with a reason; "
                       "the partner orders a replacement shipment.", fail_kit, FAIL_BODY),
    "lose-kit": Action("A shipped kit is lost: KIT_LOST.", lose_kit, KIT_BODY),
    "tick": Action("One step of the simulated lab clock: every active kit advances once.", tick,
                   {"type": "object", "additionalProperties": False}),
}


def actions() -> dict[str, Action]:
    """The plugin's `Simulation.actions` hook."""
    return ACTIONS
