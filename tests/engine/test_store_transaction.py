"""`Store.transaction()` as a plain context manager (`apitwin.store.Transaction`): it holds the store lock against
other threads for its whole body, lets an exception through unchanged, and never leaves the lock held behind it —
what the generator-based version did. Nesting, `as` and backend commits are covered in test_store.py and
test_storage_backends.py."""
from __future__ import annotations

import threading

import pytest

from apitwin.store import Store


def _insert_in_thread(store: Store, done: threading.Event) -> threading.Thread:
    def work() -> None:
        store["kits"].insert({"from": "other thread"})
        done.set()

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    return worker


def test_another_thread_waits_for_the_whole_transaction() -> None:
    store = Store()
    done = threading.Event()
    with store.transaction() as db:
        assert db is store
        db["kits"].insert({"n": 1})
        worker = _insert_in_thread(store, done)
        assert not done.wait(0.2), "another thread wrote inside a transaction"
        db["kits"].insert({"n": 2})
    worker.join(timeout=10)
    assert done.is_set()
    assert [row.get("n", row.get("from")) for row in store["kits"].filter()] == [1, 2, "other thread"]


def test_an_exception_passes_through_and_the_lock_is_released() -> None:
    store = Store()
    failure = RuntimeError("handler failed")
    with pytest.raises(RuntimeError) as raised:
        with store.transaction():
            store["kits"].insert({"n": 1})
            raise failure
    assert raised.value is failure
    done = threading.Event()
    _insert_in_thread(store, done).join(timeout=10)
    assert done.is_set(), "the lock stayed held after the exception"
    assert len(store["kits"].filter()) == 2


def test_each_call_is_a_fresh_context_and_nesting_releases_in_order() -> None:
    store = Store()
    outer, inner = store.transaction(), store.transaction()
    assert outer is not inner
    with outer, inner:
        store["kits"].insert({})
    done = threading.Event()
    _insert_in_thread(store, done).join(timeout=10)
    assert done.is_set(), "a nested transaction left the lock held"
