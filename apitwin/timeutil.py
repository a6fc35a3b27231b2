"""Timestamps: one clock for the whole mock, one output format, and lenient parsing of what clients send."""
from __future__ import annotations

import re
import time
from datetime import date, datetime, timezone

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# 2019-10-01+00:00:00 is what a '+'-encoded space leaves when a client forgets to encode it (the Partners
# overview literally sends ?created_at__gte=2019-10-01+00:00:00): date, '+', then a time.
_PLUS_AS_SPACE = re.compile(r"^(\d{4}-\d{2}-\d{2})\+(\d{2}:\d{2}:\d{2}(\.\d+)?)$")  # seconds: not an offset
_DATE_WITH_ZONE = re.compile(r"^(\d{4}-\d{2}-\d{2})([+-]\d{2}:?\d{2}|[Zz])$")  # midnight in that zone


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


_NOW_TEXT: tuple[int, str] = (0, "")   # (the second, its text): swapped whole, so threads always read a pair


def now_text() -> str:
    """`format_datetime(now())`, the text made once per second: the stamp of every write (Partners' rows, events,
    changes)."""
    global _NOW_TEXT
    second = int(time.time())            # the clock datetime.now() reads
    cached = _NOW_TEXT
    if cached[0] != second:
        cached = _NOW_TEXT = (second, datetime.fromtimestamp(second, timezone.utc).isoformat())
    return cached[1]


def format_datetime(value: datetime) -> str:
    """ISO 8601 with seconds and an explicit offset: 2019-10-01T10:00:00+00:00."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def parse_datetime(text: str) -> datetime:
    """Accept ISO 8601 with T or space, fractions, Z or offsets, date-only, and no zone (= UTC).

    Raises ValueError with a message for the client.
    """
    raw = text.strip()
    if match := _PLUS_AS_SPACE.match(raw):
        raw = f"{match.group(1)} {match.group(2)}"
    if _DATE_ONLY.match(raw):
        raw += "T00:00:00"
    elif match := _DATE_WITH_ZONE.match(raw):
        raw = f"{match.group(1)}T00:00:00{match.group(2)}"
    candidate = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        value = datetime.fromisoformat(candidate)
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        value.astimezone(timezone.utc)  # e.g. 9999-12-31T23:59:59-05:00 has no UTC instant
    except (ValueError, OverflowError):
        raise ValueError(
            f"Datetime has wrong format or is out of range: {text!r}. Use ISO 8601, e.g. "
            "2019-10-01T00:00:00+00:00 or 2019-10-01 00:00:00 (UTC)."
        ) from None
    return value


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Date has wrong format: {text!r}. Use YYYY-MM-DD.") from None
