"""`apitwin serve --workers N`: N worker processes (granian's or uvicorn's supervisor) on one socket, each with its
own app on one shared state (`--store redis://…`; memory or a state file cannot be shared, so the CLI refuses that
combination).

Workers build their app from a factory (uvicorn imports it by name, granian forks and calls it), so the served APIs
and the settings travel to each worker in the environment (`APITWIN_WORKER`, JSON) and `app()` builds the same app
the single-process server would."""
from __future__ import annotations

import dataclasses
import json
import os
import socket
from pathlib import Path
from typing import Any

from apitwin import serving
from apitwin.settings import Settings

ENV = "APITWIN_WORKER"


def _encode(settings: Settings) -> dict[str, Any]:
    values = dataclasses.asdict(settings)
    values["data_dirs"] = {name: str(path) for name, path in settings.data_dirs.items()}
    values["state_path"] = str(settings.state_path) if settings.state_path else None
    return values


def _decode(values: dict[str, Any]) -> Settings:
    values = dict(values)
    values["data_dirs"] = {name: Path(path) for name, path in values["data_dirs"].items()}
    values["state_path"] = Path(values["state_path"]) if values["state_path"] else None
    return Settings(**values)


def app() -> Any:
    """The app of one worker (the servers' factory)."""
    from apitwin.app import create_app

    spec = json.loads(os.environ[ENV])
    built = create_app(spec["apis"], settings=_decode(spec["settings"]), mount=spec["mount"])
    if spec.get("console"):
        from apitwin.console import ConsoleLog

        built.apitwin.journal.listeners.append(ConsoleLog(spec["console"]))
    return built


def run(apis: list[str], settings: Settings, mount: str, sock: socket.socket, workers: int,
        console: str | None = None, server: str = serving.DEFAULT, options: serving.Options = serving.Options()) -> None:
    """Serve with `workers` processes until SIGTERM/Ctrl-C (the server's supervisor restarts a worker that dies);
    `console` is the per-request line format of each worker (None: --quiet)."""
    os.environ[ENV] = json.dumps({"apis": apis, "settings": _encode(settings), "mount": mount,
                                  "console": console})
    serving.run_workers(app, "apitwin.workers:app", sock, workers, server, options)
