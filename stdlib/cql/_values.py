"""A CQL condition with its names and values checked: the pass shared by the static check
(``fdl check``, the editor) and the SQLAlchemy builder (`stdlib.cql._sql`), free of
SQLAlchemy.

`resolve` walks a parsed condition once, in the order the SQL is written, and returns the
same condition as a small tree of `Resolved` nodes: each column checked against the declared
fields (Q201), each parameter looked up (Q202), each value converted to the type of the field
it is compared with and put in the driver's form (Q203, `adapt_value`). The meaning of CQL
where SQL differs is decided here too: ``x = null`` is `IsNull`, a null in an ``IN`` list
adds ``OR x IS NULL`` (``AND x IS NOT NULL`` for ``NOT IN``), an empty list is a constant.
The builder only spells the tree in SQLAlchemy, so what the check reports and what a run
raises are the same errors.

Bare words (`stdlib.cql._bare`): where the fields are known, a name on the right of a
comparison or in an ``IN (...)`` list that is not a field is the string it spells; with
``fields=None`` every name is a column.

A value compared with a declared field is first converted to the field's type by
`gml.convert.convert`, with the rules of a run's inputs (``qty = '4.0'`` compares with the
int 4, ``time > '2025-01-31'`` with a date in the query's timezone); a value that does not
convert is Q203.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, NoReturn

import gml
from gml import system_clock
from gml.convert import ConversionError, convert
from gml.types import DECIMAL, Type, strip_null

from . import _ast as a
from ._bare import is_bare_word
from ._dialect import Dialect, adapt_value, check_identifier, kind_of
from ._errors import CqlError, fail
from ._fields import did_you_mean

__all__ = ["Bound", "Column", "Compare", "Constant", "In", "IsNull", "Junction", "LikeOf",
           "Negation", "Resolved", "resolve"]


@dataclass(frozen=True, slots=True)
class Column:
    """A checked column; ``as_real`` when it must be compared as a number (SQLite decimals)."""

    name: str
    as_real: bool = False


@dataclass(frozen=True, slots=True)
class Bound:
    """A value, already in the driver's form (`adapt_value`); it is always bound, never SQL."""

    value: Any


Operand = Column | Bound


@dataclass(frozen=True, slots=True)
class Junction:
    """``(a AND b ...)`` or ``(a OR b ...)``, always bracketed."""

    op: Literal["and", "or"]
    items: tuple[Resolved, ...]


@dataclass(frozen=True, slots=True)
class Negation:
    """``NOT (condition)``."""

    operand: Resolved


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` with op one of ``= != < <= > >=`` (never with a null)."""

    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class IsNull:
    """``operand IS NULL`` (``IS NOT NULL`` when negated)."""

    operand: Operand
    negated: bool


@dataclass(frozen=True, slots=True)
class In:
    """``head IN (values)`` / ``head NOT IN (values)``; ``values`` is never empty."""

    head: Operand
    values: tuple[Operand, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class LikeOf:
    """``left LIKE pattern`` (``NOT LIKE`` when negated); the pattern is passed as given."""

    left: Operand
    pattern: Operand
    negated: bool


@dataclass(frozen=True, slots=True)
class Constant:
    """The truth value of an empty ``IN`` list: false, or true for ``NOT IN``."""

    value: bool


Resolved = Junction | Negation | Compare | IsNull | In | LikeOf | Constant
"""A checked condition, every value bound (see the module docstring)."""


@dataclass(slots=True)
class _Column:
    """An operand that is a column: its name and declared type (None: not declared)."""

    column: Column
    type: Type | None
    name: str


@dataclass(slots=True)
class _Value:
    """An operand that is a value (a list only when a parameter holds one)."""

    value: Any
    node: a.Operand


_Side = _Column | _Value
_SCALARS = (str, int, float, Decimal, datetime, date, time)


def _describe(node: a.Operand) -> str:
    if isinstance(node, a.Param):
        return f"the parameter :{node.name}"
    if isinstance(node, a.Call):
        return f"the result of {node.name}(...)"
    if isinstance(node, a.Literal):
        return f"the value {a.operand_text(node)}"
    if isinstance(node, a.Field):
        return f"the bare word {node.name}"
    return "the value"


def _bad(node: a.Node, message: str) -> NoReturn:
    fail("Q203", message, node.span.start, node.span.end)


def resolve(expr: a.Expr, *, dialect: Dialect, fields: Mapping[str, Type] | None,
            params: Mapping[str, Any], tz: Any = None,
            clock: Callable[[], datetime] | None = None) -> Resolved:
    """``expr`` checked and with its values bound for ``dialect`` (arguments as
    `stdlib.cql.compile_query`'s).

    Raises:
        CqlError: Q201 (field), Q202 (missing parameter), Q203 (value).
    """
    return _Resolver(dialect, fields, params, tz, clock).condition(expr)


class _Resolver:
    """Checks one condition and binds its values, in the order the SQL is written."""

    def __init__(self, dialect: Dialect, fields: Mapping[str, Type] | None,
                 params: Mapping[str, Any], tz: Any,
                 clock: Callable[[], datetime] | None) -> None:
        self.dialect = dialect
        self.fields = fields
        self.params = params
        self.tz = tz
        self.clock = clock or system_clock
        self._now: datetime | None = None

    # -- operands

    def side(self, node: a.Operand) -> _Side:
        if isinstance(node, a.Field):
            return self.column(node)
        if isinstance(node, a.Literal):
            return _Value(node.value, node)
        if isinstance(node, a.Param):
            if node.name not in self.params:
                fail("Q202", f"missing parameter :{node.name}; pass {node.name} as an argument "
                     "of the node or make it a visible variable", node.span.start,
                     node.span.end)
            return _Value(self.params[node.name], node)
        if isinstance(node, a.Call):
            return _Value(self.call(node), node)
        raise TypeError(f"not a CQL operand: {node!r}")

    def value_side(self, node: a.Operand) -> _Side:
        """`side` for an operand where a bare word is a string: the right of a comparison,
        the values of an ``IN`` list (`stdlib.cql._bare`)."""
        if isinstance(node, a.Field) and is_bare_word(node, self.fields):
            return _Value(node.name, node)
        return self.side(node)

    def column(self, node: a.Field) -> _Column:
        name = node.name
        if self.fields is not None and name not in self.fields:
            fail("Q201", f"unknown field {name!r}{did_you_mean(name, self.fields)}",
                 node.span.start, node.span.end)
        try:
            check_identifier(name)
        except CqlError as error:
            raise CqlError("Q201", error.message, node.span.start, node.span.end) from None
        declared = None if self.fields is None else self.fields[name]
        # SQLite keeps decimals as exact text; compare them as numbers (REAL affinity
        # makes the bound value numeric too), not character by character.
        as_real = (self.dialect == "sqlite" and declared is not None
                   and strip_null(declared) == DECIMAL)
        return _Column(Column(name, as_real), declared, name)

    def call(self, node: a.Call) -> Any:
        """Evaluate ``DATE(...)``/``TIME(...)`` through GML, with the query's timezone and one
        instant (the clock is read once per query, so every call sees the same now)."""
        data: dict[str, Any] = {}
        for i, arg in enumerate(node.args):
            side = self.side(arg)
            if isinstance(side, _Column):
                _bad(arg, f"{node.name}'s argument must be a value, not the field {side.name!r}")
            data[f"a{i}"] = self.scalar(side)
        source = f"{node.name}({', '.join(data)})"
        try:
            return gml.evaluate(source, data, tz=self.tz, clock=self.frozen_clock)
        except gml.GmlError as error:
            _bad(node, f"{node.name}(...) failed: {error.message}")

    def frozen_clock(self) -> datetime:
        if self._now is None:
            self._now = self.clock()
        return self._now

    def scalar(self, side: _Value) -> Any:
        """The value of a side that must be one value (not a list, an object...)."""
        value = side.value
        if value is None or isinstance(value, _SCALARS):
            return value
        if isinstance(value, list | tuple):
            _bad(side.node, f"{_describe(side.node)} is a list; a list can only follow IN or "
                 "NOT IN")
        _bad(side.node, f"{_describe(side.node)} is {kind_of(value)}; CQL values are strings, "
             "numbers, booleans, dates or null")

    def coerce(self, value: Any, column: _Column | None, node: a.Operand) -> Any:
        """A value converted to the declared type of the column it is compared with."""
        if value is None or column is None or column.type is None:
            return value
        target = strip_null(column.type)
        try:
            return convert(value, target, self.tz, column.name)
        except ConversionError as error:
            why = f"; {error.detail}" if error.reason == "range" else ""
            _bad(node, f"{_describe(node)} ({value!r}) cannot be compared with the field "
                 f"{column.name!r}, which is {_article(str(target))}{why}")

    def bind(self, value: Any, node: a.Operand) -> Bound:
        """``value`` in the driver's form."""
        try:
            return Bound(adapt_value(value, self.dialect))
        except CqlError as error:
            _bad(node, f"{_describe(node)}: {error.message}")

    def operand(self, side: _Side, other: _Side | None) -> Operand:
        """A side as a column, or as a bound value converted to the type of the column on the
        other side."""
        if isinstance(side, _Column):
            return side.column
        column = other if isinstance(other, _Column) else None
        return self.bind(self.coerce(self.scalar(side), column, side.node), side.node)

    # -- conditions

    def condition(self, expr: a.Expr) -> Resolved:
        if isinstance(expr, a.And | a.Or):
            return Junction("and" if isinstance(expr, a.And) else "or",
                            tuple(self.condition(item) for item in expr.items))
        if isinstance(expr, a.Not):
            return Negation(self.condition(expr.operand))
        if isinstance(expr, a.Compare):
            return self.compare(expr)
        if isinstance(expr, a.In):
            return self.in_(expr)
        if isinstance(expr, a.Like):
            return self.like(expr)
        if isinstance(expr, a.IsNull):
            return IsNull(self.operand(self.side(expr.operand), None), expr.negated)
        raise TypeError(f"not a CQL condition: {expr!r}")

    def compare(self, expr: a.Compare) -> Resolved:
        left, right = self.side(expr.left), self.value_side(expr.right)
        for side in (left, right):
            null = isinstance(side, _Value) and self.scalar(side) is None
            if null and expr.op not in ("=", "!="):
                assert isinstance(side, _Value)
                _bad(side.node, f"{_describe(side.node)} is null, which cannot be compared "
                     f"with {expr.op!r}; use IS NULL or IS NOT NULL")
        null_side = next((s for s in (right, left) if isinstance(s, _Value) and s.value is None),
                         None)
        if null_side is not None:  # x = null → x IS NULL
            other = self.operand(left if null_side is right else right, None)
            return IsNull(other, expr.op == "!=")
        return Compare(expr.op, self.operand(left, right), self.operand(right, left))

    def in_(self, expr: a.In) -> Resolved:
        left = self.side(expr.left)
        if isinstance(left, _Value) and self.scalar(left) is None:
            _bad(expr.left, f"{_describe(expr.left)} is null; test it with IS NULL, not IN")
        items: list[_Side] = []
        if isinstance(expr.values, a.Param):
            target = self.side(expr.values)
            assert isinstance(target, _Value)
            if not isinstance(target.value, list | tuple):
                _bad(expr.values, f"{_describe(expr.values)} must be a list for "
                     f"{'NOT IN' if expr.negated else 'IN'}, not {_short_kind(target.value)}")
            items = [_Value(item, expr.values) for item in target.value]
        else:
            for node in expr.values:
                side = self.value_side(node)
                if isinstance(side, _Value) and isinstance(side.value, list | tuple):
                    items += [_Value(item, node) for item in side.value]  # (:list) spreads
                else:
                    items.append(side)
        has_null = any(isinstance(s, _Value) and self.scalar(s) is None for s in items)
        present = [s for s in items if not (isinstance(s, _Value) and s.value is None)]
        if not present and not has_null:
            return Constant(expr.negated)
        if not present:  # IN (null) → IS NULL
            return IsNull(self.operand(left, None), expr.negated)
        head = self.operand(left, None)
        core = In(head, tuple(self.operand(s, left) for s in present), expr.negated)
        if not has_null:
            return core
        # IN (..., null) also matches a null; NOT IN (..., null) excludes it
        tail = IsNull(head, expr.negated)
        return Junction("and" if expr.negated else "or", (core, tail))

    def like(self, expr: a.Like) -> Resolved:
        left, pattern = self.side(expr.left), self.side(expr.pattern)
        for side in (left, pattern):
            if isinstance(side, _Value) and not isinstance(self.scalar(side), str):
                _bad(side.node, f"LIKE compares strings; {_describe(side.node)} is "
                     f"{_short_kind(side.value)}")
        # Patterns are passed as given: % and _ are the user's wildcards.
        sql_left = left.column if isinstance(left, _Column) else self.bind(left.value, left.node)
        sql_pattern = (pattern.column if isinstance(pattern, _Column)
                       else self.bind(pattern.value, pattern.node))
        return LikeOf(sql_left, sql_pattern, expr.negated)


def _short_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, datetime | date):
        return "a date"
    if isinstance(value, str):
        return "a string"
    return kind_of(value)


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word
