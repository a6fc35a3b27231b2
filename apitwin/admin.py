"""Handlers of the admin API (`/__apitwin/`, spec in admin.yaml): health, reset, state export/import, webhook
receivers and their delivery log, an API's own actions, and its simulated clock."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from connexion import request
from jsonschema import Draft202012Validator
from starlette.responses import StreamingResponse

from apitwin import journal_admin, runtime, state_check, state_secrets
from apitwin.admin_guard import reveals_secrets
from apitwin.errors import ApiError, FieldErrorCollector
from apitwin.runtime import ApiRuntime
from apitwin.timeutil import format_datetime, now
from apitwin.validation import FORMATS, collect


ADMIN_SPEC = Path(__file__).resolve().parent / "admin.yaml"


def _runtime(api: str) -> ApiRuntime:
    found = runtime.registry().runtimes.get(api)
    if found is None:
        known = ", ".join(sorted(runtime.registry().runtimes))
        raise ApiError(404, [f"No API named {api!r} is mounted here (mounted: {known})."])
    return found


def info(rt: ApiRuntime) -> dict[str, Any]:
    state = rt.store.export()["collections"]
    return {
        "name": rt.name,
        "title": rt.plugin.title,
        "prefix": rt.prefix,
        "spec": f"{rt.prefix}{rt.extras.get('base_path', '')}/openapi.json",
        "ui": f"{rt.prefix}{rt.extras.get('base_path', '')}/ui/",
        "collections": {name: len(c["rows"]) for name, c in state.items()},
        **({"logs": rt.webhooks.retention()} if rt.webhooks is not None else {}),
    }


def admin_token_info(token: str, required_scopes: Any = None) -> dict[str, Any]:
    """Connexion's hook for the documented bearer scheme; apitwin.admin_guard.check (in apitwin.server.intake) has already decided."""
    return {"sub": "admin", "token_ok": reveals_secrets(request.scope)}


async def health() -> dict[str, str]:
    return {"status": "ok"}


async def list_apis() -> list[dict[str, Any]]:
    return [info(rt) for rt in runtime.registry().runtimes.values()]


async def reset_api(api: str) -> dict[str, Any]:
    rt = _runtime(api)
    rt.reset()
    journal_admin.forget_api(api)
    return info(rt)


def _secrets(rt: ApiRuntime) -> dict[str, list[str]]:
    return state_secrets.secret_fields(rt.plugin.state.secret_fields)


def _reveal() -> bool:
    return reveals_secrets(request.scope)


async def export_state(api: str) -> StreamingResponse:
    """A consistent copy taken under the store lock, then streamed as JSON in chunks of rows (a large state never
    becomes one string). Secrets masked unless the request carried the admin token (apitwin.state_secrets)."""
    rt = _runtime(api)
    state = rt.store.export()
    if not _reveal():
        state_secrets.mask(state, _secrets(rt))
    return StreamingResponse(_json_chunks(state), media_type="application/json")


def _json_chunks(state: dict[str, Any], rows_per_chunk: int = 500) -> Iterator[bytes]:
    yield b'{"collections": {'
    for index, (name, data) in enumerate(state["collections"].items()):
        head = {k: v for k, v in data.items() if k != "rows"}
        opening = json.dumps(name) + ": " + json.dumps(head)[:-1] + (", " if head else "") + '"rows": ['
        yield (", " if index else "").encode() + opening.encode()
        rows = data["rows"]
        for start in range(0, len(rows), rows_per_chunk):
            chunk = ", ".join(json.dumps(row) for row in rows[start:start + rows_per_chunk])
            yield ((", " if start else "") + chunk).encode()
        yield b"]}"
    yield b"}}"


async def import_state(api: str, body: dict[str, Any]) -> dict[str, Any]:
    rt = _runtime(api)
    try:
        state_secrets.unmask(body, rt.store.export(), _secrets(rt))
        found = state_check.problems(rt, body, ADMIN_SPEC)
    except (ValueError, TypeError, KeyError) as exc:
        raise ApiError(400, [f"State not imported: {exc}"]) from exc
    if found:
        raise ApiError(400, [f"State not imported: {len(found)} problem(s); nothing was changed."]
                       + state_check.summary(found))
    rt.store.load(body)
    if rt.webhooks is not None:
        rt.webhooks.state_replaced()
    return info(rt)


# -- webhooks ------------------------------------------------------------------------------------------------------
def _dispatcher(rt: ApiRuntime) -> Any:
    if rt.webhooks is None:
        raise ApiError(404, [f"The {rt.name} API has no events to deliver as webhooks."])
    return rt.webhooks


def _endpoint_out(endpoint: dict[str, Any]) -> dict[str, Any]:
    return endpoint if _reveal() else {**endpoint, "secret": state_secrets.MASK}


async def list_webhooks(api: str, tenant: str | None = None) -> list[dict[str, Any]]:
    rt = _runtime(api)
    _dispatcher(rt)
    filters = {"tenant": tenant} if tenant else {}
    return [_endpoint_out(e) for e in rt.store["webhook_endpoints"].filter(**filters)]


def _unknown_event_types(rt: Any, names: list[str]) -> list[tuple[int, str]]:
    """(index, name) of each filter name the API's events never carry (the plugin's `Events.event_types`)."""
    events = rt.plugin.events
    if events is None or events.event_types is None:
        return []
    known = set(events.event_types(rt))
    return [(index, name) for index, name in enumerate(names) if name not in known]


async def register_webhook(api: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    rt = _runtime(api)
    dispatcher = _dispatcher(rt)
    problems = FieldErrorCollector()
    known = rt.plugin.events.tenants(rt) if rt.plugin.events else []
    if known and body["tenant"] not in known:
        problems.add("tenant", f"Unknown tenant {body['tenant']!r}; known: {', '.join(known)}.")
    for index, name in _unknown_event_types(rt, body.get("event_types") or []):
        problems.add(f"event_types.{index}", f"Unknown event type {name!r}: it matches no event. Known: "
                                             f"{', '.join(rt.plugin.events.event_types(rt))}.")
    try:
        dispatcher.targets.check(body["url"])
    except ApiError as exc:
        for message in exc.field_errors.get("url", []):
            problems.add("url", message)
    problems.raise_if_any()
    endpoint = dispatcher.register(body["tenant"], body["url"], body.get("event_types"), body.get("secret"),
                                   body.get("description"))
    return endpoint, 201


async def get_webhook(api: str, endpoint_id: int) -> dict[str, Any]:
    return _endpoint_out(_dispatcher(_runtime(api)).endpoint(endpoint_id))


async def delete_webhook(api: str, endpoint_id: int) -> tuple[None, int]:
    _dispatcher(_runtime(api)).remove(endpoint_id)
    return None, 204


async def test_webhook(api: str, endpoint_id: int) -> dict[str, Any]:
    dispatcher = _dispatcher(_runtime(api))
    endpoint = dispatcher.endpoint(endpoint_id)
    payload = {"id": 0, "created_at": format_datetime(now()), "type": "apitwin.test",
               "data": {"message": "Test event from apitwin. Verify the signature, then answer 2xx."}}
    return await dispatcher.send(endpoint, payload, f"test-{endpoint_id}", 1)


async def list_deliveries(api: str, status: str | None = None, endpoint_id: int | None = None) -> list[dict[str, Any]]:
    rt = _runtime(api)
    _dispatcher(rt)
    filters: dict[str, Any] = {}
    if status:
        filters["status"] = status
    if endpoint_id:
        filters["endpoint_id"] = endpoint_id
    return rt.store["webhook_deliveries"].filter(**filters)


async def get_delivery(api: str, delivery_id: int) -> dict[str, Any]:
    rt = _runtime(api)
    _dispatcher(rt)
    row = rt.store["webhook_deliveries"].get(delivery_id)
    if row is None:
        raise ApiError(404, [f"No webhook delivery {delivery_id}."])
    return row


async def acknowledge_delivery(api: str, delivery_id: int) -> dict[str, Any]:
    return _dispatcher(_runtime(api)).acknowledge(delivery_id)


async def resend_delivery(api: str, delivery_id: int) -> tuple[dict[str, Any], int]:
    return _dispatcher(_runtime(api)).resend(delivery_id), 202


# -- actions and clock ---------------------------------------------------------------------------------------------
async def list_actions(api: str) -> dict[str, Any]:
    rt = _runtime(api)
    return {name: {"summary": a.summary, "schema": a.schema} for name, a in rt.plugin.simulation.actions().items()}


async def run_action(api: str, action: str, body: dict[str, Any] | None = None) -> Any:
    rt = _runtime(api)
    actions = rt.plugin.simulation.actions()
    found = actions.get(action)
    if found is None:
        known = ", ".join(sorted(actions)) or "none"
        raise ApiError(404, [f"The {api} API has no action {action!r} (actions: {known})."])
    payload = body or {}
    errors = collect(Draft202012Validator(found.schema, format_checker=FORMATS).iter_errors(payload))
    if errors:
        raise ApiError(400, [], errors)
    return found.run(rt, payload)


def _clock_state(rt: ApiRuntime) -> dict[str, Any]:
    return {"interval_seconds": rt.clock.interval, "running": rt.clock.running, "ticks": rt.clock.ticks}


async def get_clock(api: str) -> dict[str, Any]:
    return _clock_state(_runtime(api))


async def set_clock(api: str, body: dict[str, Any]) -> dict[str, Any]:
    rt = _runtime(api)
    if rt.plugin.simulation.tick is None:
        raise ApiError(400, [f"The {api} API has no simulated clock."])
    rt.clock.set_interval(float(body["interval_seconds"]))
    return _clock_state(rt)
