"""Input validation and output shaping (spec/fdl.md §2, §7): pure functions, no I/O.

`convert_inputs` checks and converts a run's inputs against the flow's declared inputs and
reports every problem at once (`InputError`: F401 missing, F402 cannot convert, F403
undeclared). `shape_output` converts the flow result to ``out`` and raises `OutputError`
(F404) at the first problem. Both use one converter, so the rules below hold in both
directions.

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
              numeric text → Decimal. NaN and infinities are rejected.
``bool``      True/False; text ``"true"``/``"false"`` in any case. Not 0/1.
``string``    str; int, finite float and Decimal as GML writes them (``6.0`` → ``"6"``);
              a datetime as ISO 8601 text. bool, arrays and objects are problems.
``date``      aware datetime (kept, offset included); naive datetime or `datetime.date`
              (midnight) in the run's timezone; ISO 8601 text starting ``YYYY-MM`` parsed by
              pendulum (no offset → the run's timezone). The result is a pendulum DateTime.
``null``      only None.
``any``       anything, untouched (nothing inside is converted or trimmed).
``T?``        None, or whatever ``T`` accepts.
``T[]``       list or tuple → list, each element converted.
``map<T>``    dict with str keys → dict, each value converted.
object type   dict → dict with the declared fields in declaration order, each converted. A
              missing nullable field becomes None; a missing non-nullable one is a problem.
              Other fields are dropped (inputs and outputs alike). Objects that are not
              closed (inferred shapes) keep their other fields untouched.
============  ==============================================================================

Numeric text is decimal notation with an optional sign, fraction and exponent, at most 100
characters (``"1_000"``, ``"0x10"``, ``"NaN"`` are not numbers); surrounding blanks are
ignored. A value nested more than `MAX_DEPTH` containers deep is a problem ("nested too
deeply"), never a RecursionError.

Paths: an input's problems are named from the input (``filter.items[2].sku``); an object
field or a map key that is not an identifier is written ``x["a-b"]``. Output paths start
at the result: with ``out`` fields the path starts at a field (``orders[3].amount``); with a
single ``out`` type it starts at an index (``[3].amount``); the result itself is ``$``.

Defaults: an absent input (or an input given as null when its type is not nullable and it
has a default) takes its default, evaluated with the built-ins and every input before it
visible; its value is converted like a given one. A problem of a default whose GML text
mentions an input that already has a problem is not reported: it would be a consequence of
that problem.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, DecimalException
from typing import Any, NoReturn, TypeAlias

import pendulum

import gml
from compiler.plan import InputSpec
from gml.types import ANY, NULL, ArrayType, MapType, Nullable, ObjectType, Prim, RefType, Type
from gml.types import deref as _deref

from .errors import InputError, OutputError, Problem

__all__ = ["MAX_DEPTH", "convert_inputs", "convert_value", "shape_output"]

Zone: TypeAlias = pendulum.Timezone | pendulum.FixedTimezone

MAX_DEPTH = 200
"""Deepest nesting of arrays and objects the converter walks."""
MAX_PROBLEMS = 20
"""Problems reported for one input before its conversion stops."""
BUILTIN_INPUTS = ("tenantId", "buCode")

_RANGES = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_START = re.compile(r"\d{4}-\d{2}")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Mismatch(Exception):
    """A value that one primitive conversion does not accept (the message says why)."""


class _Full(Exception):
    """The converter collected as many problems as it was asked for."""


_BAD: Any = object()
"""What a failed conversion returns so that siblings are still checked."""


def convert_inputs(specs: Sequence[InputSpec], raw: Mapping[str, Any], ctx: gml.EvalContext,
                   *, builtins: Mapping[str, Any] | None = None,
                   allow_extra: bool = False) -> dict[str, Any]:
    """Check and convert a run's inputs (fdl.md §2 "Input validation").

    Args:
        specs: the declared inputs (`Plan.inputs`), in declaration order.
        raw: the inputs given to the run (JSON values, or values from the command line).
        ctx: evaluates defaults; its timezone is the one of dates without an offset.
        builtins: ``tenantId``/``buCode``, visible to defaults but not returned. Keys of
            ``raw`` named like a built-in are ignored (the run context supplies them).
        allow_extra: ignore undeclared inputs instead of reporting F403.

    Returns:
        Every declared input, converted, in declaration order.

    Raises:
        InputError: every problem at once: declared inputs in order, undeclared ones last.
    """
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    data: dict[str, Any] = dict.fromkeys(BUILTIN_INPUTS)
    data.update(builtins or {})
    failed: list[str] = []
    for spec in specs:
        name, nullable = spec.name, _accepts_null(spec.type)
        given = name in raw and not (raw[name] is None and spec.default is not None
                                     and not nullable)
        found: list[Problem] = []
        value: Any = None
        if given:
            value, found = _convert(raw[name], spec.type, ctx.tz, name, "F402", MAX_PROBLEMS)
        elif spec.default is not None:
            value, found = _default(spec, data, ctx)
            if found and spec.default.text and any(_mentions(spec.default.text, f)
                                                   for f in failed):
                found = []
                value = None
        elif not nullable:
            found = [Problem("F401", name, f"required input '{name}' is missing "
                             f"(type {spec.type})")]
        if found:
            failed.append(name)
            problems.extend(found)
            data[name] = None
        else:
            values[name] = data[name] = value
    declared = {spec.name for spec in specs}
    ignored = {*BUILTIN_INPUTS, *(builtins or {})}
    if not allow_extra:
        known = ", ".join(spec.name for spec in specs) or "none"
        problems.extend(
            Problem("F403", key, f"undeclared input '{key}' (declared inputs: {known})")
            for key in raw if key not in declared and key not in ignored)
    if problems:
        raise InputError(problems)
    return values


def convert_value(value: Any, t: Type, ctx_tz: Zone, path: str) -> Any:
    """Convert one value to ``t`` as inputs are converted (the table of the module doc).

    Args:
        value: the value.
        t: its declared type.
        ctx_tz: the timezone of dates written without an offset.
        path: what problems are named from (an input name; ``""`` is shown as ``$``).

    Raises:
        InputError: F402 problems (at most `MAX_PROBLEMS`).
    """
    result, problems = _convert(value, t, ctx_tz, path, "F402", MAX_PROBLEMS)
    if problems:
        raise InputError(problems)
    return result


def shape_output(value: Any, t: Type | None, tz: Zone) -> Any:
    """Shape the flow result to ``out`` (fdl.md §2 "Output shaping").

    Declared object types are trimmed to their fields, recursively; ``any`` passes untouched.

    Args:
        value: the flow result (§6.6).
        t: the declared ``out`` type; None (not declared) returns ``value`` unchanged.
        tz: the timezone of dates written without an offset.

    Raises:
        OutputError: F404 at the first value that cannot be shaped, naming its path.
    """
    if t is None:
        return value
    result, problems = _convert(value, t, tz, "", "F404", 1)
    if problems:
        first = problems[0]
        raise OutputError(first.path, f"the result does not match out: {first.message}")
    return result


# ---------------------------------------------------------------- inputs


def _default(spec: InputSpec, data: Mapping[str, Any], ctx: gml.EvalContext
             ) -> tuple[Any, list[Problem]]:
    assert spec.default is not None
    try:
        produced = spec.default.evaluate(dict(data), ctx)
    except gml.GmlError as error:
        return None, [Problem("F402", spec.name, f"{spec.name}: the default "
                              f"`{spec.default.text}` failed: {error.code} {error.message}")]
    value, found = _convert(produced, spec.type, ctx.tz, spec.name, "F402", MAX_PROBLEMS)
    return value, [Problem(p.code, p.path, f"{p.message} (from the default)") for p in found]


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(name)}(?!\w)", text) is not None


def _convert(value: Any, t: Type, tz: Zone, path: str, code: str, limit: int
             ) -> tuple[Any, list[Problem]]:
    converter = _Converter(tz, code, limit)
    try:
        result = converter.convert(value, t, path, 0)
    except _Full:
        result = None
    return result, converter.problems


# ---------------------------------------------------------------- the converter


class _Converter:
    """Walks a value along a type, collecting problems up to ``limit``."""

    def __init__(self, tz: Zone, code: str, limit: int) -> None:
        self.tz = tz
        self.code = code
        self.limit = limit
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> Any:
        shown = path or "$"
        self.problems.append(Problem(self.code, shown, f"{shown}: {message}"))
        if len(self.problems) >= self.limit:
            raise _Full
        return _BAD

    def convert(self, value: Any, t: Type, path: str, depth: int) -> Any:
        t = _resolve(t)
        while isinstance(t, Nullable):
            if value is None:
                return None
            t = _resolve(t.inner)
        if t == ANY:
            return value
        if value is None and t != NULL:
            return self.fail(path, f"expected {_describe(t)}, got null")
        if isinstance(t, Prim):
            try:
                return _PRIMITIVES[t.name](value, self.tz)
            except _Mismatch as mismatch:
                return self.fail(path, str(mismatch))
        if depth >= MAX_DEPTH:
            return self.fail(path, f"nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(t, ArrayType):
            if not isinstance(value, list | tuple):
                return self.fail(path, _expected(t, value))
            items: list[Any] = []
            for i, item in enumerate(value):  # a loop, not a comprehension: one frame less
                items.append(self.convert(item, t.element, f"{path}[{i}]", depth + 1))
            return items
        if isinstance(t, MapType | ObjectType) and not isinstance(value, dict):
            return self.fail(path, _expected(t, value))
        if isinstance(t, MapType):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    self.fail(path, f"expected {_describe(t)}, got a key that is not a string "
                              f"({_show(key)})")
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
            elif _accepts_null(field_type):
                out[name] = None
            else:
                self.fail(where, f"missing (a required field of type {field_type})")
        if not t.closed:
            out.update((k, v) for k, v in value.items() if k not in t.fields)
        return out


def _resolve(t: Type) -> Type:
    """Follow defs references; a reference that leads nowhere is ``any``."""
    t = _deref(t)
    return ANY if isinstance(t, RefType) else t


def _accepts_null(t: Type) -> bool:
    t = _resolve(t)
    return isinstance(t, Nullable) or t in (ANY, NULL)


# ---------------------------------------------------------------- primitives


def _mismatch(t: str, value: Any) -> NoReturn:
    raise _Mismatch(f"expected {t}, got {_kind(value)}{_tail(value)}")


def _number(value: Any, t: str) -> int | float | Decimal:
    """A finite number from a number or numeric text (bool is not a number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal):
        if math.isfinite(value) if isinstance(value, float) else value.is_finite():
            return value
        raise _Mismatch(f"expected {t}, got {_kind(value)}{_tail(value)} (not a finite number)")
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
                            "(not a whole number)")
        number = int(number)
    if not (isinstance(number, int) and low <= number <= high):
        raise _Mismatch(f"{_show(value)} is out of range for {t} ({low} to {high})")
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
        raise _Mismatch(f"{_show(value)} is out of range for double")
    return result


def _to_decimal(value: Any, tz: Zone) -> Decimal:
    number = _number(value, "decimal")
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def _to_bool(value: Any, tz: Zone) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    _mismatch("bool", value)


def _to_string(value: Any, tz: Zone) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        finite = math.isfinite(value) if isinstance(value, float) else value.is_finite()
        if finite:
            return gml.to_text(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # more digits than Python converts
            raise _Mismatch("expected string, got an integer too large to write") from None
    elif isinstance(value, datetime) and value.tzinfo is not None:
        return gml.to_text(value)
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
                        f"got {_kind(value)}{_tail(value)}")
    _mismatch("date", value)


def _to_null(value: Any, tz: Zone) -> None:
    if value is not None:
        _mismatch("null", value)


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
    return f"expected {_describe(t)}, got {_kind(value)}{_tail(value)}"


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
        return json.dumps(value[:40], ensure_ascii=False)
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
