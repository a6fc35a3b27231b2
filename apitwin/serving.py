"""The HTTP server under an app, by name, for the benches (and a measured comparison, see docs/architecture.md):
uvicorn with httptools/uvloop (the default, what `apitwin serve` runs) or granian (Rust, ASGI), when installed."""
from __future__ import annotations

import asyncio
from typing import Any

SERVERS = ("uvicorn", "granian")


def serve(app: Any, host: str, port: int, server: str = "auto") -> None:
    """Serve `app` until interrupted, one worker."""
    name = "uvicorn" if server == "auto" else server
    if name == "uvicorn":
        import uvicorn

        uvicorn.run(app, host=host, port=port, loop="uvloop", http="httptools", log_level="error", access_log=False)
    elif name == "granian":
        from granian.constants import Interfaces
        from granian.server.embed import Server

        asyncio.run(Server(app, address=host, port=port, interface=Interfaces.ASGI, log_enabled=False).serve())
    else:
        raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")
