"""The garbage collector's settings for a serving process, applied once after start-up.

Why: CPython's full (generation 2) collection walks every tracked object. Right after start-up that is ~65,000
objects that live as long as the process (parsed documents, compiled validators and plans, modules, seed data), and
each full collection cost 45-115 ms on the shared 2-core machine. Under a stream of creates (each stored row adds a
dict and its lists to the heap, and young collections promote objects of the requests still in flight) a full
collection came every ~0.45 s: create's p99 was 64-92 ms while list and get, which grow nothing, stayed at ~13 ms
(measured with gc.callbacks during `wrk -c32`; docs/architecture.md, "Garbage collection").

What: after start-up, collect once and `gc.freeze()` what is left — those objects move to the permanent generation
that collections skip (reference counting still frees them) — and raise the third threshold from 10 to 100 young
collections, so full collections, which still grow with the stored rows, come ten times less often. Only once per
process: a second app started in the same process (tests, `serve --watch` rebuilds) changes nothing, so the frozen
set never grows; what was frozen is at most the first app's start-up state (a bounded, one-time amount).
"""
from __future__ import annotations

import gc
import threading

THRESHOLDS = (700, 10, 100)   # CPython's (700, 10, 10) with full collections a tenth as often

_settled = False
_lock = threading.Lock()


def settle_after_start() -> bool:
    """Freeze the start-up heap and set `THRESHOLDS`, the first time only; True when this call did it."""
    global _settled
    with _lock:
        if _settled:
            return False
        _settled = True
    gc.collect()        # start-up's garbage goes now, so none of it is frozen
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return True


def settled() -> bool:
    """Whether this process's heap has been settled (`settle_after_start` ran)."""
    return _settled
