"""Keeping operations of one run independent: back to the seed state before each operation (so what one
operation did, e.g. MOLGENIS deleting an entity type, never decides what the next one sees, and a run is
reproducible), and one CPython workaround for runs with several worker threads.
"""
from __future__ import annotations

import ast
import contextlib
import threading
from typing import Any, Iterator

from apitwin.contract.auth import Credentials
from apitwin.contract.target import Target


class Resetter:
    """Back to seed state whenever the operation under test changes (one worker, non-stateful phases) and once
    when the stateful phase starts: every operation meets the same data, whatever ran before it (MOLGENIS
    fuzzing may delete entity types), and a run is reproducible. A reset also forgets tokens issued since the
    seed (MOLGENIS keeps them as rows), so the account logs in again and the case about to be sent carries the
    new token."""

    def __init__(self, target: Target, api: str, schema: Any, credentials: Credentials) -> None:
        self.target = target
        self.api = api
        self.schema = schema
        self.credentials = credentials
        self.last: tuple[str, str] | None = None
        self.lock = threading.Lock()

    def __call__(self, case: Any) -> None:
        meta = getattr(case, "meta", None)
        phase = str(meta.phase.name) if meta is not None else ""
        key = (phase, "" if phase == "stateful" else case.operation.label)
        with self.lock:
            if key == self.last:
                return
            self.last = key
            self.target.reset(self.api)
            token = self.credentials.renew()
            for provider in self.schema.auth.providers:
                getattr(provider, "invalidate", lambda: None)()
            header = self.credentials.login.header
            carried = next((name for name in (case.headers or {}) if name.lower() == header.lower()), None)
            if carried is not None:
                case.headers[carried] = self.credentials.header_value(token)


_RESETTERS: dict[int, Resetter] = {}


def _before_call(context: Any, case: Any, kwargs: Any) -> None:
    resetter = _RESETTERS.get(id(case.operation.schema))
    if resetter is not None:
        resetter(case)


_HOOK_LOCK = threading.Lock()
_HOOK_INSTALLED = False


def reset_per_operation(schema: Any, target: Target, api: str, credentials: Credentials) -> None:
    """Reset before each operation of `schema`'s run. schemathesis allows `before_call` only globally, so one
    global hook serves every registered schema and leaves all others alone."""
    global _HOOK_INSTALLED
    with _HOOK_LOCK:
        if not _HOOK_INSTALLED:
            import schemathesis

            schemathesis.hook("before_call")(_before_call)
            _HOOK_INSTALLED = True
    _RESETTERS[id(schema)] = Resetter(target, api, schema, credentials)


def stop_resetting(schema: Any) -> None:
    _RESETTERS.pop(id(schema), None)


_AST_LOCK = threading.RLock()
_PATCH_LOCK = threading.Lock()
_patch_users = 0
_original_parse: Any = None


@contextlib.contextmanager
def serialised_ast_parse() -> Iterator[None]:
    """`ast.parse` one thread at a time while the block runs. Hypothesis (and schemathesis) parse source code while
    generating, to describe strategies and harvest constants; two workers doing that at once trip a CPython bug
    ("SystemError: AST constructor recursion depth mismatch", python/cpython#106905, still seen on 3.11.7), which
    would be reported as a flaky error of a random operation. The original is back when the last run using the
    patch ends (runs may overlap in one process), so nothing outside a multi-worker run is affected."""
    global _patch_users, _original_parse
    with _PATCH_LOCK:
        if _patch_users == 0:
            original = _original_parse = ast.parse

            def parse(*args: Any, **kwargs: Any) -> Any:
                with _AST_LOCK:
                    return original(*args, **kwargs)

            ast.parse = parse  # type: ignore[assignment]
        _patch_users += 1
    try:
        yield
    finally:
        with _PATCH_LOCK:
            _patch_users -= 1
            if _patch_users == 0:
                ast.parse = _original_parse
                _original_parse = None
