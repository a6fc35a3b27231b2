"""apitwin vs Prism (`prism mock`, the reference spec-first mock) on the same document, in one run.

Prism 5.x is installed by this script with npm into bench/.prism/ (ignored by git; pinned below); without npm, or
when the registry cannot be reached, the bench says so and stops (exit 0). Both servers run pinned to CPU 0, the
load driver on CPU 1 (wrk when installed, else bench/loadgen.py), in alternating rounds on GET list, GET by id and
POST create, with the same Authorization header; apitwin answers with state, auth and response validation on.
Prints req/s (best of rounds), that round's p99 and p99.9 and the ratio apitwin/Prism. Goal (issue 12): >= 3x Prism on every route.

    .venv/bin/python bench/bench_vs_prism.py [--seconds 3] [--rounds 2] [--server uvicorn|granian] [--apitwin-root DIR]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PRISM_VERSION = "5.9.0"
PRISM_DIR = BENCH / ".prism"
PRISM = PRISM_DIR / "node_modules" / ".bin" / "prism"

sys.path.insert(0, str(BENCH))
from bench_partners import Measured, drive, free_port, wait_for_port  # noqa: E402
import loadgen  # noqa: E402

sys.path.insert(0, str(ROOT))
from apitwin.progress import RunProgress  # noqa: E402

APITWIN = """
import logging, sys
sys.path.insert(0, {root!r})
from apitwin.app import create_app
from apitwin.settings import Settings
logging.getLogger("connexion").setLevel(logging.ERROR)
app = create_app(["partners"], settings=Settings(jwt_secret="bench-secret-" + "x" * 32))
try:
    from apitwin.serving import serve
except ImportError:   # a checkout from before apitwin.serving (--apitwin-root): uvicorn, as it served then
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port={port}, log_level="error", access_log=False)
else:
    serve(app, "127.0.0.1", {port}, server={server!r})
"""


def ensure_prism() -> Path | None:
    if PRISM.exists():
        return PRISM
    npm = shutil.which("npm")
    if npm is None:
        print("bench_vs_prism: skipped — npm is not installed (Prism is installed with npm)")
        return None
    PRISM_DIR.mkdir(exist_ok=True)
    (PRISM_DIR / "package.json").write_text('{"private": true}\n')
    try:
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                        f"@stoplight/prism-cli@{PRISM_VERSION}"], cwd=PRISM_DIR, check=True, timeout=600,
                       capture_output=True, text=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        print(f"bench_vs_prism: skipped — npm could not install Prism {PRISM_VERSION}: {detail.strip()[:300]}")
        return None
    return PRISM if PRISM.exists() else None


def python_of(root: str) -> str:
    """The checkout's own interpreter (its .venv, where its handlers are installed), else this one."""
    own = Path(root) / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def measure(url: str, token: str, seconds: float, create: bool) -> Measured:
    """req/s, p99 and p99.9 with 16 keep-alive connections from CPU 1 (bench_partners.drive)."""
    return drive(url, token, seconds, create=create)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--server", default="auto", help="apitwin's HTTP server: auto, uvicorn or granian")
    parser.add_argument("--apitwin-root", default=str(ROOT), help="the apitwin checkout to serve (before/after runs)")
    args = parser.parse_args()
    prism = ensure_prism()
    if prism is None:
        return
    prism_port, twin_port = free_port(), free_port()
    servers = [
        subprocess.Popen(["taskset", "-c", "0", str(prism), "mock", "-h", "127.0.0.1", "-p", str(prism_port),
                          str(ROOT / "specs" / "partners.yaml")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen(["taskset", "-c", "0", python_of(args.apitwin_root), "-c",
                          APITWIN.format(root=args.apitwin_root, port=twin_port, server=args.server)]),
    ]
    try:
        wait_for_port(twin_port, attempts=300)
        wait_for_port(prism_port, attempts=300)
        login = urllib.request.Request(
            f"http://127.0.0.1:{twin_port}/api/v1/api-token-auth/", method="POST",
            data=json.dumps({"username": "demo", "password": "demo-password"}).encode(),
            headers={"Content-Type": "application/json"})
        token = json.loads(urllib.request.urlopen(login, timeout=10).read())["token"]
        routes = [("GET list", "/api/v1/customers/", False), ("GET by id", "/api/v1/customers/319/", False),
                  ("POST create", "/api/v1/customers/", True)]
        best: dict[tuple[str, str], Measured] = {}
        progress = RunProgress()
        with progress:
            progress.step(f"{args.rounds} rounds x {len(routes)} routes x 2 servers",
                          total=args.rounds * len(routes) * 2)
            for _ in range(args.rounds):
                for name, path, create in routes:
                    for who, port in (("prism", prism_port), ("apitwin", twin_port)):
                        measured = measure(f"http://127.0.0.1:{port}{path}", token, args.seconds, create)
                        if (name, who) not in best or measured.rate > best[(name, who)].rate:
                            best[(name, who)] = measured
                        progress.advance()
        rows = []
        for name, _, _ in routes:
            prism_best, twin = best[(name, "prism")], best[(name, "apitwin")]
            rows.append([name, f"{prism_best.rate:,.0f}", f"{prism_best.p99_ms:.1f}", f"{prism_best.p999_ms:.1f}",
                         f"{twin.rate:,.0f}", f"{twin.p99_ms:.1f}", f"{twin.p999_ms:.1f}",
                         f"{twin.rate / prism_best.rate:.2f}"])
        progress.table(f"apitwin vs Prism {PRISM_VERSION} (driver: {loadgen.driver()}, servers on CPU 0, "
                       f"best of {args.rounds})",
                       ["route", "prism req/s", "p99 ms", "p99.9 ms", "apitwin req/s", "p99 ms", "p99.9 ms",
                        "ratio apitwin/prism"], rows)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
