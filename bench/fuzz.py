"""Fuzz one API on one state backend and report every server error (issue 16: 0 in >= 10,000 requests per API and
backend). Not a test: `make fuzz` runs it for every API on memory, `--state` (SQLite) and `--store` (Redis).

Starts `apitwin serve API` itself (and a `redis-server` for `--backend redis`), then sends schemathesis-generated
requests — every operation of every document of the API, positive and negative data, three in four with a login
token and one without — until `--requests` have been answered. Seeded: a run replays. Prints the totals, the status
classes and each distinct server error (method, path, status, body start); exit status 1 when there was one.

    .venv/bin/python bench/fuzz.py partners --backend sqlite [--requests 10000] [--seed 0]
"""
from __future__ import annotations

import argparse
import collections
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode

from bench_partners import free_port, wait_for_answer  # the bench scripts' shared helpers (puts the root on sys.path)

from apitwin.progress import RunProgress  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPECS = {"partners": ["partners.yaml"], "molgenis": ["molgenis_v1.yaml", "molgenis_v2.yaml"]}
LOGIN = {"partners": ("/api/v1/api-token-auth/", {"username": "demo", "password": "demo-password"}, "token",
                      lambda token: {"Authorization": f"JWT {token}"}),
         "molgenis": ("/api/v1/login", {"username": "admin", "password": "admin"}, "token",
                      lambda token: {"x-molgenis-token": token})}




class Fuzz:
    def __init__(self, api: str, base: str, wanted: int, run_seed: int) -> None:
        self.api, self.base, self.wanted, self.seed = api, base, wanted, run_seed
        self.session = requests.Session()
        self.sent = 0
        self.statuses: collections.Counter[str] = collections.Counter()
        self.errors: dict[tuple[str, str, int], str] = {}
        self.headers: dict[str, str] = {}
        self.progress: RunProgress | None = None          # a bar at a terminal, advanced per request

    def say(self, text: str) -> None:
        (self.progress.line if self.progress else print)(text)

    def login(self) -> None:
        path, body, key, header = LOGIN[self.api]
        try:
            answer = self.session.post(self.base + path, json=body, timeout=30)
            self.headers = header(answer.json()[key]) if answer.status_code == 200 else {}
        except (requests.RequestException, ValueError, KeyError):
            self.headers = {}

    def call(self, case: Any, base: str) -> None:
        if self.sent % 500 == 0:
            self.login()                                  # fuzzed logouts and resets drop tokens
        headers = self.headers if self.sent % 4 else {}
        try:
            response = case.call(base_url=base, session=self.session, headers=headers, timeout=30)
        except requests.RequestException as exc:
            self.statuses["no answer"] += 1
            self.errors.setdefault((case.method, case.path, 0), f"{type(exc).__name__}: {exc}"[:200])
            self.sent += 1
            if self.progress:
                self.progress.advance()
            return
        self.sent += 1
        if self.progress:
            self.progress.advance()
        self.statuses[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            self.errors.setdefault((case.method, case.path, response.status_code), response.text[:200])

    def run(self) -> None:
        operations = []
        for name in SPECS[self.api]:
            schema = schemathesis.openapi.from_path(ROOT / "specs" / name)
            root = self.base + schema.base_path.rstrip("/")        # the document's server path (MOLGENIS /api/v1)
            operations += [(result.ok(), root) for result in schema.get_all_operations()]
        per_strategy = max(1, math.ceil(self.wanted / (len(operations) * 2)))
        round_number = 0
        while self.sent < self.wanted and round_number < 20:
            for operation, root in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    if self.sent >= self.wanted:
                        return
                    self.fuzz(operation, root, mode, per_strategy, self.seed * 1000 + round_number)
            round_number += 1

    def fuzz(self, operation: Any, root: str, mode: GenerationMode, examples: int, run_seed: int) -> None:
        try:
            strategy = operation.as_strategy(generation_mode=mode)
        except Exception:                                 # nothing to generate in this mode (no parameters)
            return

        @seed(run_seed)
        @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck), derandomize=False)
        @given(case=strategy)
        def send(case: Any) -> None:
            self.call(case, root)
        try:
            send()
        except Exception as exc:                          # hypothesis could not generate enough: go on
            if "Unsatisfiable" not in type(exc).__name__ and "FailedHealthCheck" not in type(exc).__name__:
                self.say(f"  {operation.method.upper()} {operation.path}: {type(exc).__name__}: {str(exc)[:120]}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("api", choices=sorted(SPECS))
    parser.add_argument("--backend", choices=("memory", "sqlite", "redis"), default="memory")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="apitwin-fuzz-")
    started: list[subprocess.Popen[bytes]] = []
    flags = ["--token-ttl", "86400"]
    try:
        if args.backend == "sqlite":
            flags += ["--state", str(Path(directory) / "state.db")]
        elif args.backend == "redis":
            binary = shutil.which("redis-server") or "/usr/bin/redis-server"
            if not Path(binary).exists():
                print("fuzz: redis-server is not installed (make redis); the Redis run is SKIPPED")
                return 0
            redis_port = free_port()
            started.append(subprocess.Popen([binary, "--port", str(redis_port), "--bind", "127.0.0.1", "--dir",
                                             directory, "--save", "", "--appendonly", "no"],
                                            stdout=subprocess.DEVNULL))
            time.sleep(0.5)
            flags += ["--store", f"redis://127.0.0.1:{redis_port}/0"]
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "apitwin", "serve", args.api, "--port", str(port),
                                   "--log-level", "error", *flags], cwd=ROOT, stdout=subprocess.DEVNULL)
        started.append(server)
        base = f"http://127.0.0.1:{port}"
        wait_for_answer(f"{base}/__apitwin/health", server)
        began = time.monotonic()
        fuzz = Fuzz(args.api, base, args.requests, args.seed)
        fuzz.progress = RunProgress()
        with fuzz.progress:
            fuzz.progress.step(f"fuzz {args.api} on {args.backend}", total=args.requests)
            fuzz.run()
        seconds = time.monotonic() - began
        fuzz.progress.table(f"fuzz {args.api} on {args.backend}: {fuzz.sent} requests in {seconds:.0f} s",
                            ["answers", "requests"], sorted(fuzz.statuses.items()))
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(fuzz.statuses.items()))
        print(f"fuzz {args.api} on {args.backend}: {fuzz.sent} requests in {seconds:.0f} s ({statuses}); "
              f"server errors: {sum(1 for key in fuzz.errors)} distinct")
        for (method, path, status), body in sorted(fuzz.errors.items()):
            print(f"  SERVER ERROR {status or 'no answer'} {method} {path}: {body}")
        return 1 if fuzz.errors else 0
    finally:
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
