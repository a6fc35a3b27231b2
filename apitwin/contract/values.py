"""How the suite compares a value it sent with the value the API shows afterwards. APIs normalise input in
documented ways: DRF trims strings, enums are matched case-insensitively and shown in their canonical case, a date
may come back as a date-time. A round trip only fails when the value itself changed."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any


def as_moment(value: Any) -> datetime | None:
    """A date or date-time string as an aware datetime (dates at midnight UTC); None for anything else."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        moment = datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _joined_surrogates(text: str) -> str:
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:       # a lone surrogate stays as it was
        return text


def same_value(sent: Any, read: Any) -> bool:
    """Equal as the API means it: identical; equal after trimming and case-folding; or the same moment or day
    written differently (`2020-01-02` stored as `2020-01-02T00:00:00+00:00`)."""
    if sent == read:
        return True
    if isinstance(sent, str) and isinstance(read, str):
        sent = _joined_surrogates(sent)    # "\ud83e\udd80" sent in JSON is read back as one character, 🦀
        if sent.strip().casefold() == read.strip().casefold():
            return True
        left, right = as_moment(sent), as_moment(read)
        return left is not None and left == right
    return False
