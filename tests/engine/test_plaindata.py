"""apitwin.plaindata.deep_copy: the copy `copy.deepcopy` makes, for documents, faster."""
from __future__ import annotations

import collections
import copy
import datetime

import pytest

from apitwin.plaindata import deep_copy


def test_plain_data_is_copied_all_the_way_down_with_its_shared_parts_still_shared() -> None:
    anchor = {"type": "string", "enum": ["a", "b"]}
    data = {"a": anchor, "b": [anchor, (1, 2.5), {3}, b"x", None, True], 200: "int key"}
    copied = deep_copy(data)
    assert copied == data == copy.deepcopy(data)
    assert copied["a"] is copied["b"][0] and copied["a"] is not anchor          # as a YAML anchor after deepcopy
    copied["a"]["enum"].append("c")
    assert anchor["enum"] == ["a", "b"]


def test_a_recursive_structure_is_copied() -> None:
    loop: list = []
    loop.append(loop)
    copied = deep_copy(loop)
    assert copied[0] is copied and copied is not loop


@pytest.mark.parametrize("value", [{"when": datetime.date(2024, 1, 2)}, collections.OrderedDict(a=[1]),
                                   {"a": type("Text", (str,), {})("x")}])
def test_anything_else_is_left_to_copy_deepcopy(value: object) -> None:
    copied = deep_copy(value)
    assert copied == value and copied is not value and type(copied) is type(value)
    inner = next(iter(value.values()))  # type: ignore[attr-defined]
    assert type(next(iter(copied.values()))) is type(inner)  # type: ignore[attr-defined]
