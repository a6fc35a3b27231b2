"""Delivery-log retention once the log is full: the cost of one insert + `trim_oldest(cap, settled)` when the
oldest deliveries must stay (a receiver down: its pending and retrying deliveries sit at the head of the log),
before and after, from ONE run.

    .venv/bin/python bench/bench_trim.py [--cap 10000] [--pending 0,2000,8000] [--inserts 2000] [--baseline-ref 032f063]

"before": apitwin/store.py as it was at --baseline-ref (loaded from git), which walked the log from its oldest row
on every call, skipping every row that must stay; "after": today's, whose heap of droppable ids follows the writes.
Both drop exactly the same rows (the bench checks it).
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apitwin import store as current  # noqa: E402


def load_before(ref: str) -> Any:
    """apitwin/store.py at `ref`, as a module of its own (its imports resolve to today's apitwin)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:apitwin/store.py"], capture_output=True,
                            text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("store_before", loader=None)
    module = importlib.util.module_from_spec(spec)          # type: ignore[arg-type]
    sys.modules["store_before"] = module
    exec(compile(source, f"{ref}:apitwin/store.py", "exec"), module.__dict__)
    return module


def settled(row: dict[str, Any]) -> bool:
    return row["status"] == "delivered" or (row["status"] == "dead" and row.get("acknowledged_at") is not None)


def run(module: Any, cap: int, pending: int, inserts: int) -> tuple[float, list[int]]:
    """Seconds per insert + trim with a full log whose `pending` oldest rows must stay; and the ids left."""
    store = module.Store()
    log = store["webhook_deliveries"]
    for n in range(cap):
        log.insert({"status": "pending" if n < pending else "delivered", "endpoint_id": 1})
    log.trim_oldest(cap, settled)
    started = time.perf_counter()
    for _ in range(inserts):
        log.insert({"status": "delivered", "endpoint_id": 1})
        log.trim_oldest(cap, settled)
    seconds = (time.perf_counter() - started) / inserts
    return seconds, [row["id"] for row in log.scan()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=int, default=10_000, help="max_deliveries: the log is full at the start")
    parser.add_argument("--pending", default="0,2000,8000", help="oldest rows that must stay, per case")
    parser.add_argument("--inserts", type=int, default=2000)
    parser.add_argument("--baseline-ref", default="032f063", help="git ref of the 'before' store.py")
    args = parser.parse_args()
    before = load_before(args.baseline_ref)
    print(f"delivery log full at {args.cap:,}; {args.inserts:,} inserts, each followed by trim_oldest")
    print(f"{'pending at head':>16} {'before µs/insert':>17} {'after µs/insert':>16} {'speed-up':>9}")
    for pending in (int(p) for p in args.pending.split(",")):
        old, old_ids = run(before, args.cap, pending, args.inserts)
        new, new_ids = run(current, args.cap, pending, args.inserts)
        assert old_ids == new_ids, "before and after kept different rows"
        print(f"{pending:>16,} {old * 1e6:>17.1f} {new * 1e6:>16.1f} {old / new:>8.1f}x")


if __name__ == "__main__":
    main()
