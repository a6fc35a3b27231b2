"""Command line: `apitwin serve [API ...]` runs the mocks; `apitwin list` names the APIs this build knows."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from apitwin.plugin import discover
from apitwin.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apitwin", description="Spec-first mock servers and contract tests.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve one or more mocked APIs (default: all)")
    serve.add_argument("apis", nargs="*", help="API names (see `apitwin list`); default: every API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--mount", choices=("auto", "root", "prefix"), default="auto",
                       help="root: documented paths (one API); prefix: /<api>/...; auto: root for one API")
    serve.add_argument("--data", action="append", default=[], metavar="[API=]DIR",
                       help="seed directory replacing mockdata/<api> (API= may be left out when serving one API)")
    serve.add_argument("--seed", type=int, default=None, help="seed for generated data (Prefer: dynamic=true)")
    serve.add_argument("--token-ttl", type=int, default=None, help="token lifetime in seconds (API default if unset)")
    serve.add_argument("--max-body", type=int, default=None, help="largest accepted request body in bytes (413 above)")
    serve.add_argument("--no-validate-responses", action="store_true",
                       help="skip checking the mock's own responses against the spec (faster)")
    serve.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))

    sub.add_parser("list", help="list the APIs this build can serve")
    return parser


def parse_data_dirs(values: list[str], apis: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for value in values:
        name, sep, directory = value.partition("=")
        if not sep:
            if len(apis) != 1:
                raise SystemExit("apitwin: --data DIR needs API=DIR when serving several APIs")
            name, directory = apis[0], value
        path = Path(directory)
        if not path.is_dir():
            raise SystemExit(f"apitwin: --data {value}: {directory} is not a directory")
        out[name] = path.resolve()
    return out


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from apitwin.app import create_app

    plugins = discover()
    apis = args.apis or list(plugins)
    unknown = [a for a in apis if a not in plugins]
    if unknown:
        print(f"apitwin: unknown API {', '.join(unknown)}; available: {', '.join(plugins)}", file=sys.stderr)
        return 2
    settings = Settings.from_env(seed=args.seed, token_ttl=args.token_ttl, max_body_bytes=args.max_body,
                                 data_dirs=parse_data_dirs(args.data, apis))
    if args.no_validate_responses:
        settings.validate_responses = False
    try:
        app = create_app(apis, settings=settings, mount=args.mount)
    except ValueError as exc:
        print(f"apitwin: {exc}", file=sys.stderr)
        return 2
    base = f"http://{args.host}:{args.port}"
    print(banner(app, base), flush=True)
    logging.getLogger("connexion").setLevel(logging.ERROR)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def banner(app: object, base: str) -> str:
    lines = ["apitwin mock server"]
    for rt in app.apitwin.runtimes.values():  # type: ignore[attr-defined]
        root = base + rt.prefix
        lines += [
            "",
            f"  {rt.plugin.title}",
            f"    API         {root}{rt.plugin.docs_base}/",
            f"    Swagger UI  {root}{rt.extras['base_path']}/ui/",
            f"    Spec        {root}{rt.extras['base_path']}/openapi.json  (also openapi.yaml)",
        ]
        lines += [f"    {line.format(root=root)}" for line in rt.plugin.quickstart]
    lines += ["", f"  Admin         {base}/__apitwin/apis  (reset, state export/import; see {base}/__apitwin/ui/)",
              "", "Press Ctrl-C to stop."]
    return "\n".join(lines)


def cmd_list() -> int:
    for name, plugin in discover().items():
        print(f"{name:12} {plugin.title}  (spec: {plugin.spec_file})")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return cmd_serve(args)
    return cmd_list()
