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

`kind_from_column` maps the columns found in a database's metadata back to kinds, for
tables used without a declared record type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Context, Decimal, InvalidOperation
from typing import Any, cast
from uuid import UUID

import pendulum

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

__all__ = ["KIND_TYPES", "column_type", "exact", "from_db", "json_text", "kind_from_column",
           "kind_of", "plain", "to_db"]

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


def column_type(kind: str, dialect: str, *, key: bool = False) -> str:
    """The column type ``init`` declares for ``kind`` (MySQL keys cannot be TEXT)."""
    if key and dialect == "mysql" and kind == "string":
        return "VARCHAR(255)"
    return _COLUMN_TYPES[dialect]["string" if kind == "raw" else kind]


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


def kind_from_column(dialect: str, data_type: str, column_type: str = "",
                     json_checked: bool = False) -> str:
    """The kind of a column found in the database's metadata.

    Args:
        dialect: the database's dialect.
        data_type: SQLite's declared type, or ``information_schema.columns.data_type``.
        column_type: MySQL's full ``column_type`` (``tinyint(1)`` is a bool).
        json_checked: MariaDB: the column has a ``json_valid`` check (its JSON type).
    """
    text = data_type.strip().lower()
    if dialect == "sqlite":
        if "int" in text:
            return "long"
        if any(word in text for word in ("real", "floa", "doub")):
            return "double"
        if "numeric" in text or "decimal" in text:
            return "decimal"
        if "bool" in text:
            return "bool"
        if "json" in text:
            return "json"
        if "date" in text or "time" in text:
            return "date"
        if any(word in text for word in ("char", "clob", "text")):
            return "string"
        return "raw"
    if dialect == "mysql" and text == "tinyint" and column_type.lower().startswith(
            "tinyint(1)"):
        return "bool"
    if json_checked:
        return "json"
    table = {
        "integer": "int", "int": "int", "smallint": "int", "mediumint": "int",
        "tinyint": "int", "bigint": "long", "double precision": "double", "double": "double",
        "real": "double", "float": "double", "numeric": "decimal", "decimal": "decimal",
        "boolean": "bool", "text": "string", "character varying": "string",
        "character": "string", "varchar": "string", "char": "string", "tinytext": "string",
        "mediumtext": "string", "longtext": "string", "timestamp with time zone": "date",
        "timestamp without time zone": "date", "timestamp": "date", "datetime": "date",
        "date": "date", "json": "json", "jsonb": "json",
    }
    return table.get(text, "raw")
