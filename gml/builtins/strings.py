"""String methods (spec/gml.md §7.2).

Rules:

- Positions and lengths count Unicode code points (``'你好!'.length()`` is 3), which is what
  Python's ``str`` indexes by.
- A ``null`` search argument never fails: ``startsWith``/``endsWith``/``includes`` give
  false, ``indexOf``/``lastIndexOf`` give -1, ``replace``/``replaceAll`` with a null pattern
  return the string unchanged and a null replacement means ``''``. Any other non-string
  argument is G301.
- ``substring(start[, end])`` follows JavaScript: negative positions count as 0, positions
  past the end as the end, and the two are swapped when ``start > end``. ``slice(start[, end])``
  counts negative positions from the end (Python slicing).
- ``charAt(i)`` counts a negative ``i`` from the end, like ``s[i]``; out of range is null.
- Methods that can build long strings (``padStart``, ``padEnd``, ``replace``, ``replaceAll``)
  and ``split`` check the size of their result against the evaluation's limits *before*
  building it (G306).
- ``toDate([pattern])`` parses ISO 8601 (a date alone is midnight, a time alone is today, a
  text without offset is in the evaluation's timezone) or, with a pendulum pattern such as
  ``'DD/MM/YYYY HH:mm'``, that format. Anything else is G304.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

import pendulum

from gml._context import EvalContext
from gml._errors import GmlRuntimeError
from gml.types import BOOL, DATE, INT, STRING, ArrayType, Nullable
from gml.values import article, kind

from ._dates import parse_date
from ._support import check_array_size, check_string_size, need_int, need_string
from ._table import Builtin, Param, table

__all__ = ["STRING_METHODS"]


def _search(value: Any, what: str) -> str | None:
    """A search argument: a string, or None for null."""
    if value is None or isinstance(value, str):
        return value
    raise GmlRuntimeError("G301", f"{what} needs a string to look for, not {article(kind(value))}")


# ---------------------------------------------------------------- simple methods


def _length(s: str) -> int:
    return len(s)


def _trim(s: str) -> str:
    return s.strip()


def _trim_start(s: str) -> str:
    return s.lstrip()


def _trim_end(s: str) -> str:
    return s.rstrip()


def _upper(s: str) -> str:
    return s.upper()


def _lower(s: str) -> str:
    return s.lower()


def _starts_with(s: str, prefix: Any) -> bool:
    found = _search(prefix, "startsWith")
    return found is not None and s.startswith(found)


def _ends_with(s: str, suffix: Any) -> bool:
    found = _search(suffix, "endsWith")
    return found is not None and s.endswith(found)


def _includes(s: str, part: Any) -> bool:
    found = _search(part, "includes")
    return found is not None and found in s


def _index_of(s: str, part: Any) -> int:
    found = _search(part, "indexOf")
    return -1 if found is None else s.find(found)


def _last_index_of(s: str, part: Any) -> int:
    found = _search(part, "lastIndexOf")
    return -1 if found is None else s.rfind(found)


# ---------------------------------------------------------------- positions


def _substring(s: str, start: Any, end: Any = None) -> str:
    size = len(s)
    low = min(max(need_int(start, "substring"), 0), size)
    high = size if end is None else min(max(need_int(end, "substring"), 0), size)
    if low > high:
        low, high = high, low
    return s[low:high]


def _slice(s: str, start: Any, end: Any = None) -> str:
    low = need_int(start, "slice")
    return s[low:] if end is None else s[low:need_int(end, "slice")]


def _char_at(s: str, position: Any) -> str | None:
    i = need_int(position, "charAt")
    return s[i] if -len(s) <= i < len(s) else None


# ---------------------------------------------------------------- building strings


def _split(ctx: EvalContext, s: str, separator: Any = None) -> list[str]:
    sep = "," if separator is None else need_string(separator, "split")
    if sep == "":
        check_array_size(len(s), ctx.limits)
        return list(s)
    check_array_size(s.count(sep) + 1, ctx.limits)
    return s.split(sep)


def _replacement(pattern: Any, replacement: Any, what: str) -> tuple[str | None, str]:
    old = _search(pattern, what)
    if replacement is None:
        return old, ""
    return old, need_string(replacement, what)


def _replace(ctx: EvalContext, s: str, pattern: Any, replacement: Any = None) -> str:
    old, new = _replacement(pattern, replacement, "replace")
    if old is None or old not in s:
        return s
    check_string_size(len(s) + len(new) - len(old), ctx.limits)
    return s.replace(old, new, 1)


def _replace_all(ctx: EvalContext, s: str, pattern: Any, replacement: Any = None) -> str:
    old, new = _replacement(pattern, replacement, "replaceAll")
    if old is None:
        return s
    count = s.count(old)
    if count == 0:
        return s
    check_string_size(len(s) + count * (len(new) - len(old)), ctx.limits)
    return s.replace(old, new)


def _padding(ctx: EvalContext, s: str, width: Any, fill: Any, what: str) -> str:
    """The characters ``padStart``/``padEnd`` add: ``fill`` repeated, cut to size."""
    target = need_int(width, what)
    filler = " " if fill is None else need_string(fill, what)
    missing = target - len(s)
    if missing <= 0 or not filler:
        return ""
    check_string_size(target, ctx.limits)
    return (filler * (missing // len(filler) + 1))[:missing]


def _pad_start(ctx: EvalContext, s: str, width: Any, fill: Any = None) -> str:
    return _padding(ctx, s, width, fill, "padStart") + s


def _pad_end(ctx: EvalContext, s: str, width: Any, fill: Any = None) -> str:
    return s + _padding(ctx, s, width, fill, "padEnd")


# ---------------------------------------------------------------- dates


def _to_date(ctx: EvalContext, s: str, pattern: Any = None) -> datetime:
    text = s.strip()
    form = None if pattern is None else need_string(pattern, "toDate")
    if form is not None:
        # Missing date parts come from the evaluation's clock, never the machine's.
        return parse_date(text, form, ctx.tz, ctx.now(), "toDate")
    try:
        parsed: Any = pendulum.parse(text, tz=ctx.tz, exact=True)
    except (ValueError, TypeError, OverflowError, re.error) as error:
        how = "ISO 8601" if form is None else f"the pattern {form!r}"
        raise GmlRuntimeError(
            "G304", f"toDate cannot read {s!r} as a date with {how} ({error}); "
                    "give an ISO 8601 text such as '2025-01-31T10:00:00' or a matching "
                    "pattern such as 'DD/MM/YYYY'") from None
    return _as_datetime(ctx, parsed, s)


def _as_datetime(ctx: EvalContext, parsed: Any, text: str) -> datetime:
    """Complete what ISO parsing gave: a date alone is midnight, a time alone is today."""
    if isinstance(parsed, datetime):
        return parsed
    if isinstance(parsed, date):
        return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=ctx.tz)
    if isinstance(parsed, time):
        today = ctx.now()
        return pendulum.datetime(today.year, today.month, today.day, parsed.hour,
                                 parsed.minute, parsed.second, parsed.microsecond, tz=ctx.tz)
    raise GmlRuntimeError(
        "G304", f"toDate: {text!r} is a duration, not a date; use an ISO 8601 date such as "
                "'2025-01-31'")


# ---------------------------------------------------------------- the table

_TEXT = (Param("text", STRING),)

STRING_METHODS = table(
    Builtin(
        "length", _length, (), INT,
        "Number of characters (Unicode code points).",
        examples=(("text.length()", "12"), ("'你好!'.length()", "3")),
    ),
    Builtin(
        "trim", _trim, (), STRING,
        "Without leading and trailing whitespace.",
        examples=(("'  hi  '.trim()", '"hi"'),),
    ),
    Builtin(
        "trimStart", _trim_start, (), STRING,
        "Without leading whitespace.",
        examples=(("'  hi  '.trimStart()", '"hi  "'),),
    ),
    Builtin(
        "trimEnd", _trim_end, (), STRING,
        "Without trailing whitespace.",
        examples=(("'  hi  '.trimEnd()", '"  hi"'),),
    ),
    Builtin(
        "toUpperCase", _upper, (), STRING,
        "In upper case.",
        examples=(("text.toUpperCase()", '"HELLO, WORLD"'), ("'abc'.upper()", '"ABC"')),
        aliases=("upper",),
    ),
    Builtin(
        "toLowerCase", _lower, (), STRING,
        "In lower case.",
        examples=(("text.toLowerCase()", '"hello, world"'), ("'ABC'.lower()", '"abc"')),
        aliases=("lower",),
    ),
    Builtin(
        "startsWith", _starts_with, _TEXT, BOOL,
        "Whether the string starts with the text (case-sensitive; null gives false).",
        examples=(("text.startsWith('Hell')", "true"), ("text.startsWith('hell')", "false")),
    ),
    Builtin(
        "endsWith", _ends_with, _TEXT, BOOL,
        "Whether the string ends with the text (case-sensitive; null gives false).",
        examples=(("text.endsWith('World')", "true"), ("text.endsWith('world')", "false")),
    ),
    Builtin(
        "includes", _includes, _TEXT, BOOL,
        "Whether the text occurs in the string (null gives false).",
        examples=(("text.includes('o, W')", "true"), ("text.contains('xyz')", "false")),
        aliases=("contains",),
    ),
    Builtin(
        "indexOf", _index_of, _TEXT, INT,
        "Position of the first occurrence of the text, or -1.",
        examples=(("text.indexOf('o')", "4"), ("text.indexOf('x')", "-1")),
    ),
    Builtin(
        "lastIndexOf", _last_index_of, _TEXT, INT,
        "Position of the last occurrence of the text, or -1.",
        examples=(("text.lastIndexOf('o')", "8"), ("text.lastIndexOf('x')", "-1")),
    ),
    Builtin(
        "substring", _substring, (Param("start", INT), Param("end", INT, optional=True)),
        STRING,
        "Characters from start up to end (exclusive); negative positions count as 0 and "
        "the two are swapped when start > end.",
        examples=(("text.substring(7)", '"World"'), ("text.substring(5, 0)", '"Hello"'),
                  ("text.substring(-3, 2)", '"He"')),
    ),
    Builtin(
        "slice", _slice, (Param("start", INT), Param("end", INT, optional=True)), STRING,
        "Characters from start up to end (exclusive); negative positions count from the end.",
        examples=(("text.slice(-5)", '"World"'), ("text.slice(0, -7)", '"Hello"')),
    ),
    Builtin(
        "split", _split, (Param("separator", STRING, optional=True),), ArrayType(STRING),
        "The parts between occurrences of the separator (default ','); '' splits into "
        "characters.",
        examples=(("'a,b,,c'.split()", '["a","b","","c"]'),
                  ("text.split(', ')", '["Hello","World"]'),
                  ("'abc'.split('')", '["a","b","c"]')),
        context=True,
    ),
    Builtin(
        "replace", _replace, (Param("text", STRING), Param("by", STRING, optional=True)),
        STRING,
        "The first occurrence of the text replaced (by '' when left out).",
        examples=(("'a-b-c'.replace('-', '+')", '"a+b-c"'), ("'a-b-c'.replace('-')", '"ab-c"')),
        context=True,
    ),
    Builtin(
        "replaceAll", _replace_all, (Param("text", STRING), Param("by", STRING, optional=True)),
        STRING,
        "Every occurrence of the text replaced (by '' when left out).",
        examples=(("'a-b-c'.replaceAll('-', '+')", '"a+b+c"'),),
        context=True,
    ),
    Builtin(
        "padStart", _pad_start, (Param("length", INT), Param("fill", STRING, optional=True)),
        STRING,
        "Padded at the start to the length with the fill (default ' '), repeated and cut.",
        examples=(("'7'.padStart(3, '0')", '"007"'), ("'abc'.padStart(2)", '"abc"'),
                  ("'7'.padStart(3)", '"  7"')),
        context=True,
    ),
    Builtin(
        "padEnd", _pad_end, (Param("length", INT), Param("fill", STRING, optional=True)),
        STRING,
        "Padded at the end to the length with the fill (default ' '), repeated and cut.",
        examples=(("'ab'.padEnd(5, 'xy')", '"abxyx"'),),
        context=True,
    ),
    Builtin(
        "charAt", _char_at, (Param("index", INT),), Nullable(STRING),
        "The character at the position (negative counts from the end), or null out of range.",
        examples=(("text.charAt(0)", '"H"'), ("text.charAt(-1)", '"d"'),
                  ("text.charAt(20)", "null")),
    ),
    Builtin(
        "toDate", _to_date, (Param("pattern", STRING, optional=True),), DATE,
        "Parsed as a datetime: ISO 8601 (in the flow's timezone when it has no offset), or "
        "with a pattern such as 'DD/MM/YYYY HH:mm'.",
        examples=(("'2025-01-05 10:00'.toDate()", '"2025-01-05T10:00:00.000+08:00"'),
                  ("'05/01/2025'.toDate('DD/MM/YYYY')", '"2025-01-05T00:00:00.000+08:00"'),
                  ("'2025-01-05T10:00:00Z'.toDate()", '"2025-01-05T10:00:00.000+00:00"')),
        context=True,
    ),
)
"""Methods of strings, by name (case-sensitive)."""
