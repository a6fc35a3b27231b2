"""A deep copy of plain data (what a parsed JSON or YAML document is made of), several times faster than
`copy.deepcopy`: building an app copies every document a few times (the 3.0 view Connexion gets, its `$ref`
resolution, an inferred document's bundle), and `copy.deepcopy` was a fifth to a quarter of `create_app`
(measured with cProfile, bench/bench_startup.py).

`marshal` round-trips exactly the built-in types (dict, list, tuple, set, str, bytes, int, float, bool, None), keeps
shared and recursive references as `copy.deepcopy` does (YAML anchors), and refuses everything else — a subclass,
a date — for which `copy.deepcopy` is used. Either way the result is a copy that shares nothing mutable with its
source."""
from __future__ import annotations

import copy
import marshal
from typing import TypeVar

T = TypeVar("T")


def deep_copy(value: T) -> T:
    try:
        return marshal.loads(marshal.dumps(value))  # type: ignore[no-any-return]
    except ValueError:                               # not plain data all the way down
        return copy.deepcopy(value)
