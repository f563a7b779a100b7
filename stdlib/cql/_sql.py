"""CQL AST → a SQLAlchemy Core condition with bound parameters, for SQLite, PostgreSQL
(psycopg) and MySQL (PyMySQL).

`compile_condition` builds a SQLAlchemy expression (what the ``db://`` adapter puts in its
``select().where(...)``); `compile_query` also renders it for one dialect, as the SQL text and
parameter list of a `Query` (diagnostics, tests, callers with a bare DB-API connection). The
rules that make the translation safe, whatever the input:

* Every value is a `sqlalchemy.bindparam`: literals, parameters and function results alike.
  No value ever becomes SQL text; the rendered text holds only quoted column names,
  operators, parentheses, placeholders and the constants ``(1=0)``/``(1=1)``, and the values
  travel in `Query.params`, in placeholder order.
* Every column name is checked against the declared fields (when there are any) and must be a
  plain identifier ``[A-Za-z_][A-Za-z0-9_]*`` before it becomes an (always quoted) column,
  so no name can carry SQL either.
* Every ``&&``/``||`` node is an explicit `Grouping` and ``!`` always negates a grouped
  condition (never SQLAlchemy's operator inversion), so the precedence of the output never
  depends on the reader's and the rendered text is what the CQL says.

Bare words (`stdlib.cql._bare`): where the fields are known, a name on the right of a
comparison or in an ``IN (...)`` list that is not a field is the string it spells
(``level = error`` binds ``'error'``, as a placeholder like any value); with ``fields=None``
every name is a column.

Meaning, where SQL and CQL differ: ``x = null`` (a literal, or a parameter that is None) is
``x IS NULL`` and ``x != null`` is ``x IS NOT NULL``; a null among the values of ``IN`` matches
a null ``x`` (``NOT IN`` then excludes null); an empty ``IN`` list is false and an empty
``NOT IN`` list is true. Ordering comparisons and ``LIKE`` with null are Q203 errors rather
than conditions that are silently never true.

A value compared with a declared field is first converted to the field's type by
`gml.convert.convert`, with the rules of a run's inputs (``qty = '4.0'`` compares with the int
4, ``time > '2025-01-31'`` with a date in the query's timezone); a value that does not convert
is Q203.

Values reach the driver through `adapt_value`. Dates are normalised to UTC: SQLite has no
date type, so there they are ISO-8601 text of one fixed shape
(``2025-01-31T02:30:00.000000+00:00``), which sorts as the instants do; MySQL's DATETIME has no
offset (and PyMySQL drops tzinfo), so there they are naive UTC datetimes; PostgreSQL gets aware
UTC datetimes. The db:// adapter must store dates through `adapt_value` too, so stored and
compared values have the same shape. Decimals are `Decimal` for PostgreSQL and MySQL and text
for SQLite (a column with NUMERIC affinity compares them as numbers).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal, NoReturn

import sqlalchemy as sa
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Dialect as SqlDialect
from sqlalchemy.sql import ColumnElement, operators
from sqlalchemy.sql.elements import ClauseList, Grouping, UnaryExpression
from sqlalchemy.sql.sqltypes import NullType

import gml
from gml import system_clock
from gml.convert import ConversionError, convert
from gml.text import suggest
from gml.types import DECIMAL, Type, strip_null

from . import _ast as a
from ._bare import is_bare_word
from ._errors import CqlError, fail
from ._parser import parse

__all__ = [
    "Dialect",
    "Query",
    "adapt_value",
    "column",
    "compile_condition",
    "compile_query",
    "order_by_sql",
    "parse_proj",
    "parse_sort",
    "placeholder",
    "quote_ident",
    "render",
]

Dialect = Literal["sqlite", "postgresql", "mysql"]
_DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql", "mysql")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_OPERATORS: Mapping[str, Callable[[ColumnElement[Any], ColumnElement[Any]], Condition]] = {
    "=": operator.eq, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
    # SQL's own spelling of "not equal" (SQLAlchemy writes !=), binding as tightly as =
    "!=": lambda left, right: left.op("<>", is_comparison=True, precedence=5)(right),
}
_INT64 = range(-(2**63), 2**63)


Condition = ColumnElement[bool]
"""A compiled CQL condition: a SQLAlchemy boolean expression whose values are bound."""


@dataclass(frozen=True, slots=True)
class Query:
    """A condition (and projection and order) rendered for one DB-API driver.

    Attributes:
        where: the SQL condition without ``WHERE`` (``""`` for no condition); it holds
            placeholders only, never values.
        params: the values, in placeholder order, already passed through `adapt_value`.
        columns: the projection (validated field names), None for all declared fields.
        order_by: ``(field, descending)`` pairs; `order_by_sql` spells them.
        condition: the SQLAlchemy expression ``where`` was rendered from (None for no
            condition).
    """

    where: str
    params: list[Any]
    columns: list[str] | None
    order_by: list[tuple[str, bool]]
    condition: Condition | None = field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------- dialect helpers


def _dialect(dialect: str) -> Dialect:
    for known in _DIALECTS:
        if dialect == known:
            return known
    raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {', '.join(_DIALECTS)}")


def placeholder(dialect: Dialect) -> str:
    """The parameter marker of the dialect's driver: ``?`` (sqlite3), ``%s`` (psycopg, PyMySQL).

    With ``%s`` drivers a literal ``%`` in SQL text must be doubled; the SQL built here never
    has one (LIKE patterns are parameters).
    """
    return "?" if _dialect(dialect) == "sqlite" else "%s"


def _render_dialect(dialect: Dialect) -> SqlDialect:
    """The SQLAlchemy dialect that renders a condition with the driver's own markers."""
    # loaded by name when first used: importing every dialect up front would slow down each
    # command and the editor, which mostly never render SQL
    name = {"sqlite": "sqlite.pysqlite", "postgresql": "postgresql.psycopg",
            "mysql": "mysql.pymysql"}[dialect]
    markers = "qmark" if dialect == "sqlite" else "format"
    created: SqlDialect = registry.load(name)(paramstyle=markers)
    return created


def column(name: str) -> sa.ColumnClause[Any]:
    """The column ``name``, always quoted (``"time"``, ```time```), never attached to a table.

    Raises:
        CqlError: Q201 for anything that is not a plain identifier.
    """
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        fail("Q201", f"{name!r} cannot be a column name: use letters A-Z, digits and _ "
             "(not starting with a digit)")
    return sa.column(sa.sql.quoted_name(name, quote=True))


def quote_ident(name: str, dialect: Dialect) -> str:
    """``"name"`` (SQLite, PostgreSQL) or ```name``` (MySQL).

    Raises:
        CqlError: Q201 for anything that is not a plain identifier ``[A-Za-z_][A-Za-z0-9_]*``:
            names are checked, never escaped.
    """
    kind = _dialect(dialect)
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        fail("Q201", f"{name!r} cannot be a column name: use letters A-Z, digits and _ "
             "(not starting with a digit)")
    return f"`{name}`" if kind == "mysql" else f'"{name}"'


def order_by_sql(order: Sequence[tuple[str, bool]], dialect: Dialect) -> str:
    """``"time" DESC, "id" ASC`` (without ``ORDER BY``; ``""`` when ``order`` is empty)."""
    return ", ".join(f"{quote_ident(name, dialect)} {'DESC' if descending else 'ASC'}"
                     for name, descending in order)


def _utc(moment: datetime) -> datetime:
    """A plain (not pendulum) aware datetime in UTC; a naive datetime is taken as UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    u = moment.astimezone(UTC)
    return datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond,
                    tzinfo=UTC)


def adapt_value(value: Any, dialect: Dialect) -> Any:
    """The form of a value that the dialect's driver binds (every parameter goes through it).

    None, booleans, integers, floats and strings pass unchanged (SQLite stores booleans as
    0/1). Decimals: `Decimal`, or text for SQLite. Datetimes are moved to UTC: ISO-8601 text
    with microseconds and ``+00:00`` for SQLite, a naive datetime for MySQL, an aware one for
    PostgreSQL; a naive datetime is taken as UTC. Dates and times of day: ISO text for SQLite,
    unchanged otherwise.

    Raises:
        CqlError: Q203 for a value of another kind (lists, objects, bytes...) or, for SQLite,
            an integer outside 64 bits.
    """
    kind = _dialect(dialect)
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        if kind == "sqlite" and value not in _INT64:
            fail("Q203", f"the integer {value} does not fit in 64 bits")
        return value
    if isinstance(value, Decimal):
        if kind != "sqlite":
            return value
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, datetime):
        moment = _utc(value)
        if kind == "sqlite":
            return moment.isoformat(timespec="microseconds")
        return moment.replace(tzinfo=None) if kind == "mysql" else moment
    if isinstance(value, date | time):
        return value.isoformat() if kind == "sqlite" else value
    fail("Q203", f"{_kind(value)} cannot be a database value; use a string, a number, a "
         "boolean, a date or null")


def _kind(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a value of type {type(value).__name__}"


# ---------------------------------------------------------------- proj and sort


def _segments(text: str) -> Iterator[tuple[list[re.Match[str]], int, int]]:
    """The comma-separated items of ``text``: their words, and where each item is."""
    start = 0
    for end in [m.start() for m in re.finditer(",", text)] + [len(text)]:
        yield list(re.finditer(r"\S+", text[start:end])), start, end
        start = end + 1


def _field_name(word: str, fields: Mapping[str, Type] | None, what: str, start: int) -> str:
    end = start + len(word)
    if not _IDENTIFIER.fullmatch(word):
        fail("Q204", f"{word!r} in {what} is not a field name: use letters A-Z, digits and _",
             start, end)
    if fields is not None and word not in fields:
        fail("Q204", f"unknown field {word!r} in {what}{_did_you_mean(word, fields)}",
             start, end)
    return word


def _did_you_mean(name: str, fields: Mapping[str, Type]) -> str:
    guess = suggest(name, fields)
    if guess is not None:
        return f"; did you mean {guess!r}?"
    names = list(fields)
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return f"; the fields are {shown}" if names else "; the table declares no fields"


def parse_proj(text: str, fields: Mapping[str, Type] | None) -> list[str]:
    """The field names of a projection: ``"id, amount"`` (commas and/or spaces between).

    Raises:
        CqlError: Q204, with offsets into ``text``, for an empty projection or item, a name
            that is not an identifier, an unknown field (when ``fields`` is given) or a field
            listed twice.
    """
    names: list[str] = []
    if not text.strip():
        fail("Q204", "the projection is empty; list fields such as 'id, amount', or leave "
             "proj out for all fields", 0, len(text))
    for words, start, end in _segments(text):
        if not words:
            fail("Q204", "empty item in proj: remove the extra comma", start, end)
        for word in words:
            offset = start + word.start()
            name = _field_name(word.group(), fields, "proj", offset)
            if name in names:
                fail("Q204", f"the field {name!r} is listed twice in proj", offset,
                     offset + len(name))
            names.append(name)
    return names


def parse_sort(text: str, fields: Mapping[str, Type] | None) -> list[tuple[str, bool]]:
    """``"time DESC, id"`` → ``[("time", True), ("id", False)]``; ASC/DESC in any case.

    A blank text is no ordering (``[]``).

    Raises:
        CqlError: Q204, with offsets into ``text``, for an empty item, a name that is not an
            identifier, an unknown field (when ``fields`` is given), a direction that is not
            ASC or DESC, or a field sorted on twice.
    """
    order: list[tuple[str, bool]] = []
    if not text.strip():
        return order
    for words, start, end in _segments(text):
        if not words:
            fail("Q204", "empty item in sort: remove the extra comma", start, end)
        first = words[0]
        name = _field_name(first.group(), fields, "sort", start + first.start())
        descending = False
        if len(words) >= 2:
            direction = words[1].group()
            if direction.upper() not in ("ASC", "DESC"):
                fail("Q204", f"expected ASC or DESC after {name!r} in sort, not {direction!r}",
                     start + words[1].start(), start + words[1].end())
            descending = direction.upper() == "DESC"
        if len(words) > 2:
            fail("Q204", f"unexpected {words[2].group()!r} in sort: separate items with commas,"
                 " as in 'time DESC, id'", start + words[2].start(), start + words[-1].end())
        if any(name == seen for seen, _ in order):
            fail("Q204", f"the field {name!r} is sorted on twice", start + first.start(),
                 start + first.end())
        order.append((name, descending))
    return order


# ---------------------------------------------------------------- conditions


@dataclass(slots=True)
class _Column:
    """An operand that is a column: its expression and declared type (None: not declared)."""

    expr: ColumnElement[Any]
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


class _Builder:
    """Builds one condition as a SQLAlchemy expression, each value a bound parameter."""

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
            fail("Q201", f"unknown field {name!r}{_did_you_mean(name, self.fields)}",
                 node.span.start, node.span.end)
        try:
            expr: ColumnElement[Any] = column(name)
        except CqlError as error:
            raise CqlError("Q201", error.message, node.span.start, node.span.end) from None
        declared = None if self.fields is None else self.fields[name]
        if self.dialect == "sqlite" and declared is not None and strip_null(declared) == DECIMAL:
            # SQLite keeps decimals as exact text; compare them as numbers (REAL affinity
            # makes the bound value numeric too), not character by character.
            expr = sa.cast(expr, sa.REAL)
        return _Column(expr, declared, name)

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
        _bad(side.node, f"{_describe(side.node)} is {_kind(value)}; CQL values are strings, "
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

    def bind(self, value: Any, node: a.Operand) -> ColumnElement[Any]:
        """A bound parameter holding ``value`` in the driver's form (untyped: SQLAlchemy
        passes it to the driver as it is)."""
        try:
            bound = adapt_value(value, self.dialect)
        except CqlError as error:
            _bad(node, f"{_describe(node)}: {error.message}")
        return sa.bindparam(None, bound, type_=NullType())

    def render(self, side: _Side, other: _Side | None) -> ColumnElement[Any]:
        """A side's expression: a column, or a bound parameter (the value converted to the
        type of the column on the other side)."""
        if isinstance(side, _Column):
            return side.expr
        column = other if isinstance(other, _Column) else None
        return self.bind(self.coerce(self.scalar(side), column, side.node), side.node)

    # -- conditions

    def condition(self, expr: a.Expr) -> Condition:
        if isinstance(expr, a.And | a.Or):
            # a plain clause list: SQLAlchemy's and_()/or_() would merge nested groups
            join = operators.and_ if isinstance(expr, a.And) else operators.or_
            return Grouping(ClauseList(*(self.condition(item) for item in expr.items),
                                       operator=join))
        if isinstance(expr, a.Not):
            inner = self.condition(expr.operand)
            grouped = inner if isinstance(inner, Grouping) else Grouping(inner)
            return UnaryExpression(grouped, operator=operators.inv)
        if isinstance(expr, a.Compare):
            return self.compare(expr)
        if isinstance(expr, a.In):
            return self.in_(expr)
        if isinstance(expr, a.Like):
            return self.like(expr)
        if isinstance(expr, a.IsNull):
            operand = self.render(self.side(expr.operand), None)
            return operand.is_not(None) if expr.negated else operand.is_(None)
        raise TypeError(f"not a CQL condition: {expr!r}")

    def compare(self, expr: a.Compare) -> Condition:
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
            other = self.render(left if null_side is right else right, None)
            return other.is_not(None) if expr.op == "!=" else other.is_(None)
        return _OPERATORS[expr.op](self.render(left, right), self.render(right, left))

    def in_(self, expr: a.In) -> Condition:
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
            # a constant of this module, never input: the empty list's truth value
            return sa.literal_column("(1=1)" if expr.negated else "(1=0)")
        if not present:  # IN (null) → IS NULL
            operand = self.render(left, None)
            return operand.is_not(None) if expr.negated else operand.is_(None)
        head = self.render(left, None)
        values = [self.render(s, left) for s in present]
        # NOT IN as an operator of its own: SQLAlchemy brackets its not_in() as a whole
        core = head.op("NOT IN", is_comparison=True, precedence=5)(
            Grouping(ClauseList(*values))) if expr.negated else head.in_(values)
        if not has_null:
            return core
        tail = self.render(left, None)
        if expr.negated:
            return Grouping(ClauseList(core, tail.is_not(None), operator=operators.and_))
        return Grouping(ClauseList(core, tail.is_(None), operator=operators.or_))

    def like(self, expr: a.Like) -> Condition:
        left, pattern = self.side(expr.left), self.side(expr.pattern)
        for side in (left, pattern):
            if isinstance(side, _Value) and not isinstance(self.scalar(side), str):
                _bad(side.node, f"LIKE compares strings; {_describe(side.node)} is "
                     f"{_short_kind(side.value)}")
        # Patterns are passed as given: % and _ are the user's wildcards.
        sql_left = left.expr if isinstance(left, _Column) else self.bind(left.value, left.node)
        sql_pattern = (pattern.expr if isinstance(pattern, _Column)
                       else self.bind(pattern.value, pattern.node))
        return sql_left.not_like(sql_pattern) if expr.negated else sql_left.like(sql_pattern)


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
    return _kind(value)


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


# ---------------------------------------------------------------- the façade


def compile_condition(exps: str | None, *, dialect: Dialect,
                      fields: Mapping[str, Type] | None, params: Mapping[str, Any],
                      tz: Any = None, clock: Callable[[], datetime] | None = None
                      ) -> Condition | None:
    """Translate a CQL condition into a SQLAlchemy expression with bound parameters.

    The arguments are `compile_query`'s; None for a missing or blank condition. Values are
    bound already in ``dialect``'s driver form (`adapt_value`), as untyped parameters.

    Raises:
        CqlError: Q101 (syntax, with offsets into ``exps``), Q201 (field), Q202 (missing
            parameter), Q203 (value).
    """
    kind = _dialect(dialect)
    if exps is None or not exps.strip():
        return None
    return _Builder(kind, fields, params, tz, clock).condition(parse(exps))


def render(condition: Condition, dialect: Dialect) -> tuple[str, list[Any]]:
    """``condition`` as SQL text with the driver's markers, and its values in marker order."""
    compiled = condition.compile(dialect=_render_dialect(dialect))
    positions = compiled.positiontup or []
    return str(compiled), [compiled.params[name] for name in positions]


def compile_query(exps: str | None, *, dialect: Dialect, fields: Mapping[str, Type] | None,
                  params: Mapping[str, Any], proj: str | None = None, sort: str | None = None,
                  tz: Any = None, clock: Callable[[], datetime] | None = None) -> Query:
    """Translate a CQL condition (and ``proj``, ``sort``) into parameterised SQL.

    Args:
        exps: the condition; None or blank for none (``where == ""``).
        dialect: ``sqlite``, ``postgresql`` or ``mysql``.
        fields: the table's declared fields and their types; None when not declared, and then
            any plain identifier is accepted as a column name. When they are known, a name on
            the right of a comparison or in an ``IN`` list that is not a field is a string
            (``level = error``); with None it is a column.
        params: the values of the ``:name`` parameters (the node's arguments and visible
            variables).
        proj: ``"id, amount"``; None or blank for all fields (``columns is None``).
        sort: ``"time DESC, id"``; None or blank for no order.
        tz: the timezone of ``DATE``/``TIME`` and of date strings without an offset (a name
            such as ``"Asia/Shanghai"``, a pendulum timezone, or None for the local one).
        clock: returns the current instant for ``DATE()``/``TIME()``; read at most once.

    Raises:
        CqlError: Q101 (syntax, with offsets into ``exps``), Q201 (field), Q202 (missing
            parameter), Q203 (value), Q204 (``proj``/``sort``, offsets into that text).
    """
    kind = _dialect(dialect)
    condition = compile_condition(exps, dialect=kind, fields=fields, params=params, tz=tz,
                                  clock=clock)
    where, values = ("", []) if condition is None else render(condition, kind)
    columns = None if proj is None or not proj.strip() else parse_proj(proj, fields)
    order = [] if sort is None else parse_sort(sort, fields)
    return Query(where, values, columns, order, condition)
