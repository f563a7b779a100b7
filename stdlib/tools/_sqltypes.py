"""Column types and value conversion of the ``db://`` adapter, per dialect.

Every field of a record type has a *kind*, the storage class it maps to:

========  ====================  =================  ===================  =================
kind      FDL types             PostgreSQL         MySQL / MariaDB      SQLite
========  ====================  =================  ===================  =================
int       ``int``               INTEGER            INT                  INTEGER
long      ``long``              BIGINT             BIGINT               INTEGER
double    ``double``            DOUBLE PRECISION   DOUBLE               REAL
decimal   ``decimal``           NUMERIC(38,10)     DECIMAL(38,10)       TEXT (exact digits)
string    ``string``            TEXT               TEXT (key:           TEXT
                                                   VARCHAR(255))
bool      ``bool``              BOOLEAN            TINYINT(1)           INTEGER (0/1)
date      ``date``              TIMESTAMPTZ        DATETIME(6) (UTC)    TEXT (UTC ISO)
json      objects, arrays,      JSONB              JSON                 TEXT (JSON)
          ``map<T>``, ``any``
raw       (metadata only)       as the driver gives it
========  ====================  =================  ===================  =================

Writing (`to_db`) turns a value already converted to its declared type into what the
driver stores (through `stdlib.cql.adapt_value`, as CQL parameters are); reading (`from_db`)
turns it back: decimals as exact `Decimal` values (without the padding zeros of a fixed
scale), dates as aware pendulum DateTimes in the adapter's zone, JSON as values. Dates are
stored in UTC; SQLite's text form has a fixed width (``2025-01-02T03:04:05.000000+00:00``)
so that text order is time order.

`Stored` is a field's SQLAlchemy column type: it declares the column as the table says and
reads values back through `from_db`. `kind_of_column` maps the columns SQLAlchemy reflects
(`sqlalchemy.inspect`) back to kinds, for tables used without a declared record type.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Context, Decimal, InvalidOperation
from typing import Any, cast
from uuid import UUID

import pendulum
import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator, UserDefinedType

import gml
from gml.types import (
    ANY,
    BOOL,
    DATE,
    DECIMAL,
    DOUBLE,
    INT,
    LONG,
    STRING,
    Prim,
    Type,
    strip_null,
)
from gml.values import parse_iso
from stdlib.cql import Dialect, adapt_value

__all__ = ["KIND_TYPES", "Stored", "column_type", "exact", "from_db", "json_text",
           "kind_of", "kind_of_column", "plain", "to_db"]

KIND_TYPES: Mapping[str, Type] = {"int": INT, "long": LONG, "double": DOUBLE,
                                  "decimal": DECIMAL, "string": STRING, "bool": BOOL,
                                  "date": DATE, "json": ANY, "raw": ANY}
"""The FDL type of each kind (the type CQL checks a field against)."""

_PRIM_KINDS = frozenset({"int", "long", "double", "decimal", "string", "bool", "date"})

_COLUMN_TYPES: Mapping[str, Mapping[str, str]] = {
    "postgresql": {"int": "INTEGER", "long": "BIGINT", "double": "DOUBLE PRECISION",
                   "decimal": "NUMERIC(38,10)", "string": "TEXT", "bool": "BOOLEAN",
                   "date": "TIMESTAMPTZ", "json": "JSONB"},
    "mysql": {"int": "INT", "long": "BIGINT", "double": "DOUBLE", "decimal": "DECIMAL(38,10)",
              "string": "TEXT", "bool": "TINYINT(1)", "date": "DATETIME(6)", "json": "JSON"},
    "sqlite": {"int": "INTEGER", "long": "INTEGER", "double": "REAL", "decimal": "TEXT",
               "string": "TEXT", "bool": "INTEGER", "date": "TEXT", "json": "TEXT"},
}

_WIDE = Context(prec=200)
_SCALARS = (bool, int, float, str, Decimal, datetime, date, time)


def kind_of(t: Type) -> str:
    """The storage kind of a declared field type (nullability does not matter)."""
    t = strip_null(t)
    if isinstance(t, Prim) and t.name in _PRIM_KINDS:
        return t.name
    return "json"


def json_text(value: Any) -> str:
    """Compact JSON of a GML value (decimals exact, dates as ISO text)."""
    return gml.to_json(value)


def to_db(value: Any, kind: str, dialect: str) -> Any:
    """What the driver stores for ``value``, which is already of the field's declared type.

    Primitive values go through `stdlib.cql.adapt_value`, the function CQL binds its
    parameters with, so stored values and compared values always have the same shape.
    """
    if value is None:
        return None
    if kind == "json":
        if dialect == "postgresql":
            from psycopg.types.json import Jsonb  # the driver: only for a PostgreSQL base

            return Jsonb(value, dumps=json_text)
        return json_text(value)
    if kind == "raw" and not isinstance(value, _SCALARS):
        return value
    return adapt_value(value, cast(Dialect, dialect))


def exact(value: Decimal) -> Decimal:
    """``value`` without the zeros a fixed scale pads the fraction with (``1.2300`` →
    ``1.23``, ``100.00`` → ``100``); never rounded."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return value
    normal = value.normalize(_WIDE)
    normal_exponent = normal.as_tuple().exponent
    if isinstance(normal_exponent, int) and normal_exponent > 0:
        normal = normal.quantize(Decimal(1), context=_WIDE)
    return normal


def from_db(value: Any, kind: str, tz: Any) -> Any:
    """A stored value back as a value of the field's kind (see the module doc)."""
    if value is None:
        return None
    if kind in ("int", "long"):
        return int(value)
    if kind == "double":
        return float(value)
    if kind == "decimal":
        try:
            return exact(value if isinstance(value, Decimal) else Decimal(str(value)))
        except InvalidOperation:
            return plain(value, tz)
    if kind == "bool":
        if isinstance(value, str | bytes):
            return value in ("1", b"1", "t", "true", b"\x01")
        return bool(value)
    if kind == "string":
        return value.decode("utf-8", "replace") if isinstance(value, bytes | bytearray) \
            else str(value)
    if kind == "date":
        return _date(value, tz)
    if kind == "json":
        if isinstance(value, bytes | bytearray):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
    return plain(value, tz)


def _date(value: Any, tz: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return _in_zone(aware, tz)
    if isinstance(value, date):
        return pendulum.datetime(value.year, value.month, value.day, tz=tz)
    if isinstance(value, str):
        text = value.strip()
        try:
            # The stored form (ISO 8601 with an offset) parses here in about a microsecond;
            # pendulum's general parser takes 20 µs or more per value.
            moment: datetime | None = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            moment = parse_iso(text, "UTC")
        return _in_zone(moment, tz) if moment is not None else value
    return value


def _in_zone(aware: datetime, tz: Any) -> pendulum.DateTime:
    """``aware`` as a pendulum DateTime in the zone ``tz`` (a pendulum timezone): what
    ``pendulum.instance(aware).in_tz(tz)`` gives (the same `datetime.astimezone`
    conversion), without its intermediate objects."""
    moment = aware.astimezone(tz)
    return pendulum.DateTime(moment.year, moment.month, moment.day, moment.hour,
                             moment.minute, moment.second, moment.microsecond,
                             tzinfo=moment.tzinfo, fold=moment.fold)


def plain(value: Any, tz: Any) -> Any:
    """A driver value as a JSON-compatible GML value (for columns of unknown kind and for
    ``native`` results): dates become aware (naive ones are UTC), UUIDs and times text,
    bytes text when they are UTF-8 (else hex)."""
    if isinstance(value, datetime | date):
        return _date(value, tz)
    if isinstance(value, time | UUID):
        return value.isoformat() if isinstance(value, time) else str(value)
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).hex()
    if isinstance(value, Decimal):
        return exact(value)
    return value


def kind_of_column(column_type: sa.types.TypeEngine[Any], dialect: str,
                   json_checked: bool = False) -> str:
    """The kind of a column reflected by SQLAlchemy's `inspect` (tables used without a
    declared record type).

    Args:
        column_type: the reflected type.
        dialect: the database's dialect (SQLite's integers are all 64-bit: ``long``).
        json_checked: MariaDB: the column has a ``json_valid`` check (its JSON type).
    """
    if json_checked or isinstance(column_type, sa.JSON):
        return "json"
    if isinstance(column_type, sa.Boolean) or (
            type(column_type).__name__ == "TINYINT"  # MySQL's TINYINT(1)
            and getattr(column_type, "display_width", None) == 1):
        return "bool"
    if isinstance(column_type, sa.Integer):
        return "long" if dialect == "sqlite" or isinstance(column_type, sa.BigInteger) \
            else "int"
    if isinstance(column_type, sa.Float):
        return "double"
    if isinstance(column_type, sa.Numeric):
        return "decimal"
    if isinstance(column_type, sa.DateTime | sa.Date):
        return "date"
    if isinstance(column_type, sa.String):
        return "string"
    return "raw"


class _Ddl(UserDefinedType[Any]):
    """A column type spelled exactly (``NUMERIC(38,10)``), with no value processing."""

    cache_ok = True

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def get_col_spec(self, **kw: Any) -> str:
        return self.spec


_GENERIC: Mapping[str, Callable[[], sa.types.TypeEngine[Any]]] = {
    "int": sa.Integer, "long": sa.BigInteger, "double": lambda: sa.Double(),
    "decimal": lambda: sa.Numeric(38, 10), "string": sa.Text, "bool": sa.Boolean,
    "date": lambda: sa.DateTime(timezone=True), "json": sa.Text, "raw": sa.Text,
}
"""Column types on databases other than the tested three."""


_NATIVE = frozenset({"int", "long", "double", "string"})
"""Kinds whose values sqlite3, psycopg and PyMySQL return as `from_db` would."""


class Stored(TypeDecorator[Any]):
    """A field's column type: declared per dialect as the module doc's table says, values
    read back through `from_db` (values written are converted by the adapter first, with
    `to_db`, so that a bad value is a validation error before any SQL runs)."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, kind: str, tz: Any, key: bool = False) -> None:
        super().__init__()
        self.kind = kind
        self.tz = tz
        self.key = key
        if kind in ("int", "long"):  # SQLAlchemy sees an integer key: identity/AUTO_INCREMENT
            self.impl = sa.Integer() if kind == "int" else sa.BigInteger()  # type: ignore[assignment]

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        name = dialect.name
        if self.key and self.kind in ("int", "long"):
            # SQLite: an INTEGER primary key is the rowid (generated keys)
            return sa.Integer() if name == "sqlite" or self.kind == "int" else sa.BigInteger()
        if name not in _COLUMN_TYPES:
            return _GENERIC[self.kind]()
        return _Ddl(column_type(self.kind, name, key=self.key))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        return from_db(value, self.kind, self.tz)

    def result_processor(self, dialect: sa.Dialect, coltype: Any
                         ) -> Callable[[Any], Any] | None:
        """None (no call per value) where the tested drivers already return the kind's
        Python type: integers, floats and text; `from_db` for the others."""
        if self.kind in _NATIVE and dialect.name in _COLUMN_TYPES:
            return None
        kind, tz = self.kind, self.tz
        return lambda value: from_db(value, kind, tz)


def column_type(kind: str, dialect: str, *, key: bool = False) -> str:
    """The column type ``init`` declares for ``kind`` (MySQL keys cannot be TEXT)."""
    if key and dialect == "mysql" and kind == "string":
        return "VARCHAR(255)"
    return _COLUMN_TYPES[dialect]["string" if kind == "raw" else kind]
