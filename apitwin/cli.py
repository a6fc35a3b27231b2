"""Command line: `apitwin serve [API ...]` runs the mocks; `apitwin webhook-listen` receives their webhooks;
`apitwin list` names the APIs this build knows."""
from __future__ import annotations

import argparse
import logging
import socket
import sqlite3
import sys
from pathlib import Path
from typing import Any

from apitwin import __version__
from apitwin.addresses import AllowList
from apitwin import deferred_imports, quickstart, serving
from apitwin.contract import cli as contract_cli
from apitwin.review import cli as review_cli
from apitwin.settings import Settings
from apitwin.storage import with_stored_secrets
from apitwin.storage_sqlite import StateFileBusy


def port_number(value: str) -> int:
    """A TCP port a server can listen on (0 would silently pick a random one)."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apitwin", description="Spec-first mock servers and contract tests.")
    parser.add_argument("--version", action="version", version=f"apitwin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve one or more mocked APIs (default: all)",
                           description="Serve mocked APIs: one API at its documented paths, several under /<api>.")
    serve.add_argument("apis", nargs="*", metavar="API|FILE",
                       help="API names (see `apitwin list`) or OpenAPI 3.0/3.1 documents (YAML or JSON), served with "
                            "behaviour inferred from the document (default: every API)")
    add_document_flags(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="interface to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)")
    serve.add_argument("--port", type=port_number, default=8000, help="TCP port, 1-65535 (default: 8000)")
    serve.add_argument("--mount", choices=("auto", "root", "prefix"), default="auto",
                       help="root: documented paths (one API); prefix: /<api>/...; auto: root for one API, "
                            "prefix for several (default: auto)")
    serve.add_argument("--data", action="append", default=[], metavar="[API=]DIR",
                       help="seed directory replacing the API's packaged seed data (API= may be left out when "
                            "serving one API; repeatable; default: the packaged seed)")
    serve.add_argument("--seed", type=int, default=None,
                       help="seed for generated data (Prefer: dynamic=true) (default: 0, or $APITWIN_SEED)")
    serve.add_argument("--token-ttl", type=int, default=None, metavar="SECONDS",
                       help="token lifetime in seconds (default: the API's own, or $APITWIN_TOKEN_TTL)")
    serve.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                       help="largest accepted request body in bytes, 413 above (default: 1000000, or "
                            "$APITWIN_MAX_BODY_BYTES)")
    serve.add_argument("--clock-interval", type=float, default=None, metavar="SECONDS",
                       help="simulated lab clock: every active kit advances one step per interval "
                            "(default: 0 = stopped, or $APITWIN_CLOCK_INTERVAL)")
    serve.add_argument("--webhook", action="append", default=[], metavar="[API:]TENANT=URL",
                       help="register a webhook receiver at start (repeatable; see also the admin API; default: none)")
    serve.add_argument("--webhook-secret", default=None, metavar="SECRET",
                       help="secret for the --webhook receivers (default: generated and printed)")
    serve.add_argument("--max-events", type=int, default=None, metavar="N",
                       help="event log cap: the oldest events beyond N are dropped (default 10000; 0 = unbounded)")
    serve.add_argument("--max-deliveries", type=int, default=None, metavar="N",
                       help="webhook delivery log cap: beyond N the oldest delivered and acknowledged dead letters "
                            "are dropped; unacknowledged dead letters are kept (default 10000; 0 = unbounded)")
    serve.add_argument("--webhook-allow", action="append", default=None, metavar="CIDR|HOST",
                       help="internal addresses webhooks may target, e.g. 10.0.0.0/8, hooks.lan, loopback, private "
                            "(repeatable, comma-separated; default: loopback and private ranges when --host is "
                            "loopback, none otherwise; public addresses are always allowed)")
    serve.add_argument("--jwt-secret", default=None, metavar="SECRET",
                       help="secret signing the APIs' JWTs (env APITWIN_JWT_SECRET; default: random per start)")
    serve.add_argument("--admin-token", default=None, metavar="TOKEN",
                       help="token the admin API requires (env APITWIN_ADMIN_TOKEN); default: generated and printed, "
                            "required when --host is not a loopback address")
    serve.add_argument("--admin-open", action="store_true",
                       help="never require the admin token, even on a non-loopback --host (anyone who can reach the "
                            "server can then read and replace its state; default: off)")
    serve.add_argument("--no-validate-responses", action="store_true",
                       help="skip checking the mock's own responses against the spec (faster; default: checked)")
    serve.add_argument("--shutdown-timeout", type=float, default=None, metavar="SECONDS",
                       help="on SIGTERM/Ctrl-C, how long in-flight requests may finish before they are cancelled "
                            "(default 5)")
    serve.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"),
                       help="server log level (default: info)")
    add_journal_flags(serve)
    add_server_flag(serve)
    add_storage_arguments(serve)
    serve.add_argument("--watch", action="store_true",
                       help="reload when a served document, a file it $refs or a --data directory changes; the state "
                            "is kept where it still fits, a broken edit keeps the last good version (default: off)")

    sub.add_parser("list", help="list the APIs this build can serve")

    listen = sub.add_parser("webhook-listen", help="receive webhooks: verify signatures, print deliveries")
    listen.add_argument("--secret", required=True, help="the receiver's secret (as registered with the mock)")
    listen.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    listen.add_argument("--port", type=port_number, default=9000, help="TCP port, 1-65535 (default: 9000)")
    listen.add_argument("--fail-first", type=int, default=0, metavar="N",
                        help="answer 503 to the first N deliveries, to watch retries (default: 0)")
    review_cli.add_parsers(sub)
    contract_cli.add_parsers(sub)
    return parser


def add_journal_flags(serve: argparse.ArgumentParser) -> None:
    """The request journal and the per-request console lines (apitwin.journal, apitwin.console)."""
    serve.add_argument("--journal-size", type=int, default=None, metavar="N",
                       help="requests the journal keeps for the admin API and the inspector, oldest dropped "
                            "(default 1000; 0 = none)")
    serve.add_argument("--journal-body", type=int, default=None, metavar="BYTES",
                       help="request/response body bytes the journal keeps per request (default 8192)")
    serve.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="per-request console lines: text (method, path, status, ms; violations indented under "
                            "a 4xx/5xx) or json (one object per request) (default: text)")
    serve.add_argument("--quiet", action="store_true", help="no per-request console lines (default: off)")


def add_server_flag(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--server", choices=serving.CHOICES, default=serving.DEFAULT,
                       help="HTTP server: granian (measured faster, see docs/architecture.md) or uvicorn; auto picks "
                            "granian unless a served API sends its own reason phrase (MOLGENIS), which needs uvicorn "
                            "(default: auto)")


def journal_settings(args: argparse.Namespace) -> dict[str, Any]:
    for flag, value in (("--journal-size", args.journal_size), ("--journal-body", args.journal_body)):
        if value is not None and value < 0:
            raise ValueError(f"{flag} must be 0 or more, not {value}")
    return {"journal_size": args.journal_size, "journal_body_bytes": args.journal_body}


def attach_console(app: Any, args: argparse.Namespace) -> None:
    """Per-request lines on stdout unless --quiet (they replace uvicorn's access log, which says less)."""
    from apitwin.console import ConsoleLog

    if not args.quiet:
        app.apitwin.journal.listeners.append(ConsoleLog(args.log_format))


def add_storage_arguments(serve: argparse.ArgumentParser) -> None:
    """Where the state lives: memory (default), a SQLite file, or Redis shared by workers and replicas."""
    where = serve.add_mutually_exclusive_group()
    where.add_argument("--state", default=None, metavar="PATH",
                       help="keep the state in this SQLite file: every acknowledged write survives a restart, also a "
                            "kill -9 (created on first use; default: memory only, reset on restart)")
    where.add_argument("--store", default=None, metavar="redis://HOST:PORT/DB",
                       help="keep the state in Redis, shared by --workers and by every replica started with the same "
                            "URL (default: memory of this one process)")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes on one port; more than 1 needs --store (default: 1)")


def storage_options(args: argparse.Namespace) -> dict[str, Any]:
    """The Settings fields of the storage flags; ValueError names a bad one."""
    if args.workers < 1:
        raise ValueError(f"--workers {args.workers}: at least 1")
    if args.workers > 1 and not args.store:
        raise ValueError(f"--workers {args.workers}: several workers share one state only through --store "
                         "redis://HOST:PORT/DB (memory and --state belong to one process)")
    if args.store:
        if not args.store.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"--store {args.store}: expected redis://HOST:PORT/DB")
        return {"store_url": args.store}
    if args.state is None:
        return {}
    path = Path(args.state).expanduser()
    if path.is_dir() or not path.parent.is_dir():
        raise ValueError(f"--state {args.state}: not a file in an existing directory")
    return {"state_path": path.resolve()}


def add_document_flags(parser: argparse.ArgumentParser) -> None:
    """Flags for commands that take OpenAPI document files as well as API names (apitwin.inferred)."""
    parser.add_argument("--name", action="append", default=[], metavar="NAME",
                        help="name (and mount prefix) of a document, in the order of the documents (repeatable; "
                             "default: from its title)")
    parser.add_argument("--auth", default=None, metavar="FILE",
                        help="credentials a document's API accepts, each with its tenant (YAML list of {key|token: "
                             "…, tenant: …} or {username: …, password: …, tenant: …}; default: any well-formed "
                             "credential)")


def documents_or_names(args: argparse.Namespace, known: set[str]) -> list[Any]:
    """The API names and inferred plugins a command's targets name; raises inferred.cli.Refused."""
    if all(target in known for target in args.apis):
        return list(args.apis)          # installed APIs only: the document reader and its imports are not needed
    from apitwin.inferred import cli as inferred_cli

    return inferred_cli.plugins_for(list(args.apis), known, args.name, args.auth)


def parse_data_dirs(values: list[str], apis: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for value in values:
        name, sep, directory = value.partition("=")
        if not sep:
            if len(apis) != 1:
                raise ValueError("--data DIR needs API=DIR when serving several APIs")
            name, directory = apis[0], value
        path = Path(directory)
        if not path.is_dir():
            raise ValueError(f"--data {value}: {directory} is not a directory")
        out[name] = path.resolve()
    return out


def fail(message: str) -> int:
    """The one-line error every command answers with before exiting 2."""
    print(f"apitwin: {message}", file=sys.stderr, flush=True)
    return 2


def connexion_refusal(exc: Exception) -> str | None:
    """Connexion's own check of the 3.0 view apitwin gives it (apitwin.specs), failed on a document apitwin's check
    passed, in one line with its pointer (its own message holds the whole schema); None for any other error."""
    from connexion.exceptions import InvalidSpecification

    if not isinstance(exc, InvalidSpecification):
        return None
    deepest: Any = exc
    while deepest.context:
        deepest = max(deepest.context, key=lambda e: len(e.absolute_path))
    pointer = "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in deepest.absolute_path) or "/"
    message = (str(deepest.message).splitlines() or [""])[0]
    message = message if len(message) <= 200 else message[:199] + "…"
    return (f"{pointer}: Connexion refuses the 3.0 view apitwin made of this document: {message} (the document "
            "passed apitwin's check: a limitation of apitwin's Connexion view, not of the document)")


def listen_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything is printed: a busy port is one clear line, not a traceback after
    the banner. Raises OSError with a readable strerror."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise OSError(exc.errno, f"unknown host ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run_server(app: Any, sock: socket.socket, server: str = serving.DEFAULT,
               options: serving.Options = serving.Options()) -> None:
    """The app on the pre-bound socket until SIGTERM or Ctrl-C (apitwin.serving: in-flight requests get the
    shutdown timeout, then exit status 0)."""
    serving.run(app, sock, server, options)


def server_options(app: Any, log_level: str, settings: Settings) -> serving.Options:
    """What `serve` asks of the HTTP server for this app: limits from the settings, and whether a served API writes
    its own reason phrase (MOLGENIS: Tomcat's empty one), which makes "auto" pick uvicorn's h11 protocol."""
    return serving.Options(log_level=log_level, shutdown_timeout=settings.shutdown_timeout,
                           max_request_head=settings.max_target_bytes + settings.max_header_bytes + 4096,
                           own_reason_phrases=any(runtime.plugin.wire.reason_phrase is not None
                                                  for runtime in app.apitwin.runtimes.values()))


def cmd_serve(args: argparse.Namespace) -> int:
    from apitwin.app import create_app
    from apitwin.discovery import load

    plugins, problems = load()
    for problem in problems:
        print(f"apitwin: warning: {problem}", file=sys.stderr)
    try:
        targets = documents_or_names(args, set(plugins)) or list(plugins)
    except ValueError as exc:                       # apitwin.inferred.cli.Refused: its lines
        if not hasattr(exc, "lines"):
            raise
        for line in exc.lines:
            print(f"apitwin: {line}", file=sys.stderr, flush=True)
        return 2
    apis = [t if isinstance(t, str) else t.name for t in targets]
    unknown = [a for a in targets if isinstance(a, str) and a not in plugins]
    if unknown:
        return fail(f"unknown API {', '.join(unknown)}; available: {', '.join(plugins) or 'none'}")
    if args.mount == "root" and len(apis) > 1:
        return fail(f"several APIs ({', '.join(apis)}) cannot share the root; use --mount prefix, or serve one API")
    try:
        data_dirs = parse_data_dirs(args.data, apis)
        journal = journal_settings(args)
    except ValueError as exc:
        return fail(str(exc))
    try:
        stored = storage_options(args)
    except ValueError as exc:
        return fail(str(exc))
    refused = watch_refusal(args, targets)
    if refused:
        return fail(refused)
    if args.workers > 1 and any(not isinstance(t, str) for t in targets):
        return fail("--workers: each worker rebuilds its APIs from their names, so documents (PATHs) are served "
                    "by one process; drop --workers or serve installed APIs")
    settings = Settings.from_env(**stored, seed=args.seed, token_ttl=args.token_ttl, max_body_bytes=args.max_body,
                                 clock_interval=args.clock_interval, data_dirs=data_dirs,
                                 jwt_secret=args.jwt_secret, host=args.host, webhook_allow=args.webhook_allow,
                                 admin_token=args.admin_token, admin_open=args.admin_open or None,
                                 max_events=args.max_events, max_deliveries=args.max_deliveries,
                                 shutdown_timeout=args.shutdown_timeout, **journal)
    try:
        settings = with_stored_secrets(settings).with_secrets()
    except (OSError, sqlite3.Error, ValueError) as exc:
        return fail(f"cannot open the state: {exc}")
    if args.no_validate_responses:
        settings.validate_responses = False
    try:
        AllowList.parse(settings.webhook_allow or [])
    except ValueError as exc:
        return fail(f"--webhook-allow: {exc}")
    try:
        sock = listen_socket(args.host, args.port)
    except OSError as exc:
        return fail(f"cannot listen on {args.host}:{args.port}: {(exc.strerror or str(exc)).lower()}")
    try:
        app = create_app([plugins.get(t, t) if isinstance(t, str) else t for t in targets], settings=settings,
                         mount=args.mount)
        seeds = reloading_seeds(app) if args.watch else {}
        hooks = register_webhooks(app, args.webhook, apis, args.webhook_secret)
    except (ValueError, StateFileBusy, sqlite3.Error, ConnectionError) as exc:
        sock.close()
        return fail(str(exc))
    except Exception as exc:
        refusal = connexion_refusal(exc)
        if refusal is None:
            raise
        sock.close()
        return fail(refusal)
    for rt in app.apitwin.runtimes.values():
        if rt.plugin.tooling.logins is not None and not quickstart.logins(rt):
            where = settings.data_dirs.get(rt.name, rt.plugin.mockdata_dir)
            print(f"apitwin: warning: {rt.name}: no account in the seed ({where}) can log in; only requests "
                  "without a login will work", file=sys.stderr, flush=True)
    base = browsable_base(args.host, args.port)
    print(banner(app, base), flush=True)
    print(admin_notice(settings), flush=True)
    for api, endpoint in hooks:
        print(f"Webhook {endpoint['id']} ({api}, {endpoint['tenant']}) -> {endpoint['url']}  secret: {endpoint['secret']}",
              flush=True)
    logging.getLogger("connexion").setLevel(logging.ERROR)
    attach_console(app, args)
    options = server_options(app, args.log_level, settings)
    if args.workers > 1:
        serve_workers(app, apis, settings, args, sock, options)
    elif args.watch:
        run_server(watching(app, seeds, args, set(plugins), settings), sock, server=args.server, options=options)
    else:
        run_server(app, sock, server=args.server, options=options)
    return 0


def watch_refusal(args: argparse.Namespace, targets: list[Any]) -> str | None:
    """Why `--watch` cannot serve these targets (one line), or None."""
    if not args.watch:
        return None
    if all(isinstance(t, str) for t in targets):
        return "--watch reloads OpenAPI documents given as PATHs; built-in APIs are not watched (name a document file)"
    if args.workers > 1:
        return f"--watch reloads one process's app; it cannot be combined with --workers {args.workers}"
    if args.state or args.store:
        return "--watch carries the state over in memory; it cannot be combined with --state or --store"
    return None


def reloading_seeds(app: Any) -> dict[str, Any]:
    from apitwin import reloading      # watchfiles: imported only by `serve --watch`

    return reloading.Reloading.seeds_of(app)


def watching(app: Any, seeds: dict[str, Any], args: argparse.Namespace, known: set[str],
             settings: Settings) -> Any:
    """--watch: the app wrapped so that edits rebuild it (apitwin.reloading), rebuilt the way cmd_serve built it."""
    from apitwin import reloading
    from apitwin.app import create_app
    from apitwin.inferred.cli import Refused
    from apitwin.seed_check import SeedRefused

    documents = [target for target in args.apis if target not in known]

    def watched() -> reloading.Watched:
        files = set().union(*(reloading.document_files(path) for path in documents))
        if args.auth:
            files.add(Path(args.auth).resolve())      # pinned credentials are part of what is served
        return reloading.Watched(files=files, data_dirs=set(settings.data_dirs.values()))

    def rebuild() -> tuple[Any, reloading.Watched]:
        missing = [path for path in settings.data_dirs.values() if not path.is_dir()]
        if missing:                                   # refused as at start, not silently served from examples
            raise reloading.RebuildFailed([f"--data {path}: not a directory" for path in missing])
        try:
            targets = documents_or_names(args, known)
            fresh = create_app(targets, settings=settings, mount=args.mount)
        except Refused as exc:
            raise reloading.RebuildFailed(exc.lines) from None
        except SeedRefused as exc:
            raise reloading.RebuildFailed(str(exc).splitlines()) from None
        except ValueError as exc:
            raise reloading.RebuildFailed([str(exc)]) from None
        attach_console(fresh, args)
        return fresh, watched()

    return reloading.Reloading(app, watched(), rebuild, seeds=seeds)


def serve_workers(app: Any, apis: list[str], settings: Settings, args: argparse.Namespace, sock: socket.socket,
                  options: serving.Options) -> None:
    """--workers N: this process built the app once (checks, banner, --webhook registered in the shared state);
    each worker builds its own on the same state."""
    from apitwin import workers

    for runtime in app.apitwin.runtimes.values():
        runtime.store.close()
    workers.run(apis, settings, args.mount, sock, args.workers, console=None if args.quiet else args.log_format,
                server=args.server, options=options)


def register_webhooks(app: Any, values: list[str], apis: list[str],
                      secret: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    from apitwin.errors import ApiError

    done = []
    for value in values:
        target, sep, url = value.partition("=")
        api, colon, tenant = target.rpartition(":")
        api = api if colon else (apis[0] if len(apis) == 1 else "")
        runtime = app.apitwin.runtimes.get(api)
        if not sep or not tenant or runtime is None or runtime.webhooks is None:
            raise ValueError(f"--webhook {value}: expected [API:]TENANT=URL for an API with events")
        known = runtime.plugin.events.tenants(runtime) if runtime.plugin.events else []
        if known and tenant not in known:
            raise ValueError(f"--webhook {value}: unknown tenant {tenant!r}; known: {', '.join(known)}")
        kept = runtime.store["webhook_endpoints"].first(tenant=tenant, url=url)   # from --state, before a restart
        if kept is not None:
            done.append((api, kept))
            continue
        try:
            done.append((api, runtime.webhooks.register(tenant, url, secret=secret)))
        except ApiError as exc:
            raise ValueError(f"--webhook {value}: {' '.join(sum(exc.field_errors.values(), []))}") from None
    return done


def cmd_listen(args: argparse.Namespace) -> int:
    from apitwin.listen import receiver_app

    try:
        sock = listen_socket(args.host, args.port)
    except OSError as exc:
        return fail(f"cannot listen on {args.host}:{args.port}: {(exc.strerror or str(exc)).lower()}")
    print(f"apitwin webhook receiver on http://{args.host}:{args.port}/ (any path), verifying signatures. "
          "Ctrl-C to stop.", flush=True)
    run_server(receiver_app(args.secret, args.fail_first), sock, options=serving.Options(log_level="warning"))
    return 0


def browsable_base(host: str, port: int) -> str:
    """The banner's base URL: one a browser on this machine can open. A wildcard bind (0.0.0.0, ::) is reached
    through the loopback; an IPv6 address goes in brackets."""
    import ipaddress

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"http://{host}:{port}"               # a host name
    if address.is_unspecified:
        address = ipaddress.ip_address("127.0.0.1" if address.version == 4 else "::1")
    return f"http://[{address}]:{port}" if address.version == 6 else f"http://{address}:{port}"


def banner(app: object, base: str) -> str:
    lines = ["apitwin mock server"]
    for rt in app.apitwin.runtimes.values():  # type: ignore[attr-defined]
        root = base + rt.prefix
        lines += [
            "",
            f"  {rt.plugin.title}",
            f"    API         {root}{rt.plugin.docs_base}/",
        ]
        for _, doc_root in rt.extras["documents"]:
            lines += [f"    Swagger UI  {root}{doc_root}/ui/",
                      f"    Spec        {root}{doc_root}/openapi.json  (also openapi.yaml)"]
        lines += ["    " + line for line in quickstart.lines(rt, root)]
    lines += ["", f"  Inspector     {base}/__apitwin/  (live requests and why they failed, state, webhooks, clock)",
              f"  Admin         {base}/__apitwin/apis  (reset, state export/import; see {base}/__apitwin/ui/)",
              "", "Press Ctrl-C to stop."]
    return "\n".join(lines)


def admin_notice(settings: Settings) -> str:
    """How the admin API is protected, with the token; a warning when the server is reachable from elsewhere."""
    from apitwin.addresses import is_loopback

    lines = []
    if not is_loopback(settings.host or "127.0.0.1"):
        lines.append(f"WARNING: bound to {settings.host}: every machine that can reach this address can call the "
                     "mocked APIs.")
    if settings.admin_required:
        lines.append(f"Admin token  {settings.admin_token}  (required on /__apitwin/: "
                     "'Authorization: Bearer <token>' or 'X-Apitwin-Admin-Token: <token>')")
    else:
        lines.append(f"Admin token  {settings.admin_token}  (needed only to export secrets; the admin API answers "
                     "same-origin requests from this machine)")
        if settings.admin_open and not is_loopback(settings.host or "127.0.0.1"):
            lines.append("WARNING: --admin-open: anyone who can reach this server can read, reset and replace its "
                         "state without a token.")
    return "\n".join(lines)


def cmd_list() -> int:
    from apitwin.discovery import load

    plugins, problems = load()
    for name, plugin in plugins.items():
        print(f"{name:12} {plugin.title}  (spec: {', '.join(str(path) for path in plugin.spec_files)})")
    for problem in problems:
        print(f"apitwin: warning: {problem}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv)[:1] == ["serve"]:
        deferred_imports.defer()       # before Connexion is imported (the parser's help lists the APIs): see there
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return cmd_serve(args)
    if args.command == "webhook-listen":
        return cmd_listen(args)
    if args.command in review_cli.COMMANDS:
        return review_cli.run(args)
    if args.command in contract_cli.COMMANDS:
        return contract_cli.run(args)
    return cmd_list()
