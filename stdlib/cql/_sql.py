"""CQL → a SQLAlchemy Core condition with bound parameters, for SQLite, PostgreSQL
(psycopg) and MySQL (PyMySQL). The only module of `stdlib.cql` that imports SQLAlchemy:
`stdlib.cql` loads it on first use of the names below, so ``fdl check`` and the editor, which
only parse and check CQL, never do.

`compile_condition` builds a SQLAlchemy expression (what the ``db://`` adapter puts in its
``select().where(...)``); `compile_query` also renders it for one dialect, as the SQL text and
parameter list of a `Query` (diagnostics, tests, callers with a bare DB-API connection). The
names and values are checked first, by `stdlib.cql._values` (shared with the static check);
this module only spells the checked condition. The rules that make the translation safe,
whatever the input:

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

Meaning, where SQL and CQL differ (decided in `stdlib.cql._values`): ``x = null`` (a literal,
or a parameter that is None) is ``x IS NULL`` and ``x != null`` is ``x IS NOT NULL``; a null
among the values of ``IN`` matches a null ``x`` (``NOT IN`` then excludes null); an empty
``IN`` list is false and an empty ``NOT IN`` list is true. Ordering comparisons and ``LIKE``
with null are Q203 errors rather than conditions that are silently never true.

Values reach the driver through `adapt_value` (`stdlib.cql._dialect`); the db:// adapter
stores them through it too, so stored and compared values have the same shape.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Dialect as SqlDialect
from sqlalchemy.sql import ColumnElement, operators
from sqlalchemy.sql.elements import ClauseList, Grouping, UnaryExpression
from sqlalchemy.sql.sqltypes import NullType

from gml.types import Type

from . import _values as v
from ._dialect import Dialect, check_dialect, check_identifier
from ._fields import parse_proj, parse_sort
from ._parser import parse

__all__ = ["Condition", "Query", "column", "compile_condition", "compile_query", "render"]

Condition = ColumnElement[bool]
"""A compiled CQL condition: a SQLAlchemy boolean expression whose values are bound."""

_OPERATORS: Mapping[str, Callable[[ColumnElement[Any], ColumnElement[Any]], Condition]] = {
    "=": operator.eq, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
    # SQL's own spelling of "not equal" (SQLAlchemy writes !=), binding as tightly as =
    "!=": lambda left, right: left.op("<>", is_comparison=True, precedence=5)(right),
}


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
    check_identifier(name)
    return sa.column(sa.sql.quoted_name(name, quote=True))


# ---------------------------------------------------------------- a checked condition in SQL


def _operand(operand: v.Operand) -> ColumnElement[Any]:
    """A column, or a bound parameter (untyped: SQLAlchemy passes the value to the driver as
    it is)."""
    if isinstance(operand, v.Bound):
        return sa.bindparam(None, operand.value, type_=NullType())
    expr: ColumnElement[Any] = column(operand.name)
    return sa.cast(expr, sa.REAL) if operand.as_real else expr


def _condition(node: v.Resolved) -> Condition:
    if isinstance(node, v.Junction):
        # a plain clause list: SQLAlchemy's and_()/or_() would merge nested groups
        join = operators.and_ if node.op == "and" else operators.or_
        return Grouping(ClauseList(*(_condition(item) for item in node.items), operator=join))
    if isinstance(node, v.Negation):
        inner = _condition(node.operand)
        grouped = inner if isinstance(inner, Grouping) else Grouping(inner)
        return UnaryExpression(grouped, operator=operators.inv)
    if isinstance(node, v.Compare):
        return _OPERATORS[node.op](_operand(node.left), _operand(node.right))
    if isinstance(node, v.IsNull):
        operand = _operand(node.operand)
        return operand.is_not(None) if node.negated else operand.is_(None)
    if isinstance(node, v.In):
        head = _operand(node.head)
        values = [_operand(value) for value in node.values]
        # NOT IN as an operator of its own: SQLAlchemy brackets its not_in() as a whole
        return head.op("NOT IN", is_comparison=True, precedence=5)(
            Grouping(ClauseList(*values))) if node.negated else head.in_(values)
    if isinstance(node, v.LikeOf):
        left, pattern = _operand(node.left), _operand(node.pattern)
        return left.not_like(pattern) if node.negated else left.like(pattern)
    # a constant of this module, never input: the empty list's truth value
    return sa.literal_column("(1=1)" if node.value else "(1=0)")


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
    kind = check_dialect(dialect)
    if exps is None or not exps.strip():
        return None
    return _condition(v.resolve(parse(exps), dialect=kind, fields=fields, params=params,
                                tz=tz, clock=clock))


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
    kind = check_dialect(dialect)
    condition = compile_condition(exps, dialect=kind, fields=fields, params=params, tz=tz,
                                  clock=clock)
    where, values = ("", []) if condition is None else render(condition, kind)
    columns = None if proj is None or not proj.strip() else parse_proj(proj, fields)
    order = [] if sort is None else parse_sort(sort, fields)
    return Query(where, values, columns, order, condition)
