"""`make corpus`: every document of tests/corpus/index.yaml served by `apitwin serve DOC` (a real process), then
`apitwin contract DOC --url` and a plain `st run DOC --url` (schemathesis CLI, default phases, all checks) against
it; prints one line per document and a summary, exits 1 when any run found a failure.

Documents with security schemes are served with `--auth` pinning the credential the tools send, so schemathesis'
ignored-auth probe (a well-formed but wrong credential) must answer 401 too. An API key the document sends in the
query reaches `st run` as a user gives it, through a schemathesis.toml `[auth.openapi.SCHEME]` table (the CLI has no
flag for it); `apitwin contract` shapes it from the document itself. `--permissive DOC` also runs a
document under the default (any well-formed credential accepted), where that probe is the one expected finding.

Start-up time is the best of CORPUS_STARTS (default 3) starts, process spawn to the first answer: the machine is
shared, and one start under someone else's load says little. The CRUD column is the contract's crud_round_trip
property (create → read → list → update → delete → 404): held, failed, or why it did not apply.

Environment: CORPUS_MAX_EXAMPLES (default 25), CORPUS_ONLY (comma-separated index names), CORPUS_STARTS.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE.parent.parent))

from apitwin.inferred.auth import CONTRACT_SECRET, Pins, credential_of    # noqa: E402
from apitwin.inferred.document import open_document                 # noqa: E402
from apitwin.progress import RunProgress                             # noqa: E402
from apitwin.specs import spec_base_path                            # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(doc: Path, port: int, auth: Path | None, log: Path | None = None) -> tuple[subprocess.Popen, float]:
    """The mock in its own process. Its log goes to a file (`log`, else discarded), never to a pipe nobody reads:
    a full pipe blocks the server mid-request, which the tools then report as time-outs."""
    args = [str(BIN / "apitwin"), "serve", str(doc), "--port", str(port), "--log-level", "warning"]
    if auth is not None:
        args += ["--auth", str(auth)]
    began = time.monotonic()
    with (log.open("w") if log is not None else open(os.devnull, "w")) as sink:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=sink, text=True)
    while time.monotonic() - began < 30:
        if process.poll() is not None:
            said = log.read_text()[-2000:] if log is not None else "(log discarded)"
            raise RuntimeError(f"serve exited {process.returncode}: {said}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/__apitwin/health", timeout=1)
            return process, time.monotonic() - began
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise RuntimeError("serve did not answer within 30 s")


def failures_of(output: str) -> int:
    match = re.search(r"(\d+) failures?[ ,]", output) or re.search(r"FAILED \((\d+) failure", output)
    if match:
        return int(match.group(1))
    summary = re.search(r"=+ ([^=]*) in [\d.]+s =+\s*$", output)
    if summary and "failure" not in summary.group(1) and "error" not in summary.group(1):
        return 0
    quiet = ("No issues found", "PASSED", "The schema defines no API operations")
    return 0 if any(text in output for text in quiet) else -1


def crud_of(report: Path) -> str:
    """The crud_round_trip property's verdict in a contract report."""
    try:
        outcomes = [p for p in json.loads(report.read_text())["properties"] if p["name"] == "crud_round_trip"]
    except (OSError, ValueError, KeyError):
        return "?"
    if any(o["failed"] for o in outcomes):
        return "failed"
    held = [o for o in outcomes if o["probes"]]
    if held:
        return f"held ({len(held)})"
    reasons = sorted({o["skipped"] for o in outcomes if o["skipped"]})
    return "n/a" + (f": {'; '.join(reasons)}" if reasons else " (no create with item reads)")


def run_document(entry: dict, max_examples: int, permissive: bool, log_dir: Path) -> dict:
    doc = HERE / entry["file"]
    bundled = open_document(doc)
    # `scheme:` in the index: the key travels through that securitySchemes entry rather than the document's first
    # (Pi-hole lists a query key first; its cookie key is the one to exercise), pinned to it for both tools
    scheme = entry.get("scheme")
    found = credential_of(bundled.data, Pins(secrets={CONTRACT_SECRET: "corpus"},
                                             schemes={CONTRACT_SECRET: scheme}) if scheme else None)
    # a header credential travels as a fixed header; an API key in the query or a cookie through its scheme
    credential = found.header if found is not None and found.location == "header" else None
    key_pin = {"key": CONTRACT_SECRET, "tenant": "corpus", **({"scheme": scheme} if scheme else {})}
    pinned = log_dir / f"{entry['name']}.auth.yaml"
    pinned.write_text(yaml.safe_dump([key_pin, {"username": "apitwin", "password": "contract", "tenant": "corpus"}]))
    auth = pinned if found is not None and not permissive else None
    startup = float("inf")
    for _ in range(max(1, int(os.environ.get("CORPUS_STARTS", "3"))) - 1):
        probe, took = start(doc, free_port(), auth, log_dir / f"{entry['name']}.probe.log")
        probe.terminate()
        probe.wait(10)
        startup = min(startup, took)
    port = free_port()
    process, took = start(doc, port, auth, log_dir / f"{entry['name']}.serve.log")
    startup = min(startup, took)
    url = f"http://127.0.0.1:{port}{spec_base_path(bundled.data)}"
    headers = ["-H", f"{credential[0]}: {credential[1]}"] if credential else []
    config = []
    if found is not None and found.location in ("query", "cookie"):
        # `st run` has no flag for a query credential, and a fixed Cookie header would come back on the negative
        # cases that drop the key; a user gives either in schemathesis.toml, per scheme: for every scheme the key
        # may travel through (Frigate's admin and user schemes are the same cookie), else schemathesis sends
        # operations under the other scheme without it
        schemes = [found.scheme] if scheme else [
            name for name, item in ((bundled.data.get("components") or {}).get("securitySchemes") or {}).items()
            if isinstance(item, dict) and item.get("type") == "apiKey" and item.get("in") in ("query", "cookie")]
        toml = log_dir / f"{entry['name']}.schemathesis.toml"
        toml.write_text("".join(f'[auth.openapi.{json.dumps(name)}]\napi_key = {json.dumps(found.value)}\n'
                                for name in schemes))
        config = ["--config-file", str(toml)]
    result = {"name": entry["name"], "startup": startup, "version": bundled.original_version}
    try:
        st = subprocess.run([str(BIN / "st"), *config, "run", str(doc), "--url", url, "--checks", "all", "--seed",
                             "1", "--max-examples", str(max_examples), *headers],
                            capture_output=True, text=True, timeout=900)
        (log_dir / f"{entry['name']}.st.log").write_text(st.stdout + st.stderr)
        result["st"] = failures_of(st.stdout + st.stderr)
        contract = subprocess.run([str(BIN / "apitwin"), "contract", str(doc), "--url", f"http://127.0.0.1:{port}",
                                   "--max-examples", str(max_examples), "-q", "--report-dir",
                                   str(log_dir / f"{entry['name']}-contract"),
                                   *(["--auth", str(pinned)] if scheme else []),
                                   *(["--header", f"{credential[0]}: {credential[1]}"] if credential else [])],
                                  capture_output=True, text=True, timeout=900)
        (log_dir / f"{entry['name']}.contract.log").write_text(contract.stdout + contract.stderr)
        result["contract"] = failures_of(contract.stdout + contract.stderr)
        result["crud"] = crud_of(log_dir / f"{entry['name']}-contract" / "report.json")
    finally:
        process.terminate()
        process.wait(10)
    return result


def startup_only(entries: list[dict]) -> int:
    """Each document's start-up, best of CORPUS_STARTS, without pinned credentials."""
    runs = max(1, int(os.environ.get("CORPUS_STARTS", "3")))
    slow = 0
    for entry in entries:
        best = float("inf")
        for _ in range(runs):
            process, took = start(HERE / entry["file"], free_port(), None)
            process.terminate()
            process.wait(10)
            best = min(best, took)
        slow += best >= 1.0
        print(f"{entry['name']:40} start {best:.2f}s", flush=True)
    print(f"start-up: {len(entries) - slow}/{len(entries)} documents under 1 s (best of {runs})")
    return 0 if not slow else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--permissive", action="append", default=[], metavar="NAME",
                        help="also run NAME under the default auth (ignored-auth findings expected)")
    parser.add_argument("--logs", type=Path, default=None, help="directory for the run logs (default: a temp dir)")
    parser.add_argument("--startup-only", action="store_true",
                        help="only measure each document's start-up (best of CORPUS_STARTS, default 3)")
    args = parser.parse_args()
    index = yaml.safe_load((HERE / "index.yaml").read_text())["documents"]
    only = [n for n in os.environ.get("CORPUS_ONLY", "").split(",") if n]
    entries = [e for e in index if not only or e["name"] in only]
    max_examples = int(os.environ.get("CORPUS_MAX_EXAMPLES", "25"))
    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="apitwin-corpus-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    if args.startup_only:
        return startup_only(entries)
    clean, slow = 0, 0
    rows: list[list[str]] = []
    progress = RunProgress()           # a bar at a terminal; plain lines in logs
    with progress:
        progress.step(f"corpus: {len(entries) + len(args.permissive)} runs", total=len(entries) + len(args.permissive))
        for entry in entries:
            try:
                result = run_document(entry, max_examples, False, log_dir)
            except Exception as exc:  # noqa: BLE001 - one broken document must not hide the others' results
                progress.line(f"{entry['name']:32} ERROR {exc}")
                rows.append([entry["name"], "-", "-", "-", "-", "-", "ERROR"])
                progress.advance()
                continue
            ok = result["st"] == 0 and result["contract"] == 0
            clean += ok
            slow += result["startup"] >= 1.0
            progress.line(f"{entry['name']:32} {result['version']:6} start {result['startup']:.2f}s  "
                          f"st run: {result['st']} failures  apitwin contract: {result['contract']} failures  "
                          f"CRUD: {result.get('crud', '?')}  {'OK' if ok else 'FAIL'}")
            rows.append([entry["name"], result["version"], f"{result['startup']:.2f}", str(result["st"]),
                         str(result["contract"]), str(result.get("crud", "?")), "OK" if ok else "FAIL"])
            progress.advance()
        for name in args.permissive:
            entry = next(e for e in index if e["name"] == name)
            (log_dir / "permissive").mkdir(exist_ok=True)
            result = run_document(entry, max_examples, True, log_dir / "permissive")
            progress.line(f"{name:32} permissive auth: st run {result['st']} findings (ignored-auth expected), "
                          f"contract {result['contract']}")
            rows.append([f"{name} (permissive)", result["version"], f"{result['startup']:.2f}",
                         str(result["st"]), str(result["contract"]), str(result.get("crud", "?")), "expected"])
            progress.advance()
    progress.table(f"corpus: {clean}/{len(entries)} documents with 0 failures",
                   ["document", "OpenAPI", "start s", "st run failures", "contract failures", "CRUD", "result"], rows)
    print(f"corpus: {clean}/{len(entries)} documents with 0 failures; {slow} started in 1 s or more; logs in {log_dir}")
    return 0 if clean == len(entries) else 1


if __name__ == "__main__":
    sys.exit(main())
