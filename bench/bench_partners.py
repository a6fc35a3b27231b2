"""Throughput of the Partners mock vs a bare Starlette app doing the same store work, in one run.

Two transports, same comparison:
- asgi (default): both apps driven in-process through ASGI, alternating rounds so machine noise hits both alike.
  No sockets, so this is the framework + handler cost alone — the strictest ratio.
- http (`--http`; `wrk` when installed, else bench/loadgen.py): each app in its own server process (apitwin's
  default server, or --server) pinned to CPU 0, wrk pinned to CPU 1, keep-alive connections, both servers up and
  driven in alternating rounds (best round counts) — what a client sees.
Prints req/s and the ratio mock/bare for list, get-by-id and create. Target (issue 12): mock >= 60 % of bare over HTTP.

    .venv/bin/python bench/bench_partners.py [--seconds 2] [--rounds 3] [--cpu] [--http]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from apitwin import tokens  # noqa: E402
from apitwin.app import create_app  # noqa: E402
from apitwin.progress import RunProgress  # noqa: E402
from apitwin.settings import Settings  # noqa: E402
from apitwin.store import Store  # noqa: E402
from apitwin.timeutil import format_datetime, now  # noqa: E402

CUSTOMER = {"first_name": "Arya", "last_name": "Stark", "email": "arya@winterfell.com", "gender": "female",
            "ethnicity": ["caucasian"], "caffeine_consumption": "no", "diet": []}


def bare_app(store: Store, secret: str) -> Starlette:
    """The same work without the framework: token check, tenant filter, copy-out, JSON."""

    def auth(request: Request) -> dict[str, Any] | None:
        prefix, _, token = request.headers.get("authorization", "").partition(" ")
        if prefix.lower() not in ("jwt", "bearer"):
            return None
        try:
            claims = tokens.verify(token, secret, required=("exp", "user_id", "username"))
        except tokens.TokenError:
            return None
        return store["accounts"].get(claims["user_id"])

    def public(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if not k.startswith("_")}

    async def customers(request: Request) -> JSONResponse:
        account = auth(request)
        if account is None:
            return JSONResponse({"errors": {}, "messages": ["unauthorized"]}, 401)
        if request.method == "POST":
            body = await request.json()
            missing = {f: ["This field is required."] for f in ("first_name", "last_name") if not body.get(f)}
            if missing:
                return JSONResponse({"errors": missing, "messages": []}, 400)
            row = store["customers"].insert({"_partner": account["partner"], "created_at": format_datetime(now()),
                                             **body})
            return JSONResponse(public(row), 201, headers={"Location": f"/api/v1/customers/{row['id']}/"})
        rows = store["customers"].filter(_partner=account["partner"])
        return JSONResponse([public(r) for r in rows])

    async def customer(request: Request) -> JSONResponse:
        account = auth(request)
        if account is None:
            return JSONResponse({"errors": {}, "messages": ["unauthorized"]}, 401)
        row = store["customers"].get(int(request.path_params["cid"]))
        if row is None or row["_partner"] != account["partner"]:
            return JSONResponse({"errors": {}, "messages": ["Not found."]}, 404)
        return JSONResponse(public(row))

    return Starlette(routes=[Route("/api/v1/customers/", customers, methods=["GET", "POST"]),
                             Route("/api/v1/customers/{cid:int}/", customer)])


async def call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b"",
               query: str = "") -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
             + ([(b"content-length", str(len(body)).encode())] if body else []),
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def rate(app: Any, method: str, path: str, headers: dict[str, str], body: bytes, expect: int,
               seconds: float, clock: Any = time.perf_counter) -> float:
    """Requests per second of `clock` (wall time, or with --cpu this process's CPU time: what other work on a
    shared machine takes does not count)."""
    count = 0
    deadline = time.perf_counter() + seconds
    start = clock()
    while time.perf_counter() < deadline:
        for _ in range(20):
            status, payload = await call(app, method, path, headers, body)
            if status != expect:
                raise SystemExit(f"{method} {path}: expected {expect}, got {status}: {payload[:200]!r}")
        count += 20
    return count / (clock() - start)


async def lifespan(app: Any) -> None:
    messages = iter([{"type": "lifespan.startup"}])

    async def receive() -> dict[str, Any]:
        try:
            return next(messages)
        except StopIteration:
            await asyncio.sleep(3600)
            return {}

    async def send(message: dict[str, Any]) -> None:
        pass

    task = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    await asyncio.sleep(0.2)
    task.cancel()


SERVER = """
import logging, sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from apitwin.app import create_app
from apitwin.settings import Settings
from bench_partners import bare_app
logging.getLogger("connexion").setLevel(logging.ERROR)
settings = Settings(jwt_secret="bench-secret-" + "x" * 32)  # both processes accept the token the mock issued
mock = create_app(["partners"], settings=settings)
rt = mock.apitwin.runtimes["partners"]
app = mock if {which!r} == "mock" else bare_app(rt.store, rt.settings.jwt_secret)
if {which!r} == "bare":   # the mock's start-up settles the collector (apitwin.heap); bare gets the same settings
    try:
        from apitwin.heap import settle_after_start
    except ImportError:   # a checkout from before apitwin.heap (--apitwin-root)
        pass
    else:
        settle_after_start()
try:
    from apitwin.serving import serve
except ImportError:   # a checkout from before apitwin.serving (--apitwin-root): uvicorn, as it served then
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port={port}, log_level="error", access_log=False)
else:
    serve(app, "127.0.0.1", {port}, server={server!r})
"""
CREATE_LUA = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "JWT {token}"
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, attempts: int = 100) -> None:
    """Until a server started in another process accepts connections on 127.0.0.1 (about 10 s at most)."""
    import socket

    for _ in range(attempts):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def wait_for_answer(url: str, process: Any, seconds: float = 60) -> None:
    """Until `url` answers over HTTP (any status); SystemExit when the server process exits first or time runs out."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited ({process.returncode})")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url}: no answer")


class Measured(NamedTuple):
    """One load run: req/s, latency percentiles in ms (wrk's own, over every request of the run), non-2xx count."""

    rate: float
    p99_ms: float
    p999_ms: float
    non_2xx: int


LATENCY_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("apitwin-latency %d %d\\n", latency:percentile(99), latency:percentile(99.9)))
end
"""


def drive(url: str, token: str, seconds: float, *, create: bool = False, connections: int = 16) -> Measured:
    """`connections` keep-alive connections from CPU 1 for `seconds` (bounded): GET `url`, or POST the customer
    (`create`); wrk when installed (its lua `done` hook reports p99 and p99.9), else bench/loadgen.py."""
    import re
    import shutil
    import subprocess
    import tempfile

    headers = ["-H", f"Authorization: JWT {token}"]
    if shutil.which("wrk") is None:
        extra = ["--method", "POST", "--body", json.dumps(CUSTOMER), "-H", "Content-Type: application/json"] \
            if create else []
        out = json.loads(subprocess.run(["taskset", "-c", "1", sys.executable, str(Path(__file__).parent / "loadgen.py"),
                                         url, f"-c{connections}", f"-d{seconds:g}", *headers, *extra],
                                        capture_output=True, text=True, check=True).stdout)
        return Measured(out["rate"], out["p99_ms"], out.get("p999_ms", 0.0), out["non_2xx"])
    script = (CREATE_LUA.replace("{token}", token).replace("{body}", json.dumps(CUSTOMER)) if create else "") \
        + LATENCY_LUA
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", *headers,
                              "-s", lua.name, url], capture_output=True, text=True, check=True).stdout
    finally:
        Path(lua.name).unlink(missing_ok=True)
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    latency = re.search(r"apitwin-latency (\d+) (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Measured(float(rate.group(1)) if rate else 0.0,
                    int(latency.group(1)) / 1000 if latency else 0.0, int(latency.group(2)) / 1000 if latency else 0.0,
                    int(non2xx.group(1)) if non2xx else 0)


def http_rates(seconds: float, server_name: str = "uvicorn", root: str | None = None,
               rounds: int = 3, connections: int = 16) -> dict[str, dict[str, Measured]]:
    """Both servers up at once (each pinned to CPU 0, the load generator to CPU 1), driven in alternating rounds
    — mock, bare, mock, bare per operation — so load from elsewhere on the machine hits both alike; the best round
    of each counts."""
    import subprocess
    import urllib.request

    root = root or str(Path(__file__).resolve().parents[1])
    own = Path(root) / ".venv" / "bin" / "python"      # the checkout's interpreter, where its handlers are installed
    python = str(own) if own.exists() else sys.executable
    ports = {which: free_port() for which in ("mock", "bare")}
    servers = {which: subprocess.Popen(["taskset", "-c", "0", python, "-c", SERVER.format(
        root=root, bench=str(Path(__file__).parent), which=which, port=port, server=server_name)])
        for which, port in ports.items()}
    results: dict[str, dict[str, Measured]] = {}
    try:
        for which, port in ports.items():
            wait_for_port(port)
        login = urllib.request.Request(
            f"http://127.0.0.1:{ports['mock']}/api/v1/api-token-auth/", method="POST",
            data=json.dumps({"username": "demo", "password": "demo-password"}).encode(),
            headers={"Content-Type": "application/json"})
        token = json.loads(urllib.request.urlopen(login).read())["token"]   # both accept it (same secret)
        for name in ("list", "get", "create"):   # creates last: they grow the lists
            for _ in range(rounds):
                for which, port in ports.items():
                    path = {"list": "/api/v1/customers/", "get": "/api/v1/customers/319/",
                            "create": "/api/v1/customers/"}[name]
                    measured = drive(f"http://127.0.0.1:{port}{path}", token, seconds, create=name == "create",
                                     connections=connections)
                    if measured.non_2xx:
                        raise SystemExit(f"{which} {name}: {measured.non_2xx} non-2xx responses")
                    per = results.setdefault(name, {})
                    if measured.rate > per.get(which, Measured(0, 0, 0, 0)).rate:
                        per[which] = measured
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=10)
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default="auto",
                        help="--http: auto (apitwin's default), granian or uvicorn (httptools/uvloop)")
    parser.add_argument("--apitwin-root", default=None, help="--http: serve another checkout (before/after runs)")
    parser.add_argument("--cpu", action="store_true",
                        help="in process: rates per CPU second of this process, not per wall-clock second")
    parser.add_argument("--http", action="store_true", help="measure over HTTP with uvicorn + wrk (or bench/loadgen.py)")
    parser.add_argument("--connections", type=int, default=16, help="--http: keep-alive connections")
    args = parser.parse_args()
    logging.getLogger("connexion").setLevel(logging.ERROR)
    progress = RunProgress()
    if args.http:
        with progress:
            progress.step("wrk: mock and bare over HTTP")
            rates = http_rates(args.seconds, args.server, args.apitwin_root, args.rounds, args.connections)
        progress.table(f"Partners mock vs bare Starlette (HTTP, {args.server} 1 worker on CPU 0, "
                       f"{args.connections} connections; latency of each app's best round)",
                       ("operation", "mock req/s", "p99 ms", "p99.9 ms", "bare req/s", "p99 ms", "p99.9 ms",
                        "mock/bare"),
                       [(name, f"{m.rate:,.0f}", f"{m.p99_ms:.1f}", f"{m.p999_ms:.1f}", f"{b.rate:,.0f}",
                         f"{b.p99_ms:.1f}", f"{b.p999_ms:.1f}", f"{m.rate / b.rate:.0%}")
                        for name, per in rates.items() for m, b in [(per["mock"], per["bare"])]])
        return

    results: dict[str, dict[str, list[float]]] = {}
    cases_per_round = 3
    with progress:
        progress.step("measuring (2 settings x rounds x 3 operations x 2 apps)", total=2 * args.rounds * cases_per_round * 2)
        for validate in (True, False):
            settings = Settings(validate_responses=validate)
            mock = create_app(["partners"], settings=settings)
            store = mock.apitwin.runtimes["partners"].store  # same seed data for both apps
            bare = bare_app(store, mock.apitwin.runtimes["partners"].settings.jwt_secret)
            status, payload = await call(mock, "POST", "/api/v1/api-token-auth/", {"content-type": "application/json"},
                                         json.dumps({"username": "demo", "password": "demo-password"}).encode())
            token = json.loads(payload)["token"]
            headers = {"authorization": f"JWT {token}", "content-type": "application/json"}
            body = json.dumps(CUSTOMER).encode()
            await call(mock, "GET", "/api/v1/customers/", headers)  # warm-up: connexion builds its stack lazily
            label = "mock (response validation on)" if validate else "mock (response validation off)"
            cases = [("list", "GET", "/api/v1/customers/", b"", 200),
                     ("get", "GET", "/api/v1/customers/319/", b"", 200),
                     ("create", "POST", "/api/v1/customers/", body, 201)]
            for _ in range(args.rounds):
                for name, method, path, payload_body, expect in cases:
                    for who, app in ((label, mock), ("bare starlette", bare)):
                        r = await rate(app, method, path, headers, payload_body, expect, args.seconds,
                                       time.process_time if args.cpu else time.perf_counter)
                        results.setdefault(name, {}).setdefault(who, []).append(r)
                        progress.advance()
                    store.reset()  # creates grow the list; keep every round on the same data

    rows = []
    for name, per_app in results.items():
        bare_best = max(per_app["bare starlette"])
        for who, values in per_app.items():
            best = max(values)
            rows.append((name, who, f"{best:,.0f}", f"{1e6 / best:,.0f}", f"{best / bare_best:.0%}"))
    clock = ", CPU time" if args.cpu else ""
    progress.table(f"Partners mock vs bare Starlette (in-process ASGI{clock}; target: mock >= 50 % of bare)",
                   ("operation", "app", "req/s (best of rounds)", "µs/request", "ratio to bare"), rows)


if __name__ == "__main__":
    asyncio.run(main())
