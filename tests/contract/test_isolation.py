"""The ast.parse serialisation of multi-worker contract runs is scoped to the run, overlapping runs included."""
from __future__ import annotations

import ast
import threading

from apitwin.contract.isolation import serialised_ast_parse


def test_ast_parse_is_serialised_only_inside_the_block() -> None:
    original = ast.parse
    with serialised_ast_parse():
        assert ast.parse is not original
        assert isinstance(ast.parse("x = 1"), ast.Module)
    assert ast.parse is original


def test_overlapping_runs_restore_the_original_when_the_last_ends() -> None:
    original = ast.parse
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with serialised_ast_parse():
            first_in.set()
            second_done.wait(5)
            seen.append(ast.parse is not original)      # still patched: this run has not ended

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with serialised_ast_parse():
        patched = ast.parse
    second_done.set()
    thread.join(5)
    assert patched is not original and seen == [True]
    assert ast.parse is original


def test_the_original_is_back_after_an_exception() -> None:
    original = ast.parse
    try:
        with serialised_ast_parse():
            raise RuntimeError("run failed")
    except RuntimeError:
        pass
    assert ast.parse is original
