"""Start-up to first answered request, per API and server, in one run: `apitwin serve API` started as a real
process, timed until its first API request is answered (a login, then a read with the token would follow; the first
answer is what a client waiting on the port sees). Prints the median of rounds (wall clock, and the CPU time the
server process had used by then: on a busy machine the CPU figure is the one to compare) and, in process, how much
of it is imports, building the app and the first request. Goal (issue 12): < 0.5 s per API; issue 13: < 1 s per
document (`--document PATH`, first answer: GET /__apitwin/health).

    .venv/bin/python bench/bench_startup.py [--rounds 5] [--server granian|uvicorn] [--apitwin-root DIR]
                                            [--document PATH ...] [--api NAME ...]

Every target gets one cold start (an empty start-up cache, apitwin.content_cache: what the first start of a new
or edited document costs) and `--rounds` warm ones (the cache of the bytes served). The bytecode of the checkout
is written first (`make bytecode`), as an installed package has it. The load average is printed: on this shared
machine a figure means little without it.

`--apitwin-root` serves another checkout with its own .venv (a before/after run; a checkout without `--server`
is run without the flag).
"""
from __future__ import annotations

import argparse
import compileall
import os
import statistics
import tempfile
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.processes import free_port  # noqa: E402

FIRST = {"partners": ("POST", "/api/v1/api-token-auth/", {"username": "demo", "password": "demo-password"}),
         "molgenis": ("POST", "/api/v1/login", {"username": "admin", "password": "admin"})}
IN_PROCESS = """
import time, json
started = time.perf_counter()
try:
    from apitwin import deferred_imports      # what `apitwin serve` defers (a checkout from before has none)
    deferred_imports.defer()
except ImportError:
    pass
from apitwin.app import create_app
imported = time.perf_counter()
app = create_app([{api!r}])
built = time.perf_counter()
from starlette.testclient import TestClient
with TestClient(app) as client:
    client.request({method!r}, {path!r}, json={body!r})
answered = time.perf_counter()
print(json.dumps([imported - started, built - imported, answered - built]))
"""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far: the start-up's own cost, whatever else the machine runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def python_of(root: Path) -> str:
    own = root / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


HEALTH = ("GET", "/__apitwin/health", None)


def once(api: str, server: str | None, root: Path = ROOT, cache: Path | None = None) -> tuple[float, float]:
    port = free_port()
    method, path, body = FIRST.get(api, HEALTH)
    chosen = ["--server", server] if server else []
    env = {**os.environ, **({"APITWIN_CACHE_DIR": str(cache)} if cache else {})}
    started = time.perf_counter()
    process = subprocess.Popen([python_of(root), "-m", "apitwin", "serve", api, "--port", str(port), "--quiet",
                                *chosen, "--log-level", "warning"], cwd=root, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{api}: the server exited ({process.returncode})")
            try:
                answer = httpx.request(method, f"http://127.0.0.1:{port}{path}", json=body, timeout=5)
                assert answer.status_code == 200, answer.text
                return time.perf_counter() - started, cpu_seconds(process.pid)
            except httpx.TransportError:
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(timeout=10)


def parts(api: str, root: Path = ROOT) -> list[float]:
    import json

    method, path, body = FIRST[api]
    out = subprocess.run([python_of(root), "-c", IN_PROCESS.format(api=api, method=method, path=path, body=body)],
                         cwd=root, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--server", default="granian")
    parser.add_argument("--api", action="append", default=None)
    parser.add_argument("--document", action="append", default=[], metavar="PATH",
                        help="also an OpenAPI document (relative to the checkout), goal < 1 s")
    parser.add_argument("--apitwin-root", type=Path, default=ROOT, help="serve another checkout (before/after)")
    parser.add_argument("--no-server-flag", action="store_true", help="a checkout from before `serve --server`")
    args = parser.parse_args()
    server = None if args.no_server_flag else args.server
    root = args.apitwin_root.resolve()
    compileall.compile_dir(str(root / "apitwin"), quiet=1)
    compileall.compile_dir(str(root / "handlers"), quiet=1)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    apis = [] if args.document and not args.api else (args.api or list(FIRST))
    for target in [*apis, *args.document]:
        goal = 0.5 if target in FIRST else 1.0
        with tempfile.TemporaryDirectory(prefix="apitwin-bench-cache-") as cache:
            cold = once(target, server, root, Path(cache))
            measured = [once(target, server, root, Path(cache)) for _ in range(args.rounds)]
        times, cpu = [m[0] for m in measured], [m[1] for m in measured]
        line = (f"{target:9} {server or 'its default server'}: start to first answer p50 "
                f"{statistics.median(times):.3f} s (min {min(times):.3f}; CPU used by then p50 "
                f"{statistics.median(cpu):.3f} s; cold cache {cold[0]:.3f} s, CPU {cold[1]:.3f} s)")
        if target in FIRST:
            split = [parts(target, root) for _ in range(max(1, args.rounds // 2))]
            imports, build, first = (statistics.median(column) for column in zip(*split))
            line += f"; in process: imports {imports:.3f} s, create_app {build:.3f} s, first request {first:.3f} s"
        print(f"{line}; goal < {goal} s: {'met' if statistics.median(times) < goal else 'NOT met'}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
