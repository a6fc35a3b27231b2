"""The HTTP server under an app: granian (Rust, ASGI; measured faster in bench/, see docs/architecture.md) or uvicorn
(`--server uvicorn`). The default, "auto", is granian unless a served API writes its own reason phrase in the status
line (MOLGENIS: Tomcat's empty one, apitwin.reason_phrase), which only uvicorn's h11 protocol can carry.

Both serve on a socket the CLI bound before printing anything (a busy port is one clear line, not a traceback after
the banner), run the app's lifespan, stop on SIGINT/SIGTERM giving in-flight requests `shutdown_timeout` seconds
(then cancelling them, so a `Prefer: delay` cannot hold the shutdown) and return normally, so `serve` exits 0.
Per-request lines come from apitwin.console, not from the server, so they read the same on either."""
from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
from dataclasses import dataclass
from typing import Any, Callable

SERVERS = ("granian", "uvicorn")
CHOICES = ("auto", *SERVERS)
DEFAULT = "auto"
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Options:
    """What `serve` asks of either server, in its own words (each server maps it onto its own knobs)."""

    log_level: str = "info"
    shutdown_timeout: float | None = 5.0
    max_request_head: int = 128 * 1024   # request line + headers the server lets through to the app's 414/431
    own_reason_phrases: bool = False     # a served API writes its own reason phrase (apitwin.reason_phrase)


def chosen(server: str, options: Options) -> str:
    """The server "auto" stands for: granian, or uvicorn when an API's reason phrase must reach the wire."""
    if server == "auto":
        return "uvicorn" if options.own_reason_phrases else "granian"
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}; choose one of {', '.join(CHOICES)}")
    return server


def run(app: Any, sock: socket.socket, server: str = DEFAULT, options: Options = Options()) -> None:
    """Serve `app` on the pre-bound `sock` in this process until SIGINT/SIGTERM."""
    if chosen(server, options) == "granian":
        _run_granian(app, sock, options)
    else:
        _run_uvicorn(app, sock, options)


def run_workers(factory: Callable[[], Any], factory_path: str, sock: socket.socket, workers: int,
                server: str = DEFAULT, options: Options = Options()) -> None:
    """Serve with `workers` processes on `sock`, each building its app with `factory` (uvicorn imports it by
    `factory_path`); a worker that dies is restarted. Returns after SIGINT/SIGTERM."""
    if chosen(server, options) == "granian":
        _run_granian_workers(factory, sock, workers, options)
    else:
        import uvicorn
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(factory_path, factory=True, workers=workers, **uvicorn_options(options))
        Multiprocess(config, sockets=[sock]).run()


def serve(app: Any, host: str, port: int, server: str = "auto") -> None:
    """Serve `app` on host:port until interrupted, one worker, quietly (the benches; "auto" is the default server)."""
    server = chosen(server, Options())
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    run(app, sock, server, Options(log_level="error"))


# -- uvicorn ---------------------------------------------------------------------------------------------------------
def uvicorn_options(options: Options) -> dict[str, Any]:
    """uvicorn.Config keywords for `options` (the h11 protocol that writes reason phrases when an API has its own)."""
    config = dict(log_level=options.log_level, timeout_graceful_shutdown=options.shutdown_timeout, access_log=False,
                  # with the h11 parser (no httptools), let targets and headers reach the app's 414/431
                  h11_max_incomplete_event_size=options.max_request_head)
    if options.own_reason_phrases:
        from apitwin.reason_phrase import ReasonPhraseH11Protocol

        config["http"] = ReasonPhraseH11Protocol
    return config


def _run_uvicorn(app: Any, sock: socket.socket, options: Options) -> None:
    """uvicorn re-raises the signal it stopped for once it has shut down, which would end the process as killed;
    the handlers here take that re-raised signal instead."""
    import uvicorn

    stopped: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, frame: stopped.append(number)) for sig in _SIGNALS}
    try:
        uvicorn.Server(uvicorn.Config(app, **uvicorn_options(options))).run(sockets=[sock])
    except KeyboardInterrupt:   # a Ctrl-C uvicorn handled and re-raised; the shutdown is already done
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# -- granian ---------------------------------------------------------------------------------------------------------
class _Quieter(logging.Filter):
    """granian's embedded mode warns that it is experimental on every start; the lines that matter stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "experimental" not in record.getMessage()


def _granian_logging(options: Options) -> dict[str, Any]:
    """granian's own lines (start, errors of the app) on stderr like uvicorn's; stdout carries the banner and the
    per-request lines."""
    from granian.log import LogLevels

    return dict(log_enabled=True, log_level=LogLevels(options.log_level), log_access=False,
                log_dictconfig={"handlers": {
                    "console": {"formatter": "generic", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
                    "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
                }})


def _http1(options: Options) -> Any:
    from granian.http import HTTP1Settings

    # hyper answers an empty 431 past its buffer: big enough that header sections reach the app's 431 in the API's shape
    return HTTP1Settings(max_buffer_size=max(options.max_request_head, 1 << 20))


def own_extensions(scope: dict[str, Any]) -> dict[str, Any]:
    """The scope with an `extensions` dict of its own. granian (2.8.7) hands every request the same `extensions`
    object, and Connexion keeps per-request routing data in it (`extensions["connexion_routing"]`), so concurrent
    requests read each other's operation and body: a third of concurrent Partners writes failed before this."""
    if "extensions" in scope:
        scope["extensions"] = dict(scope["extensions"])
    return scope


class _PerRequestExtensions:
    """An app whose HTTP requests each get their own `extensions` (own_extensions): what granian serves, in one
    process or in its forked workers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.app(own_extensions(scope) if scope["type"] == "http" else scope, receive, send)


class _InFlight:
    """The app, with the tasks of the HTTP requests it is answering: after the shutdown timeout they are cancelled
    (the client sees its connection end), so granian's drain finishes and the lifespan shutdown still runs."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        task = asyncio.current_task()
        self.tasks.add(task)   # type: ignore[arg-type]
        try:
            await self.app(scope, receive, send)
        finally:
            self.tasks.discard(task)   # type: ignore[arg-type]

    def cancel(self) -> None:
        for task in list(self.tasks):
            task.cancel()


def _adopting(base: type) -> type:
    """A granian server class that listens on a socket bound by the caller instead of binding its own."""
    from granian._granian import SocketHolder

    class Adopting(base):   # type: ignore[misc, valid-type]
        adopted: socket.socket

        def _init_shared_socket(self) -> None:
            self.adopted.listen(self.backlog)
            self._ssp = None
            self._shd = SocketHolder(self.adopted.fileno(), False, self.backlog)
            self._sfd = self.adopted.fileno()
            self._sso = self.adopted       # what the multi-process server hands its forked workers

        def _drop_shared_socket(self) -> None:
            pass                           # the caller's socket; closed by the caller

        @property
        def _bind_addr_fmt(self) -> str:
            host, port = self.adopted.getsockname()[:2]
            return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    return Adopting


def _run_granian(app: Any, sock: socket.socket, options: Options) -> None:
    from granian.constants import Interfaces
    from granian.server.embed import Server

    logging.getLogger("_granian").addFilter(_Quieter())
    inflight = _InFlight(_PerRequestExtensions(app))
    server = _adopting(Server)(inflight, interface=Interfaces.ASGI, http1_settings=_http1(options),
                               **_granian_logging(options))
    server.adopted = sock

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stopping: list[asyncio.TimerHandle] = []

        def stop() -> None:
            if stopping:                   # a second Ctrl-C: do not wait for the in-flight requests
                inflight.cancel()
                return
            server.stop()
            timeout = options.shutdown_timeout
            stopping.append(loop.call_later(timeout if timeout is not None else 1e9, inflight.cancel))

        for sig in _SIGNALS:
            loop.add_signal_handler(sig, stop)
        try:
            await server.serve()
        finally:
            for sig in _SIGNALS:
                loop.remove_signal_handler(sig)

    asyncio.run(main())
    # granian's Rust side still holds the server and the app: released here, while the interpreter is whole. Left to
    # interpreter shutdown, a granian thread then panics in a function that cannot unwind and the process aborts
    # (exit 134) after a clean shutdown, about one time in four (2.8.7, measured with 12-run loops: 3-6 aborts
    # before, 0 in 48 after).
    del server, inflight
    gc.collect()


def _run_granian_workers(factory: Callable[[], Any], sock: socket.socket, workers: int, options: Options) -> None:
    """granian's process supervisor on the caller's socket; the workers are forked (they inherit the socket) and each
    calls `factory`. A worker still busy `shutdown_timeout` seconds after SIGTERM is killed."""
    from granian.constants import Interfaces
    from granian.server.mp import MPServer

    timeout = options.shutdown_timeout
    server = _adopting(MPServer)(lambda: _PerRequestExtensions(factory()), interface=Interfaces.ASGI, workers=workers,
                                 factory=True,
                                 http1_settings=_http1(options), respawn_failed_workers=True,
                                 workers_kill_timeout=max(1, round(timeout)) if timeout else None,
                                 **_granian_logging(options))
    server.adopted = sock
    logging.getLogger("_granian").addFilter(_Quieter())
    server.serve(target_loader=lambda target: target(), wrap_loader=True)
