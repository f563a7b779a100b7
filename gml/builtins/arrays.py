"""Array methods (spec/gml.md §7.1).

Rules every method follows:

- The receiver is a list (or tuple); methods never modify it and always return new values.
- A lambda argument is called with ``(element, index)`` (``reduce``: ``(acc, element,
  index)``); a lambda declaring one parameter is called with the element only. Where the
  table says so, a field-path string stands in for the lambda: ``map('customer.name')`` is
  ``map(x => x.customer.name)``. Results are judged by truthiness (§5.2).
- Equality is GML's ``==`` (§5.4): ``includes``, ``indexOf`` and ``remove`` compare with
  `equal`; ``group``, ``groupBy``, ``collap`` and ``distinct`` bucket by a hashable stand-in
  of the value (`_canon`) that agrees with ``==`` (``1``, ``1.0`` and ``Decimal('1')`` are one
  key, ``true`` and ``1`` are two, objects compare by content whatever their field order).
  One exception: a datetime and an ISO string of the same instant are equal under ``==`` but
  form two keys.
- Indexes: ``at``, ``removeAt`` and ``slice`` count negative indexes from the end; an index
  out of range gives ``null`` (``at``) or leaves the array as it is (``removeAt``).
  ``take``/``skip`` treat a negative count as 0.
- Sorting (``sort``, ``collap``) is stable with nulls last ascending and first descending;
  see `gml.builtins._sorting`.
- Methods that can create more elements or characters than their receiver holds (``add``,
  ``addAll``, ``flat``, ``expand``, ``join``) check the evaluation's limits (G306).
- Aggregates (``sum avg min max med``) are the functions of §6: non-numbers and nulls are
  skipped by ``sum``/``avg``/``med``, nulls by ``min``/``max``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from gml._context import EvalContext
from gml._errors import GmlRuntimeError
from gml.types import (
    ANY,
    BOOL,
    DECIMAL,
    DOUBLE,
    INT,
    NULL,
    NUMERIC,
    STRING,
    ArrayType,
    MapType,
    ObjectType,
    Type,
    element_type,
    join,
    nullable,
    strip_null,
)
from gml.values import article, equal, kind, to_text

from ._aggregate import average, maximum, median, minimum, total
from ._sorting import sort_items
from ._support import (
    apply_each,
    arity,
    as_function,
    check_array_size,
    check_string_size,
    need_int,
    need_string,
)
from ._table import Builtin, LambdaSpec, Param, table
from .objects import field_names, omit_fields, project

__all__ = ["ARRAY_METHODS"]

Array = Sequence[Any]


# ---------------------------------------------------------------- applying lambdas


def _caller(fn: Any, what: str) -> Callable[[Any, int], Any]:
    """``fn`` as a function of ``(element, index)``, for loops that stop early."""
    f = as_function(fn, what)
    if arity(f) <= 1:
        return lambda x, i: f(x)
    return f


# ---------------------------------------------------------------- keys with GML equality


def _canon(value: Any) -> Any:
    """A hashable stand-in for ``value``; values equal under ``==`` get equal stand-ins."""
    t = type(value)
    if t is str or t is int or value is None:
        return value
    if t is bool:
        return ("bool", value)
    if t is float:
        if not math.isfinite(value):
            return ("float", repr(value))
        return int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else ("decimal", str(value))
    if isinstance(value, list | tuple):
        return ("array", tuple(_canon(v) for v in value))
    if isinstance(value, Mapping):
        return ("object", frozenset((k, _canon(v)) for k, v in value.items()))
    if isinstance(value, datetime):
        return ("date", value)
    if isinstance(value, int | str):
        return _canon(int(value) if isinstance(value, int) else str(value))
    try:
        hash(value)
    except TypeError:
        return ("other", repr(value))
    return ("other", value)


def _groups(items: Array, fn: Any, what: str) -> list[tuple[Any, list[Any]]]:
    """``(key, elements)`` pairs in first-seen key order."""
    buckets: dict[Any, list[Any]] = {}
    groups: list[tuple[Any, list[Any]]] = []
    for key, item in zip(apply_each(items, fn, what), items, strict=True):
        stand_in = _canon(key)
        bucket = buckets.get(stand_in)
        if bucket is None:
            bucket = buckets[stand_in] = []
            groups.append((key, bucket))
        bucket.append(item)
    return groups


# ---------------------------------------------------------------- lambdas: map, filter, ...


def _length(items: Array) -> int:
    return len(items)


def _map(items: Array, fn: Any) -> list[Any]:
    return apply_each(items, fn, "map")


def _filter(items: Array, fn: Any) -> list[Any]:
    if callable(fn) and getattr(fn, "field", None) is None and arity(fn) <= 1:
        return [x for x in items if fn(x)]  # one pass, no list of verdicts
    return [x for x, keep in zip(items, apply_each(items, fn, "filter"), strict=True) if keep]


def _find(items: Array, fn: Any) -> Any:
    test = _caller(fn, "find")
    for i, x in enumerate(items):
        if test(x, i):
            return x
    return None


def _find_index(items: Array, fn: Any) -> int:
    test = _caller(fn, "findIndex")
    for i, x in enumerate(items):
        if test(x, i):
            return i
    return -1


def _some(items: Array, fn: Any) -> bool:
    test = _caller(fn, "some")
    return any(test(x, i) for i, x in enumerate(items))


def _every(items: Array, fn: Any) -> bool:
    test = _caller(fn, "every")
    return all(test(x, i) for i, x in enumerate(items))


def _reduce(items: Array, fn: Any, init: Any) -> Any:
    if not callable(fn):
        raise GmlRuntimeError(
            "G301", f"reduce needs a lambda (acc, x) => ..., not {article(kind(fn))}")
    acc = init
    if arity(fn) <= 2:
        for x in items:
            acc = fn(acc, x)
    else:
        for i, x in enumerate(items):
            acc = fn(acc, x, i)
    return acc


# ---------------------------------------------------------------- order and grouping


def _sort(items: Array, spec: Any = None) -> list[Any]:
    return sort_items(items, spec, "sort")


def _reverse(items: Array) -> list[Any]:
    return list(reversed(items))


def _distinct(items: Array, fn: Any = None) -> list[Any]:
    keys = items if fn is None else apply_each(items, fn, "distinct")
    seen: set[Any] = set()
    out: list[Any] = []
    for key, item in zip(keys, items, strict=True):
        stand_in = _canon(key)
        if stand_in not in seen:
            seen.add(stand_in)
            out.append(item)
    return out


def _group(items: Array, fn: Any) -> list[dict[str, Any]]:
    return [{"key": key, "val": bucket} for key, bucket in _groups(items, fn, "group")]


def _group_by(items: Array, fn: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key, item in zip(apply_each(items, fn, "groupBy"), items, strict=True):
        out.setdefault(to_text(key), []).append(item)
    return out


def _collap(items: Array, fn: Any, spec: Any = None, count: Any = 1) -> list[Any]:
    keep = 1 if count is None else max(need_int(count, "collap"), 0)
    out: list[Any] = []
    for _, bucket in _groups(items, fn, "collap"):
        ordered = bucket if spec is None else sort_items(bucket, spec, "collap")
        out.extend(ordered[:keep])
    return out


def _expand(ctx: EvalContext, items: Array, field: Any, keep_empty: Any = False) -> list[Any]:
    name = need_string(field, "expand").strip()
    limit = ctx.limits.max_array
    out: list[Any] = []
    for x in items:
        if isinstance(x, Mapping):
            value = x.get(name)
            if isinstance(value, list | tuple) and value:
                out.extend({**x, name: item} for item in value)
                if len(out) > limit:  # stop early: each record is a new object
                    check_array_size(len(out), ctx.limits)
                continue
            if value is not None and not isinstance(value, list | tuple):
                out.append(x)  # a single value is a one-item array
                continue
            if keep_empty:
                out.append({**x, name: None})
        elif keep_empty:
            out.append(x)
    check_array_size(len(out), ctx.limits)
    return out


# ---------------------------------------------------------------- objects in arrays


def _proj(items: Array, *fields: Any) -> list[Any]:
    if len(fields) == 1 and callable(fields[0]):
        return apply_each(items, fields[0], "proj")
    names = field_names(fields, "proj")
    return [project(x, names) if isinstance(x, Mapping) else x for x in items]


def _omit(items: Array, *fields: Any) -> list[Any]:
    names = field_names(fields, "omit")
    return [omit_fields(x, names) if isinstance(x, Mapping) else x for x in items]


# ---------------------------------------------------------------- aggregates


def _operands(items: Array, fn: Any, what: str) -> Array:
    return items if fn is None else apply_each(items, fn, what)


def _sum(items: Array, fn: Any = None) -> Any:
    return total(_operands(items, fn, "sum"))


def _avg(items: Array, fn: Any = None) -> Any:
    return average(_operands(items, fn, "avg"))


def _min(items: Array, fn: Any = None) -> Any:
    return minimum(_operands(items, fn, "min"), "min")


def _max(items: Array, fn: Any = None) -> Any:
    return maximum(_operands(items, fn, "max"), "max")


def _med(items: Array, fn: Any = None) -> Any:
    return median(_operands(items, fn, "med"))


# ---------------------------------------------------------------- positions


def _first(items: Array) -> Any:
    return items[0] if items else None


def _last(items: Array) -> Any:
    return items[-1] if items else None


def _at(items: Array, index: Any) -> Any:
    i = need_int(index, "at")
    return items[i] if -len(items) <= i < len(items) else None


def _take(items: Array, count: Any) -> list[Any]:
    return list(items[:max(need_int(count, "take"), 0)])


def _skip(items: Array, count: Any) -> list[Any]:
    return list(items[max(need_int(count, "skip"), 0):])


def _slice(items: Array, start: Any, end: Any = None) -> list[Any]:
    low = need_int(start, "slice")
    high = None if end is None else need_int(end, "slice")
    return list(items[low:high])


def _chunk(items: Array, size: Any) -> list[list[Any]]:
    step = need_int(size, "chunk")
    if step < 1:
        raise GmlRuntimeError("G301", f"chunk needs a size of at least 1, not {step}")
    return [list(items[i:i + step]) for i in range(0, len(items), step)]


def _flat_into(items: Array, depth: int, out: list[Any]) -> None:
    for x in items:
        if depth > 0 and isinstance(x, list | tuple):
            _flat_into(x, depth - 1, out)
        else:
            out.append(x)


def _flat(ctx: EvalContext, items: Array, depth: Any = None) -> list[Any]:
    levels = 1 if depth is None else need_int(depth, "flat")
    out: list[Any] = []
    _flat_into(items, levels, out)
    check_array_size(len(out), ctx.limits)
    return out


def _flatten(ctx: EvalContext, items: Array) -> list[Any]:
    return _flat(ctx, items, 1)


# ---------------------------------------------------------------- membership


def _includes(items: Array, value: Any) -> bool:
    return any(equal(x, value) for x in items)


def _index_of(items: Array, value: Any) -> int:
    for i, x in enumerate(items):
        if equal(x, value):
            return i
    return -1


def _remove(items: Array, value: Any) -> list[Any]:
    return [x for x in items if not equal(x, value)]


def _remove_at(items: Array, index: Any) -> list[Any]:
    i = need_int(index, "removeAt")
    if i < 0:
        i += len(items)
    if not 0 <= i < len(items):
        return list(items)
    return [*items[:i], *items[i + 1:]]


# ---------------------------------------------------------------- building arrays and text


def _join(ctx: EvalContext, items: Array, separator: Any = None) -> str:
    sep = "," if separator is None else need_string(separator, "join")
    parts = [x if type(x) is str else to_text(x, ctx.limits) for x in items]
    size = sum(map(len, parts)) + len(sep) * max(len(parts) - 1, 0)
    check_string_size(size, ctx.limits)
    return sep.join(parts)


def _add(ctx: EvalContext, items: Array, *values: Any) -> list[Any]:
    check_array_size(len(items) + len(values), ctx.limits)
    return [*items, *values]


def _add_all(ctx: EvalContext, items: Array, *others: Any) -> list[Any]:
    size = len(items) + sum(
        len(o) if isinstance(o, list | tuple) else 0 if o is None else 1 for o in others)
    check_array_size(size, ctx.limits)
    out = list(items)
    for other in others:
        if isinstance(other, list | tuple):
            out.extend(other)
        elif other is not None:
            out.append(other)
    return out


# ---------------------------------------------------------------- static result types


def _array(receiver: Type) -> Type:
    t = strip_null(receiver)
    return t if isinstance(t, ArrayType) else ArrayType(ANY)


def _fn_type(args: Sequence[Type], i: int = 0) -> Type:
    """The type a lambda-or-path argument yields. A string argument may be a field path,
    whose type the rule cannot see, so it counts as ``any``."""
    if i >= len(args):
        return ANY
    return ANY if strip_null(args[i]) == STRING else args[i]


def _same_type(receiver: Type, args: Sequence[Type]) -> Type:
    return _array(receiver)


def _element_type(receiver: Type, args: Sequence[Type]) -> Type:
    return nullable(element_type(receiver))


def _map_type(receiver: Type, args: Sequence[Type]) -> Type:
    return ArrayType(_fn_type(args))


def _group_type(receiver: Type, args: Sequence[Type]) -> Type:
    return ArrayType(ObjectType({"key": _fn_type(args), "val": _array(receiver)}))


def _group_by_type(receiver: Type, args: Sequence[Type]) -> Type:
    return MapType(_array(receiver))


def _reduce_type(receiver: Type, args: Sequence[Type]) -> Type:
    return join(args[0], args[1]) if len(args) >= 2 else ANY


def _proj_type(receiver: Type, args: Sequence[Type]) -> Type:
    body = strip_null(args[0]) if args else ANY
    if body in (ANY, STRING) or isinstance(body, ArrayType):
        return ArrayType(ANY)
    return ArrayType(args[0])  # proj(lambda) is map


def _operand_type(receiver: Type, args: Sequence[Type]) -> Type:
    return strip_null(_fn_type(args) if args else element_type(receiver))


def _sum_type(receiver: Type, args: Sequence[Type]) -> Type:
    t = _operand_type(receiver, args)
    return t if t in NUMERIC else ANY


def _mean_type(receiver: Type, args: Sequence[Type]) -> Type:
    t = _operand_type(receiver, args)
    if t == DECIMAL:
        return nullable(DECIMAL)
    return nullable(DOUBLE) if t in NUMERIC else ANY


def _extreme_type(receiver: Type, args: Sequence[Type]) -> Type:
    return nullable(_operand_type(receiver, args))


def _chunk_type(receiver: Type, args: Sequence[Type]) -> Type:
    return ArrayType(_array(receiver))


def _flat_type(receiver: Type, args: Sequence[Type]) -> Type:
    element = element_type(receiver)
    inner = strip_null(element)
    if isinstance(inner, ArrayType) and not args:
        return ArrayType(inner.element if inner == element else nullable(inner.element))
    if inner == ANY or isinstance(inner, ArrayType):
        return ArrayType(ANY)
    return _array(receiver)


def _add_type(receiver: Type, args: Sequence[Type]) -> Type:
    element = element_type(receiver)
    for t in args:
        element = join(element, t)
    return ArrayType(element)


def _add_all_type(receiver: Type, args: Sequence[Type]) -> Type:
    element = element_type(receiver)
    for t in args:
        if t == NULL:
            continue
        inner = strip_null(t)
        element = join(element, inner.element if isinstance(inner, ArrayType) else t)
    return ArrayType(element)


# ---------------------------------------------------------------- the table


def _each(receiver: Type) -> tuple[Type, ...]:
    return (element_type(receiver), INT)


def _pair(receiver: Type) -> tuple[Type, ...]:
    return (element_type(receiver), element_type(receiver))


def _fold(receiver: Type) -> tuple[Type, ...]:
    return (ANY, element_type(receiver), INT)


_FN = LambdaSpec(params=_each, strings=True)
"""A lambda ``(x, i) => ...`` or a field-path string."""
_SORT_FN = LambdaSpec(params=_pair, strings=False)
"""A key ``x => ...`` or comparator ``(a, b) => ...``; a string is a sort spec, not a path."""
_MAP_FN = LambdaSpec(params=_each, strings=False)
"""``proj(lambda)``; a string is a list of field names, not a path."""

_F = (Param("f", ANY, fn=_FN),)
_OPTIONAL_F = (Param("f", ANY, optional=True, fn=_FN),)
_SPEC = Param("spec", STRING, optional=True, fn=_SORT_FN)
_FIELDS = (Param("fields", STRING, fn=_MAP_FN), Param("more", STRING, optional=True))
_INDEX = (Param("index", INT),)
_COUNT = (Param("n", INT),)
_VALUE = (Param("value", ANY),)

ARRAY_METHODS = table(
    Builtin(
        "length", _length, (), INT,
        "Number of elements.",
        examples=(("nums.length()", "5"), ("orders.filter(o => o.amount > 1000).count()", "0")),
        aliases=("count",),
    ),
    Builtin(
        "map", _map, _F, _map_type,
        "Each element transformed by the lambda (x or (x, i)) or read at the field path.",
        examples=(("orders.map('id')", '["o1","o2","o3"]'),
                  ("nums.map((x, i) => x * i)", "[0,1,8,3,20]"),
                  ("orders.map(o => o.amount > 100)", "[true,false,false]")),
    ),
    Builtin(
        "filter", _filter, _F, _same_type,
        "The elements for which the lambda (or field) is truthy.",
        examples=(("orders.filter(o => o.amount > 100).map('id')", '["o1"]'),
                  ("orders.filter('items').map('id')", '["o1","o2"]'),
                  ("nums.filter((x, i) => i < 2)", "[3,1]")),
    ),
    Builtin(
        "find", _find, _F, _element_type,
        "The first element for which the lambda is truthy, or null.",
        examples=(("orders.find(o => o.customer == 'c1').id", '"o1"'),
                  ("nums.find(x => x > 10)", "null")),
    ),
    Builtin(
        "findIndex", _find_index, _F, INT,
        "The index of the first element for which the lambda is truthy, or -1.",
        examples=(("nums.findIndex(x => x == 4)", "2"), ("nums.findIndex(x => x > 10)", "-1")),
    ),
    Builtin(
        "some", _some, _F, BOOL,
        "Whether the lambda is truthy for at least one element (false when empty).",
        examples=(("nums.some(x => x > 4)", "true"),
                  ("orders.some(o => o.amount > 500)", "false")),
    ),
    Builtin(
        "every", _every, _F, BOOL,
        "Whether the lambda is truthy for every element (true when empty).",
        examples=(("nums.every(x => x > 0)", "true"), ("orders.every('items')", "false")),
    ),
    Builtin(
        "reduce", _reduce,
        (Param("f", ANY, fn=LambdaSpec(params=_fold, strings=False)), Param("init", ANY)),
        _reduce_type,
        "Left fold: acc starts at init and becomes f(acc, x[, i]) for each element.",
        examples=(("nums.reduce((acc, x) => acc + x, 0)", "14"),
                  ("orders.reduce((acc, o) => acc + o.amount, 0)", "245.5"),
                  ("nums.reduce((acc, x, i) => acc + i, 0)", "10")),
    ),
    Builtin(
        "sort", _sort, (_SPEC,), _same_type,
        "Sorted (stable): natural order, by a key lambda, by a comparator (a, b) => number, "
        "or by a spec 'amount DESC, time'; nulls last ascending, first descending.",
        examples=(("nums.sort()", "[1,1,3,4,5]"),
                  ("orders.sort('customer DESC, amount').map('id')", '["o2","o3","o1"]'),
                  ("orders.sort(o => o.amount).map('id')", '["o3","o2","o1"]'),
                  ("nums.sort((a, b) => b - a)", "[5,4,3,1,1]")),
    ),
    Builtin(
        "reverse", _reverse, (), _same_type,
        "The elements in reverse order.",
        examples=(("nums.reverse()", "[5,1,4,1,3]"),),
    ),
    Builtin(
        "distinct", _distinct, _OPTIONAL_F, _same_type,
        "The first of each group of equal elements (or of elements with equal keys).",
        examples=(("nums.distinct()", "[3,1,4,5]"),
                  ("orders.distinct('customer').map('id')", '["o1","o2"]')),
    ),
    Builtin(
        "group", _group, _F, _group_type,
        "Groups {key, val: [elements]} by the lambda or field, in first-seen key order.",
        examples=(("nums.group(x => x % 2)", '[{"key":1,"val":[3,1,1,5]},{"key":0,"val":[4]}]'),
                  ("orders.group('customer').map(g => g.key + ':' + g.val.length())",
                   '["c1:2","c2:1"]')),
    ),
    Builtin(
        "groupBy", _group_by, _F, _group_by_type,
        "An object {key as text: [elements]} grouped by the lambda or field.",
        examples=(("nums.groupBy(x => x > 2)", '{"true":[3,4,5],"false":[1,1]}'),
                  ("orders.groupBy('channel').pos.map('id')", '["o2"]')),
    ),
    Builtin(
        "collap", _collap,
        (Param("f", ANY, fn=_FN), _SPEC, Param("n", INT, optional=True)), _same_type,
        "Groups by the lambda or field, sorts each group by the spec (null: as is), keeps "
        "its first n (default 1); one flat array, groups in first-seen order.",
        examples=(("orders.collap('customer', 'amount DESC').map('id')", '["o1","o2"]'),
                  ("orders.collap('customer', 'amount', 2).map('id')", '["o3","o1","o2"]'),
                  ("nums.collap(x => x % 2, null, 2)", "[3,1,4]")),
    ),
    Builtin(
        "expand", _expand, (Param("field", STRING), Param("keepEmpty", BOOL, optional=True)),
        ArrayType(ANY),
        "One record per item of each element's array field, other fields copied; elements "
        "with a missing or empty array are dropped unless keepEmpty (then kept, field null).",
        examples=(("orders.expand('items').map(o => o.id + ':' + o.items.sku)",
                   '["o1:a","o1:b","o2:a"]'),
                  ("orders.expand('items', true).map('id')", '["o1","o1","o2","o3"]')),
        context=True,
    ),
    Builtin(
        "proj", _proj, _FIELDS, _proj_type,
        "Each object element reduced to the listed fields that exist ('a, b'); with a "
        "lambda, the same as map.",
        examples=(("orders.proj('id, amount')",
                   '[{"id":"o1","amount":120},{"id":"o2","amount":80},'
                   '{"id":"o3","amount":45.5}]'),
                  ("[{a: 1, b: 2}, 3].pick('b, c')", '[{"b":2},3]'),
                  ("orders.proj(o => o.id)", '["o1","o2","o3"]')),
        variadic=True,
        aliases=("pick",),
    ),
    Builtin(
        "omit", _omit, (Param("fields", STRING), Param("more", STRING, optional=True)),
        ArrayType(ANY),
        "Each object element without the listed fields ('a, b').",
        examples=(("[{a: 1, b: 2}, 3].omit('b')", '[{"a":1},3]'),
                  ("orders.omit('customer, channel, time, items').first()",
                   '{"id":"o1","amount":120}')),
        variadic=True,
    ),
    Builtin(
        "sum", _sum, _OPTIONAL_F, _sum_type,
        "Sum of the numbers (of the field or lambda); others skipped; empty is 0.",
        examples=(("nums.sum()", "14"), ("orders.sum('amount')", "245.5"),
                  ("orders.sum(o => o.items.length())", "3")),
    ),
    Builtin(
        "avg", _avg, _OPTIONAL_F, _mean_type,
        "Mean of the numbers (of the field or lambda), or null when there are none.",
        examples=(("nums.avg()", "2.8"), ("orders.avg('amount')", "81.83333333333333"),
                  ("[].avg()", "null")),
    ),
    Builtin(
        "min", _min, _OPTIONAL_F, _extreme_type,
        "Smallest non-null value (of the field or lambda), or null.",
        examples=(("nums.min()", "1"), ("orders.min('amount')", "45.5")),
    ),
    Builtin(
        "max", _max, _OPTIONAL_F, _extreme_type,
        "Largest non-null value (of the field or lambda), or null.",
        examples=(("nums.max()", "5"),
                  ("orders.max(o => o.time)", '"2025-03-20T18:15:00+08:00"')),
    ),
    Builtin(
        "med", _med, _OPTIONAL_F, _mean_type,
        "Median of the numbers (of the field or lambda); an even count averages the middle "
        "two; none gives null.",
        examples=(("nums.med()", "3"), ("[1, 2, 3, 4].med()", "2.5"),
                  ("orders.med('amount')", "80")),
    ),
    Builtin(
        "first", _first, (), _element_type,
        "The first element, or null when empty.",
        examples=(("nums.first()", "3"), ("[].first()", "null")),
    ),
    Builtin(
        "last", _last, (), _element_type,
        "The last element, or null when empty.",
        examples=(("nums.last()", "5"),),
    ),
    Builtin(
        "at", _at, _INDEX, _element_type,
        "The element at the index (negative counts from the end), or null out of range.",
        examples=(("nums.at(2)", "4"), ("nums.at(-1)", "5"), ("nums.at(9)", "null")),
    ),
    Builtin(
        "take", _take, _COUNT, _same_type,
        "The first n elements.",
        examples=(("nums.take(2)", "[3,1]"), ("nums.take(9)", "[3,1,4,1,5]")),
    ),
    Builtin(
        "skip", _skip, _COUNT, _same_type,
        "Every element after the first n.",
        examples=(("nums.skip(3)", "[1,5]"), ("nums.drop(9)", "[]")),
        aliases=("drop",),
    ),
    Builtin(
        "slice", _slice, (Param("start", INT), Param("end", INT, optional=True)), _same_type,
        "The elements from start up to end (exclusive); negative indexes count from the end.",
        examples=(("nums.slice(1, 3)", "[1,4]"), ("nums.slice(-2)", "[1,5]"),
                  ("nums.slice(1, -1)", "[1,4,1]")),
    ),
    Builtin(
        "chunk", _chunk, (Param("size", INT),), _chunk_type,
        "Consecutive pieces of the given size (the last may be shorter).",
        examples=(("nums.chunk(2)", "[[3,1],[4,1],[5]]"),),
    ),
    Builtin(
        "flat", _flat, (Param("depth", INT, optional=True),), _flat_type,
        "Nested arrays spliced in, depth levels deep (default 1).",
        examples=(("[[1, 2], [3, [4]]].flat()", "[1,2,3,[4]]"),
                  ("[[1, 2], [3, [4]]].flat(2)", "[1,2,3,4]"),
                  ("orders.map('items').flat().length()", "3")),
        context=True,
    ),
    Builtin(
        "flatten", _flatten, (), _flat_type,
        "Nested arrays spliced in one level deep (flat()).",
        examples=(("[[1], 2, [3, [4]]].flatten()", "[1,2,3,[4]]"),),
        context=True,
    ),
    Builtin(
        "includes", _includes, _VALUE, BOOL,
        "Whether an element equals the value (==, deep).",
        examples=(("nums.includes(4)", "true"), ("user.tags.contains('admin')", "false"),
                  ("[1, [2]].includes([2])", "true")),
        aliases=("contains",),
    ),
    Builtin(
        "indexOf", _index_of, _VALUE, INT,
        "The index of the first element equal to the value, or -1.",
        examples=(("nums.indexOf(1)", "1"), ("nums.indexOf(9)", "-1")),
    ),
    Builtin(
        "join", _join, (Param("separator", STRING, optional=True),), STRING,
        "The elements as text (as in templates) separated by the separator (default ',').",
        examples=(("nums.join()", '"3,1,4,1,5"'), ("user.tags.join(' / ')", '"vip / new"'),
                  ("[1, null, true].join('-')", '"1--true"')),
        context=True,
    ),
    Builtin(
        "add", _add, (Param("value", ANY), Param("more", ANY, optional=True)), _add_type,
        "A new array with the values appended.",
        examples=(("nums.add(9)", "[3,1,4,1,5,9]"),
                  ("user.tags.push('a', 'b')", '["vip","new","a","b"]')),
        variadic=True,
        context=True,
        aliases=("push",),
    ),
    Builtin(
        "addAll", _add_all, (Param("values", ANY), Param("more", ANY, optional=True)),
        _add_all_type,
        "A new array with the elements of the arrays appended (null skipped, any other "
        "value appended as one element).",
        examples=(("nums.addAll([6, 7])", "[3,1,4,1,5,6,7]"),
                  ("[1].concat([2], null, [3, 4])", "[1,2,3,4]")),
        variadic=True,
        context=True,
        aliases=("concat",),
    ),
    Builtin(
        "remove", _remove, _VALUE, _same_type,
        "A new array without any element equal to the value (every occurrence).",
        examples=(("nums.remove(1)", "[3,4,5]"), ("nums.remove(9)", "[3,1,4,1,5]")),
    ),
    Builtin(
        "removeAt", _remove_at, _INDEX, _same_type,
        "A new array without the element at the index (negative counts from the end); "
        "out of range leaves it as is.",
        examples=(("nums.removeAt(0)", "[1,4,1,5]"), ("nums.removeAt(-1)", "[3,1,4,1]")),
    ),
)
"""Methods of arrays, by name (case-sensitive)."""
