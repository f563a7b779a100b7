"""The three SQL dialects of CQL and what is pure about them: column names checked and
quoted, the drivers' parameter markers, and values in the form each driver binds
(`adapt_value`). No SQLAlchemy here: ``fdl check`` and the editor use these through the
static check, and only the SQL builder (`stdlib.cql._sql`) loads SQLAlchemy.

Dates are normalised to UTC: SQLite has no date type, so there they are ISO-8601 text of one
fixed shape (``2025-01-31T02:30:00.000000+00:00``), which sorts as the instants do; MySQL's
DATETIME has no offset (and PyMySQL drops tzinfo), so there they are naive UTC datetimes;
PostgreSQL gets aware UTC datetimes. Decimals are `Decimal` for PostgreSQL and MySQL and text
for SQLite (a column with NUMERIC affinity compares them as numbers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from ._errors import fail

__all__ = ["IDENTIFIER", "Dialect", "adapt_value", "check_dialect", "check_identifier",
           "kind_of", "order_by_sql", "placeholder", "quote_ident"]

Dialect = Literal["sqlite", "postgresql", "mysql"]
_DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql", "mysql")

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
"""A plain column name: names are checked, never escaped."""

_INT64 = range(-(2**63), 2**63)


def check_dialect(dialect: str) -> Dialect:
    """``dialect`` itself when it is one of the three; ValueError otherwise."""
    for known in _DIALECTS:
        if dialect == known:
            return known
    raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {', '.join(_DIALECTS)}")


def check_identifier(name: str) -> None:
    """Raises:
        CqlError: Q201 for anything that is not a plain identifier ``[A-Za-z_][A-Za-z0-9_]*``.
    """
    if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
        fail("Q201", f"{name!r} cannot be a column name: use letters A-Z, digits and _ "
             "(not starting with a digit)")


def placeholder(dialect: Dialect) -> str:
    """The parameter marker of the dialect's driver: ``?`` (sqlite3), ``%s`` (psycopg, PyMySQL).

    With ``%s`` drivers a literal ``%`` in SQL text must be doubled; the SQL built here never
    has one (LIKE patterns are parameters).
    """
    return "?" if check_dialect(dialect) == "sqlite" else "%s"


def quote_ident(name: str, dialect: Dialect) -> str:
    """``"name"`` (SQLite, PostgreSQL) or ```name``` (MySQL).

    Raises:
        CqlError: Q201 for anything that is not a plain identifier ``[A-Za-z_][A-Za-z0-9_]*``:
            names are checked, never escaped.
    """
    kind = check_dialect(dialect)
    check_identifier(name)
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
    kind = check_dialect(dialect)
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
    fail("Q203", f"{kind_of(value)} cannot be a database value; use a string, a number, a "
         "boolean, a date or null")


def kind_of(value: Any) -> str:
    """``a list``, ``an object`` or ``a value of type X``, for messages."""
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a value of type {type(value).__name__}"
