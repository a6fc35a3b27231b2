"""Contract cases per second against the mock: `apitwin contract` versus a plain `st run` on the same spec and the
same server, in one script.

Each tool gets a fresh mock (`apitwin serve <api>`, one uvicorn worker, on a free port) and the same settings:
all four phases, positive and negative data, `-n` examples per operation, seed 0. The plain CLI gets a valid token
as a header (it cannot log in by itself without a config file); `apitwin contract` logs in, discovers data hints,
runs the same phases and then its property checks, all inside the measured time. Prints cases, seconds,
cases/s and failures for each, then the ratio apitwin/st (target: >= 0.8; apitwin does more per case).

    .venv/bin/python bench/bench_contract.py [--api partners|molgenis] [-n 25]
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_partners import free_port, wait_for_port  # noqa: E402

from apitwin.contract.profiles import get as profile  # noqa: E402
from apitwin.progress import RunProgress  # noqa: E402

BIN = Path(sys.executable).parent


class Mock:
    """`apitwin serve API` in its own process, stopped on exit."""

    def __init__(self, api: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen([str(BIN / "apitwin"), "serve", api, "--port", str(self.port),
                                         "--log-level", "warning"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Mock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def login(url: str, api: str) -> tuple[str, str]:
    login = profile(api).login
    root = "/api/v1" if api == "molgenis" else ""
    body = json.dumps({"username": login.username, "password": login.password}).encode()
    request = urllib.request.Request(url + root + login.path, method="POST", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        token = json.load(answer)["token"]
    return login.header, login.prefixes[0] + token


def plain_cli(api: str, examples: int) -> dict[str, Any]:
    with Mock(api) as mock, tempfile.TemporaryDirectory() as scratch:
        header, value = login(mock.url, api)
        url = mock.url + ("/api/v1" if api == "molgenis" else "")
        started = time.monotonic()
        done = subprocess.run([str(BIN / "st"), "run", str(profile(api).spec_file), "--url", url,
                               "-H", f"{header}: {value}", "-n", str(examples), "--mode", "all", "--seed", "0",
                               "--phases", "examples,coverage,fuzzing,stateful", "--no-color"],
                              cwd=scratch, capture_output=True, text=True)
        seconds = time.monotonic() - started
    generated = re.search(r"(\d+) generated", done.stdout)
    failures = re.search(r"(\d+) unique failures", done.stdout)
    if generated is None:
        raise SystemExit(f"st run printed no case count (exit {done.returncode}):\n{done.stdout[-2000:]}")
    return {"cases": int(generated[1]), "seconds": seconds, "failures": int(failures[1]) if failures else 0}


def apitwin_contract(api: str, examples: int) -> dict[str, Any]:
    with Mock(api) as mock, tempfile.TemporaryDirectory() as scratch:
        started = time.monotonic()
        done = subprocess.run([str(BIN / "apitwin"), "contract", api, "--url", mock.url, "--max-examples",
                               str(examples), "-q", "--json", f"{scratch}/report.json"],
                              cwd=scratch, capture_output=True, text=True)
        seconds = time.monotonic() - started
        report = json.loads(Path(scratch, "report.json").read_text()) if done.returncode in (0, 1) else None
    if report is None:
        raise SystemExit(f"apitwin contract failed to run (exit {done.returncode}): {done.stderr.strip()}")
    return {"cases": report["cases"], "seconds": seconds, "failures": len(report["failures"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="partners", choices=("partners", "molgenis"))
    parser.add_argument("-n", "--examples", type=int, default=25)
    args = parser.parse_args()
    progress = RunProgress()
    with progress:
        progress.step(f"st run {args.api}")
        rows = {"st run": plain_cli(args.api, args.examples)}
        progress.step(f"apitwin contract {args.api}")
        rows["apitwin contract"] = apitwin_contract(args.api, args.examples)
    for row in rows.values():
        row["rate"] = row["cases"] / row["seconds"]
    progress.table(f"{args.api}, {args.examples} examples per operation, all phases, fresh mock per tool "
                   "(wall time incl. process start)", ("tool", "cases", "seconds", "cases/s", "failures"),
                   [(name, row["cases"], f"{row['seconds']:.1f}", f"{row['rate']:.1f}", row["failures"])
                    for name, row in rows.items()])
    print(f"ratio apitwin/st: {rows['apitwin contract']['rate'] / rows['st run']['rate']:.2f} (target >= 0.8)")


if __name__ == "__main__":
    main()
