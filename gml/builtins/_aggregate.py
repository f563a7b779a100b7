"""Aggregates shared by the functions SUM/AVG/MIN/MAX/MED/COUNT and the array methods of the
same names (spec/gml.md §6, §7.1)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from gml._errors import GmlLimitError, GmlRuntimeError
from gml.values import add, article, compare, divide, is_number, kind

from ._support import apply_each

__all__ = ["average", "collect", "maximum", "median", "minimum", "total"]


def collect(args: Sequence[Any], what: str) -> list[Any]:
    """The values an aggregate works on, from its call arguments.

    ``F(arr)`` aggregates the array, ``F(arr, field)`` a field (or lambda) of each element,
    and ``F(a, b, ...)`` its arguments. Nulls are dropped.
    """
    if len(args) == 1 and isinstance(args[0], list | tuple):
        values: Iterable[Any] = args[0]
    elif len(args) == 1 and args[0] is None:
        values = ()
    elif (len(args) == 2 and isinstance(args[0], list | tuple)
          and (isinstance(args[1], str) or callable(args[1]))):
        values = apply_each(args[0], args[1], what)
    elif len(args) == 2 and args[0] is None and (isinstance(args[1], str) or callable(args[1])):
        values = ()
    else:
        values = args
    return [v for v in values if v is not None]


def _numbers(values: Iterable[Any]) -> list[Any]:
    return [v for v in values if is_number(v)]


def _plain_total(values: Sequence[Any]) -> tuple[Any, int] | None:
    """Sum and count of the numbers when none is a Decimal, else None.

    The fast path of `total` and `average`: for int and float, Python's ``+`` left to right
    is exactly GML's ``+``, so only Decimals need the exact rules of `add`.
    """
    acc: Any = 0
    count = 0
    for v in values:
        t = type(v)
        if t is int or t is float:
            acc += v
            count += 1
        elif is_number(v):
            return None
    return acc, count


def _finite_total(acc: Any, values: Sequence[Any]) -> Any:
    """``acc``, unless it is a double that overflowed (G306, as ``+`` would say)."""
    if type(acc) is float and not math.isfinite(acc) and all(
            type(v) is not float or math.isfinite(v) for v in values):
        raise GmlLimitError("the sum is too large for a double (the largest is about "
                            "1.8e308); check the values")
    return acc


def total(values: Sequence[Any]) -> Any:
    """Sum of the numeric values (others skipped); empty → 0; int if all are ints."""
    plain = _plain_total(values)
    if plain is not None:
        return _finite_total(plain[0], values)
    result: Any = 0
    for value in _numbers(values):
        result = add(result, value)
    return result


def average(values: Sequence[Any]) -> Any:
    """Mean of the numeric values, or null when there are none (exact division)."""
    plain = _plain_total(values)
    if plain is not None:
        acc, count = plain
        return divide(_finite_total(acc, values), count) if count else None
    numbers = _numbers(values)
    return divide(total(numbers), len(numbers))


def median(values: Iterable[Any]) -> Any:
    """Median of the numeric values, or null; an even count averages the middle two."""
    numbers = sorted(_numbers(values), key=_numeric_key)
    if not numbers:
        return None
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return divide(add(numbers[middle - 1], numbers[middle]), 2)


def _numeric_key(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value)) if isinstance(
        value, float) else Decimal(value)


def _extreme(values: Iterable[Any], op: str, what: str) -> Any:
    best: Any = None
    for value in values:
        if value is None:
            continue
        try:
            if best is None or compare(op, value, best):
                best = value
        except GmlRuntimeError:
            raise GmlRuntimeError(
                "G301", f"{what} cannot compare {article(kind(value))} with "
                f"{article(kind(best))}") from None
    return best


def minimum(values: Iterable[Any], what: str = "MIN") -> Any:
    """Smallest comparable non-null value, or null; ``what`` names the caller in errors."""
    return _extreme(values, "<", what)


def maximum(values: Iterable[Any], what: str = "MAX") -> Any:
    """Largest comparable non-null value, or null; ``what`` names the caller in errors."""
    return _extreme(values, ">", what)
