"""Exactly-once writes for ``db://``: the idempotency keys a database has applied.

A tool call carries the run's idempotency key (``run-id/node-path/activation``, the same on
every attempt and when a resumed run repeats a call that was in flight at a crash). A write
operation records its key, with its result, in the table ``fdl_applied_keys`` of the same
database **in the same transaction** as the write. Before writing, the transaction looks the
key up: a key already applied returns the recorded result and writes nothing. So a write
that committed just before a crash is not repeated when the run is resumed, and a write
that did not commit leaves no key and is made again.

    >>> with keyed(call.idempotency_key):          # in DbTool.call, for write operations
    ...     work = guard(work, dialect)            # in DbTool._write, around the transaction

Keys are stored as their SHA-256 (fixed length, any key length); results as tagged JSON that
keeps Decimals, dates and datetimes exact. The table is created on first use
(``CREATE TABLE IF NOT EXISTS``); keys are kept until deleted (the table may be emptied of
old keys once their runs have ended).

The key travels from the call to the transaction in a context variable (set by `keyed`
around one call, in the call's own task), so the operations' code does not change.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import pendulum
import sqlalchemy as sa

__all__ = ["TABLE", "WRITE_OPERATIONS", "decode", "encode", "guard", "keyed"]

TABLE = "fdl_applied_keys"
"""The table of applied keys, in each database written to."""

WRITE_OPERATIONS = frozenset({"create", "modify", "save", "delete", "bulk"})
"""The ``db://`` operations made exactly once per idempotency key."""

T = TypeVar("T")

_KEY: contextvars.ContextVar[str | None] = contextvars.ContextVar("fdl_db_key", default=None)

_DDL = {
    "sqlite": f"CREATE TABLE IF NOT EXISTS {TABLE} (key_hash TEXT PRIMARY KEY NOT NULL, "
              "result TEXT NOT NULL)",
    "postgresql": f"CREATE TABLE IF NOT EXISTS {TABLE} (key_hash VARCHAR(64) PRIMARY KEY, "
                  "result TEXT NOT NULL)",
    "mysql": f"CREATE TABLE IF NOT EXISTS {TABLE} (key_hash VARCHAR(64) PRIMARY KEY, "
             "result LONGTEXT NOT NULL)",
}


_SELECT = sa.text(f"SELECT result FROM {TABLE} WHERE key_hash = :key")
_INSERT = sa.text(f"INSERT INTO {TABLE} (key_hash, result) VALUES (:key, :result)")


@contextmanager
def keyed(key: str | None) -> Iterator[None]:
    """Within the block, transactions run by `guard` apply ``key`` exactly once (no key:
    they run as they are)."""
    token = _KEY.set(key or None)
    try:
        yield
    finally:
        _KEY.reset(token)


def guard(work: Callable[[sa.Connection], T], dialect: str) -> Callable[[sa.Connection], T]:
    """``work(conn)`` made exactly once for the current key (see `keyed`): the returned
    function looks the key up and returns the recorded result, or runs ``work`` and records
    its result, inside the caller's transaction. Without a current key, ``work`` itself.
    The statements are fixed texts with bound parameters (the key's digest, the result)."""
    key = _KEY.get()
    if key is None:
        return work
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    ddl = _DDL.get(dialect, _DDL["postgresql"])

    def once(conn: sa.Connection) -> T:
        # MySQL commits before DDL: there the table is created first, an implicit commit of
        # nothing, and the write's transaction starts with the lookup.
        conn.exec_driver_sql(ddl)
        row = conn.execute(_SELECT, {"key": digest}).first()
        if row is not None:
            result: T = decode(json.loads(row[0]))
            return result
        result = work(conn)
        conn.execute(_INSERT, {"key": digest, "result": json.dumps(encode(result))})
        return result

    return once


# ---------------------------------------------------------------- results as tagged JSON


def encode(value: Any) -> Any:
    """A result as JSON that `decode` turns back into the same values: text, whole numbers,
    booleans and null as they are; every other value as a one-key object naming its kind."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return {"f": repr(value) if not math.isfinite(value) else value}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"D": value.isoformat()}
    if isinstance(value, Mapping):
        return {"m": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"l": [encode(v) for v in value]}
    raise TypeError(f"a db:// result cannot hold {type(value).__name__}")


def decode(value: Any) -> Any:
    """The value `encode` made ``value`` from."""
    if not isinstance(value, dict):
        return value
    (kind, inner), = value.items()
    if kind == "f":
        return float(inner)
    if kind == "d":
        return Decimal(inner)
    if kind == "t":
        return pendulum.parse(inner)
    if kind == "D":
        return date.fromisoformat(inner)
    if kind == "m":
        return {k: decode(v) for k, v in inner.items()}
    return [decode(v) for v in inner]
