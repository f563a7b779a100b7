"""The value semantics of spec/gml.md §5: kinds, truthiness, equality, ordering, arithmetic
and conversion to text.

Everything here works on native Python values (``None``, ``bool``, ``int``, ``float``,
``Decimal``, ``str``, aware ``datetime``, ``list``, ``dict``) with no conversion or copying.
``bool`` is a subclass of ``int`` in Python but never a number in GML, so numeric checks use
`is_number`, never ``isinstance(x, int)``.

Functions raise `GmlRuntimeError` without a span; the compiled closure that called them
attaches the position of the operation.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, DecimalException, Overflow
from typing import Any

import pendulum

from ._errors import GmlLimitError, GmlRuntimeError
from ._like import LikePattern
from ._limits import Limits, check_array_size, check_string_size
from .text import article as article

__all__ = [
    "add",
    "article",
    "compare",
    "divide",
    "equal",
    "is_number",
    "kind",
    "like",
    "member",
    "modulo",
    "multiply",
    "negate",
    "subtract",
    "to_json",
    "to_text",
    "truthy",
]

_DEFAULT_LIMITS = Limits()


def kind(value: Any) -> str:
    """The GML name of a value's kind, as used in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "date"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "function" if callable(value) else type(value).__name__



def is_number(value: Any) -> bool:
    """True for int, float and Decimal, never for bool."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def truthy(value: Any) -> bool:
    """§5.2: null, false, 0, 0.0, Decimal(0), '', [] and {} are falsy; all else is truthy.

    Python's own truthiness is exactly this for GML values.
    """
    return bool(value)


# ---------------------------------------------------------------- text and JSON (§5.6)


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _decimal_text(value: Decimal) -> str:
    # Exact digits; a huge exponent keeps scientific form instead of a gigantic string.
    if not value.is_finite() or abs(value.adjusted()) > 1000:
        return str(value)
    return format(value, "f")


def date_text(value: datetime) -> str:
    """ISO 8601 with milliseconds and offset: ``2025-12-01T10:30:00.000+08:00``."""
    return value.isoformat(timespec="milliseconds")


def to_text(value: Any, limits: Limits = _DEFAULT_LIMITS) -> str:
    """Convert a value to text as templates, ``+`` with strings, JOIN, CONCAT and STRING do."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime):
        return date_text(value)
    return to_json(value, limits)


_ESCAPE = re.compile(r'[\x00-\x1f\\"\ud800-\udfff]')
"""What JSON text must escape, plus lone surrogates (U+D800 to U+DFFF): Python strings hold
them (``FROMJSON('"\\ud800"')``, an input decoded from JSON), but UTF-8 cannot, so they
are written as ``\\udXXX`` escapes, as JavaScript's ``JSON.stringify`` does, and the
text can always be printed and stored."""
_ESCAPES: dict[str, str] = json.encoder.ESCAPE_DCT


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _encode_string(text: str) -> str:
    """``text`` as a JSON string literal; non-ASCII characters are kept as they are."""
    return '"' + _ESCAPE.sub(_escape, text) + '"'



def _dump(value: Any, limits: Limits, depth: int, indent: str | None, out: list[str],
          room: list[int]) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, str):
        room[0] -= len(value)
        if room[0] < 0:  # one string held a million times is a long text, however built
            raise GmlLimitError(f"the JSON text would exceed {limits.max_string} characters")
        out.append(_encode_string(value))
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_float_text(value) if math.isfinite(value) else "null")
    elif isinstance(value, Decimal):
        out.append(_decimal_text(value) if value.is_finite() else "null")
    elif isinstance(value, datetime):
        out.append(_encode_string(date_text(value)))
    elif isinstance(value, list | tuple | Mapping):
        if depth >= limits.max_depth:
            raise GmlLimitError(f"value nested more than {limits.max_depth} levels deep")
        is_map = isinstance(value, Mapping)
        items: Any = list(value.items()) if isinstance(value, Mapping) else value
        if not items:
            out.append("{}" if is_map else "[]")
            return
        inner = None if indent is None else indent + "  "
        out.append("{" if is_map else "[")
        for i, item in enumerate(items):
            if i:
                out.append(",")
            if inner is not None:
                out.append("\n" + inner)
            if is_map:
                key, item = item
                out.append(_encode_string(str(key)))
                out.append(":" if inner is None else ": ")
            _dump(item, limits, depth + 1, inner, out, room)
        if indent is not None:
            out.append("\n" + indent)
        out.append("}" if is_map else "]")
    else:
        raise GmlRuntimeError("G303", f"{article(kind(value))} cannot be converted to JSON")


def to_json(value: Any, limits: Limits = _DEFAULT_LIMITS, *, pretty: bool = False) -> str:
    """Compact JSON text (no spaces); datetimes as §5.1 ISO text, decimals with their exact
    digits, integral floats without ``.0``. ``pretty`` indents by two spaces."""
    out: list[str] = []
    _dump(value, limits, 0, "" if pretty else None, out, [limits.max_string])
    return "".join(out)


# ---------------------------------------------------------------- dates in comparisons


_ISO_START = re.compile(r"^\d{4}-\d{2}")


def parse_iso(text: str, tz: Any = None) -> datetime | None:
    """Parse an ISO 8601 string into an aware datetime, or None if it is not one."""
    if not _ISO_START.match(text):
        return None
    try:
        parsed = pendulum.parse(text, tz=tz or "UTC")
    except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
        return None
    return parsed if isinstance(parsed, datetime) else None


# ---------------------------------------------------------------- equality (§5.4)


def equal(a: Any, b: Any, limits: Limits = _DEFAULT_LIMITS, depth: int = 0) -> bool:
    """Deep structural equality: numbers by value across int/float/Decimal, a datetime equals
    an ISO string of the same instant, values of different kinds are unequal."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is int or ta is bool or a is None):
        return bool(a == b)
    if a is None or b is None:
        return False
    if is_number(a):
        return is_number(b) and _numeric_equal(a, b)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, datetime):
        other = parse_iso(b) if isinstance(b, str) else b
        return isinstance(other, datetime) and a == other
    if isinstance(b, datetime):
        return equal(b, a, limits, depth)
    if isinstance(a, str) or isinstance(b, str):
        return False
    if depth > limits.max_depth:
        raise GmlLimitError(f"value nested more than {limits.max_depth} levels deep")
    if isinstance(a, list | tuple):
        return (isinstance(b, list | tuple) and len(a) == len(b)
                and all(equal(x, y, limits, depth + 1) for x, y in zip(a, b, strict=True)))
    if isinstance(a, Mapping):
        return (isinstance(b, Mapping) and len(a) == len(b)
                and all(k in b and equal(v, b[k], limits, depth + 1) for k, v in a.items()))
    return bool(a == b)


def _numeric_equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, Decimal):
        return _decimal_of(a) == b if math.isfinite(a) else False
    if isinstance(b, float) and isinstance(a, Decimal):
        return _decimal_of(b) == a if math.isfinite(b) else False
    return bool(a == b)


# ---------------------------------------------------------------- ordering


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _ordering_family(value: Any) -> str | None:
    """Which values ``value`` can be ordered against: numbers, strings or dates."""
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "date"
    return None


def compare(op: str, a: Any, b: Any) -> bool:
    """``< <= > >=``: numbers with numbers, strings with strings, datetimes with datetimes (an
    ISO string compared with a datetime is parsed first). ``null`` on either side is false."""
    if a is None or b is None:
        return False
    fa, fb = _ordering_family(a), _ordering_family(b)
    if fa == "date" and fb == "string":
        b = _date_operand(b, op, a)
    elif fa == "string" and fb == "date":
        a = _date_operand(a, op, b)
    elif fa is None or fa != fb:
        raise GmlRuntimeError("G301", f"cannot compare {kind(a)} {op} {kind(b)}")
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _compare_decimal(op, a, b)
    return bool(_ORDER[op](a, b))


def _compare_decimal(op: str, a: Any, b: Any) -> bool:
    """Ordering with a Decimal on a side; NaN compares false, as with floats."""
    x, y = _decimal_of(a), _decimal_of(b)
    if x.is_nan() or y.is_nan():
        return False
    return _ORDER[op](x, y)


def _date_operand(text: str, op: str, other: datetime) -> datetime:
    parsed = parse_iso(text, other.tzinfo)
    if parsed is None:
        raise GmlRuntimeError("G301", f"cannot compare date {op} string {text!r}: "
                              "the string is not an ISO 8601 date")
    return parsed


def sort_key_compare(a: Any, b: Any) -> int:
    """-1/0/1 ordering used by sorting: like `compare`, but total over mixed kinds (values of
    different kinds order by kind name) so that sorting never fails half-way."""
    if equal(a, b):
        return 0
    try:
        return -1 if compare("<", a, b) else 1
    except GmlRuntimeError:
        ka, kb = kind(a), kind(b)
        if ka != kb:
            return -1 if ka < kb else 1
        return -1 if to_text(a) < to_text(b) else 1


# ---------------------------------------------------------------- arithmetic


def _decimal_of(value: float | int | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else Decimal(value)
    return Decimal(value)


def _numeric_pair(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    if not (is_number(a) and is_number(b)):
        raise GmlRuntimeError("G301", f"cannot apply {op} to {kind(a)} and {kind(b)}")
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        if isinstance(a, float) and not math.isfinite(a):
            return a, float(b)
        if isinstance(b, float) and not math.isfinite(b):
            return float(a), b
        return _decimal_of(a), _decimal_of(b)
    return a, b


def _overflow(op: str, a: Any, b: Any) -> GmlLimitError:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        what = f"a decimal (the largest is about 1e{_MAX_DECIMAL_EXPONENT})"
    else:
        what = "a double (the largest is about 1.8e308)"
    return GmlLimitError(f"the result of {kind(a)} {op} {kind(b)} is too large for {what}; "
                         "check the operands")


_MAX_DECIMAL_EXPONENT = 999_999
"""The largest exponent of Python's default decimal context (beyond it: Overflow)."""


def _finite(value: Any) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _arith(op: str, fn: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """Apply a numeric operator to two numbers (never two plain ints: the callers handle
    those first). A result too large for its type is G306, never an uncaught
    ``decimal.Overflow`` or a silent infinity (which JSON would write as null)."""
    x, y = _numeric_pair(op, a, b)
    try:
        result = fn(x, y)
    except Overflow:
        raise _overflow(op, a, b) from None
    except OverflowError:  # an integer too large to become a double
        raise _overflow(op, a, b) from None
    except DecimalException as error:
        raise GmlRuntimeError("G301", f"cannot compute {kind(a)} {op} {kind(b)}: the result "
                              f"is not representable ({type(error).__name__})") from None
    if type(result) is float and not math.isfinite(result) and _finite(x) and _finite(y):
        raise _overflow(op, a, b)
    return result


def add(a: Any, b: Any, limits: Limits = _DEFAULT_LIMITS) -> Any:
    """``+``: numbers add, a string on either side concatenates text, arrays concatenate,
    otherwise null on either side gives null."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return a + b
    if ta is str or tb is str:
        text = to_text(a, limits) + to_text(b, limits)
        check_string_size(len(text), limits)
        return text
    if isinstance(a, list) and isinstance(b, list):
        check_array_size(len(a) + len(b), limits)
        return a + b
    if a is None or b is None:
        return None
    return _arith("+", operator.add, a, b)


def subtract(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return a - b
    if a is None or b is None:
        return None
    return _arith("-", operator.sub, a, b)


def multiply(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return a * b
    if a is None or b is None:
        return None
    return _arith("*", operator.mul, a, b)


def _true_divide(x: Any, y: Any) -> Any:
    if y == 0:
        raise GmlRuntimeError("G302", "division by zero")
    if type(x) is int and type(y) is int:
        quotient, remainder = divmod(x, y)
        return quotient if remainder == 0 else x / y
    return x / y


def divide(a: Any, b: Any) -> Any:
    """Exact division: int / int is an int when exact, else a float; Decimal stays Decimal."""
    if a is None or b is None:
        return None
    return _arith("/", _true_divide, a, b)


def _remainder(x: Any, y: Any) -> Any:
    if y == 0:
        raise GmlRuntimeError("G302", "modulo by zero")
    if type(x) is int and type(y) is int:
        r = abs(x) % abs(y)
        return -r if x < 0 else r
    if isinstance(x, Decimal):
        return x % y  # Decimal's % already keeps the dividend's sign
    return math.fmod(x, y)


def modulo(a: Any, b: Any) -> Any:
    """Remainder with the sign of the dividend (as in Java, JavaScript and SQL)."""
    if a is None or b is None:
        return None
    return _arith("%", _remainder, a, b)


def negate(a: Any) -> Any:
    if a is None:
        return None
    if not is_number(a):
        raise GmlRuntimeError("G301", f"cannot negate {article(kind(a))}")
    return -a


def plus(a: Any) -> Any:
    if a is None:
        return None
    if not is_number(a):
        raise GmlRuntimeError("G301", f"unary + needs a number, not {article(kind(a))}")
    return a


# ---------------------------------------------------------------- membership and LIKE


def contains(container: Any, item: Any) -> bool:
    """``x IN arr`` (by ``==``) and ``x IN 'string'`` (substring)."""
    if container is None:
        return False
    if isinstance(container, str):
        if item is None:
            return False
        if not isinstance(item, str):
            raise GmlRuntimeError(
                "G301", f"cannot test whether {article(kind(item))} is IN a string")
        return item in container
    if isinstance(container, list | tuple):
        return any(equal(item, element) for element in container)
    if isinstance(container, Mapping):
        return isinstance(item, str) and item in container
    raise GmlRuntimeError("G301", f"IN needs an array or a string, not {article(kind(container))}")


def like(value: Any, pattern: Any, compiled: LikePattern | None = None) -> bool:
    """``s LIKE pattern``: anchored, case-sensitive; ``null LIKE p`` is false. Matched
    without backtracking (`LikePattern`): the work is bounded by the text's length times
    the pattern's."""
    if value is None or pattern is None:
        return False
    if not isinstance(value, str) or not isinstance(pattern, str):
        raise GmlRuntimeError("G301", f"LIKE needs strings, not {kind(value)} and {kind(pattern)}")
    return (compiled if compiled is not None else LikePattern(pattern)).matches(value)


# ---------------------------------------------------------------- navigation (§5.3)

_DATE_PARTS = {
    "year": lambda d: d.year,
    "month": lambda d: d.month,
    "day": lambda d: d.day,
    "hour": lambda d: d.hour,
    "minute": lambda d: d.minute,
    "second": lambda d: d.second,
    "millisecond": lambda d: d.microsecond // 1000,
    "weekday": lambda d: d.isoweekday(),
    "dayOfYear": lambda d: d.timetuple().tm_yday,
}
DATE_PARTS = tuple(_DATE_PARTS)


def member(value: Any, name: str) -> Any:
    """``value.name``: a field, a projection over an array, a datetime component, or null."""
    if isinstance(value, Mapping):
        return value.get(name)
    if isinstance(value, list | tuple):
        out: list[Any] = []
        for element in value:
            item = member(element, name) if type(element) is not dict else element.get(name)
            if item is None:
                continue
            if isinstance(item, list):
                out.extend(item)
            else:
                out.append(item)
        return out
    if isinstance(value, datetime):
        part = _DATE_PARTS.get(name)
        return part(value) if part is not None else None
    return None


def index(value: Any, key: Any) -> Any:
    """``value[key]``: array element (negative from the end), object field, character."""
    if value is None or key is None:
        return None
    if isinstance(value, list | tuple | str):
        if not isinstance(key, int) or isinstance(key, bool):
            if isinstance(key, str) and isinstance(value, list | tuple):
                return member(value, key)
            raise GmlRuntimeError(
                "G301", f"cannot index {article(kind(value))} with {article(kind(key))}")
        if -len(value) <= key < len(value):
            return value[key]
        return None
    if isinstance(value, Mapping):
        if isinstance(key, str):
            return value.get(key)
        if is_number(key):
            return value.get(to_text(key))
        raise GmlRuntimeError("G301", f"cannot index an object with {article(kind(key))}")
    return None
