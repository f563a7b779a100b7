"""The built-in functions of GML (spec/gml.md §6): ``FUNCTIONS``, indexed by upper-case name.

Rules every function here follows:

* **Null in, null out** for functions that transform one value (``UPPER``, ``SUBSTRING``,
  ``SPLIT``, ``JOIN``, ``ROUND``, ``INT``, ``FORMAT_DATE``, ``KEYS``…), exactly like the method
  forms (``null.split()`` is null). The exceptions are the ones §6 names: ``LEN``/``COUNT`` of
  null are 0, ``SUM`` skips nulls, ``STRING(null)`` and ``CONCAT`` use the §5.6 text ``''``.
* **Type errors are G301** and name the function and the offending kind; **conversions** that
  cannot succeed (``INT('abc')``, ``FROMJSON('{')``) are **G303**; malformed dates, offset
  specs and patterns are **G304**; strings and arrays larger than the evaluation's limits are
  **G306**. Nothing else escapes.
* Numbers keep their kind where §6 says so, and Decimal arithmetic here never goes through the
  decimal context (so no digit is rounded away behind the user's back).
* Dates come from the evaluation context: ``NOW``/``DATE``/``TODAY`` read ``ctx.now()``,
  which is already in the flow's timezone, and strings without an offset are read in it.

Decisions beyond the spec's table (each also stated in the function's doc line):

* ``ROUND(n)`` and ``ROUND(n, 0)`` give an int for every numeric kind; with other ``digits``
  a float stays a float and a Decimal a Decimal. Floats are rounded by their shortest decimal
  text (``ROUND(2.675, 2)`` is ``2.68``, as written, not as stored in binary).
* ``SUBSTRING(s, start[, len])``: 0-based ``start``, negative counts from the end, a ``len``
  past the end or below zero is clamped.
* ``SPLIT('')`` is ``[]`` (not ``['']``); an empty separator splits into characters.
* ``INT``/``FLOAT``/``DECIMAL`` accept numeric strings in plain or exponent notation with
  surrounding whitespace, and nothing else (no ``'1_000'``, ``'0x1F'``, ``'NaN'``).
* ``MD5``/``SHA256`` hash the §5.6 text of any non-null value (``MD5(42)`` hashes ``'42'``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import reduce
from typing import Any

import pendulum

from gml._context import EvalContext
from gml._errors import GmlLimitError, GmlRuntimeError
from gml._limits import Limits
from gml.types import (
    ANY,
    BOOL,
    DATE,
    DECIMAL,
    DOUBLE,
    INT,
    LONG,
    NULL,
    NUMERIC,
    STRING,
    ArrayType,
    MapType,
    Nullable,
    Type,
    element_type,
    join,
    nullable,
    strip_null,
)
from gml.values import article, is_number, kind, to_json, to_text, truthy

from . import _dates
from ._aggregate import average, collect, maximum, median, minimum, total
from ._support import (
    check_array_size,
    check_string_size,
    need_int,
    need_number,
    need_string,
)
from ._table import Builtin, LambdaSpec, Param, table

__all__ = ["FUNCTIONS"]

_NUMERIC_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_MAX_INT_DIGITS = 4300
"""Largest integer (in decimal digits) a conversion may create: Python's own text limit."""

_DEFAULT_DATE_PATTERN = "YYYY-MM-DD"


# ---------------------------------------------------------------- static return types


def _element_lambda(t: Type) -> tuple[Type, ...]:
    """Lambda parameters of ``F(arr, x => …)``: the element and its index."""
    return (element_type(t), INT)


_PER_ELEMENT = LambdaSpec(_element_lambda)


def _aggregated(args: Sequence[Type]) -> list[Type] | None:
    """The static types of the values an aggregate sees, or None when they are unknown."""
    if args and isinstance(strip_null(args[0]), ArrayType):
        if len(args) == 1:
            return [element_type(args[0])]
        if len(args) == 2:
            return None if strip_null(args[1]) == STRING else [args[1]]
    return list(args)


def _numeric_kind(types: Sequence[Type] | None) -> Type | None:
    """The kind of a sum of values of these types (skipping nulls), or None if not numeric."""
    if not types:
        return None
    bases = {strip_null(t) for t in types} - {NULL}
    if not bases or not bases <= NUMERIC:
        return None
    if bases == {INT}:
        return INT
    if bases <= {INT, LONG}:
        return LONG
    return DECIMAL if DECIMAL in bases else DOUBLE


def _sum_type(_receiver: Type, args: Sequence[Type]) -> Type:
    return _numeric_kind(_aggregated(args)) or ANY


def _mean_type(_receiver: Type, args: Sequence[Type]) -> Type:
    numeric = _numeric_kind(_aggregated(args))
    if numeric is None:
        return ANY
    return Nullable(DECIMAL if numeric == DECIMAL else DOUBLE)


def _extreme_type(_receiver: Type, args: Sequence[Type]) -> Type:
    types = _aggregated(args)
    if not types:
        return ANY
    return nullable(reduce(join, (strip_null(t) for t in types)))


def _round_type(_receiver: Type, args: Sequence[Type]) -> Type:
    base = strip_null(args[0]) if args else ANY
    if len(args) < 2:
        return INT
    return base if base in NUMERIC else ANY


def _if_type(_receiver: Type, args: Sequence[Type]) -> Type:
    if len(args) < 2:
        return ANY
    return join(args[1], args[2]) if len(args) > 2 else nullable(args[1])


def _coalesce_type(_receiver: Type, args: Sequence[Type]) -> Type:
    if not args:
        return NULL
    base = reduce(join, (strip_null(t) for t in args))
    if all(t in (NULL, ANY) or isinstance(t, Nullable) for t in args):
        return nullable(base)
    return base


def _element_result(_receiver: Type, args: Sequence[Type]) -> Type:
    return nullable(element_type(args[0])) if args else ANY


def _values_type(_receiver: Type, args: Sequence[Type]) -> Type:
    base = strip_null(args[0]) if args else ANY
    return ArrayType(base.value if isinstance(base, MapType) else ANY)


# ---------------------------------------------------------------- helpers


def _limited_text(value: Any, limits: Limits) -> str:
    text = to_text(value, limits)
    check_string_size(len(text), limits)
    return text


def _whole(value: Any, what: str) -> int:
    """An integer argument; `need_int`, but a non-finite number is a G301 too."""
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise GmlRuntimeError("G301", f"{what} needs an integer, not {value}")
    return need_int(value, what)


def _optional_string(value: Any, default: str, what: str) -> str:
    return default if value is None else need_string(value, what)


def _to_int(value: Decimal, what: str) -> int:
    """An integral finite Decimal as an int, refusing absurdly large ones (G303)."""
    if not value.is_finite():
        raise GmlRuntimeError("G303", f"{what} cannot turn {value} into an integer")
    if value.adjusted() >= _MAX_INT_DIGITS:
        raise GmlRuntimeError("G303", f"{what}: the number has more than {_MAX_INT_DIGITS} "
                              "digits; keep it as a DECIMAL")
    return int(value)


def _exact(number: int | float | Decimal, what: str) -> Decimal:
    """The exact decimal value of a finite number (a float by its shortest text)."""
    exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if not exact.is_finite():
        raise GmlRuntimeError("G303", f"{what} cannot use the non-finite number {number}")
    return exact


def _integral(number: int | float | Decimal, rounding: str, what: str) -> int:
    if isinstance(number, int):
        return number
    return _to_int(_exact(number, what).to_integral_value(rounding=rounding), what)


def _round_decimal(value: Decimal, places: int) -> Decimal:
    """Round half away from zero to ``places`` decimals, exactly (no context precision)."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: callers check
    if exponent >= -places:
        return value
    if value.adjusted() < -places - 1:
        return Decimal((0, (0,), min(0, -places)))
    scaled = Decimal((sign, digits, exponent + places))
    whole = scaled.to_integral_value(rounding=ROUND_HALF_UP).as_tuple()
    assert isinstance(whole.exponent, int)
    return Decimal((whole.sign, whole.digits, whole.exponent - places))


def _parse_number(text: str, what: str) -> Decimal:
    """The exact value of a numeric string; G303 for anything else or an absurd exponent."""
    stripped = text.strip()
    if _NUMERIC_TEXT.fullmatch(stripped) is None:
        raise GmlRuntimeError("G303", f"{what} cannot convert {text[:50]!r}: it is not a number "
                              "(write digits such as '42', '-3.5' or '1e3')")
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        value = None
    if value is None or abs(value.adjusted()) > _MAX_INT_DIGITS:
        raise GmlRuntimeError("G303", f"{what} cannot convert {text[:50]!r}: the exponent is out "
                              f"of range (at most {_MAX_INT_DIGITS} digits either side)")
    return value


def _check_depth(value: Any, limits: Limits) -> None:
    """Refuse parsed JSON nested deeper than the limits allow (iteratively: no recursion)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= limits.max_depth:
                raise GmlLimitError(f"FROMJSON: the JSON is nested more than {limits.max_depth} "
                                    "levels deep")
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# ---------------------------------------------------------------- aggregates


def _sum(*args: Any) -> Any:
    return total(collect(args, "SUM"))


def _avg(*args: Any) -> Any:
    return average(collect(args, "AVG"))


def _min(*args: Any) -> Any:
    return minimum(collect(args, "MIN"))


def _max(*args: Any) -> Any:
    return maximum(collect(args, "MAX"))


def _med(*args: Any) -> Any:
    return median(collect(args, "MED"))


def _count(value: Any) -> int:
    if value is None:
        return 0
    return len(value) if isinstance(value, list | tuple) else 1


# ---------------------------------------------------------------- numbers


def _round(value: Any, digits: Any = None) -> Any:
    if value is None:
        return None
    number = need_number(value, "ROUND")
    places = 0 if digits is None else _whole(digits, "ROUND (digits)")
    if isinstance(number, int):
        return number if places >= 0 else int(_round_decimal(Decimal(number), places))
    rounded = _round_decimal(_exact(number, "ROUND"), places)
    if places == 0:
        return _to_int(rounded, "ROUND")
    return float(rounded) if isinstance(number, float) else rounded


def _floor(value: Any) -> int | None:
    if value is None:
        return None
    return _integral(need_number(value, "FLOOR"), ROUND_FLOOR, "FLOOR")


def _ceil(value: Any) -> int | None:
    if value is None:
        return None
    return _integral(need_number(value, "CEIL"), ROUND_CEILING, "CEIL")


def _abs(value: Any) -> Any:
    if value is None:
        return None
    number = need_number(value, "ABS")
    return number.copy_abs() if isinstance(number, Decimal) else abs(number)


# ---------------------------------------------------------------- strings


def _concat(ctx: EvalContext, *values: Any) -> str:
    parts: list[str] = []
    size = 0
    for value in values:
        text = to_text(value, ctx.limits)
        size += len(text)
        check_string_size(size, ctx.limits)
        parts.append(text)
    return "".join(parts)


def _upper(value: Any) -> str | None:
    return None if value is None else need_string(value, "UPPER").upper()


def _lower(value: Any) -> str | None:
    return None if value is None else need_string(value, "LOWER").lower()


def _trim(value: Any) -> str | None:
    return None if value is None else need_string(value, "TRIM").strip()


def _len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    raise GmlRuntimeError("G301", f"LEN needs a string, an array or an object, not a "
                          f"{kind(value)}; for a number use LEN(STRING(x))")


def _substring(value: Any, start: Any, length: Any = None) -> str | None:
    if value is None:
        return None
    text = need_string(value, "SUBSTRING")
    begin = _whole(start, "SUBSTRING (start)")
    if begin < 0:
        begin = max(0, len(text) + begin)
    if length is None:
        return text[begin:]
    count = _whole(length, "SUBSTRING (length)")
    return text[begin:begin + max(0, count)]


def _replace(ctx: EvalContext, value: Any, old: Any, new: Any = None) -> str | None:
    if value is None:
        return None
    text = need_string(value, "REPLACE")
    target = need_string(old, "REPLACE (from)")
    replacement = _optional_string(new, "", "REPLACE (to)")
    hits = text.count(target)
    check_string_size(len(text) + hits * (len(replacement) - len(target)), ctx.limits)
    return text.replace(target, replacement)


def _split(ctx: EvalContext, value: Any, sep: Any = None) -> list[str] | None:
    if value is None:
        return None
    text = need_string(value, "SPLIT")
    separator = _optional_string(sep, ",", "SPLIT (separator)")
    if not text:
        return []
    count = len(text) if not separator else text.count(separator) + 1
    check_array_size(count, ctx.limits)
    return list(text) if not separator else text.split(separator)


def _join(ctx: EvalContext, value: Any, sep: Any = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise GmlRuntimeError("G301", f"JOIN needs an array, not {article(kind(value))}")
    separator = _optional_string(sep, ",", "JOIN (separator)")
    parts: list[str] = []
    size = -len(separator)
    for item in value:
        text = to_text(item, ctx.limits)
        size += len(separator) + len(text)
        check_string_size(size, ctx.limits)
        parts.append(text)
    return separator.join(parts)


# ---------------------------------------------------------------- logic


def _if(test: Callable[[], Any], then: Callable[[], Any],
        otherwise: Callable[[], Any] | None = None) -> Any:
    if truthy(test()):
        return then()
    return otherwise() if otherwise is not None else None


def _coalesce(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def _bool(value: Any) -> bool:
    return truthy(value)


# ---------------------------------------------------------------- conversions


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return _integral(value, ROUND_DOWN, "INT")
    if isinstance(value, str):
        return _integral(_parse_number(value, "INT"), ROUND_DOWN, "INT")
    raise GmlRuntimeError("G303", f"INT cannot convert {article(kind(value))}; "
                          "it takes a number, a numeric string or a bool")


def _float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, float):
        return value
    if isinstance(value, bool | int | Decimal):
        source = value
    elif isinstance(value, str):
        source = _parse_number(value, "FLOAT")
    else:
        raise GmlRuntimeError("G303", f"FLOAT cannot convert {article(kind(value))}; "
                              "it takes a number, a numeric string or a bool")
    if isinstance(source, Decimal) and not source.is_finite():
        raise GmlRuntimeError("G303", f"FLOAT cannot convert the non-finite decimal {source}")
    try:
        result = float(source)
    except OverflowError:
        result = math.inf
    if math.isinf(result):
        raise GmlRuntimeError("G303", "FLOAT: the number is too large for a double; "
                              "keep it as a DECIMAL")
    return result


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, str):
        return _parse_number(value, "DECIMAL")
    if is_number(value):
        return _exact(value, "DECIMAL") if not isinstance(value, Decimal) else value
    raise GmlRuntimeError("G303", f"DECIMAL cannot convert {article(kind(value))}; "
                          "it takes a number, a numeric string or a bool")


def _string(ctx: EvalContext, value: Any) -> str:
    return _limited_text(value, ctx.limits)


def _tojson(ctx: EvalContext, value: Any) -> str:
    text = to_json(value, ctx.limits)
    check_string_size(len(text), ctx.limits)
    return text


def _fromjson(ctx: EvalContext, value: Any) -> Any:
    if value is None:
        return None
    text = need_string(value, "FROMJSON")
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise GmlLimitError("FROMJSON: the JSON is nested too deeply") from None
    except ValueError as error:
        raise GmlRuntimeError("G303", f"FROMJSON cannot parse the text: {error}") from None
    _check_depth(parsed, ctx.limits)
    return parsed


# ---------------------------------------------------------------- dates


def _now(ctx: EvalContext) -> pendulum.DateTime:
    return ctx.now()


def _date(ctx: EvalContext, *spec: Any) -> pendulum.DateTime | None:
    if not spec:
        return ctx.now()
    value = spec[0]
    if value is None:
        return None
    if isinstance(value, str) and _dates.is_offset_spec(value):
        return _dates.apply_offset(ctx.now(), value)
    if isinstance(value, str | datetime):
        return _dates.to_datetime(value, ctx.tz, "DATE")
    raise GmlRuntimeError("G301", f"DATE needs an offset spec such as '-3M', an ISO 8601 "
                          f"string or a date, not {article(kind(value))}")


def _today(ctx: EvalContext) -> pendulum.DateTime:
    return ctx.now().start_of("day")


def _format_date(ctx: EvalContext, value: Any, pattern: Any = None) -> str | None:
    if value is None:
        return None
    moment = _dates.to_datetime(value, ctx.tz, "FORMAT_DATE")
    layout = _optional_string(pattern, _DEFAULT_DATE_PATTERN, "FORMAT_DATE (pattern)")
    return _dates.format_date(moment, layout)


def _parse_date(ctx: EvalContext, value: Any, pattern: Any = None) -> pendulum.DateTime | None:
    if value is None:
        return None
    if pattern is None or isinstance(value, datetime):
        return _dates.to_datetime(value, ctx.tz, "PARSE_DATE")
    text = need_string(value, "PARSE_DATE")
    layout = need_string(pattern, "PARSE_DATE (pattern)")
    return _dates.parse_date(text, layout, ctx.tz, ctx.now())


# ---------------------------------------------------------------- identifiers and digests


def _uuid() -> str:
    return str(uuid.uuid4())


def _digest(algorithm: str) -> Callable[[EvalContext, Any], str | None]:
    def digest(ctx: EvalContext, value: Any) -> str | None:
        if value is None:
            return None
        data = to_text(value, ctx.limits).encode("utf-8")
        return hashlib.new(algorithm, data).hexdigest()

    return digest


# ---------------------------------------------------------------- arrays and objects


def _need_array(value: Any, what: str) -> Sequence[Any]:
    if isinstance(value, list | tuple):
        return value
    raise GmlRuntimeError("G301", f"{what} needs an array, not {article(kind(value))}")


def _first(value: Any) -> Any:
    if value is None:
        return None
    items = _need_array(value, "FIRST")
    return items[0] if items else None


def _last(value: Any) -> Any:
    if value is None:
        return None
    items = _need_array(value, "LAST")
    return items[-1] if items else None


def _need_object(value: Any, what: str) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    raise GmlRuntimeError("G301", f"{what} needs an object, not {article(kind(value))}")


def _keys(value: Any) -> list[str] | None:
    return None if value is None else list(_need_object(value, "KEYS"))


def _values(value: Any) -> list[Any] | None:
    return None if value is None else list(_need_object(value, "VALUES").values())


# ---------------------------------------------------------------- the table


def _aggregate(name: str, impl: Callable[..., Any], returns: Callable[..., Type], doc: str,
               examples: tuple[tuple[str, str], ...], *, variadic: bool) -> Builtin:
    """``F(arr[, field])`` and, when ``variadic``, ``F(a, b, ...)``."""
    result = "any" if name in ("MIN", "MAX") else "number"
    forms = [f"{name}(arr: any[], [field: fn])"]
    if variadic:
        forms.append(f"{name}(a, b, ...)")
    return Builtin(
        name, impl,
        (Param("values"), Param("field", optional=True, fn=_PER_ELEMENT)),
        returns, doc, examples, variadic=variadic,
        signature=f"{' | '.join(forms)} -> {result}")


FUNCTIONS: Mapping[str, Builtin] = table(
    # ------------------------------------------------------------ aggregates
    _aggregate(
        "SUM", _sum, _sum_type,
        "Sum of the numeric values of an array, of a field of its elements, or of the "
        "arguments (others and null skipped); empty → 0; int if all are ints.",
        (("SUM(nums)", "14"),
         ("SUM(orders, 'amount')", "245.5"),
         ("SUM(orders, o => COUNT(o.items))", "3"),
         ("SUM(1, 2.5, null)", "3.5"),
         ("SUM([])", "0")),
        variadic=True),
    _aggregate(
        "AVG", _avg, _mean_type,
        "Mean of the numeric values of an array (or of a field of its elements); none → null.",
        (("AVG(nums)", "2.8"),
         ("AVG(orders, 'amount') > 80", "true"),
         ("AVG([2, 4, null])", "3"),
         ("AVG([])", "null")),
        variadic=False),
    _aggregate(
        "MIN", _min, _extreme_type,
        "Smallest of the comparable non-null values (numbers, strings or dates); none → null.",
        (("MIN(nums)", "1"),
         ("MIN(orders, 'amount')", "45.5"),
         ("MIN(3, null, 2)", "2"),
         ("MIN([])", "null")),
        variadic=True),
    _aggregate(
        "MAX", _max, _extreme_type,
        "Largest of the comparable non-null values (numbers, strings or dates); none → null.",
        (("MAX(nums)", "5"),
         ("MAX('pear', 'apple')", '"pear"'),
         ("MAX(orders, o => o.time)", '"2025-03-20T18:15:00+08:00"'),
         ("MAX(null)", "null")),
        variadic=True),
    _aggregate(
        "MED", _med, _mean_type,
        "Median of the numeric values; an even count averages the middle two; none → null.",
        (("MED(nums)", "3"),
         ("MED([1, 2, 3, 4])", "2.5"),
         ("MED([])", "null")),
        variadic=False),
    Builtin(
        "COUNT", _count, (Param("x"),), INT,
        "Number of elements of an array; null → 0; any other value → 1.",
        (("COUNT(orders)", "3"), ("COUNT(null)", "0"), ("COUNT('abc')", "1"))),
    # ------------------------------------------------------------ numbers
    Builtin(
        "ROUND", _round, (Param("n"), Param("digits", INT, optional=True)), _round_type,
        "Round half away from zero to `digits` decimals (default 0 → an int); a Decimal stays "
        "a Decimal; negative `digits` round to tens, hundreds…",
        (("ROUND(2.5)", "3"),
         ("ROUND(-2.5)", "-3"),
         ("ROUND(2.675, 2)", "2.68"),
         ("ROUND(1250, -2)", "1300"),
         ("ROUND(null)", "null"))),
    Builtin(
        "FLOOR", _floor, (Param("n"),), INT,
        "Largest integer not above `n`, as an int.",
        (("FLOOR(2.7)", "2"), ("FLOOR(-2.1)", "-3"), ("FLOOR(null)", "null"))),
    Builtin(
        "CEIL", _ceil, (Param("n"),), INT,
        "Smallest integer not below `n`, as an int.",
        (("CEIL(2.1)", "3"), ("CEIL(-2.7)", "-2"))),
    Builtin(
        "ABS", _abs, (Param("n"),), lambda _r, args: strip_null(args[0]) if args else ANY,
        "Absolute value, of the same numeric kind.",
        (("ABS(-5)", "5"), ("ABS(-2.5)", "2.5"), ("ABS(null)", "null"))),
    # ------------------------------------------------------------ strings
    Builtin(
        "CONCAT", _concat, (Param("values", optional=True),), STRING,
        "All arguments converted to text (§5.6: null → '') and joined.",
        (("CONCAT('a', 1, null, true)", '"a1true"'),
         ("CONCAT(user.name, ': ', user.tags)", '"Alice: [\\"vip\\",\\"new\\"]"')),
        variadic=True, context=True),
    Builtin(
        "UPPER", _upper, (Param("s", STRING),), STRING,
        "The string in upper case; null → null.",
        (("UPPER(user.name)", '"ALICE"'), ("UPPER(null)", "null"))),
    Builtin(
        "LOWER", _lower, (Param("s", STRING),), STRING,
        "The string in lower case; null → null.",
        (("LOWER(text)", '"hello, world"'), ("LOWER('ÄÖ')", '"äö"'))),
    Builtin(
        "TRIM", _trim, (Param("s", STRING),), STRING,
        "The string without leading and trailing whitespace; null → null.",
        (("TRIM('  a b  ')", '"a b"'), ("TRIM(null)", "null"))),
    Builtin(
        "LEN", _len, (Param("x"),), INT,
        "Characters of a string, elements of an array, keys of an object; null → 0.",
        (("LEN('你好!')", "3"), ("LENGTH(nums)", "5"), ("LEN(user.address)", "2"),
         ("LEN(null)", "0")),
        aliases=("LENGTH",)),
    Builtin(
        "SUBSTRING", _substring,
        (Param("s", STRING), Param("start", INT), Param("len", INT, optional=True)), STRING,
        "`len` characters (default: the rest) from the 0-based `start`; a negative start "
        "counts from the end; null → null.",
        (("SUBSTRING(text, 7)", '"World"'),
         ("SUBSTRING(text, 0, 5)", '"Hello"'),
         ("SUBSTRING(text, -5, 3)", '"Wor"'),
         ("SUBSTRING(null, 1)", "null"))),
    Builtin(
        "REPLACE", _replace,
        (Param("s", STRING), Param("from", STRING), Param("to", STRING, optional=True)), STRING,
        "Every occurrence of `from` replaced by `to` (default ''); null → null.",
        (("REPLACE('a-b-c', '-', '+')", '"a+b+c"'), ("REPLACE('a-b-c', '-')", '"abc"')),
        context=True),
    Builtin(
        "SPLIT", _split, (Param("s", STRING), Param("sep", STRING, optional=True)),
        ArrayType(STRING),
        "The parts of `s` between separators (default ','); '' → []; an empty separator "
        "splits into characters; null → null.",
        (("SPLIT('a,b,,c')", '["a", "b", "", "c"]'),
         ("SPLIT('x y', ' ')", '["x", "y"]'),
         ("SPLIT('')", "[]")),
        context=True),
    Builtin(
        "JOIN", _join, (Param("arr", ArrayType(ANY)), Param("sep", STRING, optional=True)),
        STRING,
        "The elements converted to text (§5.6) and joined by `sep` (default ','); "
        "null → null.",
        (("JOIN(nums)", '"3,1,4,1,5"'),
         ("JOIN(user.tags, ' | ')", '"vip | new"'),
         ("JOIN(['a', null, 1.0])", '"a,,1"')),
        context=True),
    # ------------------------------------------------------------ logic
    Builtin(
        "IF", _if, (Param("c"), Param("a"), Param("b", optional=True)), _if_type,
        "`a` if `c` is truthy, else `b` (default null); only the chosen branch is evaluated.",
        (("IF(COUNT(orders) > 2, 'many', 'few')", '"many"'),
         ("IF(null, 1, 2)", "2"),
         ("IF(true, 'safe', 1 / 0)", '"safe"')),
        lazy=True),
    Builtin(
        "COALESCE", _coalesce, (Param("a"), Param("more", optional=True)), _coalesce_type,
        "The first argument that is not null, else null.",
        (("COALESCE(null, user.address.zip, 'none')", '"200000"'),
         ("COALESCE(null, null)", "null")),
        variadic=True),
    Builtin(
        "BOOL", _bool, (Param("x"),), BOOL,
        "Truthiness (§5.2): null, false, 0, '', [] and {} are false; all else is true.",
        (("BOOL('')", "false"), ("BOOL([0])", "true"), ("BOOL(null)", "false"))),
    # ------------------------------------------------------------ conversions
    Builtin(
        "INT", _int, (Param("x"),), INT,
        "An int from a number (truncated toward zero), a numeric string or a bool; "
        "anything else is G303; null → null.",
        (("INT('42')", "42"), ("INT(-3.9)", "-3"), ("LONG(' 7.5 ')", "7"), ("INT(true)", "1")),
        aliases=("LONG",)),
    Builtin(
        "FLOAT", _float, (Param("x"),), DOUBLE,
        "A double from a number, a numeric string or a bool; anything else is G303; "
        "null → null.",
        (("FLOAT('2.5')", "2.5"), ("DOUBLE('1e3') / 8", "125"), ("FLOAT(7) / 2", "3.5")),
        aliases=("DOUBLE",)),
    Builtin(
        "DECIMAL", _decimal, (Param("x"),), DECIMAL,
        "An exact Decimal from a number, a numeric string (every digit kept) or a bool; "
        "null → null.",
        (("DECIMAL('0.1') + DECIMAL('0.2')", "0.3"),
         ("STRING(DECIMAL('12345678901234567890.123456789'))",
          '"12345678901234567890.123456789"'),
         ("DECIMAL(0.1)", "0.1"))),
    Builtin(
        "STRING", _string, (Param("x"),), STRING,
        "The value as text (§5.6): null → '', 6.0 → '6', dates as ISO 8601, arrays and "
        "objects as compact JSON.",
        (("STRING(6.0)", '"6"'), ("STRING(null)", '""'),
         ("STRING(user.tags)", '"[\\"vip\\",\\"new\\"]"')),
        context=True),
    Builtin(
        "TOJSON", _tojson, (Param("x"),), STRING,
        "Compact JSON text (no spaces; dates as ISO 8601, decimals with their exact digits).",
        (("TOJSON({a: 1, b: [true, null]})", '"{\\"a\\":1,\\"b\\":[true,null]}"'),
         ("TOJSON(DATE('2025-01-31'))", '"\\"2025-01-31T00:00:00.000+08:00\\""')),
        context=True),
    Builtin(
        "FROMJSON", _fromjson, (Param("s", STRING),), ANY,
        "The value of a JSON text (fractions become doubles); malformed JSON is G303; "
        "null → null.",
        (("FROMJSON('{\"a\": [1, 2.5, null]}')", '{"a": [1, 2.5, null]}'),
         ("FROMJSON('[1, 2]')[1]", "2"),
         ("FROMJSON(null)", "null")),
        context=True),
    # ------------------------------------------------------------ dates
    Builtin(
        "NOW", _now, (), DATE,
        "The current datetime in the flow's timezone.",
        (("NOW()", '"2025-06-15T10:30:00.000+08:00"'),),
        context=True),
    Builtin(
        "DATE", _date, (Param("spec", optional=True),), DATE,
        "No argument: now. An offset spec ('-3M', '+1d', '-1y 2d') moves now; any other "
        "string is parsed as ISO 8601 (no offset: the flow's timezone); a date passes through.",
        (("DATE()", '"2025-06-15T10:30:00.000+08:00"'),
         ("DATE('-3M')", '"2025-03-15T10:30:00.000+08:00"'),
         ("DATE('-1y 2d')", '"2024-06-13T10:30:00.000+08:00"'),
         ("TIME('2025-01-31')", '"2025-01-31T00:00:00.000+08:00"'),
         ("DATE('2025-01-05T10:00:00Z')", '"2025-01-05T10:00:00.000+00:00"')),
        context=True, aliases=("TIME",)),
    Builtin(
        "TODAY", _today, (), DATE,
        "The start (midnight) of the current day in the flow's timezone.",
        (("TODAY()", '"2025-06-15T00:00:00.000+08:00"'),),
        context=True),
    Builtin(
        "FORMAT_DATE", _format_date, (Param("d"), Param("pattern", STRING, optional=True)),
        STRING,
        "Format a date (or ISO string) with pendulum tokens (YYYY MM DD HH mm ss SSS Z; "
        "[text] is literal); default 'YYYY-MM-DD'; null → null.",
        (("FORMAT_DATE(NOW())", '"2025-06-15"'),
         ("FORMAT_DATE(NOW(), 'YYYY/MM/DD HH:mm:ss.SSS Z')", '"2025/06/15 10:30:00.000 +08:00"'),
         ("FORMAT_DATE(orders[0].time, 'DD.MM.YYYY [at] HH:mm')", '"05.01.2025 at 10:00"'),
         ("FORMAT_DATE(null)", "null")),
        context=True),
    Builtin(
        "PARSE_DATE", _parse_date,
        (Param("s", STRING), Param("pattern", STRING, optional=True)), DATE,
        "Parse text laid out as `pattern` (pendulum tokens), or as ISO 8601 without one; "
        "no offset: the flow's timezone; no match is G304; null → null.",
        (("PARSE_DATE('31/01/2025 08:15', 'DD/MM/YYYY HH:mm')",
          '"2025-01-31T08:15:00.000+08:00"'),
         ("PARSE_DATE('2025-01-05T10:00:00Z')", '"2025-01-05T10:00:00.000+00:00"'),
         ("PARSE_DATE(null, 'YYYY')", "null")),
        context=True),
    # ------------------------------------------------------------ identifiers and digests
    Builtin(
        "UUID", _uuid, (), STRING,
        "A random UUID (version 4) as 36 characters of lower-case hex and dashes.",
        (("LEN(UUID())", "36"),
         ("UUID() LIKE '________-____-4___-____-____________'", "true"))),
    Builtin(
        "MD5", _digest("md5"), (Param("s"),), STRING,
        "Hex MD5 digest of the UTF-8 text of the value (§5.6); null → null.",
        (("MD5('abc')", '"900150983cd24fb0d6963f7d28e17f72"'), ("MD5(null)", "null")),
        context=True),
    Builtin(
        "SHA256", _digest("sha256"), (Param("s"),), STRING,
        "Hex SHA-256 digest of the UTF-8 text of the value (§5.6); null → null.",
        (("SHA256('abc')",
          '"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"'),),
        context=True),
    # ------------------------------------------------------------ arrays and objects
    Builtin(
        "FIRST", _first, (Param("arr", ArrayType(ANY)),), _element_result,
        "The first element, or null for an empty array or null.",
        (("FIRST(nums)", "3"), ("FIRST([])", "null"))),
    Builtin(
        "LAST", _last, (Param("arr", ArrayType(ANY)),), _element_result,
        "The last element, or null for an empty array or null.",
        (("LAST(nums)", "5"), ("LAST(orders).id", '"o3"'), ("LAST(null)", "null"))),
    Builtin(
        "KEYS", _keys, (Param("obj"),), ArrayType(STRING),
        "The keys of an object, in order; null → null.",
        (("KEYS(user.address)", '["city", "zip"]'), ("KEYS({})", "[]"))),
    Builtin(
        "VALUES", _values, (Param("obj"),), _values_type,
        "The values of an object, in key order; null → null.",
        (("VALUES(user.address)", '["Shanghai", "200000"]'),
         ("VALUES({a: 1, b: null})", "[1, null]"))),
    fold_case=True,
)
"""Every built-in function of §6, keyed by upper-case name and alias."""
