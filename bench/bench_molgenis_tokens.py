"""MOLGENIS login tokens at scale (issue 16, defect 9): logins and token lookups with 1 000 and 20 000 live tokens.
Before, every lookup walked every token ever issued (linear) and nothing was ever purged; now lookups go through an
index (flat cost) and expired tokens are dropped at login. Prints microseconds per login and per lookup, and the
20k/1k ratio (about 1 means the cost does not grow with the number of tokens).

    .venv/bin/python bench/bench_molgenis_tokens.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apitwin.app import create_app  # noqa: E402
from apitwin.progress import RunProgress  # noqa: E402
from apitwin.settings import Settings  # noqa: E402
from apitwin_apis.molgenis.security import TOKEN_LIFETIME, Security  # noqa: E402


def measure(live: int) -> tuple[float, float]:
    store = create_app(["molgenis"], settings=Settings()).apitwin.runtimes["molgenis"].store
    security = Security(store)
    expired_at = time.time() - TOKEN_LIFETIME - 10
    for n in range(live):                                   # as many expired tokens as live ones: all purged
        security.issue_token("admin", now=expired_at + n * 1e-6)
    started = time.perf_counter()
    tokens = [security.issue_token("admin") for _ in range(live)]
    per_login = (time.perf_counter() - started) / live * 1e6
    assert len(store["tokens"]) == live, len(store["tokens"])
    started = time.perf_counter()
    for token in tokens[::max(1, live // 1000)]:
        assert security.username_for(token) == "admin"
    lookups = len(tokens[::max(1, live // 1000)])
    return per_login, (time.perf_counter() - started) / lookups * 1e6


def main() -> None:
    progress = RunProgress()
    with progress:
        progress.step("1k and 20k live tokens", total=2)
        small = measure(1_000)
        progress.advance()
        large = measure(20_000)
    progress.table("MOLGENIS tokens: microseconds per call (a ratio near 1: flat cost)",
                   ["call", "1k tokens us", "20k tokens us", "ratio 20k/1k"],
                   [[name, f"{small[i]:.1f}", f"{large[i]:.1f}", f"{large[i] / small[i]:.2f}"]
                    for i, name in enumerate(("login", "lookup"))])


if __name__ == "__main__":
    main()
