"""What `apitwin serve` prints per request: one line (method, path, status, milliseconds) and, for a 4xx or 5xx,
every violation and message that decided it, indented under it — what a developer whose client got a 400 needs,
without opening the admin API. `--log-format json` prints one JSON object per request instead; `--quiet` nothing.

A listener of the request journal (`Journal.listeners`), so it prints exactly what the journal records.
"""
from __future__ import annotations

import json
import sys
from typing import IO, Any

from apitwin.journal import Exchange

FORMATS = ("text", "json")


def text_lines(exchange: Exchange) -> list[str]:
    target = exchange.path + (f"?{exchange.query}" if exchange.query else "")
    ms = f"{exchange.duration_ms:.1f}" if exchange.duration_ms is not None else "?"
    head = f"{exchange.method} {target} {exchange.status} {ms} ms"
    if exchange.api:
        head = f"[{exchange.api}] {head}"
    lines = [head]
    if exchange.status is not None and exchange.status >= 400:
        lines += [f"    {message}" for message in exchange.messages]
        for violation in exchange.violations:
            where = f"query {violation['field']}" if violation.get("in") == "query" else violation["pointer"] or "(body)"
            lines.append(f"    {where}: {violation['message']}")
    if exchange.prefer:
        lines.append("    Prefer: " + ", ".join(f"{k}={v}" for k, v in exchange.prefer.items()))
    return lines


def json_line(exchange: Exchange) -> str:
    view = exchange.view()
    record: dict[str, Any] = {key: view[key] for key in ("time", "api", "operation", "method", "path", "query",
                                                          "status", "duration_ms", "messages", "violations",
                                                          "prefer")}
    record["id"] = exchange.id
    return json.dumps(record, separators=(",", ":"))


class ConsoleLog:
    """Prints each finished exchange to a stream (stdout by default) in one of FORMATS."""

    def __init__(self, fmt: str = "text", stream: IO[str] | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        self.fmt = fmt
        self.stream = stream

    def __call__(self, exchange: Exchange) -> None:
        out = self.stream or sys.stdout
        text = json_line(exchange) if self.fmt == "json" else "\n".join(text_lines(exchange))
        try:
            out.write(text + "\n")
            out.flush()
        except (OSError, ValueError):       # a closed or broken stdout must never fail a request
            pass
