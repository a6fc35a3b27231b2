"""Store write/read cost per backend, in one run: memory (the default), memory as it was before the backend seam
(`--baseline path/to/old/store.py`), and a SQLite state file (`--state`'s backend, synchronous=FULL: one fsync per
write). Prints operations/s (CPU time for memory, wall time for SQLite) and the ratios, so the seam is shown to cost the in-memory default nothing measurable.

    .venv/bin/python bench/bench_store.py [--seconds 1] [--baseline path/to/old/store.py]
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apitwin.progress import RunProgress  # noqa: E402
from apitwin.store import Store  # noqa: E402
from apitwin.storage_sqlite import SqliteBackend  # noqa: E402

ROW = {"first_name": "Arya", "last_name": "Stark", "email": "arya@winterfell.com", "diet": ["vegan"], "n": 0}


def workload(store: Any) -> Callable[[], int]:
    """One round: insert a row, update it, read it, in one transaction as a handler does; returns ops done."""
    rows = store["customers"]

    def once() -> int:
        with store.transaction():
            row = rows.insert(ROW)
            rows.update(row["id"], {"n": 1})
        rows.get(row["id"])
        return 3
    return once


def rate(once: Callable[[], int], seconds: float, clock: Callable[[], float] = time.process_time) -> float:
    """Operations per second of `clock`: CPU time for the memory stores (steady on a shared, busy machine), wall
    time for a backend that waits on the disk."""
    done, started = 0, clock()
    while clock() - started < seconds:
        done += once()
    return done / (clock() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="an older apitwin/store.py to compare with")
    args = parser.parse_args()
    stores: dict[str, Callable[[], Any]] = {"memory": Store}
    if args.baseline:
        spec = importlib.util.spec_from_file_location("baseline_store", args.baseline)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        stores["memory (baseline)"] = module.Store
    directory = tempfile.mkdtemp()

    def sqlite_store() -> Store:
        store = Store()
        store.mark_seed()
        store.attach(SqliteBackend.open(Path(directory) / f"bench{time.monotonic_ns()}.db", "bench"))
        return store
    stores["sqlite (FULL)"] = sqlite_store
    best: dict[str, float] = {}
    progress = RunProgress()
    with progress:
        progress.step(f"{args.rounds} rounds x {len(stores)} stores", total=args.rounds * len(stores))
        for _ in range(args.rounds):                   # alternating rounds: machine noise hits each alike
            for name, make in stores.items():
                store = make()
                clock = time.perf_counter if name.startswith("sqlite") else time.process_time
                best[name] = max(best.get(name, 0.0), rate(workload(store), args.seconds, clock))
                if hasattr(store, "close"):
                    store.close()
                progress.advance()
    progress.table(f"Store write/read cost per backend (best of {args.rounds} rounds of {args.seconds:g} s)",
                   ["backend", "ops/s", "x memory"],
                   [[name, f"{value:,.0f}", f"{value / best['memory']:.2f}"] for name, value in best.items()])


if __name__ == "__main__":
    main()
