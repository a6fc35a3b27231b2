"""apitwin.heap: the start-up heap is frozen once per process, after the app's start, and nothing leaks from it.

Each check runs in a fresh interpreter: freezing is process-wide and happens once, so the test process (whose first
app start already settled it) cannot show the before and after."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import gc, json, sys, weakref
sys.path.insert(0, ROOT)
from apitwin import heap
from apitwin.app import create_app

out = {"before": [gc.get_freeze_count(), gc.get_threshold(), heap.settled()]}
app = create_app(["partners"])
out["built"] = gc.get_freeze_count()            # building an app freezes nothing: only its start does
with app.test_client() as client:               # start-up (lifespan) runs here
    out["started"] = [gc.get_freeze_count(), list(gc.get_threshold()), heap.settled()]
    login = client.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
    auth = {"Authorization": "JWT " + login.json()["token"]}
    for _ in range(50):
        assert client.post("/api/v1/customers/", json={"first_name": "A", "last_name": "B"}, headers=auth).status_code == 201
    out["after_requests"] = gc.get_freeze_count()   # requests after start add nothing to the frozen set

second = create_app(["partners"])                   # another app in the same process (tests, serve --watch)
with second.test_client():
    out["second_start"] = gc.get_freeze_count()
    out["second_call"] = heap.settle_after_start()

class Cycle:
    pass

def garbage_cycles(count):
    refs = []
    for _ in range(count):
        a, b = Cycle(), Cycle()
        a.other, b.other = b, a
        refs.append(weakref.ref(a))
    return refs

refs = garbage_cycles(1000)                         # cyclic garbage made after start is still collected
gc.collect()
out["collected"] = sum(ref() is None for ref in refs)
out["final_freeze"] = gc.get_freeze_count()
print(json.dumps(out))
"""


def run() -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT.replace("ROOT", repr(str(ROOT)))], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_heap_is_frozen_once_after_start_and_nothing_leaks() -> None:
    out = run()
    frozen_before, _, settled_before = out["before"]
    assert frozen_before == 0 and settled_before is False
    assert out["built"] == 0                                  # create_app alone does not freeze
    frozen, thresholds, settled = out["started"]
    assert settled is True and frozen > 10_000                # the start-up heap (documents, plans, seed) is frozen
    assert thresholds == [2000, 10, 100]
    # the frozen set never grows (frozen objects freed by reference counting leave it): requests freeze nothing, a
    # second app's start adds nothing
    assert out["after_requests"] <= frozen
    assert out["second_start"] <= out["after_requests"]
    assert out["second_call"] is False
    assert out["final_freeze"] <= out["second_start"]
    assert out["collected"] == 1000                           # every one of the 1,000 cycles was collected
