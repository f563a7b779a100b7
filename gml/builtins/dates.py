"""The methods of datetimes (spec/gml.md §7.4): ``DATE_METHODS``, keyed by exact name.

``d.offset('-7d')``, ``d.format('YYYY-MM-DD')``, ``d.startOf('month')``, ``d.endOf('week')``,
``d.diff(other, 'd')``, ``d.toIso()``, ``d.epochMillis()``. Components (``d.year``,
``d.weekday``) are not methods: navigation reads them (`gml.values.member`).

Rules:

* The receiver is never null (a method call on null is null before it gets here); it is an
  aware datetime. Methods return new values and never change the receiver.
* Arguments that are null make the result null (``d.diff(null)``, ``d.offset(null)``), except
  optional arguments, where null means the default (``d.format(null)`` is ``d.format()``).
* A date argument may be an ISO 8601 string (§8): without an offset it is read in the
  evaluation's timezone.
* Calendar rules (offset specs, which units count wall-clock time, weeks starting on Monday)
  live in `gml.builtins._dates` and are shared with the functions ``DATE``, ``FORMAT_DATE`` and
  ``PARSE_DATE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pendulum

from gml._context import EvalContext
from gml.types import DATE, INT, LONG, STRING
from gml.values import date_text

from . import _dates
from ._support import need_string
from ._table import Builtin, Param, table

__all__ = ["DATE_METHODS"]

_DEFAULT_PATTERN = "YYYY-MM-DD"
"""The same default as ``FORMAT_DATE``."""


def _offset(receiver: datetime, spec: Any) -> pendulum.DateTime | None:
    if spec is None:
        return None
    return _dates.apply_offset(receiver, spec)


def _format(receiver: datetime, pattern: Any = None) -> str:
    layout = _DEFAULT_PATTERN if pattern is None else need_string(pattern, "format (pattern)")
    return _dates.format_date(receiver, layout)


def _start_of(receiver: datetime, unit: Any) -> pendulum.DateTime:
    return _dates.start_of(receiver, unit)


def _end_of(receiver: datetime, unit: Any) -> pendulum.DateTime:
    return _dates.end_of(receiver, unit)


def _diff(ctx: EvalContext, receiver: datetime, other: Any, unit: Any = None) -> int | None:
    if other is None:
        return None
    start = _dates.to_datetime(other, ctx.tz, "diff")
    return _dates.diff_units(receiver, start, "s" if unit is None else unit)


def _to_iso(receiver: datetime) -> str:
    return date_text(receiver)


def _epoch_millis(receiver: datetime) -> int:
    return _dates.epoch_millis(receiver)


_UNITS_DOC = "'year' 'month' 'week' 'day' 'hour' 'minute'"

DATE_METHODS: Mapping[str, Builtin] = table(
    Builtin(
        "offset", _offset, (Param("spec", STRING),), DATE,
        "The date moved by an offset spec ('30s', '-7d', '+1M', '-1y 2d'; units y M w d h m s "
        "ms); months and years are calendar-correct (Jan 31 + 1M = Feb 28/29).",
        (("now.offset('30s')", '"2025-06-15T10:30:30.000+08:00"'),
         ("now.offset('-7d')", '"2025-06-08T10:30:00.000+08:00"'),
         ("now.offset('-1y 2d')", '"2024-06-13T10:30:00.000+08:00"'),
         ("DATE('2025-01-31').offset('+1M')", '"2025-02-28T00:00:00.000+08:00"'))),
    Builtin(
        "format", _format, (Param("pattern", STRING, optional=True),), STRING,
        "Text in pendulum tokens (YYYY MM DD HH mm ss SSS Z dddd MMMM; [text] is literal); "
        "default 'YYYY-MM-DD'.",
        (("now.format()", '"2025-06-15"'),
         ("now.format('YYYY-MM-DD HH:mm')", '"2025-06-15 10:30"'),
         ("now.format('dddd, MMMM D')", '"Sunday, June 15"'))),
    Builtin(
        "startOf", _start_of, (Param("unit", STRING),), DATE,
        f"The first instant of the {_UNITS_DOC} holding the date; weeks start on Monday.",
        (("now.startOf('month')", '"2025-06-01T00:00:00.000+08:00"'),
         ("now.startOf('week')", '"2025-06-09T00:00:00.000+08:00"'),
         ("now.startOf('hour')", '"2025-06-15T10:00:00.000+08:00"'))),
    Builtin(
        "endOf", _end_of, (Param("unit", STRING),), DATE,
        f"The last instant of the {_UNITS_DOC} holding the date; weeks end on Sunday.",
        (("now.endOf('day')", '"2025-06-15T23:59:59.999+08:00"'),
         ("now.endOf('year')", '"2025-12-31T23:59:59.999+08:00"'))),
    Builtin(
        "diff", _diff, (Param("other"), Param("unit", STRING, optional=True)), INT,
        "Signed whole units from `other` (a date or ISO string) to the date: y M w d h m s ms "
        "or year(s) … millisecond(s); default 's'; days and longer count calendar steps.",
        (("now.diff('2025-06-14T10:30:00+08:00')", "86400"),
         ("now.diff(DATE('2025-01-31'), 'M')", "4"),
         ("DATE('2025-01-01').diff(now, 'days')", "-165"),
         ("now.diff(null)", "null")),
        context=True),
    Builtin(
        "toIso", _to_iso, (), STRING,
        "ISO 8601 text with milliseconds and offset, as dates are serialized (§5.1).",
        (("now.toIso()", '"2025-06-15T10:30:00.000+08:00"'),
         ("DATE('2025-01-05T10:00:00Z').toIso()", '"2025-01-05T10:00:00.000+00:00"'))),
    Builtin(
        "epochMillis", _epoch_millis, (), LONG,
        "Milliseconds since 1970-01-01T00:00:00Z.",
        (("now.epochMillis()", "1749954600000"),
         ("DATE('1970-01-01T00:00:01.5Z').epochMillis()", "1500"))),
)
"""The datetime methods of §7.4, keyed by their exact (case-sensitive) names."""
