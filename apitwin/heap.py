"""The garbage collector's settings for a serving process, applied once after start-up.

Why: CPython's full (generation 2) collection walks every tracked object. Right after start-up that is ~65,000
objects that live as long as the process (parsed documents, compiled validators and plans, modules, seed data), and
each full collection cost 45-115 ms on the shared 2-core machine. Under a stream of creates (each stored row adds a
dict and its lists to the heap, and young collections promote objects of the requests still in flight) a full
collection came every ~0.45 s: create's p99 was 64-92 ms while list and get, which grow nothing, stayed at ~13 ms
(measured with gc.callbacks during `wrk -c32`; docs/architecture.md, "Garbage collection").

What: after start-up, `gc.freeze()` the heap — its objects move to the permanent generation that collections skip
(reference counting still frees them) — and set `THRESHOLDS`. No collection first: on MOLGENIS it costs ~25 ms of
the time to the first answer and finds ~200 unreachable objects, which are frozen with the rest (a one-time,
bounded amount). A young collection ran every 700
allocations not yet freed; with 32 requests in flight the requests' own short-lived objects reach that count, so
young collections ran ~250-300 times a second, each promoting the objects of the requests in flight, and those
promotions (not the rows) soon made up the quarter of the old generation's size that, with 10 middle collections,
calls a full collection. At 2,000 they run ~50 times a second (~5 middle collections), and a full collection also
needs 100 middle collections (CPython: 10). In a 20 s create run (~50,000 customers): 3-4 full collections of
35-470 ms with (700, 10, 100), none with (2,000, 10, 100); young and middle pauses stayed under ~14 ms (the machine
at load 8).
Only once per process: a second app started in the same process (tests, `serve --watch` rebuilds) changes nothing,
so the frozen set never grows; what was frozen is at most the first app's start-up state (a bounded, one-time
amount).
"""
from __future__ import annotations

import gc
import threading

THRESHOLDS = (2000, 10, 100)   # CPython's are (700, 10, 10)

_settled = False
_lock = threading.Lock()


def settle_after_start() -> bool:
    """Freeze the start-up heap and set `THRESHOLDS`, the first time only; True when this call did it."""
    global _settled
    with _lock:
        if _settled:
            return False
        _settled = True
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return True


def settled() -> bool:
    """Whether this process's heap has been settled (`settle_after_start` ran)."""
    return _settled
