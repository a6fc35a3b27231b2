"""Where one Partners request spends its time, by whose code runs: cProfile over many in-process requests (the ASGI
driver of bench/bench_partners.py), each function's own time (builtins' time given to their callers) summed into the
layer its module belongs to (a view by code ownership: Connexion's routed middlewares, the store, the JSON encoder
each count where their code lives, whichever layer calls them). Prints µs per request (profiled, so inflated: compare
shares, not absolutes) and the share of each layer.

    .venv/bin/python bench/profile_by_module.py [--op get|list|create] [--count 3000] [--top 25] [--no-guard]
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_partners import call  # noqa: E402
from profile_request import CASES, prepared  # noqa: E402


# (layer, pattern on "file:function"), first match wins
LAYERS: tuple[tuple[str, str], ...] = (
    ("harness (test driver)", r"bench/|asyncio/"),
    ("response guard", r"apitwin/server/guard\.py|apitwin/server/jsonio\.py"),
    ("apitwin outer layers", r"apitwin/server/(front|intake|raw_headers)\.py|apitwin/admin_guard\.py|"
                             r"apitwin/journal(_recorder)?\.py|apitwin/swagger_ui\.py|apitwin/reason_phrase\.py|"
                             r"apitwin/runtime\.py|apitwin/limits\.py|apitwin/prefer\.py|apitwin/specs\.py|"
                             r"starlette/middleware/(exceptions|cors|errors)\.py|starlette/_exception_handler\.py|"
                             r"connexion/middleware/(server_error|exceptions)\.py|error_handlers\.py|contextlib\.py|apitwin/server/cors\.py"),
    ("routing", r"connexion/middleware/routing\.py|starlette/routing\.py|apitwin/server/route_index\.py|"
                r"starlette/convertors\.py|connexion/middleware/abstract\.py"),
    ("security", r"connexion/middleware/security\.py|connexion/security\.py|/tokens\.py|jwt/"),
    ("request validation", r"request_validation\.py|connexion/validators/|connexion/uri_parsing\.py|"
                           r"apitwin/validation\.py|connexion_patches\.py|jsonschema/|connexion/utils\.py"),
    ("operation / handling / context", r"apitwin/server/(operation|handling|state|plans)\.py|"
                                       r"connexion/middleware/(context|lifespan)\.py|connexion/context\.py|"
                                       r"starlette/middleware/__init__|contextvars"),
    ("endpoint", r"apitwin/server/endpoint\.py|connexion/lifecycle\.py|starlette/(responses|datastructures|"
                 r"requests)\.py|json/|apitwin/server/render\.py"),
    ("handler + store", r"handlers/|apitwin/store\.py|apitwin/timeutil\.py"),
)
_COMPILED = [(name, re.compile(pattern)) for name, pattern in LAYERS]


def layer_of(func: tuple[str, int, str]) -> str | None:
    """The layer of a profiled function (None: a builtin, whose time goes to its callers)."""
    filename, _, name = func
    if filename == "~":
        return None
    key = f"{filename}:{name}"
    for layer, pattern in _COMPILED:
        if pattern.search(key):
            return layer
    return "other: " + "/".join(Path(filename).parts[-2:])


def shares(stats: pstats.Stats) -> dict[str, float]:
    """Own time per layer, in seconds; a builtin's own time split over its callers' layers by their calls' time."""
    totals: dict[str, float] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for func, (_, _, own, _, callers) in raw.items():
        layer = layer_of(func)
        if layer is not None:
            totals[layer] = totals.get(layer, 0.0) + own
            continue
        edges = {caller: edge[2] for caller, edge in callers.items()}
        weight = sum(edges.values())
        for caller, part in edges.items() or [(("~", 0, "?"), 1.0)]:
            owner = layer_of(caller) or "other: builtins"
            totals[owner] = totals.get(owner, 0.0) + own * (part / weight if weight else 1 / max(len(edges), 1))
    return totals


async def profile(op: str, count: int, validate: bool) -> tuple[pstats.Stats, int]:
    mock, method, path, headers, body = await prepared(op, validate)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        await call(mock, method, path, headers, body)
    profiler.disable()
    return pstats.Stats(profiler), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--op", choices=sorted(CASES), default="get")
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--top", type=int, default=0, help="also print the N functions with most own time")
    parser.add_argument("--no-guard", action="store_true", help="response validation off")
    args = parser.parse_args()
    logging.getLogger("connexion").setLevel(logging.ERROR)
    stats, count = asyncio.run(profile(args.op, args.count, not args.no_guard))
    totals = shares(stats)
    whole = sum(totals.values())
    served = whole - totals.get("harness (test driver)", 0.0)
    print(f"{args.op}: {whole / count * 1e6:.0f} µs per request profiled ({served / count * 1e6:.0f} µs in the app)")
    print(f"{'layer':<40} {'µs/req':>8} {'share of app':>13}")
    for layer, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        if layer == "harness (test driver)":
            continue
        print(f"{layer:<40} {seconds / count * 1e6:>8.1f} {seconds / served:>12.1%}")
    if args.top:
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
