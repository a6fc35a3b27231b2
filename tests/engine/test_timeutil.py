"""apitwin.timeutil: lenient parsing of client timestamps, one output format."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from apitwin.timeutil import format_datetime, now, parse_date, parse_datetime

MIDNIGHT = datetime(2019, 10, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", [
    "2019-10-01+00:00:00",          # the Partners overview's literal ?created_at__gte=2019-10-01+00:00:00
    "2019-10-01 00:00:00",
    "2019-10-01T00:00:00",
    "2019-10-01T00:00:00Z",
    "2019-10-01T00:00:00z",
    "2019-10-01T00:00:00+00:00",
    "2019-10-01T02:00:00+02:00",
    "2019-09-30T19:00:00-05:00",
    "2019-10-01",
    "  2019-10-01T00:00:00Z  ",
])
def test_parse_datetime_accepts_midnight_utc_spellings(text: str) -> None:
    value = parse_datetime(text)
    assert value.tzinfo is not None
    assert value == MIDNIGHT
    assert value.utcoffset() is not None


def test_plus_literal_with_other_times() -> None:
    assert parse_datetime("2019-10-01+13:45:10") == datetime(2019, 10, 1, 13, 45, 10, tzinfo=timezone.utc)
    # without seconds the '+' is an offset (a JSON body's "2019-11-24+02:00"), so that is midnight at +02:00
    assert parse_datetime("2019-11-24+02:00") == datetime(2019, 11, 23, 22, 0, tzinfo=timezone.utc)
    assert parse_datetime("2019-11-24-05:00") == datetime(2019, 11, 24, 5, 0, tzinfo=timezone.utc)


def test_naive_and_date_only_values_are_utc() -> None:
    assert parse_datetime("2019-10-01 00:00:00").utcoffset() == timedelta(0)
    assert parse_datetime("2019-10-01").utcoffset() == timedelta(0)


def test_offsets_are_kept_but_compare_by_instant() -> None:
    value = parse_datetime("2019-10-01T02:00:00+02:00")
    assert value.utcoffset() == timedelta(hours=2)
    assert value.astimezone(timezone.utc) == MIDNIGHT


def test_parse_datetime_keeps_fractions() -> None:
    value = parse_datetime("2019-11-06T05:55:15.428452Z")
    assert value == datetime(2019, 11, 6, 5, 55, 15, 428452, tzinfo=timezone.utc)
    assert parse_datetime("2019-11-06 05:55:15.5") == datetime(2019, 11, 6, 5, 55, 15, 500000, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["yesterday", "2019-13-01", "", "2019-10-32", "2019-10-01T25:00:00", "10/01/2019"])
def test_parse_datetime_rejects_bad_values_naming_them(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_datetime(text)
    message = str(info.value)
    assert repr(text) in message
    assert "ISO 8601" in message


def test_format_datetime_aware_utc() -> None:
    assert format_datetime(datetime(2019, 10, 1, 10, 0, tzinfo=timezone.utc)) == "2019-10-01T10:00:00+00:00"


def test_format_datetime_naive_is_taken_as_utc() -> None:
    assert format_datetime(datetime(2019, 10, 1, 10, 0)) == "2019-10-01T10:00:00+00:00"


def test_format_datetime_converts_other_offsets_to_utc() -> None:
    berlin = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2019, 10, 1, 12, 0, tzinfo=berlin)) == "2019-10-01T10:00:00+00:00"
    new_york = timezone(timedelta(hours=-4))
    assert format_datetime(datetime(2019, 10, 1, 22, 30, tzinfo=new_york)) == "2019-10-02T02:30:00+00:00"


def test_format_datetime_drops_fractions() -> None:
    value = datetime(2019, 10, 1, 10, 0, 0, 999999, tzinfo=timezone.utc)
    assert format_datetime(value) == "2019-10-01T10:00:00+00:00"


def test_format_then_parse_round_trips() -> None:
    value = datetime(2021, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    assert parse_datetime(format_datetime(value)) == value


def test_now_is_aware_utc_whole_seconds() -> None:
    value = now()
    assert value.utcoffset() == timedelta(0)
    assert value.microsecond == 0


def test_parse_date() -> None:
    assert parse_date("2019-10-01") == date(2019, 10, 1)


@pytest.mark.parametrize("text", ["2019-13-01", "01.10.2019", "", "soon"])
def test_parse_date_rejects_bad_values_naming_them(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert repr(text) in str(info.value)
    assert "YYYY-MM-DD" in str(info.value)


def test_now_text_is_format_datetime_of_now_made_once_per_second() -> None:
    from apitwin.timeutil import now_text

    for _ in range(3):                        # a second may turn between the two reads: one retry is enough
        before, text, after = format_datetime(now()), now_text(), format_datetime(now())
        if before == after:
            assert text == before
            break
    else:
        raise AssertionError("the clock turned a second on every try")
