"""Dates: the offset specs of spec/gml.md §6, the helpers of `gml.builtins._dates` and the datetime
methods of §7.4 (``DATE_METHODS``), including daylight-saving behaviour (Europe/Berlin)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gml._context import EvalContext
from gml._errors import GmlRuntimeError
from gml._limits import Limits
from gml.builtins import DATE_METHODS
from gml.builtins._dates import (
    apply_offset,
    diff_units,
    end_of,
    epoch_millis,
    format_date,
    is_offset_spec,
    parse_date,
    parse_offset,
    start_of,
    to_datetime,
)
from gml.builtins._examples import EXAMPLE_NOW

SHANGHAI = pendulum.timezone("Asia/Shanghai")
BERLIN = pendulum.timezone("Europe/Berlin")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
       microsecond: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, second, microsecond, tz=SHANGHAI)


def be(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz=BERLIN)


def make_context() -> EvalContext:
    return EvalContext(SHANGHAI, lambda: EXAMPLE_NOW, Limits())


def method(name: str, receiver: datetime, *args: Any) -> Any:
    """Call a date method as compiled code does (context first when declared)."""
    builtin = DATE_METHODS[name]
    if builtin.context:
        return builtin.impl(make_context(), receiver, *args)
    return builtin.impl(receiver, *args)


def code_of(call: Any, *args: Any) -> str:
    with pytest.raises(GmlRuntimeError) as info:
        call(*args)
    return info.value.code


# ---------------------------------------------------------------- offset specs


@pytest.mark.parametrize("spec, parts", [
    ("-3M", [("M", -3)]),
    ("+1d", [("d", 1)]),
    ("30s", [("s", 30)]),
    ("-5m", [("m", -5)]),
    ("250ms", [("ms", 250)]),
    ("2w", [("w", 2)]),
    ("-1y 2d", [("y", -1), ("d", -2)]),
    ("-1y2d", [("y", -1), ("d", -2)]),
    ("-1y 2d +3h 4m", [("y", -1), ("d", -2), ("h", 3), ("m", 4)]),
    ("1d -2h 30m", [("d", 1), ("h", -2), ("m", -30)]),
    ("  +1h  ", [("h", 1)]),
    ("1m1ms1s", [("m", 1), ("ms", 1), ("s", 1)]),
    ("007d", [("d", 7)]),
])
def test_parse_offset(spec: str, parts: list[tuple[str, int]]) -> None:
    assert parse_offset(spec) == parts
    assert is_offset_spec(spec)


@pytest.mark.parametrize("spec", [
    "", " ", "1", "d", "+d", "1x", "1D", "1Y", "--1d", "+-1d", "1 d", "- 1d", "1.5d", "1mo",
    "1d,2h", "1d and 2h", "١d", "2025-01-31", "P1D",
])
def test_malformed_offsets_are_g304_with_an_example(spec: str) -> None:
    with pytest.raises(GmlRuntimeError) as info:
        parse_offset(spec)
    assert info.value.code == "G304"
    assert "'-1y 2d'" in info.value.message
    assert not is_offset_spec(spec)


def test_offset_spec_must_be_a_string() -> None:
    assert code_of(parse_offset, 5) == "G301"


@pytest.mark.parametrize("start, spec, expected", [
    (sh(2025, 1, 31, 10), "+1M", sh(2025, 2, 28, 10)),
    (sh(2024, 1, 31, 10), "+1M", sh(2024, 2, 29, 10)),
    (sh(2025, 3, 31), "-1M", sh(2025, 2, 28)),
    (sh(2024, 2, 29), "+1y", sh(2025, 2, 28)),
    (sh(2024, 2, 29), "-4y", sh(2020, 2, 29)),
    (sh(2025, 1, 31), "+2M", sh(2025, 3, 31)),
    (sh(2025, 6, 15, 10, 30), "-1y 2d", sh(2024, 6, 13, 10, 30)),
    (sh(2025, 6, 15, 10, 30), "-1y +2d", sh(2024, 6, 17, 10, 30)),
    (sh(2025, 6, 15, 10, 30), "-1d +2h", sh(2025, 6, 14, 12, 30)),
    (sh(2025, 1, 31), "1M 1d", sh(2025, 3, 1)),
    (sh(2025, 1, 31), "1d 1M", sh(2025, 3, 1)),
    (sh(2025, 6, 15), "2w", sh(2025, 6, 29)),
    (sh(2025, 6, 15), "-90m", sh(2025, 6, 14, 22, 30)),
    (sh(2025, 6, 15), "1500ms", pendulum.datetime(2025, 6, 15, 0, 0, 1, 500_000, tz=SHANGHAI)),
    (sh(2025, 6, 15), "-1ms", pendulum.datetime(2025, 6, 14, 23, 59, 59, 999_000, tz=SHANGHAI)),
    (sh(2025, 12, 31, 23, 59, 59), "1s", sh(2026, 1, 1)),
    (sh(2025, 6, 15), "0d", sh(2025, 6, 15)),
])
def test_offsets_are_calendar_correct(start: pendulum.DateTime, spec: str,
                                      expected: pendulum.DateTime) -> None:
    moved = apply_offset(start, spec)
    assert moved == expected
    assert moved.isoformat() == expected.isoformat()


def test_offset_keeps_the_timezone_of_the_receiver() -> None:
    moved = apply_offset(pendulum.datetime(2025, 1, 1, tz="UTC"), "+6M")
    assert moved.isoformat() == "2025-07-01T00:00:00+00:00"


def test_offset_accepts_plain_aware_datetimes() -> None:
    plain = datetime(2025, 1, 31, 12, tzinfo=timezone(timedelta(hours=8)))
    assert apply_offset(plain, "+1M").isoformat() == "2025-02-28T12:00:00+08:00"


@pytest.mark.parametrize("spec", ["99999y", "-3000y", "999999999999d", "1000000000h",
                                  "9999999999999999999999ms"])
def test_offsets_out_of_range_are_g304(spec: str) -> None:
    assert code_of(apply_offset, sh(2025, 1, 1), spec) == "G304"


# ---------------------------------------------------------------- daylight saving (Berlin)


@pytest.mark.parametrize("start, spec, expected, elapsed_hours", [
    # spring forward: 2025-03-30 02:00 → 03:00
    (be(2025, 3, 29, 12), "+1d", "2025-03-30T12:00:00+02:00", 23),
    (be(2025, 3, 29, 12), "+24h", "2025-03-30T13:00:00+02:00", 24),
    (be(2025, 3, 29, 12), "1d 1h", "2025-03-30T13:00:00+02:00", 24),
    (be(2025, 3, 30, 1, 30), "+1h", "2025-03-30T03:30:00+02:00", 1),
    (be(2025, 3, 30, 12), "-1d", "2025-03-29T12:00:00+01:00", -23),
    # fall back: 2025-10-26 03:00 → 02:00
    (be(2025, 10, 25, 12), "+1d", "2025-10-26T12:00:00+01:00", 25),
    (be(2025, 10, 25, 12), "+24h", "2025-10-26T11:00:00+01:00", 24),
    (be(2025, 3, 15, 12), "+1M", "2025-04-15T12:00:00+02:00", 31 * 24 - 1),
    (be(2025, 3, 29, 2, 30), "+1d", "2025-03-30T03:30:00+02:00", 24),
])
def test_calendar_units_keep_wall_time_and_clock_units_count_elapsed_time(
        start: pendulum.DateTime, spec: str, expected: str, elapsed_hours: int) -> None:
    moved = apply_offset(start, spec)
    assert moved.isoformat() == expected
    assert diff_units(moved, start, "h") == elapsed_hours


# ---------------------------------------------------------------- conversion


def test_to_datetime_passes_pendulum_datetimes_through() -> None:
    moment = be(2025, 1, 1)
    assert to_datetime(moment, SHANGHAI) is moment


def test_to_datetime_converts_plain_datetimes() -> None:
    aware = to_datetime(datetime(2025, 1, 1, 12, tzinfo=UTC), SHANGHAI)
    assert isinstance(aware, pendulum.DateTime)
    assert aware.isoformat() == "2025-01-01T12:00:00+00:00"
    naive = to_datetime(datetime(2025, 1, 1, 12), SHANGHAI)
    assert naive.isoformat() == "2025-01-01T12:00:00+08:00"


@pytest.mark.parametrize("text, expected", [
    ("2025-01-31", "2025-01-31T00:00:00+08:00"),
    ("2025-01-31T10:30", "2025-01-31T10:30:00+08:00"),
    ("2025-01-31 10:30:15", "2025-01-31T10:30:15+08:00"),
    ("2025-01-31T10:30:00.250Z", "2025-01-31T10:30:00.250000+00:00"),
    ("2025-01-31T10:30:00-05:00", "2025-01-31T10:30:00-05:00"),
    (" 2025-01-31 ", "2025-01-31T00:00:00+08:00"),
])
def test_to_datetime_parses_iso_8601(text: str, expected: str) -> None:
    parsed = to_datetime(text, SHANGHAI)
    assert isinstance(parsed, pendulum.DateTime)
    assert parsed.isoformat() == expected


def test_date_only_string_is_the_start_of_that_day_in_the_given_zone() -> None:
    assert to_datetime("2025-03-30", BERLIN).isoformat() == "2025-03-30T00:00:00+01:00"


@pytest.mark.parametrize("value, code", [
    ("yesterday", "G304"), ("2025-02-30", "G304"), ("10:30", "G304"), ("", "G304"),
    ("31/01/2025", "G304"), (12, "G301"), (None, "G301"), ([], "G301"),
])
def test_to_datetime_errors(value: Any, code: str) -> None:
    assert code_of(to_datetime, value, SHANGHAI) == code


@pytest.mark.parametrize("moment, millis", [
    (pendulum.datetime(1970, 1, 1, tz="UTC"), 0),
    (sh(1970, 1, 1, 8), 0),
    (pendulum.datetime(1970, 1, 1, 0, 0, 1, 500_999, tz="UTC"), 1500),
    (pendulum.datetime(1969, 12, 31, 23, 59, 59, 999_500, tz="UTC"), -1),
    (EXAMPLE_NOW, 1749954600000),
])
def test_epoch_millis(moment: pendulum.DateTime, millis: int) -> None:
    assert epoch_millis(moment) == millis


# ---------------------------------------------------------------- diff


BASE = sh(2025, 1, 31, 10)


@pytest.mark.parametrize("receiver, other, unit, expected", [
    (sh(2025, 1, 31, 10, 0, 1), BASE, "s", 1),
    (BASE, sh(2025, 1, 31, 10, 0, 1), "s", -1),
    (sh(2025, 1, 31, 10, 0, 1, 999_999), BASE, "s", 1),
    (sh(2025, 1, 31, 9, 59, 58, 1), BASE, "s", -1),
    (sh(2025, 1, 31, 10, 0, 0, 1500), BASE, "ms", 1),
    (sh(2025, 1, 31, 9, 59, 59, 998_500), BASE, "ms", -1),
    (sh(2025, 1, 31, 11, 59), BASE, "m", 119),
    (sh(2025, 1, 31, 11, 59), BASE, "h", 1),
    (sh(2025, 1, 30, 10, 1), BASE, "h", -23),
    (sh(2025, 2, 1, 9), BASE, "d", 0),
    (sh(2025, 2, 1, 10), BASE, "d", 1),
    (sh(2025, 1, 30, 10, 1), BASE, "d", 0),
    (sh(2025, 1, 30, 10), BASE, "d", -1),
    (sh(2025, 2, 14, 10), BASE, "w", 2),
    (sh(2025, 2, 14, 9), BASE, "w", 1),
    (sh(2025, 1, 17, 10), BASE, "w", -2),
    (sh(2025, 2, 28, 10), BASE, "M", 1),
    (sh(2025, 2, 28, 9), BASE, "M", 0),
    (sh(2025, 3, 30, 10), BASE, "M", 1),
    (sh(2025, 3, 31, 10), BASE, "M", 2),
    (sh(2024, 12, 31, 10), BASE, "M", -1),
    (sh(2024, 12, 31, 11), BASE, "M", 0),
    (sh(2026, 1, 31, 10), BASE, "y", 1),
    (sh(2026, 1, 31, 9), BASE, "y", 0),
    (sh(2023, 1, 31, 10), BASE, "y", -2),
    (sh(2021, 2, 28), sh(2020, 2, 29), "y", 1),
    (sh(2021, 2, 27), sh(2020, 2, 29), "y", 0),
    # calendar steps are not symmetric: 2021-02-28 - 1y is 2020-02-28, short of the receiver
    (sh(2020, 2, 29), sh(2021, 2, 28), "y", 0),
    (sh(2020, 2, 28), sh(2021, 2, 28), "y", -1),
])
def test_diff_counts_whole_units_with_sign(receiver: pendulum.DateTime,
                                           other: pendulum.DateTime, unit: str,
                                           expected: int) -> None:
    assert diff_units(receiver, other, unit) == expected


@pytest.mark.parametrize("unit, expected", [
    ("y", 1), ("year", 1), ("years", 1), ("M", 14), ("month", 14), ("months", 14),
    ("w", 61), ("week", 61), ("weeks", 61), ("d", 430), ("day", 430), ("days", 430),
    ("h", 10320), ("hour", 10320), ("hours", 10320), ("m", 619200), ("minute", 619200),
    ("minutes", 619200), ("s", 37152000), ("second", 37152000), ("seconds", 37152000),
    ("ms", 37152000000), ("millisecond", 37152000000), ("milliseconds", 37152000000),
])
def test_diff_accepts_short_and_long_unit_names(unit: str, expected: int) -> None:
    later = sh(2026, 4, 6, 10)  # 2025-01-31 10:00 + 430 days
    assert diff_units(later, BASE, unit) == expected
    assert diff_units(BASE, later, unit) == -expected


@pytest.mark.parametrize("unit", ["x", "D", "Y", "mins", "", "sec"])
def test_diff_with_an_unknown_unit_is_g304(unit: str) -> None:
    with pytest.raises(GmlRuntimeError) as info:
        diff_units(BASE, BASE, unit)
    assert info.value.code == "G304"
    assert "days" in info.value.message


def test_diff_across_daylight_saving_counts_calendar_days_and_elapsed_hours() -> None:
    saturday, sunday = be(2025, 3, 29, 12), be(2025, 3, 30, 12)
    assert diff_units(sunday, saturday, "d") == 1
    assert diff_units(sunday, saturday, "h") == 23
    assert diff_units(saturday, sunday, "d") == -1


def test_diff_between_zones_uses_the_receivers_calendar() -> None:
    receiver = sh(2025, 1, 2, 1)          # 2025-01-01T17:00Z
    other = pendulum.datetime(2025, 1, 1, 1, tz="UTC")  # 2025-01-01T09:00+08:00
    assert diff_units(receiver, other, "h") == 16
    assert diff_units(receiver, other, "d") == 0


# ---------------------------------------------------------------- startOf / endOf


MOMENT = pendulum.datetime(2025, 6, 15, 10, 30, 45, 123_456, tz=SHANGHAI)  # a Sunday


@pytest.mark.parametrize("unit, start, end", [
    ("year", "2025-01-01T00:00:00+08:00", "2025-12-31T23:59:59.999999+08:00"),
    ("month", "2025-06-01T00:00:00+08:00", "2025-06-30T23:59:59.999999+08:00"),
    ("week", "2025-06-09T00:00:00+08:00", "2025-06-15T23:59:59.999999+08:00"),
    ("day", "2025-06-15T00:00:00+08:00", "2025-06-15T23:59:59.999999+08:00"),
    ("hour", "2025-06-15T10:00:00+08:00", "2025-06-15T10:59:59.999999+08:00"),
    ("minute", "2025-06-15T10:30:00+08:00", "2025-06-15T10:30:59.999999+08:00"),
])
def test_start_and_end_of_periods(unit: str, start: str, end: str) -> None:
    assert start_of(MOMENT, unit).isoformat() == start
    assert end_of(MOMENT, unit).isoformat() == end


def test_start_and_end_of_a_daylight_saving_day() -> None:
    day = be(2025, 3, 30, 12)
    assert start_of(day, "day").isoformat() == "2025-03-30T00:00:00+01:00"
    assert end_of(day, "day").isoformat() == "2025-03-30T23:59:59.999999+02:00"


def test_periods_beyond_year_9999_are_g304() -> None:
    last = pendulum.datetime(9999, 12, 31, tz="UTC")  # a Friday
    assert code_of(end_of, last, "week") == "G304"
    assert end_of(last, "year").isoformat() == "9999-12-31T23:59:59.999999+00:00"


def test_end_of_february_in_a_leap_year() -> None:
    assert end_of(sh(2024, 2, 10), "month").isoformat() == "2024-02-29T23:59:59.999999+08:00"


@pytest.mark.parametrize("unit", ["second", "decade", "Day", "d", "", None, 1])
def test_start_and_end_of_reject_other_units(unit: Any) -> None:
    for fn in (start_of, end_of):
        with pytest.raises(GmlRuntimeError) as info:
            fn(MOMENT, unit)
        assert info.value.code == "G304"
        assert "'minute'" in info.value.message


# ---------------------------------------------------------------- format and parse


@pytest.mark.parametrize("pattern, expected", [
    ("YYYY-MM-DD", "2025-06-15"),
    ("YYYY-MM-DD HH:mm:ss.SSS Z", "2025-06-15 10:30:45.123 +08:00"),
    ("YY/M/D h:mm A", "25/6/15 10:30 AM"),
    ("dddd, MMMM Do", "Sunday, June 15th"),
    ("[Q]Q", "Q2"),
    ("X", "1749954645"),
    ("", ""),
    ("[at] HH:mm!", "at 10:30!"),
])
def test_format_date(pattern: str, expected: str) -> None:
    assert format_date(MOMENT, pattern) == expected


@pytest.mark.parametrize("text, pattern, expected", [
    ("2025/01/31", "YYYY/MM/DD", "2025-01-31T00:00:00+08:00"),
    ("31.01.2025 23:59:58", "DD.MM.YYYY HH:mm:ss", "2025-01-31T23:59:58+08:00"),
    ("2025-01-31 10:00 -05:00", "YYYY-MM-DD HH:mm Z", "2025-01-31T10:00:00-05:00"),
    ("10:15", "HH:mm", "2025-06-15T10:15:00+08:00"),
    ("March 3 2024", "MMMM D YYYY", "2024-03-03T00:00:00+08:00"),
])
def test_parse_date_with_a_pattern(text: str, pattern: str, expected: str) -> None:
    parsed = parse_date(text, pattern, SHANGHAI, EXAMPLE_NOW)
    assert parsed.isoformat() == expected


@pytest.mark.parametrize("text, pattern", [
    ("2025-13-01", "YYYY-MM-DD"), ("2025-02-30", "YYYY-MM-DD"), ("abc", "YYYY"),
    ("2025", ""), ("99999-01-01", "YYYYY-MM-DD"), ("", "e"), ("x", "[")
])
def test_parse_date_failures_are_g304(text: str, pattern: str) -> None:
    assert code_of(parse_date, text, pattern, SHANGHAI, EXAMPLE_NOW) == "G304"


# ---------------------------------------------------------------- DATE_METHODS


def test_date_method_names_are_the_spec_names() -> None:
    assert sorted(DATE_METHODS) == sorted(
        ["offset", "format", "startOf", "endOf", "diff", "toIso", "epochMillis"])
    for builtin in DATE_METHODS.values():
        assert builtin.doc and builtin.examples


@pytest.mark.parametrize("name, args, expected", [
    ("offset", ("30s",), "2025-06-15T10:30:30+08:00"),
    ("offset", ("-7d",), "2025-06-08T10:30:00+08:00"),
    ("startOf", ("month",), "2025-06-01T00:00:00+08:00"),
    ("endOf", ("week",), "2025-06-15T23:59:59.999999+08:00"),
])
def test_date_methods_returning_dates(name: str, args: tuple[Any, ...], expected: str) -> None:
    assert method(name, EXAMPLE_NOW, *args).isoformat() == expected


@pytest.mark.parametrize("name, args, expected", [
    ("format", (), "2025-06-15"),
    ("format", (None,), "2025-06-15"),
    ("format", ("HH:mm",), "10:30"),
    ("diff", ("2025-06-14T10:30:00+08:00",), 86400),
    ("diff", ("2025-06-14",), 124200),
    ("diff", (pendulum.datetime(2025, 6, 15, tz="UTC"), "h"), 2),
    ("diff", ("2025-01-31", "M"), 4),
    ("diff", ("2025-01-31", None), 11701800),
    ("diff", (None,), None),
    ("offset", (None,), None),
    ("toIso", (), "2025-06-15T10:30:00.000+08:00"),
    ("epochMillis", (), 1749954600000),
])
def test_date_methods(name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert method(name, EXAMPLE_NOW, *args) == expected


def test_to_iso_of_other_offsets_and_milliseconds() -> None:
    moment = pendulum.datetime(2025, 1, 5, 10, 0, 0, 123_999, tz="UTC")
    assert method("toIso", moment) == "2025-01-05T10:00:00.123+00:00"


@pytest.mark.parametrize("name, args, code", [
    ("offset", ("soon",), "G304"),
    ("offset", (5,), "G301"),
    ("format", (5,), "G301"),
    ("startOf", ("fortnight",), "G304"),
    ("endOf", (None,), "G304"),
    ("diff", ("not a date",), "G304"),
    ("diff", (5,), "G301"),
    ("diff", (EXAMPLE_NOW, "lightyears"), "G304"),
])
def test_date_method_errors(name: str, args: tuple[Any, ...], code: str) -> None:
    assert code_of(method, name, EXAMPLE_NOW, *args) == code


# ---------------------------------------------------------------- properties


@given(st.one_of(st.text(max_size=30), st.text(alphabet="+-0123456789 yMwdhms.x\t", max_size=30)))
def test_apply_offset_only_ever_raises_gml_errors(text: str) -> None:
    try:
        moved = apply_offset(BASE, text)
    except GmlRuntimeError as error:
        assert error.code in ("G301", "G304")
    else:
        assert isinstance(moved, pendulum.DateTime)


@given(st.lists(st.tuples(st.sampled_from(["", "+", "-"]), st.integers(0, 10**6),
                          st.sampled_from(["y", "M", "w", "d", "h", "m", "s", "ms"])),
                min_size=1, max_size=4),
       st.sampled_from(["", " "]))
def test_well_formed_specs_move_or_report_out_of_range(
        parts: list[tuple[str, int, str]], space: str) -> None:
    spec = space.join(f"{sign}{amount}{unit}" for sign, amount, unit in parts)
    assert is_offset_spec(spec)
    try:
        moved = apply_offset(BASE, spec)
    except GmlRuntimeError as error:
        assert error.code == "G304"
    else:
        assert isinstance(moved, pendulum.DateTime)


MODERN = st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2090, 12, 31))


@given(MODERN, st.integers(0, 20_000), st.sampled_from(["UTC", "Asia/Shanghai"]))
def test_adding_then_subtracting_days_returns_the_same_instant(
        naive: datetime, days: int, zone: str) -> None:
    start = pendulum.instance(naive, tz=zone)
    assert apply_offset(apply_offset(start, f"+{days}d"), f"-{days}d") == start


@given(MODERN, st.integers(0, 200_000))
def test_adding_then_subtracting_hours_is_exact_even_with_daylight_saving(
        naive: datetime, hours: int) -> None:
    start = pendulum.instance(naive, tz="UTC").in_timezone(BERLIN)
    there = apply_offset(start, f"+{hours}h")
    assert diff_units(there, start, "h") == hours
    assert apply_offset(there, f"-{hours}h") == start


@given(MODERN, MODERN, st.sampled_from(["y", "M", "d"]))
def test_diff_is_the_largest_whole_count_of_calendar_steps(
        first: datetime, second: datetime, unit: str) -> None:
    receiver = pendulum.instance(first, tz=SHANGHAI)
    other = pendulum.instance(second, tz=SHANGHAI)
    count = diff_units(receiver, other, unit)
    step = 1 if receiver >= other else -1
    if receiver >= other:
        assert count >= 0
    reached = apply_offset(other, f"{count}{unit}") if count >= 0 else apply_offset(
        other, f"-{-count}{unit}")
    beyond = apply_offset(other, f"{count + step}{unit}") if count + step >= 0 else apply_offset(
        other, f"-{-(count + step)}{unit}")
    if receiver >= other:
        assert reached <= receiver < beyond
    else:
        assert beyond < receiver <= reached


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       st.sampled_from(["UTC", "Asia/Shanghai", "Europe/Berlin", "America/St_Johns"]),
       st.sampled_from(list(DATE_METHODS)),
       st.sampled_from([None, "", "d", "week", "-1y 2d", "9000y", "YYYY", "2025-01-31", 5,
                        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00"]))
def test_date_methods_only_ever_raise_gml_errors(naive: datetime, zone: str, name: str,
                                                 arg: Any) -> None:
    receiver = pendulum.instance(naive, tz="UTC").in_timezone(zone)
    builtin = DATE_METHODS[name]
    args = [arg][:builtin.max_args]
    try:
        value = method(name, receiver, *args)
    except GmlRuntimeError as error:
        assert error.code in ("G301", "G304")
    else:
        assert value is None or isinstance(value, str | int | pendulum.DateTime)
