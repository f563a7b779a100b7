"""Date helpers shared by the date functions (spec/gml.md §6) and the date methods (§7.4).

Rules every helper here follows:

* Datetimes are pendulum ``DateTime`` values, always timezone-aware. A plain aware
  ``datetime`` is accepted and converted with ``pendulum.instance``; a naive one is taken to be
  in the evaluation's timezone.
* Strings stand for datetimes where a date is expected (§8): they must be ISO 8601 (the same
  rule as comparisons use, `gml.values.parse_iso`); a string without an offset is read in the
  evaluation's timezone and a date-only string means the start of that day.
* Nothing here reads the machine's clock or pendulum's global settings (locale, test "now"):
  whatever needs "now" receives it, and formatting always uses the ``en`` locale.
* Every failure is a `GmlRuntimeError`: G304 for a malformed date, offset spec, pattern or unit,
  G301 for a value of the wrong kind.

Offset specs (§6)
-----------------
An offset spec is one or more components ``[sign]amount unit`` with the units ``y`` years,
``M`` months, ``w`` weeks, ``d`` days, ``h`` hours, ``m`` minutes, ``s`` seconds and ``ms``
milliseconds (case-sensitive: ``M`` is months, ``m`` minutes). Whitespace between components is
optional: ``'-1y2d'`` and ``'-1y 2d'`` are the same spec.

**Decision**: a sign applies to the component it precedes *and to every following unsigned
component* until another sign appears, so ``'-1y 2d'`` means one year and two days back, and
``'-1d +2h'`` one day back then two hours forward. A spec without any sign moves forward.

**Decision**: the calendar part (``y M w d``) is applied first, in wall-clock time and in one
step (so ``'1M 1d'`` and ``'1d 1M'`` mean the same, and Jan 31 + ``1M`` is Feb 28/29); the exact
part (``h m s ms``) is then added as elapsed time. Across a daylight-saving change ``'+1d'``
therefore keeps the wall-clock time while ``'+24h'`` is exactly 24 hours later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pendulum
from pendulum.formatting import Formatter

from gml._errors import GmlRuntimeError
from gml.values import article, kind, parse_iso

__all__ = [
    "CALENDAR_UNITS",
    "DIFF_UNITS",
    "OFFSET_UNITS",
    "PERIOD_UNITS",
    "Timezone",
    "apply_offset",
    "diff_units",
    "end_of",
    "epoch_millis",
    "format_date",
    "is_offset_spec",
    "parse_date",
    "parse_offset",
    "start_of",
    "to_datetime",
]

Timezone = pendulum.Timezone | pendulum.FixedTimezone
"""The timezones an evaluation may run in."""

OFFSET_UNITS: dict[str, str] = {
    "y": "years", "M": "months", "w": "weeks", "d": "days",
    "h": "hours", "m": "minutes", "s": "seconds", "ms": "milliseconds",
}
"""Offset-spec unit letters and the long unit they stand for (read-only)."""

CALENDAR_UNITS = frozenset({"years", "months", "weeks", "days"})
"""Units counted in wall-clock (calendar) time; the others are elapsed time."""

DIFF_UNITS: dict[str, str] = {
    **OFFSET_UNITS,
    **{name: name for name in OFFSET_UNITS.values()},
    **{name[:-1]: name for name in OFFSET_UNITS.values()},
}
"""Every spelling `diff` accepts (``d``, ``day``, ``days``, ...) and its long unit (read-only)."""

PERIOD_UNITS = ("year", "month", "week", "day", "hour", "minute")
"""The units of `start_of` and `end_of`."""

_LOCALE = "en"
_MAX_AMOUNT_DIGITS = 15
_EXAMPLE_SPEC = "'-3M', '+1d', '30s' or '-1y 2d'"

_COMPONENT = re.compile(r"\s*(?P<sign>[+-]?)(?P<amount>[0-9]+)(?P<unit>ms|[yMwdhms])")
_SPEC = re.compile(r"(?:\s*[+-]?[0-9]+(?:ms|[yMwdhms]))+\s*")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------- offsets


@dataclass(frozen=True, slots=True)
class _Move:
    """An offset split into its calendar part and its elapsed-time part."""

    calendar: dict[str, int]
    elapsed: timedelta


def is_offset_spec(text: str) -> bool:
    """True when ``text`` is shaped like an offset spec (``'-3M'``, ``'1y 2d'``)."""
    return _SPEC.fullmatch(text) is not None


def parse_offset(spec: str) -> list[tuple[str, int]]:
    """Split an offset spec into ``(unit letter, signed amount)`` pairs, in order.

    ``'-1y 2d +3h'`` → ``[('y', -1), ('d', -2), ('h', 3)]``: a sign carries over to the
    following unsigned components (see the module docstring).

    Raises:
        GmlRuntimeError: G304 when ``spec`` is not an offset spec.
    """
    if not isinstance(spec, str):
        raise GmlRuntimeError("G301", f"an offset spec must be a string such as {_EXAMPLE_SPEC}, "
                              f"not {article(kind(spec))}")
    if not is_offset_spec(spec):
        raise GmlRuntimeError("G304", f"malformed offset spec {spec!r}: write a signed amount "
                              f"and a unit (y M w d h m s ms), e.g. {_EXAMPLE_SPEC}")
    parts: list[tuple[str, int]] = []
    negative = False
    for match in _COMPONENT.finditer(spec):
        sign, amount, unit = match.group("sign", "amount", "unit")
        if sign:
            negative = sign == "-"
        if len(amount.lstrip("0")) > _MAX_AMOUNT_DIGITS:
            raise GmlRuntimeError("G304", f"offset amount {amount} in {spec!r} is too large")
        parts.append((unit, -int(amount) if negative else int(amount)))
    return parts


def _move(spec: str) -> _Move:
    calendar = dict.fromkeys(("years", "months", "weeks", "days"), 0)
    elapsed = timedelta()
    for unit, amount in parse_offset(spec):
        name = OFFSET_UNITS[unit]
        if name in calendar:
            calendar[name] += amount
        else:
            try:
                elapsed += timedelta(**{name: amount})
            except OverflowError:
                raise _out_of_range(spec) from None
    return _Move(calendar, elapsed)


def _out_of_range(spec: str) -> GmlRuntimeError:
    return GmlRuntimeError("G304", f"offset {spec!r} moves the date outside the years 1 to 9999")


def apply_offset(dt: datetime, spec: str) -> pendulum.DateTime:
    """Move ``dt`` by an offset spec (calendar part first, then elapsed time).

    Raises:
        GmlRuntimeError: G304 for a malformed spec or a result outside the years 1–9999.
    """
    move = _move(spec)
    moment = pendulum.instance(dt)
    try:
        if any(move.calendar.values()):
            moment = moment.add(**move.calendar)
        if move.elapsed:
            moment = moment.add(seconds=move.elapsed.days * 86400 + move.elapsed.seconds,
                                microseconds=move.elapsed.microseconds)
    except (OverflowError, ValueError):
        raise _out_of_range(spec) from None
    return moment


# ---------------------------------------------------------------- conversion


def to_datetime(value: Any, tz: Timezone, what: str = "a date") -> pendulum.DateTime:
    """A datetime from a datetime (passed through) or an ISO 8601 string.

    A string without an offset is read in ``tz``; a date-only string is the start of that day.

    Raises:
        GmlRuntimeError: G304 for a string that is not ISO 8601, G301 for other kinds.
    """
    if isinstance(value, pendulum.DateTime):
        return value
    if isinstance(value, datetime):
        return pendulum.instance(value, tz=tz)
    if isinstance(value, str):
        parsed = parse_iso(value.strip(), tz)
        if parsed is None:
            raise GmlRuntimeError("G304", f"{what} needs an ISO 8601 date such as '2025-01-31' "
                                  f"or '2025-01-31T10:30:00+08:00', not {value!r}")
        return pendulum.instance(parsed, tz=tz)
    raise GmlRuntimeError("G301", f"{what} needs a date or an ISO 8601 string, "
                          f"not {article(kind(value))}")


def epoch_millis(dt: datetime) -> int:
    """Milliseconds since 1970-01-01T00:00Z (floored, so instants before 1970 are exact too)."""
    return _epoch_micros(dt) // 1000


def _epoch_micros(dt: datetime) -> int:
    # datetime's own subtraction: pendulum's returns an Interval built from a float
    delta = datetime.__sub__(dt, _EPOCH)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


# ---------------------------------------------------------------- differences


def diff_units(receiver: datetime, other: datetime, unit: str) -> int:
    """The signed number of whole ``unit`` from ``other`` to ``receiver``.

    Positive when ``receiver`` is later. Hours and smaller count elapsed time; days, weeks,
    months and years count calendar steps in the receiver's timezone, consistently with
    offsets: the result ``n`` is the largest count with ``other + n units <= receiver``
    (mirrored when ``receiver`` is earlier), so from Jan 31 to Feb 28 is one month and from
    a Saturday noon to the Sunday noon after a daylight-saving change is one day (23 hours).

    Raises:
        GmlRuntimeError: G304 for an unknown unit.
    """
    name = DIFF_UNITS.get(unit) if isinstance(unit, str) else None
    if name is None:
        units = ", ".join(sorted(set(OFFSET_UNITS) | set(OFFSET_UNITS.values())))
        raise GmlRuntimeError("G304", f"diff cannot count in {unit!r}: use one of {units}")
    if name not in CALENDAR_UNITS:
        micros = _epoch_micros(receiver) - _epoch_micros(other)
        per = {"hours": 3_600_000_000, "minutes": 60_000_000, "seconds": 1_000_000,
               "milliseconds": 1000}[name]
        return _truncate(micros, per)
    try:
        end = pendulum.instance(receiver)
        start = pendulum.instance(other).in_timezone(end.tz or "UTC")
        if name == "years":
            return _settle(start, end, name, end.year - start.year)
        if name == "months":
            return _settle(start, end, name, (end.year - start.year) * 12 + end.month - start.month)
        days = _settle(start, end, "days", (end.date() - start.date()).days)
    except (OverflowError, ValueError):
        raise GmlRuntimeError("G304", "diff: a date lies outside the years 1 to 9999 "
                              "in the receiver's timezone") from None
    return _truncate(days, 7) if name == "weeks" else days


def _truncate(amount: int, per: int) -> int:
    """``amount / per`` rounded toward zero."""
    quotient = abs(amount) // per
    return quotient if amount >= 0 else -quotient


def _settle(start: pendulum.DateTime, end: pendulum.DateTime, unit: str, guess: int) -> int:
    """Correct a field-based guess so that ``start + guess units`` does not pass ``end``."""
    while guess > 0 and start.add(**{unit: guess}) > end:
        guess -= 1
    while guess < 0 and start.add(**{unit: guess}) < end:
        guess += 1
    return guess


# ---------------------------------------------------------------- periods


def _period(unit: Any, what: str) -> str:
    if not isinstance(unit, str) or unit not in PERIOD_UNITS:
        shown = repr(unit) if isinstance(unit, str) else f"{article(kind(unit))}"
        raise GmlRuntimeError("G304", f"{what} cannot use {shown}: use one of "
                              f"{', '.join(repr(u) for u in PERIOD_UNITS)}")
    return unit


def start_of(dt: datetime, unit: str) -> pendulum.DateTime:
    """The first instant of the ``unit`` (year month week day hour minute) holding ``dt``.

    Weeks start on Monday (ISO 8601).

    Raises:
        GmlRuntimeError: G304 for any other unit.
    """
    return _boundary(dt, unit, "startOf")


def end_of(dt: datetime, unit: str) -> pendulum.DateTime:
    """The last instant (…:59.999999) of the ``unit`` holding ``dt``; weeks end on Sunday.

    Raises:
        GmlRuntimeError: G304 for any unit but year month week day hour minute.
    """
    return _boundary(dt, unit, "endOf")


def _boundary(dt: datetime, unit: str, what: str) -> pendulum.DateTime:
    period = _period(unit, what)
    moment = pendulum.instance(dt)
    try:
        return moment.start_of(period) if what == "startOf" else moment.end_of(period)
    except (OverflowError, ValueError):
        raise GmlRuntimeError("G304", f"{what}({period!r}) lies outside the years 1 to "
                              "9999") from None


# ---------------------------------------------------------------- formatting and parsing


def format_date(dt: datetime, pattern: str) -> str:
    """Format with pendulum tokens (``YYYY MM DD HH mm ss SSS Z``; ``[text]`` is literal).

    Characters that are not tokens are copied as they are.

    Raises:
        GmlRuntimeError: G304 when pendulum rejects the pattern.
    """
    try:
        return pendulum.instance(dt).format(pattern, locale=_LOCALE)
    except Exception as error:  # whatever pendulum's formatter raises for a pattern
        raise GmlRuntimeError("G304", f"cannot format a date with pattern {pattern!r}: "
                              f"{error}") from None


def parse_date(text: str, pattern: str, tz: Timezone, now: datetime,
               what: str = "PARSE_DATE") -> pendulum.DateTime:
    """Parse ``text`` laid out as ``pattern`` (pendulum tokens).

    The date fields the pattern leaves out are taken from ``now`` (the evaluation's clock, never
    the machine's), the time fields default to midnight, and a text without an offset is in ``tz``.

    Raises:
        GmlRuntimeError: G304 when the text does not match the pattern or names no real date.
    """
    try:
        parts = Formatter().parse(text, pattern, pendulum.instance(now).in_timezone(tz),
                                  locale=_LOCALE)
        if parts.get("tz") is None:
            parts["tz"] = tz
        return pendulum.datetime(**parts)
    except Exception as error:  # pendulum raises ValueError, KeyError, AttributeError, ...
        raise GmlRuntimeError("G304", f"{what} cannot read {text!r} as a date with pattern "
                              f"{pattern!r}: {error}") from None
