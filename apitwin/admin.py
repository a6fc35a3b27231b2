"""Handlers of the admin API (`/__apitwin/`, spec in admin.yaml): health, list, reset, export/import state."""
from __future__ import annotations

from typing import Any

from apitwin import runtime
from apitwin.errors import ApiError
from apitwin.runtime import ApiRuntime


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
    }


async def health() -> dict[str, str]:
    return {"status": "ok"}


async def list_apis() -> list[dict[str, Any]]:
    return [info(rt) for rt in runtime.registry().runtimes.values()]


async def reset_api(api: str) -> dict[str, Any]:
    rt = _runtime(api)
    rt.reset()
    return info(rt)


async def export_state(api: str) -> dict[str, Any]:
    return _runtime(api).store.export()


async def import_state(api: str, body: dict[str, Any]) -> dict[str, Any]:
    rt = _runtime(api)
    try:
        rt.store.load(body)
    except (ValueError, TypeError, KeyError) as exc:
        raise ApiError(400, [f"State not imported: {exc}"]) from exc
    return info(rt)
