"""Helpers shared by the built-in tables: argument coercion and lambda/field-path functions."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from gml._errors import GmlRuntimeError
from gml._limits import check_array_size as check_array_size
from gml._limits import check_string_size as check_string_size
from gml.values import article, is_number, kind, member

__all__ = [
    "apply_each",
    "arity",
    "as_function",
    "check_array_size",
    "check_string_size",
    "field_path",
    "need_int",
    "need_number",
    "need_string",
]


def field_path(path: str) -> Callable[..., Any]:
    """``'customer.name'`` → a function reading that path, null-safe like ``x.customer.name``
    (`member` semantics), with a fast path for plain dicts. Extra arguments are ignored."""
    parts = [p.strip() for p in path.split(".")]
    if len(parts) == 1:
        name = parts[0]
        return lambda x, *_: x.get(name) if type(x) is dict else member(x, name)

    def read(x: Any, *_: Any) -> Any:
        for part in parts:
            x = x.get(part) if type(x) is dict else member(x, part)
        return x

    return read


def arity(fn: Callable[..., Any]) -> int:
    """How many parameters a lambda declares: ``GmlFunction.arity``, else the positional
    parameters of a plain Python function (1 when unknown)."""
    declared = getattr(fn, "arity", None)
    if isinstance(declared, int):
        return declared
    code = getattr(fn, "__code__", None)
    return int(code.co_argcount) if code is not None else 1


def apply_each(items: Sequence[Any], fn: Any, what: str) -> list[Any]:
    """``fn`` applied to every element: a lambda (given ``(element, index)`` when it declares
    two parameters) or a field-path string. A field read (``'amount'`` or a compiled
    ``x => x.amount``) runs without calling anything per element."""
    if type(fn) is str:
        if "." in fn:
            read = field_path(fn)
            return [read(x) for x in items]
        name = fn.strip()
        return [x.get(name) if type(x) is dict else member(x, name) for x in items]
    f = as_function(fn, what)
    field = getattr(f, "field", None)
    if field is not None:
        return [x.get(field) if type(x) is dict else member(x, field) for x in items]
    if arity(f) <= 1:
        return [f(x) for x in items]
    return [f(x, i) for i, x in enumerate(items)]


def as_function(arg: Any, what: str) -> Callable[..., Any]:
    """A lambda as is, a field-path string as a path reader; anything else is G301."""
    if callable(arg):
        return arg  # type: ignore[no-any-return]
    if isinstance(arg, str):
        return field_path(arg)
    raise GmlRuntimeError(
        "G301", f"{what} needs a lambda or a field name, not {article(kind(arg))}")


def need_int(value: Any, what: str) -> int:
    """An integer argument (an integral float or Decimal is accepted)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise GmlRuntimeError("G301", f"{what} needs an integer, not {article(kind(value))}")


def need_number(value: Any, what: str) -> int | float | Decimal:
    if is_number(value):
        return value  # type: ignore[no-any-return]
    raise GmlRuntimeError("G301", f"{what} needs a number, not {article(kind(value))}")


def need_string(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    raise GmlRuntimeError("G301", f"{what} needs a string, not {article(kind(value))}")

