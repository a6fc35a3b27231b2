"""Where one Partners request spends its time, in process (cProfile): the share of each pipeline layer and the
functions that cost most. Layer shares are inclusive times of each layer's `__call__` minus the next layer's, so
they add up to the whole request; a layer whose code is shared with another (Connexion's routed middlewares) is
measured through its per-operation object.

    .venv/bin/python bench/profile_request.py [--requests 3000] [--case get|list|create] [--top 25] [--guard off]
        [--no-profile]   (only the CPU µs per request: for before/after runs, alternating two checkouts)
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_partners import CUSTOMER, call  # noqa: E402

from apitwin.app import create_app  # noqa: E402
from apitwin.settings import Settings  # noqa: E402

CASES = {"list": ("GET", "/api/v1/customers/", 200), "get": ("GET", "/api/v1/customers/319/", 200),
         "create": ("POST", "/api/v1/customers/", 201)}


def layer_calls(stack: list[Any]) -> list[tuple[str, Any]]:
    """(label, code object) per layer, outermost first: the layer's own `__call__`, or for a layer that dispatches
    to per-operation objects (Connexion's routed middlewares), those objects' `__call__`."""
    found: list[tuple[str, Any]] = []
    seen: set[Any] = set()
    for app in stack:
        codes = []
        apis = getattr(app, "apis", None)
        if isinstance(apis, dict) and apis:
            for per_path in apis.values():
                for api in per_path:
                    for op in getattr(api, "operations", {}).values():
                        call_ = getattr(type(op), "__call__", None)
                        if call_ is not None and hasattr(call_, "__code__"):
                            codes.append(call_.__code__)
        if not codes:
            call_ = getattr(type(app), "__call__", None)
            if call_ is not None and hasattr(call_, "__code__"):
                codes.append(call_.__code__)
        code = codes[0] if codes else None
        if code is None or code in seen:
            continue
        seen.add(code)
        found.append((type(app).__name__, code))
    return found


def cumulative_of(stats: pstats.Stats, code: Any) -> float | None:
    """The inclusive time of the function whose code object this is (None: it never ran)."""
    found = None
    for (filename, line, name), (_, _, _, cumulative, _) in stats.stats.items():   # type: ignore[attr-defined]
        if code.co_filename == filename and code.co_firstlineno == line and code.co_name == name:
            found = (found or 0.0) + cumulative
    return found


def shares(stats: pstats.Stats, layers: list[tuple[str, Any]], total: float) -> list[tuple[str, float]]:
    inclusive = {code: cumulative_of(stats, code) for _, code in layers}
    present = [(label, inclusive[code]) for label, code in layers if inclusive[code] is not None]
    out = [("driver (bench call, outside the app)", total - present[0][1])] if present else []
    for i, (label, value) in enumerate(present):
        inner = present[i + 1][1] if i + 1 < len(present) else 0.0
        out.append((label, value - inner))
    return out


def inclusive_of(stats: pstats.Stats, codes: dict[str, Any]) -> dict[str, float]:
    found = {label: cumulative_of(stats, code) for label, code in codes.items() if code is not None}
    return {label: value for label, value in found.items() if value is not None}


async def prepared(case: str, guard: bool) -> tuple[Any, str, str, dict[str, str], bytes]:
    """The Partners app logged in and warmed up for one case: (app, method, path, headers, body). Warm-up: Connexion
    builds its stack at the first request, plans compile validators on first use, caches fill."""
    mock = create_app(["partners"], settings=Settings(validate_responses=guard))
    status, payload = await call(mock, "POST", "/api/v1/api-token-auth/", {"content-type": "application/json"},
                                 json.dumps({"username": "demo", "password": "demo-password"}).encode())
    headers = {"authorization": f"JWT {json.loads(payload)['token']}", "content-type": "application/json"}
    method, path, expect = CASES[case]
    body = json.dumps(CUSTOMER).encode() if method == "POST" else b""
    for _ in range(200):
        status, payload = await call(mock, method, path, headers, body)
        if status != expect:
            raise SystemExit(f"{method} {path}: expected {expect}, got {status}: {payload[:200]!r}")
    return mock, method, path, headers, body


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--case", choices=sorted(CASES), default="get")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--guard", choices=("on", "off"), default="on", help="response validation")
    parser.add_argument("--no-profile", action="store_true", help="only the CPU time per request, unprofiled")
    args = parser.parse_args()
    logging.getLogger("connexion").setLevel(logging.ERROR)
    mock, method, path, headers, body = await prepared(args.case, args.guard == "on")
    store = mock.apitwin.runtimes["partners"].store
    expect = CASES[args.case][2]
    store.reset()
    started = time.process_time()
    for _ in range(args.requests):
        status, _payload = await call(mock, method, path, headers, body)
    plain = (time.process_time() - started) / args.requests
    if status != expect:
        raise SystemExit(f"{method} {path}: {status} {_payload[:200]!r}")
    if args.no_profile:
        print(f"{args.case}: {plain * 1e6:.0f} µs CPU per request unprofiled (guard {args.guard})")
        return
    store.reset()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        await call(mock, method, path, headers, body)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"{args.case}: {plain * 1e6:.0f} µs CPU per request unprofiled (guard {args.guard}); "
          f"profiled {total / args.requests * 1e6:.0f} µs")
    print("\nlayer shares (exclusive; inclusive time of the layer minus the next one's):")
    for label, value in shares(stats, layer_calls(list(mock.middleware.middleware_stack)), total):
        print(f"  {label:40s} {value / total:6.1%}  {value / args.requests * 1e6:6.1f} µs")
    handler = mock.apitwin.runtimes["partners"].plugin.binding.resolve(
        {"get": "getCustomer", "list": "listCustomers", "create": "createCustomer"}[args.case])
    details = {"the handler (and the store)": getattr(handler, "__code__", None)}
    try:
        from apitwin.server import guard
        if hasattr(guard, "Guarded"):   # one object per request: its methods' code
            channel: Any = guard.Guarded
            details["the response guard and the outer send wrappers"] = guard.Guarded.__call__.__code__
        else:                           # an older guard: closures made per call
            channel = guard.guarded(None, {"method": "GET"}, None, None)
            details["the response guard and the outer send wrappers"] = channel.__code__
        if hasattr(channel, "whole"):   # the endpoint's whole answers go through `whole`, not the channel
            details["the response guard (answers sent whole) and the outer send wrappers"] = channel.whole.__code__
    except Exception:   # noqa: BLE001 - an older or newer guard: no detail row
        pass
    print("  of which, inside the endpoint's time:")
    for label, value in inclusive_of(stats, details).items():
        print(f"    {label:48s} {value / total:6.1%}  {value / args.requests * 1e6:6.1f} µs")
    print(f"\ntop {args.top} functions by own time:")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    asyncio.run(main())
