"""An index of one collection for "the rows of group G between two values of field F, in id order, one page of
them and the total" (events by tenant and type between two created_at instants) in O(log n + page) instead of a
scan: each group keeps its ids ascending with the rows' F values alongside. While a group's F values ascend with
its ids (events: created_at grows with id), bounds are found by bisection; otherwise that group is scanned.

A derived value of the collection (`Collection.derived`) that follows writes (`apitwin.store.Follower`): inserts
append, deletes (log retention trims the oldest) and updates touch only their groups. Read it inside
`store.transaction()`, as writes change it in place under the same lock.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any, Callable, Hashable, Iterable

from apitwin.store import Change, Row

Bound = tuple[Any, bool]   # (value, inclusive)


class SortedGroups:
    def __init__(self, groups_of: Callable[[Row], Iterable[Hashable]], field: str) -> None:
        self.groups_of = groups_of
        self.field = field
        self._ids: dict[Hashable, list[int]] = {}
        self._values: dict[Hashable, list[Any]] = {}
        self._ascending: dict[Hashable, bool] = {}

    @classmethod
    def build(cls, rows: Iterable[Row], groups_of: Callable[[Row], Iterable[Hashable]], field: str) -> "SortedGroups":
        index = cls(groups_of, field)
        for row in rows:
            index._add(row)
        return index

    def _add(self, row: Row) -> None:
        value = row.get(self.field)
        for group in self.groups_of(row):
            ids = self._ids.setdefault(group, [])
            values = self._values.setdefault(group, [])
            at = len(ids) if not ids or row["id"] > ids[-1] else bisect_left(ids, row["id"])
            ids.insert(at, row["id"])
            values.insert(at, value)
            if self._ascending.get(group, True):
                self._ascending[group] = _ordered(values, at)

    def _remove(self, row: Row) -> None:
        for group in self.groups_of(row):
            ids = self._ids.get(group)
            if not ids:
                continue
            at = bisect_left(ids, row["id"])
            if at < len(ids) and ids[at] == row["id"]:
                del ids[at]
                del self._values[group][at]      # removing keeps an ascending group ascending

    def follow(self, change: Change) -> "SortedGroups":
        old, new = change
        if old is not None and new is not None and old.get(self.field) == new.get(self.field) \
                and list(self.groups_of(old)) == list(self.groups_of(new)):
            return self
        if old is not None:
            self._remove(old)
        if new is not None:
            self._add(new)
        return self

    def ids(self, group: Hashable, lows: Iterable[Bound] = (), highs: Iterable[Bound] = ()) -> list[int]:
        """Ids of the group's rows whose field value is above every low bound and below every high bound."""
        ids = self._ids.get(group, [])
        values = self._values.get(group, [])
        lows, highs = list(lows), list(highs)
        if not lows and not highs:
            return list(ids)
        if self._ascending.get(group, True):
            try:
                start = max((bisect_left(values, v) if inclusive else bisect_right(values, v) for v, inclusive in lows),
                            default=0)
                end = min((bisect_right(values, v) if inclusive else bisect_left(values, v) for v, inclusive in highs),
                          default=len(values))
                return ids[start:end] if start < end else []
            except TypeError:      # values that do not compare (a row without the field): scan instead
                pass
        return [i for i, v in zip(ids, values) if _within(v, lows, highs)]


def _ordered(values: list[Any], at: int) -> bool:
    """Whether values stay ascending around a value just placed at `at`."""
    try:
        return (at == 0 or values[at - 1] <= values[at]) and (at + 1 >= len(values) or values[at] <= values[at + 1])
    except TypeError:
        return False


def _within(value: Any, lows: list[Bound], highs: list[Bound]) -> bool:
    try:
        return all(value >= v if inclusive else value > v for v, inclusive in lows) and \
            all(value <= v if inclusive else value < v for v, inclusive in highs)
    except TypeError:
        return False
