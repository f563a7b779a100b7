"""``db://`` — tables of SQLite, PostgreSQL and MySQL/MariaDB as tools (spec/tools.md §6).

    >>> tools = DbTools({"shop": "sqlite:///state/shop.db"},
    ...                 [TableSpec("shop.order", {"id": LONG, "amount": DECIMAL})])
    >>> tool = tools.resolve("db://shop.order/list")        # then: await tool.call(call)

A URI ``db://<table>/<operation>`` names a table code (``shop.order``: database ``shop``
from the configuration, physical table ``order``; segments between are free) and one of the
operations of tools.md's table. `DbTools` is the runtime's `ToolProvider` for them.

Design
------
* **One path from arguments to SQL.** An operation takes exactly the arguments
  `stdlib.registry.db_operations` declares (the key's name for ``take``/``delete``, and
  ``proj`` for ``take``). The query
  operations (``list page stream count``) treat every other argument as a CQL ``:name`` parameter;
  the others ignore arguments they do not declare. ``exps``, ``proj`` and ``sort`` go through
  `stdlib.cql.compile_query`, which checks field names against the table's fields and returns a
  WHERE clause with placeholders only; record values are converted to the declared types and bound
  as parameters; identifiers (tables, columns) only ever reach SQL through `stdlib.cql.quote_ident`,
  and only names of declared fields do. No argument can change a statement's structure.
* **Types both ways.** Values written are first converted to the field's declared type
  (`gml.convert.convert`, as a run's inputs are, so ``"2025-01-02"`` is a date and ``"1.50"``
  a decimal), then to the dialect's storage form; values read come back as the declared
  types: exact `Decimal`, aware pendulum dates in the adapter's zone (default UTC), ``bool``,
  JSON values (`stdlib.tools._sqltypes` has the table).
* **Tables without a declared record type** get their columns from the database's own
  metadata (``pragma_table_info`` / ``information_schema.columns``) on first use; the key is
  ``id`` unless a `TableSpec` without fields names another.
* **Blocking drivers in worker threads**, one hop per operation, with a small pool per
  database (`stdlib.tools._sqlconn`). Every write operation commits; ``bulk`` is one
  transaction; any error rolls back. ``stream`` returns a `RecordStream` that takes a
  connection on first use and fetches ``batch_size`` rows per hop (server-side cursors on
  PostgreSQL, unbuffered cursors on MySQL), so a large table is never loaded whole.
* **Errors are `ToolError` values** (tools.md §5): CQL problems keep their Q code (type
  ``validation``); ``DB400`` bad arguments or data (unknown field, wrong type); ``DB403``
  ``native`` not enabled (type ``auth``); ``DB404`` no such record (``modify``) or table;
  ``DB409`` a constraint violation (duplicate key); ``DB503`` the database cannot be
  reached (type ``connection``, retryable); ``DB500`` any other database error. Messages
  never show a password: URLs appear only without it and driver messages are scrubbed.

Decisions where the spec is silent
----------------------------------
* ``list`` without ``size`` returns every matching record; ``page`` defaults to page 0 of
  size 20. Reads are ordered by ``sort`` and then by the key, so pages are stable.
* ``create`` and ``save`` without a key value let the database generate one when the key is an
  ``int``/``long`` (``init`` declares it as identity / AUTO_INCREMENT / rowid); for other key types
  the key is required. On PostgreSQL, writes with explicit keys move the identity sequence past the
  largest key, so generated keys never collide with them. ``save`` with a key upserts the fields
  given (nulls included); ``modify`` updates the non-null fields given and fails with DB404 when no
  record has the key. All three return the stored record, read back in the same transaction.
* ``init`` creates the table (the key is the primary key, which is its index) if it does not
  exist and reports ``{table, created}``; ``drop`` reports ``{table, dropped}``. Fields whose
  type is not nullable (not ``T?``, not ``any``) are NOT NULL columns, so a record missing
  one is refused by the database (DB409) rather than stored half. ``save`` is therefore an
  upsert of whole records (ON CONFLICT / ON DUPLICATE KEY UPDATE); partial updates are
  ``modify``'s job.
* MySQL sessions run in UTC with ``STRICT_TRANS_TABLES`` (no silent truncation) and
  ``NO_AUTO_VALUE_ON_ZERO`` (a key 0 stays 0).
* SQLite stores decimals as exact text; sorting and CQL comparisons cast them to numbers
  (``REAL``) there, so ``amount >= 100`` compares values, not characters (to within a
  double's 15–17 significant digits on SQLite; exactly on PostgreSQL and MySQL).
* A query's CQL ``:name`` parameters that the call does not give are bound from the visible
  variables (`DbTool.scope_names`, tools.md §6).
* ``native`` returns rows as objects (``[]`` for statements without a result set) and binds
  ``params`` in the driver's own placeholder style (``?`` for SQLite, ``%s`` otherwise).
* A `RecordStream` must be iterated to its end or closed (``aclose``, ``async with``); the
  provider's `DbTools.aclose` closes those still open.
"""

from __future__ import annotations

import math
import re
import weakref
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

import trio

from gml import resolve_timezone
from gml.convert import ConversionError, convert
from gml.types import ANY, NULL, Nullable, Type, deref, nullable
from stdlib.cql import (
    CqlError,
    Dialect,
    Query,
    adapt_value,
    compile_query,
    order_by_sql,
    params_of,
    parse,
    quote_ident,
)
from stdlib.tools import ToolCall, ToolError

from . import _applied as applied
from ._sqlconn import ConnectFailure, DatabaseUrl, Driver, Lease, Pool, driver_for, parse_url
from ._sqltypes import (
    KIND_TYPES,
    column_type,
    from_db,
    kind_from_column,
    kind_of,
    plain,
    to_db,
)
from .config import TableSpec

__all__ = ["OPERATIONS", "DbTool", "DbTools", "RecordStream", "TableSpec",
           "operation_arguments"]

T = TypeVar("T")

OPERATIONS = ("init", "drop", "take", "list", "page", "stream", "count", "create", "modify",
              "save", "delete", "bulk", "native")
"""The operations of tools.md §6, in its order."""

QUERY_OPERATIONS = frozenset({"list", "page", "stream", "count"})
"""Operations whose undeclared arguments are CQL parameters (other operations ignore
arguments they do not declare)."""

DEFAULT_PAGE_SIZE = 20

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def operation_arguments(operation: str, key: str = "id") -> tuple[str, ...]:
    """The arguments ``operation`` declares (as `stdlib.registry.db_operations` does)."""
    query = ("exps", "proj", "sort")
    return {
        "init": (), "drop": (), "take": (key, "proj"), "list": (*query, "size"),
        "page": (*query, "page", "size"), "stream": query, "count": ("exps",),
        "create": ("data",), "modify": ("data",), "save": ("data",), "delete": (key,),
        "bulk": ("dataList",), "native": ("query", "params"),
    }[operation]


class _Table:
    """A table's run-time state: its fields and their storage kinds (read from the
    metadata on first use when not declared)."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.code = spec.code
        self.name = spec.table
        self.key = spec.key
        self.declared = spec.fields is not None
        self.types: dict[str, Type] | None = None
        self.kinds: dict[str, str] | None = None
        if spec.fields is not None:
            self._set({n: t for n, t in spec.fields.items() if isinstance(t, Type)})
        self.lock = trio.Lock()

    def _set(self, types: Mapping[str, Type], kinds: Mapping[str, str] | None = None) -> None:
        self.types = dict(types)
        self.kinds = dict(kinds) if kinds is not None else {
            n: kind_of(t) for n, t in types.items()}

    def forget(self) -> None:
        """Drop columns read from metadata (after ``drop``/``init``)."""
        if not self.declared:
            self.types = self.kinds = None


class _Database:
    """One configured database: its URL, driver and (lazily created) pool."""

    def __init__(self, name: str, url: DatabaseUrl, pool_size: int) -> None:
        self.name = name
        self.url = url
        self.driver: Driver = driver_for(url)
        self.dialect: Dialect = cast(Dialect, url.dialect)
        self.pool_size = pool_size
        self._pool: Pool | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            self._pool = Pool(self.driver, self.pool_size)
        return self._pool

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None


class DbTools:
    """The ``db://`` tool provider (a `runtime.ToolProvider`).

    Args:
        databases: database name → URL: ``sqlite:///relative.db``, ``sqlite:////abs.db``,
            ``postgresql://user@127.0.0.1:5432/test``, ``mysql://root@127.0.0.1:3306/test``
            (also ``mariadb://``). Passwords in URLs never appear in errors.
        tables: the tables with a declared record type (others read their columns from the
            database's metadata).
        native: whether ``native`` (raw SQL) is enabled: True for every table, or a
            collection of table codes and database names.
        tz: the zone of dates read (and of dates written without an offset); default UTC.
        pool_size: connections per database.
        batch_size: rows per fetch of a `RecordStream`.

    Raises:
        ValueError: a URL that is not a supported database, a table whose database is not
            configured.
    """

    def __init__(self, databases: Mapping[str, str], tables: Iterable[TableSpec] = (), *,
                 native: bool | Collection[str] = False, tz: Any = None, pool_size: int = 4,
                 batch_size: int = 500) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._databases = {name: _Database(name, parse_url(url), pool_size)
                           for name, url in databases.items()}
        self._tables: dict[str, _Table] = {}
        for spec in tables:
            if spec.database not in self._databases:
                raise ValueError(f"table {spec.code}: no database named {spec.database!r} is "
                                 f"configured (known: {', '.join(self._databases) or 'none'})")
            self._tables[spec.code] = _Table(spec)
        self._native = native
        self.tz = resolve_timezone(tz if tz is not None else "UTC")
        self.batch_size = batch_size
        self._tools: dict[str, DbTool] = {}
        self._streams: weakref.WeakSet[RecordStream] = weakref.WeakSet()

    def resolve(self, base: str) -> DbTool | None:
        """The tool of ``db://<table>/<operation>``; None for another URI type, an unknown
        database or operation. A table without a `TableSpec` reads its columns from the
        database's metadata when first used."""
        tool = self._tools.get(base)
        if tool is not None:
            return tool
        scheme, sep, rest = base.partition("://")
        if scheme != "db" or not sep:
            return None
        code, _, operation = rest.rpartition("/")
        if operation not in OPERATIONS or not code or "/" in code:
            return None
        table = self._tables.get(code)
        if table is None:
            try:
                spec = TableSpec(code, None)
            except ValueError:
                return None
            if spec.database not in self._databases:
                return None
            table = self._tables[code] = _Table(spec)
        tool = DbTool(self, self._databases[code.split(".")[0]], table, operation)
        self._tools[base] = tool
        return tool

    def native_allowed(self, table: _Table) -> bool:
        """Whether ``native`` may run on ``table``."""
        if isinstance(self._native, bool):
            return self._native
        return table.code in self._native or table.spec.database in self._native

    async def aclose(self) -> None:
        """Close open streams and every pooled connection."""
        for stream in list(self._streams):
            await stream.aclose()
        for database in self._databases.values():
            await database.aclose()

    async def __aenter__(self) -> DbTools:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class _NotFound(Exception):
    """``modify`` found no record with the key."""


class DbTool:
    """One operation on one table (a `runtime.Tool`)."""

    def __init__(self, owner: DbTools, database: _Database, table: _Table,
                 operation: str) -> None:
        self.owner = owner
        self.db = database
        self.table = table
        self.operation = operation
        self.dialect = database.dialect

    @property
    def arguments(self) -> Sequence[str]:
        """The arguments the operation declares (for the runtime's auto-binding)."""
        return operation_arguments(self.operation, self.table.key)

    def scope_names(self, args: Mapping[str, Any]) -> Sequence[str]:
        """The CQL ``:name`` parameters of a query's ``exps`` that ``args`` does not give:
        the runtime binds them from the visible variables (tools.md §6). Text that is not
        CQL names none here; the call reports it (Q101)."""
        exps = args.get("exps")
        if self.operation not in QUERY_OPERATIONS or not isinstance(exps, str) \
                or ":" not in exps:
            return ()
        try:
            return [name for name in params_of(parse(exps)) if name not in args]
        except CqlError:
            return ()

    async def call(self, call: ToolCall) -> Any:
        """Run the operation with ``call.args``.

        Raises:
            ToolError: see the module doc for the codes.
        """
        key = call.idempotency_key if self.operation in applied.WRITE_OPERATIONS else None
        try:
            handler: Callable[[Mapping[str, Any]], Any] = getattr(self, f"_{self.operation}")
            with applied.keyed(key):  # a write is made once per key (stdlib.tools._applied)
                return await handler(call.args)
        except ToolError:
            raise
        except CqlError as error:
            argument = _cql_argument(error)
            raise ToolError(error.code, f"{error.message} (characters {error.start}-"
                            f"{error.end} of {argument})", type="validation",
                            details={"argument": argument, "start": error.start,
                                     "end": error.end}) from None
        except Exception as error:
            raise self.error(error) from None

    # ------------------------------------------------------------------ errors

    def error(self, error: BaseException, conn: Any | None = None) -> ToolError:
        """The `ToolError` for a failure (driver messages scrubbed of credentials)."""
        if isinstance(error, ToolError):
            return error
        url = self.db.url
        driver = self.db.driver
        if isinstance(error, ConnectFailure):
            return ToolError("DB503", f"cannot connect to database '{self.db.name}' "
                             f"({url.safe}): {url.scrub(str(error.cause)).strip()}",
                             type="connection", retryable=True)
        if isinstance(error, _NotFound):
            return ToolError("DB404", str(error))
        text = url.scrub(driver.describe(error)).strip() or type(error).__name__
        if driver.constraint_violated(error):
            return ToolError("DB409", f"{self.table.code}: constraint violated: {text}")
        if driver.missing_table(error):
            return ToolError("DB404", f"table {self.table.code} does not exist in database "
                             f"'{self.db.name}' (db://{self.table.code}/init creates it)")
        if driver.connection_lost(error, conn):
            return ToolError("DB503", f"lost the connection to database '{self.db.name}' "
                             f"({url.safe}): {text}", type="connection", retryable=True)
        return ToolError("DB500", f"{self.table.code}/{self.operation}: {text}")

    def _bad(self, message: str, **details: Any) -> ToolError:
        return ToolError("DB400", message, type="validation", details=details or None)

    # ------------------------------------------------------------------ plumbing

    async def _run(self, work: Callable[[Any], T]) -> T:
        """``work(conn)`` as one transaction on a pooled connection, in a worker thread."""
        pool = self.db.pool
        lease = await pool.acquire()
        try:
            return await lease.transaction(applied.guard(work, self.dialect, self.ph))
        except Exception as error:
            if self.db.driver.connection_lost(error, lease.conn):
                lease.broken = True
            raise self.error(error, lease.conn) from None
        finally:
            pool.release(lease)

    async def _fields(self) -> tuple[dict[str, Type], dict[str, str]]:
        """The table's field types and kinds (from the metadata when not declared)."""
        table = self.table
        if table.types is None or table.kinds is None:
            async with table.lock:
                if table.types is None:
                    columns = await self._run(self._read_columns)
                    if not columns:
                        raise ToolError("DB404", f"table {table.code} does not exist in "
                                        f"database '{self.db.name}' (or has no columns)")
                    kinds = {name: kind for name, kind in columns
                             if _IDENTIFIER.fullmatch(name)}
                    table._set({n: nullable(KIND_TYPES[k]) for n, k in kinds.items()}, kinds)
        assert table.types is not None and table.kinds is not None
        return table.types, table.kinds

    def _read_columns(self, conn: Any) -> list[tuple[str, str]]:
        """The table's columns and their kinds, from the database's metadata."""
        name = self.table.name
        cursor = conn.cursor()
        try:
            if self.dialect == "sqlite":
                cursor.execute("SELECT name, type FROM pragma_table_info(?)", (name,))
                return [(_text(n), kind_from_column("sqlite", _text(t)))
                        for n, t in cursor.fetchall()]
            if self.dialect == "postgresql":
                cursor.execute("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = current_schema() AND table_name = %s "
                               "ORDER BY ordinal_position", (name,))
                return [(_text(n), kind_from_column("postgresql", _text(t)))
                        for n, t in cursor.fetchall()]
            cursor.execute("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM "
                           "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                           "TABLE_NAME = %s ORDER BY ORDINAL_POSITION", (name,))
            rows = [(_text(n), _text(d), _text(c)) for n, d, c in cursor.fetchall()]
            checked = self._json_checked(cursor, name)
            return [(n, kind_from_column("mysql", d, c, n in checked)) for n, d, c in rows]
        finally:
            cursor.close()

    @staticmethod
    def _json_checked(cursor: Any, name: str) -> set[str]:
        """MariaDB's JSON columns: text columns with a ``json_valid`` check."""
        try:
            cursor.execute("SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM "
                           "information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                           "DATABASE() AND TABLE_NAME = %s", (name,))
            return {_text(c) for c, clause in cursor.fetchall()
                    if _text(clause).lower().replace(" ", "").startswith("json_valid(")}
        except Exception:
            return set()

    def q(self, name: str) -> str:
        """A quoted identifier; only plain identifiers are accepted (`quote_ident`)."""
        try:
            return quote_ident(name, self.dialect)
        except CqlError as error:
            raise self._bad(f"{self.table.code}: {error.message}") from None

    @property
    def ph(self) -> str:
        """The driver's placeholder."""
        return "?" if self.dialect == "sqlite" else "%s"

    @property
    def _from(self) -> str:
        return self.q(self.table.name)

    def _record(self, names: Sequence[str], kinds: Mapping[str, str], row: Sequence[Any]
                ) -> dict[str, Any]:
        tz = self.owner.tz
        return {name: from_db(value, kinds[name], tz)
                for name, value in zip(names, row, strict=True)}

    def _key_value(self, args: Mapping[str, Any], types: Mapping[str, Type],
                   kinds: Mapping[str, str]) -> Any:
        key = self.table.key
        if args.get(key) is None:
            raise self._bad(f"{self.table.code}/{self.operation} needs the key '{key}'")
        return self._db_value(args[key], key, types, kinds, key)

    def _db_value(self, value: Any, name: str, types: Mapping[str, Type],
                  kinds: Mapping[str, str], path: str) -> Any:
        try:
            converted = convert(value, nullable(types.get(name, ANY)), self.owner.tz, path)
        except ConversionError as error:
            raise self._bad(error.message, field=name) from None
        return to_db(converted, kinds[name], self.dialect)

    def _row(self, data: Any, types: Mapping[str, Type], kinds: Mapping[str, str],
             path: str) -> dict[str, Any]:
        """A record given to a write, checked and converted to storage values."""
        if not isinstance(data, Mapping):
            raise self._bad(f"{path} must be an object with the fields of "
                            f"{self.table.code}")
        row: dict[str, Any] = {}
        for name, value in data.items():
            if not isinstance(name, str) or name not in types:
                known = ", ".join(types)
                raise self._bad(f"{path}: unknown field {str(name)!r} (the fields of "
                                f"{self.table.code} are {known})", field=str(name))
            row[name] = self._db_value(value, name, types, kinds, f"{path}.{name}")
        return row

    def _select(self, columns: Sequence[str]) -> str:
        return f"SELECT {', '.join(self.q(c) for c in columns)} FROM {self._from}"

    def _take_sql(self, columns: Sequence[str]) -> str:
        return f"{self._select(columns)} WHERE {self.q(self.table.key)} = {self.ph}"

    def _fetch_one(self, cursor: Any, types: Mapping[str, Type], kinds: Mapping[str, str],
                   key: Any, columns: Sequence[str] | None = None) -> dict[str, Any] | None:
        """The record whose key is ``key`` (only ``columns`` when given), or None."""
        chosen = list(types) if columns is None else list(columns)
        cursor.execute(self._take_sql(chosen), (key,))
        row = cursor.fetchone()
        return None if row is None else self._record(chosen, kinds, row)

    # ------------------------------------------------------------------ arguments

    def _text_arg(self, args: Mapping[str, Any], name: str) -> str | None:
        value = args.get(name)
        if value is None or isinstance(value, str):
            return value
        raise self._bad(f"'{name}' must be text, got {type(value).__name__}")

    def _int_arg(self, args: Mapping[str, Any], name: str, default: int | None,
                 minimum: int) -> int | None:
        value = args.get(name)
        if value is None:
            return default
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif _whole(value):
            number = int(value)
        if number is None or number < minimum:
            raise self._bad(f"'{name}' must be a whole number of at least {minimum}, got "
                            f"{value!r}")
        return number

    async def _query(self, args: Mapping[str, Any], *, shape: bool = True
                     ) -> tuple[Query, list[str], dict[str, str]]:
        """Compile ``exps`` (and ``proj``/``sort`` when ``shape``) with the undeclared
        arguments as CQL parameters; also the selected columns and the kinds."""
        assert self.operation in QUERY_OPERATIONS
        types, kinds = await self._fields()
        declared = set(self.arguments)
        params = {k: v for k, v in args.items() if k not in declared}
        query = compile_query(
            self._text_arg(args, "exps"), dialect=self.dialect,
            fields=types, params=params,
            proj=self._text_arg(args, "proj") if shape else None,
            sort=self._text_arg(args, "sort") if shape else None, tz=self.owner.tz)
        chosen = set(query.columns) if query.columns is not None else None
        columns = [n for n in types if chosen is None or n in chosen]
        return query, columns, kinds

    def _where(self, query: Query) -> str:
        return f" WHERE {query.where}" if query.where else ""

    def _order(self, query: Query) -> str:
        order = list(query.order_by)
        key = self.table.key
        if self.table.types is not None and key in self.table.types and all(
                name != key for name, _ in order):
            order.append((key, False))
        if not order:
            return ""
        kinds = self.table.kinds or {}
        parts = []
        for name, desc in order:
            if self.dialect == "sqlite" and kinds.get(name) == "decimal":
                # decimals are exact text in SQLite: order them as numbers
                parts.append(f"CAST({self.q(name)} AS REAL) {'DESC' if desc else 'ASC'}")
            else:
                parts.append(order_by_sql([(name, desc)], self.dialect))
        return " ORDER BY " + ", ".join(parts)

    # ------------------------------------------------------------------ operations

    async def _init(self, args: Mapping[str, Any]) -> dict[str, Any]:
        table = self.table
        if not table.declared or table.types is None or table.kinds is None:
            raise self._bad(f"db://{table.code}/init needs the table's declared fields "
                            "(a TableSpec with fields)")
        kinds = table.kinds
        columns = [self._column_sql(name, kind) for name, kind in kinds.items()]
        tail = " DEFAULT CHARSET=utf8mb4" if self.dialect == "mysql" else ""
        sql = f"CREATE TABLE IF NOT EXISTS {self._from} ({', '.join(columns)}){tail}"

        def work(conn: Any) -> bool:
            cursor = conn.cursor()
            try:
                existed = self._exists(cursor)
                cursor.execute(sql)
                return not existed
            finally:
                cursor.close()

        created = await self._run(work)
        return {"table": table.code, "created": created}

    def _column_sql(self, name: str, kind: str) -> str:
        if name != self.table.key:
            types = self.table.types or {}
            required = "" if _accepts_null(types.get(name, ANY)) else " NOT NULL"
            return f"{self.q(name)} {column_type(kind, self.dialect)}{required}"
        generated = kind in ("int", "long")
        if self.dialect == "sqlite" and generated:
            return f"{self.q(name)} INTEGER PRIMARY KEY"
        sql_type = column_type(kind, self.dialect, key=True)
        if self.dialect == "postgresql" and generated:
            return f"{self.q(name)} {sql_type} GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        if self.dialect == "mysql" and generated:
            return f"{self.q(name)} {sql_type} NOT NULL AUTO_INCREMENT PRIMARY KEY"
        return f"{self.q(name)} {sql_type} NOT NULL PRIMARY KEY"

    def _exists(self, cursor: Any) -> bool:
        name = self.table.name
        if self.dialect == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (name,))
        elif self.dialect == "postgresql":
            cursor.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = "
                           "current_schema() AND table_name = %s", (name,))
        else:
            cursor.execute("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                           "DATABASE() AND TABLE_NAME = %s", (name,))
        return cursor.fetchone() is not None

    async def _drop(self, args: Mapping[str, Any]) -> dict[str, Any]:
        sql = f"DROP TABLE IF EXISTS {self._from}"

        def work(conn: Any) -> bool:
            cursor = conn.cursor()
            try:
                existed = self._exists(cursor)
                cursor.execute(sql)
                return existed
            finally:
                cursor.close()

        dropped = await self._run(work)
        self.table.forget()
        return {"table": self.table.code, "dropped": dropped}

    async def _take(self, args: Mapping[str, Any]) -> dict[str, Any] | None:
        types, kinds = await self._fields()
        key = self._key_value(args, types, kinds)
        proj = self._text_arg(args, "proj")
        columns: list[str] | None = None
        if proj is not None:  # take(id, proj): only the projected fields (tools.md §6)
            query = compile_query(None, dialect=self.dialect, fields=types, params={},
                                  proj=proj, tz=self.owner.tz)
            chosen = set(query.columns) if query.columns is not None else None
            columns = [n for n in types if chosen is None or n in chosen]

        def work(conn: Any) -> dict[str, Any] | None:
            cursor = conn.cursor()
            try:
                return self._fetch_one(cursor, types, kinds, key, columns)
            finally:
                cursor.close()

        return await self._run(work)

    def _rows_sql(self, query: Query, columns: Sequence[str], limit: int | None,
                  offset: int | None) -> tuple[str, list[Any]]:
        sql = f"{self._select(columns)}{self._where(query)}{self._order(query)}"
        params = list(query.params)
        if limit is not None:
            sql += f" LIMIT {self.ph}"
            params.append(limit)
            if offset:
                sql += f" OFFSET {self.ph}"
                params.append(offset)
        return sql, params

    def _fetch_all(self, cursor: Any, sql: str, params: Sequence[Any], columns: Sequence[str],
                   kinds: Mapping[str, str]) -> list[dict[str, Any]]:
        cursor.execute(sql, params)
        return [self._record(columns, kinds, row) for row in cursor.fetchall()]

    async def _list(self, args: Mapping[str, Any]) -> list[dict[str, Any]]:
        size = self._int_arg(args, "size", None, 0)
        query, columns, kinds = await self._query(args)
        sql, params = self._rows_sql(query, columns, size, None)

        def work(conn: Any) -> list[dict[str, Any]]:
            cursor = conn.cursor()
            try:
                return self._fetch_all(cursor, sql, params, columns, kinds)
            finally:
                cursor.close()

        return await self._run(work)

    async def _page(self, args: Mapping[str, Any]) -> dict[str, Any]:
        page = self._int_arg(args, "page", 0, 0)
        size = self._int_arg(args, "size", DEFAULT_PAGE_SIZE, 1)
        assert page is not None and size is not None
        query, columns, kinds = await self._query(args)
        sql, params = self._rows_sql(query, columns, size, page * size)
        count_sql = f"SELECT COUNT(*) FROM {self._from}{self._where(query)}"

        def work(conn: Any) -> tuple[int, list[dict[str, Any]]]:
            cursor = conn.cursor()
            try:
                cursor.execute(count_sql, list(query.params))
                total = int(cursor.fetchone()[0])
                content = self._fetch_all(cursor, sql, params, columns, kinds) \
                    if page * size < total else []
                return total, content
            finally:
                cursor.close()

        total, content = await self._run(work)
        return {"content": content, "page": page, "size": size, "totalElements": total,
                "totalPages": math.ceil(total / size)}

    async def _stream(self, args: Mapping[str, Any]) -> RecordStream:
        query, columns, kinds = await self._query(args)
        sql, params = self._rows_sql(query, columns, None, None)
        stream = RecordStream(self, sql, params, columns, kinds, self.owner.batch_size)
        self.owner._streams.add(stream)
        return stream

    async def _count(self, args: Mapping[str, Any]) -> int:
        query, _, _ = await self._query(args, shape=False)
        sql = f"SELECT COUNT(*) FROM {self._from}{self._where(query)}"

        def work(conn: Any) -> int:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, list(query.params))
                return int(cursor.fetchone()[0])
            finally:
                cursor.close()

        return await self._run(work)

    def _insert_sql(self, names: Sequence[str]) -> str:
        if not names:
            return (f"INSERT INTO {self._from} () VALUES ()" if self.dialect == "mysql"
                    else f"INSERT INTO {self._from} DEFAULT VALUES")
        holders = ", ".join(self.ph for _ in names)
        return (f"INSERT INTO {self._from} ({', '.join(self.q(n) for n in names)}) "
                f"VALUES ({holders})")

    def _upsert_sql(self, names: Sequence[str]) -> str:
        key = self.q(self.table.key)
        others = [self.q(n) for n in names if n != self.table.key]
        insert = self._insert_sql(names)
        if self.dialect == "mysql":
            sets = ", ".join(f"{c} = VALUES({c})" for c in others) or f"{key} = {key}"
            return f"{insert} ON DUPLICATE KEY UPDATE {sets}"
        if not others:
            return f"{insert} ON CONFLICT ({key}) DO NOTHING"
        sets = ", ".join(f"{c} = excluded.{c}" for c in others)
        return f"{insert} ON CONFLICT ({key}) DO UPDATE SET {sets}"

    def _needs_key(self, row: Mapping[str, Any], kinds: Mapping[str, str], path: str) -> bool:
        """Whether ``row`` has its key; raises when it has none and none can be generated."""
        key = self.table.key
        if row.get(key) is not None:
            return True
        if kinds.get(key) in ("int", "long"):
            return False
        raise self._bad(f"{path} needs the key '{key}' (only int and long keys are "
                        "generated by the database)", field=key)

    def _insert(self, cursor: Any, row: Mapping[str, Any]) -> Any:
        """Insert ``row``; the key's value (generated when the row has none)."""
        key = self.table.key
        names = [n for n in row if not (n == key and row[n] is None)]
        values = [row[n] for n in names]
        if row.get(key) is not None:
            cursor.execute(self._insert_sql(names), values)
            self._sync_identity(cursor)
            return row[key]
        if self.dialect == "postgresql":
            cursor.execute(f"{self._insert_sql(names)} RETURNING {self.q(key)}", values)
            return cursor.fetchone()[0]
        cursor.execute(self._insert_sql(names), values)
        return cursor.lastrowid

    async def _create(self, args: Mapping[str, Any]) -> dict[str, Any] | None:
        types, kinds = await self._fields()
        row = self._row(args.get("data"), types, kinds, "data")
        self._needs_key(row, kinds, "data")

        def work(conn: Any) -> dict[str, Any] | None:
            cursor = conn.cursor()
            try:
                return self._fetch_one(cursor, types, kinds, self._insert(cursor, row))
            finally:
                cursor.close()

        return await self._run(work)

    async def _modify(self, args: Mapping[str, Any]) -> dict[str, Any] | None:
        types, kinds = await self._fields()
        row = self._row(args.get("data"), types, kinds, "data")
        key = self.table.key
        if row.get(key) is None:
            raise self._bad(f"data needs the key '{key}' to modify a record", field=key)
        sets = [(n, v) for n, v in row.items() if n != key and v is not None]
        update = (f"UPDATE {self._from} SET "
                  + ", ".join(f"{self.q(n)} = {self.ph}" for n, _ in sets)
                  + f" WHERE {self.q(key)} = {self.ph}")
        missing = f"no record of {self.table.code} has {key} = {args['data'].get(key)!r}"

        def work(conn: Any) -> dict[str, Any] | None:
            cursor = conn.cursor()
            try:
                if sets:
                    cursor.execute(update, [v for _, v in sets] + [row[key]])
                    if cursor.rowcount == 0:
                        raise _NotFound(missing)
                record = self._fetch_one(cursor, types, kinds, row[key])
                if record is None:
                    raise _NotFound(missing)
                return record
            finally:
                cursor.close()

        return await self._run(work)

    def _save_row(self, cursor: Any, row: Mapping[str, Any]) -> Any:
        if row.get(self.table.key) is None:
            return self._insert(cursor, row)
        names = list(row)
        cursor.execute(self._upsert_sql(names), [row[n] for n in names])
        self._sync_identity(cursor)
        return row[self.table.key]

    def _sync_identity(self, cursor: Any) -> None:
        """PostgreSQL: after rows with explicit keys, move the key's identity sequence past
        the largest key, so that generated keys do not collide with them (SQLite's rowid and
        MySQL's AUTO_INCREMENT do this by themselves)."""
        key = self.table.key
        if self.dialect != "postgresql" or (self.table.kinds or {}).get(key) not in (
                "int", "long"):
            return
        cursor.execute(
            "SELECT setval(s.seq, GREATEST(COALESCE((SELECT MAX("
            f"{self.q(key)}) FROM {self._from}), 0), COALESCE(pg_sequence_last_value(s.seq),"
            " 0), 1)) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) AS s "
            "WHERE s.seq IS NOT NULL", (self._from, key))

    async def _save(self, args: Mapping[str, Any]) -> dict[str, Any] | None:
        types, kinds = await self._fields()
        row = self._row(args.get("data"), types, kinds, "data")
        self._needs_key(row, kinds, "data")

        def work(conn: Any) -> dict[str, Any] | None:
            cursor = conn.cursor()
            try:
                return self._fetch_one(cursor, types, kinds, self._save_row(cursor, row))
            finally:
                cursor.close()

        return await self._run(work)

    async def _delete(self, args: Mapping[str, Any]) -> dict[str, int]:
        types, kinds = await self._fields()
        key = self._key_value(args, types, kinds)
        sql = f"DELETE FROM {self._from} WHERE {self.q(self.table.key)} = {self.ph}"

        def work(conn: Any) -> int:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, (key,))
                return int(cursor.rowcount)
            finally:
                cursor.close()

        return {"deleted": await self._run(work)}

    async def _bulk(self, args: Mapping[str, Any]) -> dict[str, int]:
        types, kinds = await self._fields()
        items = args.get("dataList")
        if not isinstance(items, list | tuple):
            raise self._bad("dataList must be an array of records")
        rows = []
        for i, item in enumerate(items):
            row = self._row(item, types, kinds, f"dataList[{i}]")
            self._needs_key(row, kinds, f"dataList[{i}]")
            rows.append(row)
        key = self.table.key
        batches: list[tuple[str, bool, list[list[Any]]]] = []
        for row in rows:
            names = [n for n in row if not (n == key and row[n] is None)]
            explicit = row.get(key) is not None
            sql = self._upsert_sql(names) if explicit else self._insert_sql(names)
            if not batches or batches[-1][0] != sql or not names:
                batches.append((sql, explicit, []))
            batches[-1][2].append([row[n] for n in names])

        def work(conn: Any) -> int:
            cursor = conn.cursor()
            try:
                for sql, explicit, values in batches:
                    if len(values) == 1 or not values[0]:
                        for one in values:
                            cursor.execute(sql, one)
                    else:
                        cursor.executemany(sql, values)
                    if explicit:
                        self._sync_identity(cursor)
                return len(rows)
            finally:
                cursor.close()

        return {"saved": await self._run(work)}

    async def _native(self, args: Mapping[str, Any]) -> list[dict[str, Any]]:
        table = self.table
        if not self.owner.native_allowed(table):
            raise ToolError("DB403", f"native SQL is not enabled for {table.code}: enable it "
                            f"with DbTools(..., native=True) or native=['{table.code}'] (or "
                            f"the database, ['{table.spec.database}'])", type="auth")
        query = args.get("query")
        if not isinstance(query, str) or not query.strip():
            raise self._bad("native needs 'query', the SQL text")
        raw = args.get("params")
        params: Any
        if raw is None:
            params = None
        elif isinstance(raw, Mapping):
            params = {str(k): self._native_value(v) for k, v in raw.items()}
        elif isinstance(raw, list | tuple):
            params = [self._native_value(v) for v in raw]
        else:
            raise self._bad("'params' must be an array (positional) or an object (named)")
        tz = self.owner.tz

        def work(conn: Any) -> list[dict[str, Any]]:
            cursor = conn.cursor()
            try:
                if params is None:
                    cursor.execute(query)
                else:
                    cursor.execute(query, params)
                if cursor.description is None:
                    return []
                names = [_text(d[0]) for d in cursor.description]
                return [{n: plain(v, tz) for n, v in zip(names, row, strict=True)}
                        for row in cursor.fetchall()]
            finally:
                cursor.close()

        return await self._run(work)

    def _native_value(self, value: Any) -> Any:
        """A ``native`` parameter in a form the driver binds."""
        if isinstance(value, Mapping | list | tuple):
            return to_db(value, "json", self.dialect)
        if isinstance(value, datetime | Decimal):
            return adapt_value(value, self.dialect)
        return value


class RecordStream:
    """The result of ``stream``: an async iterator of records, fetched in batches.

    Nothing runs until the first ``__anext__``; it then takes a pooled connection, runs the
    query and fetches ``batch_size`` rows per worker-thread hop. The connection goes back
    when the rows run out, on an error, or on `aclose`.

    Attributes:
        fetched: rows fetched from the database so far.
        exhausted: whether the database has no more rows.
    """

    def __init__(self, tool: DbTool, sql: str, params: Sequence[Any], columns: Sequence[str],
                 kinds: Mapping[str, str], batch_size: int) -> None:
        self._tool = tool
        self._sql = sql
        self._params = list(params)
        self._columns = list(columns)
        self._kinds = dict(kinds)
        self.batch_size = batch_size
        self.fetched = 0
        self.exhausted = False
        self._buffer: deque[dict[str, Any]] = deque()
        self._lease: Lease | None = None
        self._cursor: Any = None
        self._closed = False

    def __aiter__(self) -> RecordStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if not self._buffer:
            if self.exhausted or self._closed:
                raise StopAsyncIteration
            await self._fill()
            if not self._buffer:
                raise StopAsyncIteration
        return self._buffer.popleft()

    def next_nowait(self) -> dict[str, Any]:
        """The next record of the fetched batch without waiting (see `runtime.Stream`).

        Raises:
            trio.WouldBlock: the batch is used up and the database has more (or has not
                been asked yet): ``__anext__`` fetches the next batch.
            StopAsyncIteration: no more records.
        """
        if self._buffer:
            return self._buffer.popleft()
        if self.exhausted or self._closed:
            raise StopAsyncIteration
        raise trio.WouldBlock

    def _open(self, conn: Any) -> list[Any]:
        self._cursor = self._tool.db.driver.stream_cursor(conn)
        self._cursor.execute(self._sql, self._params)
        return list(self._cursor.fetchmany(self.batch_size))

    def _more(self, conn: Any) -> list[Any]:
        return list(self._cursor.fetchmany(self.batch_size))

    async def _fill(self) -> None:
        tool = self._tool
        try:
            if self._lease is None:
                self._lease = await tool.db.pool.acquire()
                rows = await self._lease.run(self._open)
            else:
                rows = await self._lease.run(self._more)
        except trio.Cancelled:
            self._close_now()
            raise
        except Exception as error:
            conn = self._lease.conn if self._lease is not None else None
            if self._lease is not None and tool.db.driver.connection_lost(error, conn):
                self._lease.broken = True
            await self._finish(complete=False)
            raise tool.error(error, conn) from None
        self.fetched += len(rows)
        kinds = self._kinds
        self._buffer.extend(tool._record(self._columns, kinds, row) for row in rows)
        if len(rows) < self.batch_size:
            self.exhausted = True
            await self._finish(complete=True)

    async def _finish(self, *, complete: bool) -> None:
        lease, self._lease = self._lease, None
        self._closed = True
        if lease is None or lease.released:
            return
        cursor, self._cursor = self._cursor, None
        driver = self._tool.db.driver

        def end(conn: Any) -> bool:
            reuse = True
            if cursor is not None:
                reuse = driver.end_stream(conn, cursor, complete)
            if reuse:
                conn.rollback()
            return reuse

        reuse = False
        try:
            reuse = await lease.run(end)
        except Exception:
            reuse = False
        finally:
            lease.pool.release(lease, reuse=reuse)

    def _close_now(self) -> None:
        lease, self._lease = self._lease, None
        self._closed = True
        if lease is not None:
            lease.pool.release(lease, reuse=False)

    async def aclose(self) -> None:
        """Stop early: close the cursor and give the connection back."""
        if not self._closed:
            await self._finish(complete=self.exhausted)
        self._buffer.clear()

    async def __aenter__(self) -> RecordStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _accepts_null(t: Type) -> bool:
    """Whether a field of type ``t`` may hold null (``T?``, ``any``, ``null``)."""
    t = deref(t)
    return isinstance(t, Nullable) or t in (ANY, NULL)


def _whole(value: Any) -> bool:
    """Whether ``value`` is an integral float/Decimal or integer text."""
    if isinstance(value, float | Decimal):
        return math.isfinite(value) and value == int(value)
    return isinstance(value, str) and value.strip().lstrip("+-").isdigit()


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes | bytearray) \
        else str(value)


def _cql_argument(error: CqlError) -> str:
    """The argument a CQL error is about: Q204 is about ``proj`` or ``sort`` (its message
    names which), every other code about the condition ``exps``."""
    if error.code != "Q204":
        return "exps"
    return "sort" if " sort" in error.message else "proj"
