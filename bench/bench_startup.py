"""Start-up to first answered request, per API and server, in one run: `apitwin serve API` started as a real
process, timed until its first API request is answered (a login, then a read with the token would follow; the first
answer is what a client waiting on the port sees). Prints the median of rounds (wall clock, and the CPU time the
server process had used by then: on a busy machine the CPU figure is the one to compare) and, in process, how much
of it is imports, building the app and the first request. Goal (issue 12): < 0.5 s per API.

    .venv/bin/python bench/bench_startup.py [--rounds 5] [--server granian|uvicorn] [--apitwin-root DIR]

`--apitwin-root` serves another checkout with its own .venv (a before/after run; a checkout without `--server`
is run without the flag).
"""
from __future__ import annotations

import argparse
import statistics
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
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def python_of(root: Path) -> str:
    own = root / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def once(api: str, server: str | None, root: Path = ROOT) -> tuple[float, float]:
    port = free_port()
    method, path, body = FIRST[api]
    chosen = ["--server", server] if server else []
    started = time.perf_counter()
    process = subprocess.Popen([python_of(root), "-m", "apitwin", "serve", api, "--port", str(port), "--quiet",
                                *chosen, "--log-level", "warning"], cwd=root,
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
    parser.add_argument("--apitwin-root", type=Path, default=ROOT, help="serve another checkout (before/after)")
    parser.add_argument("--no-server-flag", action="store_true", help="a checkout from before `serve --server`")
    args = parser.parse_args()
    server = None if args.no_server_flag else args.server
    for api in args.api or list(FIRST):
        measured = [once(api, server, args.apitwin_root) for _ in range(args.rounds)]
        times, cpu = [m[0] for m in measured], [m[1] for m in measured]
        split = [parts(api, args.apitwin_root) for _ in range(max(1, args.rounds // 2))]
        imports, build, first = (statistics.median(column) for column in zip(*split))
        print(f"{api:9} {server or 'its default server'}: start to first answer p50 {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}; CPU used by then p50 {statistics.median(cpu):.3f} s); in process: imports {imports:.3f} s, create_app {build:.3f} s, "
              f"first request {first:.3f} s; goal < 0.5 s: {'met' if statistics.median(times) < 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
