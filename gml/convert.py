"""Conversion of values to declared types (spec/fdl.md §2): one converter for the whole project.

`convert` is what a value goes through whenever it crosses a typed boundary: a run's inputs and
its result (`runtime`: F402, F404), a ``flow://`` call, the fields a ``db://`` tool writes and
the values a CQL condition compares with a typed field (`stdlib`). Its static twin is
`gml.types.assignable`, which the compiler uses for tool arguments and defaults (E304): a type
the checker accepts converts at run time, failing only for reasons a type cannot see (a null,
a number out of range, text that does not read as the type; see `ConversionError.reason`).

Conversion table (value given → value produced; anything not listed is a problem):

============  ==============================================================================
type          accepts
============  ==============================================================================
``int``       int (not bool); integral float or Decimal (``3.0``); numeric text (``"42"``,
              ``"4.0"``). Must lie in -2**31 .. 2**31-1, else a problem naming the range.
``long``      as ``int``, range -2**63 .. 2**63-1.
``double``    int, float, Decimal, numeric text → float. NaN and ±infinity are rejected, as
              are values beyond the float range (JSON cannot carry them).
``decimal``   Decimal, int, float (through ``repr``, so ``0.1`` is ``Decimal('0.1')``),
              numeric text → Decimal. NaN, infinities and magnitudes beyond 1e±6144
              (decimal128's range; ``"1e999999"``) are rejected.
``bool``      True/False; text ``"true"``/``"false"`` in any case. Not 0/1.
``string``    str; int, finite float and Decimal as GML writes them (``6.0`` → ``"6"``);
              a datetime as ISO 8601 text. bool, arrays and objects are problems.
``date``      aware datetime (kept, offset included); naive datetime or `datetime.date`
              (midnight) in the given timezone; ISO 8601 text starting ``YYYY-MM`` parsed by
              pendulum (no offset → the given timezone). The result is a pendulum DateTime.
``null``      only None.
``any``       anything, untouched (nothing inside is converted or trimmed).
``T?``        None, or whatever ``T`` accepts.
``T[]``       list or tuple → list, each element converted.
``map<T>``    dict with str keys → dict, each value converted.
object type   dict → dict with the declared fields in declaration order, each converted. A
              missing nullable field becomes None; a missing non-nullable one is a problem.
              Other fields are dropped. Objects that are not closed (inferred shapes) keep
              their other fields untouched.
============  ==============================================================================

Numeric text is decimal notation with an optional sign, fraction and exponent, at most 100
characters (``"1_000"``, ``"0x10"``, ``"NaN"`` are not numbers); surrounding blanks are
ignored. A value nested more than `MAX_DEPTH` containers deep is a problem ("nested too
deeply"), never a RecursionError. A ``defs`` name that resolves to nothing is ``any``.

Paths: problems are named from ``path`` (an input's name, a field's name): ``items[2].sku``;
an object field or a map key that is not an identifier is written ``x["a-b"]``; with an empty
``path`` the value itself is ``$`` and the names start at a field (``orders[3].amount``) or an
index (``[3].amount``).

The spec's §2 summary ("numbers to the declared numeric type with range checks, ISO strings
to dates, strings or numbers to decimals") is what this table does for those kinds; the table
adds the rest (numeric text for every numeric type, so ``"4.0"`` is the int 4 as 4.0 is;
``true``/``false`` text; numbers and dates as text).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, DecimalException
from typing import Any, Literal, NoReturn, TypeAlias

import pendulum

from ._context import resolve_timezone
from ._errors import GmlRuntimeError
from .types import (
    ANY,
    NULL,
    ArrayType,
    MapType,
    Nullable,
    ObjectType,
    Prim,
    RefType,
    Type,
    accepts_null,
    deref,
)
from .values import to_json, to_text

__all__ = ["MAX_DEPTH", "ConversionError", "Reason", "convert"]

Zone: TypeAlias = pendulum.Timezone | pendulum.FixedTimezone

MAX_DEPTH = 200
"""Deepest nesting of arrays and objects the converter walks."""

Reason = Literal["null", "missing", "range", "text", "fraction", "kind", "depth"]
"""Why a value did not convert (`ConversionError.reason`)."""

_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_START = re.compile(r"\d{4}-\d{2}")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConversionError(GmlRuntimeError):
    """A value that does not convert to its declared type (G303).

    The message is ``"<path>: <detail>"``, for example
    ``items[2].quantity: expected int, got string "x"``.

    Attributes:
        path: where the problem is (``$`` for the converted value itself).
        expected: the declared type at that place, as the message writes it (``int``,
            ``object Item``, ``map<int>``).
        got: a short description of the value found there (``string "x"``, ``null``,
            ``nothing`` for a missing field).
        detail: the message without the path.
        reason: what kind of problem it is. A static type can tell ``kind`` (a value of a
            kind the type never accepts: a boolean for ``int``, an array for ``string``),
            ``fraction`` (a number with a fractional part for ``int``/``long``) and
            ``depth`` (nesting beyond `MAX_DEPTH`). It cannot tell ``null`` (a null where
            the type is not nullable), ``missing`` (a required field that is absent),
            ``range`` (a number beyond the type's range, or not finite) and ``text`` (text
            that does not read as the type: ``"abc"`` for ``int``, ``"soon"`` for ``date``).
        problems: every problem found in the value, this one first (at most the ``limit``
            given to `convert`).
    """

    path: str
    expected: str
    got: str
    detail: str
    reason: Reason
    problems: tuple[ConversionError, ...]

    def __init__(self, path: str, expected: str, got: str, detail: str,
                 reason: Reason) -> None:
        super().__init__("G303", f"{path}: {detail}")
        self.path = path
        self.expected = expected
        self.got = got
        self.detail = detail
        self.reason = reason
        self.problems = (self,)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ConversionError, (self.path, self.expected, self.got, self.detail, self.reason))


def convert(value: Any, t: Type, tz: Zone | str | None, path: str = "", *,
            limit: int = 1) -> Any:
    """``value`` converted to the declared type ``t`` (the table of the module docstring).

    Args:
        value: the value (JSON values, GML values, database values).
        t: the declared type; ``defs`` names are followed.
        tz: the timezone of dates written without an offset (a pendulum timezone, a name such
            as ``"Asia/Shanghai"``, or None for the local one).
        path: what problems are named from (an input's or a field's name); ``""`` names the
            value itself ``$``.
        limit: how many problems to collect before giving up (`ConversionError.problems`);
            1 stops at the first.

    Returns:
        The converted value: a new list or dict for arrays, maps and objects (trimmed to the
        declared fields), the value itself under ``any``.

    Raises:
        ConversionError: the first problem, carrying every problem found (up to ``limit``).
    """
    converter = _Converter(resolve_timezone(tz), max(limit, 1))
    try:
        result = converter.convert(value, t, path, 0)
    except _Full:
        result = None
    if converter.problems:
        first = converter.problems[0]
        first.problems = tuple(converter.problems)
        raise first
    return result


# ---------------------------------------------------------------- the converter


class _Mismatch(Exception):
    """A value that one primitive conversion does not accept (the message says why)."""

    def __init__(self, detail: str, reason: Reason) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reason = reason


class _Full(Exception):
    """The converter collected as many problems as it was asked for."""


_BAD: Any = object()
"""What a failed conversion returns so that siblings are still checked."""


class _Converter:
    """Walks a value along a type, collecting problems up to ``limit``."""

    def __init__(self, tz: Zone, limit: int) -> None:
        self.tz = tz
        self.limit = limit
        self.problems: list[ConversionError] = []

    def fail(self, path: str, expected: str, got: str, detail: str, reason: Reason) -> Any:
        self.problems.append(ConversionError(path or "$", expected, got, detail, reason))
        if len(self.problems) >= self.limit:
            raise _Full
        return _BAD

    def mismatch(self, path: str, t: Type, value: Any, reason: Reason) -> Any:
        return self.fail(path, _describe(t), _got(value), _expected(t, value), reason)

    def convert(self, value: Any, t: Type, path: str, depth: int) -> Any:
        t = _resolve(t)
        while isinstance(t, Nullable):
            if value is None:
                return None
            t = _resolve(t.inner)
        if t == ANY:
            return value
        if value is None and t != NULL:
            return self.mismatch(path, t, value, "null")
        if isinstance(t, Prim):
            try:
                return _PRIMITIVES[t.name](value, self.tz)
            except _Mismatch as mismatch:
                return self.fail(path, t.name, _got(value), mismatch.detail, mismatch.reason)
        if depth >= MAX_DEPTH:
            return self.fail(path, _describe(t), _got(value),
                             f"nested too deeply (more than {MAX_DEPTH} levels)", "depth")
        if isinstance(t, ArrayType):
            if not isinstance(value, list | tuple):
                return self.mismatch(path, t, value, "kind")
            items: list[Any] = []
            for i, item in enumerate(value):  # a loop, not a comprehension: one frame less
                items.append(self.convert(item, t.element, f"{path}[{i}]", depth + 1))
            return items
        if isinstance(t, MapType | ObjectType) and not isinstance(value, dict):
            return self.mismatch(path, t, value, "kind")
        if isinstance(t, MapType):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    self.fail(path, _describe(t), f"a key {_show(key)}",
                              f"expected {_describe(t)}, got a key that is not a string "
                              f"({_show(key)})", "kind")
                    continue
                out[key] = self.convert(item, t.value, _member(path, key), depth + 1)
            return out
        if isinstance(t, ObjectType):
            return self.object(value, t, path, depth)
        return value

    def object(self, value: dict[Any, Any], t: ObjectType, path: str, depth: int) -> Any:
        out: dict[str, Any] = {}
        for name, field_type in t.fields.items():
            where = _member(path, name)
            if name in value:
                out[name] = self.convert(value[name], field_type, where, depth + 1)
            elif accepts_null(field_type):
                out[name] = None
            else:
                self.fail(where, str(field_type), "nothing",
                          f"missing (a required field of type {field_type})", "missing")
        if not t.closed:
            out.update((k, v) for k, v in value.items() if k not in t.fields)
        return out


def _resolve(t: Type) -> Type:
    """Follow defs references; a reference that leads nowhere is ``any``."""
    t = deref(t)
    return ANY if isinstance(t, RefType) else t


# ---------------------------------------------------------------- primitives


def _mismatch(t: str, value: Any) -> NoReturn:
    raise _Mismatch(f"expected {t}, got {_kind(value)}{_tail(value)}",
                    "text" if isinstance(value, str) else "kind")


def _number(value: Any, t: str) -> int | float | Decimal:
    """A finite number from a number or numeric text (bool is not a number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal):
        if math.isfinite(value) if isinstance(value, float) else value.is_finite():
            return value
        raise _Mismatch(f"expected {t}, got {_kind(value)}{_tail(value)} (not a finite number)",
                        "range")
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 100 and _NUMBER.fullmatch(text):
            return Decimal(text)
    _mismatch(t, value)


def _integer(value: Any, t: str) -> int:
    number = _number(value, t)
    low, high = _RANGES[t]
    if not isinstance(number, int) and low <= number <= high:
        # compared first, so that no huge integer is ever built from "1e999999999"
        try:
            whole = (number.is_integer() if isinstance(number, float)
                     else number == number.to_integral_value())
        except DecimalException:
            whole = False
        if not whole:
            raise _Mismatch(f"expected {t}, got {_kind(value)}{_tail(value)} "
                            "(not a whole number)",
                            "text" if isinstance(value, str) else "fraction")
        number = int(number)
    if not (isinstance(number, int) and low <= number <= high):
        raise _Mismatch(f"{_show(value)} is out of range for {t} ({low} to {high})", "range")
    return number


def _to_int(value: Any, tz: Zone) -> int:
    return _integer(value, "int")


def _to_long(value: Any, tz: Zone) -> int:
    return _integer(value, "long")


def _to_double(value: Any, tz: Zone) -> float:
    number = _number(value, "double")
    try:
        result = float(number)
    except OverflowError:
        result = math.inf
    if math.isinf(result):
        raise _Mismatch(f"{_show(value)} is out of range for double", "range")
    return result


MAX_DECIMAL_EXPONENT = 6144
"""Decimals read from input are refused beyond ±1e6144 (the range of IEEE 754 decimal128):
``1e999999`` would otherwise pass, and the first ``d * d`` overflow."""


def _to_decimal(value: Any, tz: Zone) -> Decimal:
    number = _number(value, "decimal")
    result = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if result and abs(result.adjusted()) > MAX_DECIMAL_EXPONENT:
        raise _Mismatch(f"{_show(value)} is out of range for decimal (magnitudes from "
                        f"1e-{MAX_DECIMAL_EXPONENT} to 1e{MAX_DECIMAL_EXPONENT})", "range")
    return result


def _to_bool(value: Any, tz: Zone) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    _mismatch("bool", value)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _to_string(value: Any, tz: Zone) -> str:
    if isinstance(value, str):
        if not value.isascii():
            found = _SURROGATE.search(value)
            if found is not None:
                raise _Mismatch(
                    f"expected string, got text with a lone surrogate (\\u{ord(found[0]):04x} "
                    f"at character {found.start()}), which is not Unicode text; send the "
                    "character itself or a valid surrogate pair", "text")
        return value
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        finite = math.isfinite(value) if isinstance(value, float) else value.is_finite()
        if finite:
            return to_text(value)
        raise _Mismatch(f"expected string, got {_kind(value)}{_tail(value)}", "range")
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # more digits than Python converts
            raise _Mismatch("expected string, got an integer too large to write",
                            "range") from None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return to_text(value)
    _mismatch("string", value)


def _to_date(value: Any, tz: Zone) -> pendulum.DateTime:
    if isinstance(value, datetime):
        return pendulum.instance(value) if value.tzinfo is not None \
            else pendulum.instance(value, tz=tz)
    if isinstance(value, date):
        return pendulum.datetime(value.year, value.month, value.day, tz=tz)
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 64 and _ISO_START.match(text):
            try:
                parsed = pendulum.parse(text, tz=tz)
            except (ValueError, TypeError, OverflowError):
                parsed = None
            if isinstance(parsed, pendulum.DateTime):
                return parsed
        raise _Mismatch(f"expected date (ISO 8601 text such as 2025-12-01T10:30:00+08:00), "
                        f"got {_kind(value)}{_tail(value)}", "text")
    _mismatch("date", value)


def _to_null(value: Any, tz: Zone) -> None:
    if value is not None:
        raise _Mismatch(f"expected null, got {_got(value)}", "kind")


_PRIMITIVES: dict[str, Callable[[Any, Zone], Any]] = {
    "int": _to_int, "long": _to_long, "double": _to_double, "decimal": _to_decimal,
    "bool": _to_bool, "string": _to_string, "date": _to_date, "null": _to_null,
}


# ---------------------------------------------------------------- paths and messages


def _member(path: str, key: str) -> str:
    if _IDENT.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _describe(t: Type) -> str:
    if isinstance(t, ObjectType):
        return f"object {t.name}" if t.name else "an object"
    return str(t)


def _expected(t: Type, value: Any) -> str:
    return f"expected {_describe(t)}, got {_got(value)}"


def _got(value: Any) -> str:
    return f"{_kind(value)}{_tail(value)}"


def _kind(value: Any) -> str:
    """The JSON name of a value's kind."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, date):
        return "date"
    return type(value).__name__


def _tail(value: Any) -> str:
    return "" if value is None else " " + _show(value)


def _show(value: Any, limit: int = 40) -> str:
    """A short JSON-like rendering of ``value`` (at most ``limit`` characters)."""
    text = _brief(value, 0)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _brief(value: Any, depth: int) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 200 else f"<{value.bit_length()}-bit integer>"
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, str):
        return to_json(value[:40])  # lone surrogates escaped: the message stays printable
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        if depth >= 2 or not value:
            return ("[…]" if value else "[]") if isinstance(value, list | tuple) else (
                "{…}" if value else "{}")
        if isinstance(value, dict):
            parts = [f"{_brief(k, 3)}: {_brief(v, depth + 1)}" for k, v in
                     list(value.items())[:4]]
            return "{" + ", ".join(parts) + (", …" if len(value) > 4 else "") + "}"
        parts = [_brief(v, depth + 1) for v in value[:4]]
        return "[" + ", ".join(parts) + (", …" if len(value) > 4 else "") + "]"
    return type(value).__name__
