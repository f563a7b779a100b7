"""One PostgreSQL database of ours: the connection, its lock, a schema of our own created on
first use and versioned, and errors that name the database (never its password) and say
what to do. The run store (`runtime.store.PgStore`) and the tool registry
(`stdlib.registry._store.Database`) use it when ``state:`` in ``fdl.yaml`` is a
``postgresql://`` URL, the way they use `stdlib.sqlitefile.SqliteFile` for a file.

* **URL.** ``postgresql://user[:password]@host[:port]/database[?schema=NAME&...]``
  (``postgres://`` too). ``schema`` is ours: the PostgreSQL schema our tables live in
  (default ``fdl``); every other query parameter goes to libpq (``sslmode``,
  ``connect_timeout``, ...). `PgUrl.shown` is the URL as messages show it: no password, no
  query values.
* **Schema.** Created on first use under an advisory lock (two processes starting at once
  create it once). ``fdl_schema`` holds one row per component (``runs``, ``registry``) with
  the version of its tables; a newer version is refused with a clear message.
* **Transactions.** One connection per object, used under a lock (threads share it, as
  with SQLite); reads run in autocommit, `PgDatabase.write` is one transaction, and with
  ``serialize`` it first takes a transaction-scoped advisory lock, so writers run one at a
  time like SQLite's ``BEGIN IMMEDIATE`` (the registry's read-modify-write logic relies on
  it). A connection found broken is opened again on the next call, and a statement that
  may safely run twice (`PgDatabase.idempotent`: reads, lease renewals) is retried at once.

psycopg is imported when a database is opened, not with this module, so the language
server and ``fdl --help`` never load it.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import psycopg

__all__ = ["DEFAULT_SCHEMA", "SCHEMES", "PgDatabase", "PgFormat", "PgUrl", "is_pg_url",
           "parse_pg_url", "shown_spec", "sqlite_style"]

SCHEMES = ("postgresql", "postgres")
"""URL schemes that name a PostgreSQL database."""

DEFAULT_SCHEMA = "fdl"
"""The PostgreSQL schema our tables live in unless the URL says ``?schema=NAME``."""

CONNECT_TIMEOUT = 10
"""Seconds to wait for the server when connecting (unless the URL says otherwise)."""

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def is_pg_url(text: str) -> bool:
    """Does ``text`` name a PostgreSQL database (``postgresql://`` or ``postgres://``)?"""
    scheme, sep, _ = text.strip().partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def shown_spec(text: str) -> str:
    """A store or registry spec as messages may show it: a ``postgresql://`` URL without
    its password (`PgUrl.shown`), anything else as it is."""
    if not is_pg_url(text):
        return text
    try:
        return parse_pg_url(text).shown
    except ValueError:
        return "postgresql://..."


@dataclass(frozen=True, slots=True)
class PgUrl:
    """A parsed ``postgresql://`` URL.

    Attributes:
        conninfo: what libpq gets (the URL without our ``schema`` parameter).
        schema: the schema our tables live in.
        shown: the URL for messages: user, host, port, database and schema, no password.
        password: the password given in the URL ("" when none), to scrub it from messages.
    """

    conninfo: str
    schema: str
    shown: str
    password: str

    def scrub(self, text: str) -> str:
        """``text`` with the password (if any) replaced by ``***``."""
        return text.replace(self.password, "***") if self.password else text


def parse_pg_url(url: str, error: type[Exception] = ValueError) -> PgUrl:
    """Read a ``postgresql://`` URL (see the module docstring).

    Raises:
        error: not a PostgreSQL URL, or its ``schema`` is not a plain lower-case name.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        raise error("the PostgreSQL URL cannot be read; write postgresql://user@host/database"
                    ) from None
    if parts.scheme.lower() not in SCHEMES:
        raise error(f"not a PostgreSQL URL (scheme {parts.scheme!r}); write "
                    "postgresql://user@host/database")
    params = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((value for key, value in params if key == "schema"), DEFAULT_SCHEMA)
    if not _SCHEMA_NAME.match(schema):
        raise error(f"schema {schema!r} in the PostgreSQL URL is not a plain name; use lower-case "
                    "letters, digits and _ (such as ?schema=fdl)")
    rest = [(key, value) for key, value in params if key != "schema"]
    if not any(key == "connect_timeout" for key, _ in rest):
        rest.append(("connect_timeout", str(CONNECT_TIMEOUT)))
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(rest), ""))
    user = unquote(parts.username or "")
    where = host if ":" not in host else f"[{host}]"
    where += "" if port is None else f":{port}"
    login = f"{user}@" if user else ""
    shown = f"postgresql://{login}{where}{parts.path}?schema={schema}"
    return PgUrl(conninfo, schema, shown, unquote(parts.password or ""))


@dataclass(frozen=True, slots=True)
class PgFormat:
    """What a kind of database is, for its schema and its messages.

    Attributes:
        name: how messages name it (``run store``, ``registry``).
        component: its row in ``fdl_schema`` (``runs``, ``registry``).
        error: the exception raised (its message names the database and what to do).
        schema: the statements creating its tables and functions (separated by lines
            holding only ``;;``, so a function body may hold ``;``; ``IF NOT EXISTS`` or
            ``OR REPLACE``).
        version: the schema version written.
        what_to_do: the advice ending messages about an unusable database.
        serialize: whether `PgDatabase.write` transactions run one at a time.
        columns: per table, the columns a table of ours has: a schema holding a table by
            one of our names without them (another program's) is refused.
        quick_commit: commit without waiting for the server's WAL flush
            (``synchronous_commit = off``, unless the URL sets it): a commit survives the
            client being killed at any moment, a crash of the server may lose its last
            fraction of a second of commits, never corrupting anything (as SQLite's
            ``synchronous=NORMAL``).
    """

    name: str
    component: str
    error: type[Exception]
    schema: str
    version: int
    what_to_do: str
    serialize: bool = False
    quick_commit: bool = False
    columns: Mapping[str, frozenset[str]] = field(default_factory=dict)


class PgDatabase:
    """The connection to our schema in one PostgreSQL database, prepared and checked.

    Raises:
        the format's error: the server cannot be reached, refuses the login, or the schema
            was written by a newer version.
    """

    def __init__(self, url: str | PgUrl, fmt: PgFormat) -> None:
        self.url = url if isinstance(url, PgUrl) else parse_pg_url(url, fmt.error)
        self.format = fmt
        self._lock = threading.Lock()
        self._closed = False
        self._conn: psycopg.Connection[Any] | None = None
        self._conn = self._connect()

    def __repr__(self) -> str:
        return f"PgDatabase({self.url.shown!r})"

    @property
    def shown(self) -> str:
        """The database as messages show it (no password)."""
        return self.url.shown

    def _fail(self, exc: BaseException) -> Exception:
        fmt = self.format
        detail = self.url.scrub(str(exc).strip().splitlines()[0] if str(exc).strip()
                                else type(exc).__name__)
        return fmt.error(f"{fmt.name} {self.url.shown}: {detail}; {fmt.what_to_do}")

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg  # loaded only when a PostgreSQL database is used

        fmt = self.format
        try:
            conn = psycopg.connect(self.url.conninfo, autocommit=True)
        except psycopg.Error as exc:
            detail = self.url.scrub(str(exc).strip().splitlines()[0] if str(exc).strip()
                                    else type(exc).__name__)
            raise fmt.error(f"cannot connect to the {fmt.name} {self.url.shown}: {detail}; "
                            "check that PostgreSQL runs there and accepts this user, or fix "
                            "state: in fdl.yaml") from None
        try:
            self._prepare(conn)
        except fmt.error:
            conn.close()
            raise
        except psycopg.Error as exc:
            conn.close()
            raise self._fail(exc) from None
        return conn

    def _prepare(self, conn: psycopg.Connection[Any]) -> None:
        from psycopg import sql

        fmt, schema = self.format, self.url.schema
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(schema, "schema"),))
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(schema)))
            conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
            conn.execute("CREATE TABLE IF NOT EXISTS fdl_schema (component TEXT PRIMARY KEY, "
                         "version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM fdl_schema WHERE component = %s",
                               (fmt.component,)).fetchone()
            version = 0 if row is None else int(row[0])
            if version > fmt.version:
                raise fmt.error(
                    f"the {fmt.name} {self.url.shown} was written by a newer version of fdl "
                    f"(schema {version}; this version reads up to {fmt.version}); upgrade fdl "
                    "or give another schema (postgresql://.../db?schema=NAME)")
            self._check_tables(conn)
            if version < fmt.version:
                for statement in re.split(r"^;;$", fmt.schema, flags=re.MULTILINE):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO fdl_schema (component, version) VALUES (%s, %s) "
                             "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                             (fmt.component, fmt.version))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        if fmt.quick_commit and "synchronous_commit" not in self.url.conninfo:
            conn.execute("SET synchronous_commit TO off")

    def _check_tables(self, conn: psycopg.Connection[Any]) -> None:
        """Refuse a schema whose tables by our names are not ours."""
        fmt = self.format
        if not fmt.columns:
            return
        found: dict[str, set[str]] = {}
        for table, column in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE "
                "table_schema = %s AND table_name = ANY(%s)",
                (self.url.schema, list(fmt.columns))).fetchall():
            found.setdefault(table, set()).add(column)
        for table, columns in found.items():
            missing = fmt.columns[table] - columns
            if missing:
                raise fmt.error(
                    f"the schema {self.url.schema!r} of {self.url.shown} holds a table "
                    f"{table!r} that is not the {fmt.name}'s (it lacks {sorted(missing)}); "
                    "give fdl a schema of its own (postgresql://.../db?schema=NAME)")

    def _connection(self) -> psycopg.Connection[Any]:
        fmt = self.format
        if self._closed or self._conn is None:
            raise fmt.error(f"the {fmt.name} {self.url.shown} is closed")
        if self._conn.broken or self._conn.closed:
            self._conn.close()
            self._conn = self._connect()
        return self._conn

    @contextmanager
    def read(self) -> Iterator[psycopg.Connection[Any]]:
        """The connection (autocommit), held under the lock; psycopg errors become the
        format's error."""
        import psycopg

        with self._lock:
            conn = self._connection()
            try:
                yield conn
            except psycopg.Error as exc:
                raise self._fail(exc) from None

    def idempotent(self, statement: str, params: Sequence[Any] | Mapping[str, Any] = ()
                   ) -> tuple[list[tuple[Any, ...]], int]:
        """Run one statement that may safely run twice (a read, or a write whose repetition
        changes nothing) in autocommit: its rows (none for a write) and its row count. A
        connection found broken by it (the server restarted, an idle connection dropped)
        is opened again and the statement retried once."""
        import psycopg

        with self._lock:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    cursor = conn.execute(statement, params or None)
                    rows = cursor.fetchall() if cursor.description is not None else []
                    return rows, cursor.rowcount
                except psycopg.OperationalError as exc:
                    if attempt == 1 and conn.broken:
                        continue
                    raise self._fail(exc) from None
                except psycopg.Error as exc:
                    raise self._fail(exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def write(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction, committed when the block ends, rolled back on error."""
        with self.read() as conn, conn.transaction():
            if self.format.serialize:
                conn.execute("SELECT pg_advisory_xact_lock(%s)",
                             (_lock_key(self.url.schema, self.format.component),))
            yield conn

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        with self._lock:
            conn, self._conn, self._closed = self._conn, None, True
        if conn is not None:
            conn.close()


def _lock_key(schema: str, what: str) -> int:
    """A stable advisory-lock key (a signed 64-bit number) for ``what`` in ``schema``."""
    value = zlib.crc32(f"fdl:{schema}:{what}".encode()) | (0x46444C << 32)
    return value - (1 << 64) if value >= 1 << 63 else value


# --------------------------------------------------------------- SQLite-style statements

_TOKENS = re.compile(r"'(?:[^']|'')*'|\?|(?<![:\w]):([A-Za-z_]\w*)|%")


@lru_cache(maxsize=512)
def _translate(statement: str) -> str:
    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("'"):
            return text.replace("%", "%%")
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return _TOKENS.sub(replace, statement)


class _Translating:
    """A psycopg connection that takes SQLite-style parameters (``?`` and ``:name``)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, statement: str, parameters: Any = ()) -> psycopg.Cursor[Any]:
        """Run one statement; returns its cursor (``fetchone``, ``fetchall``, iteration)."""
        params = dict(parameters) if isinstance(parameters, Mapping) else tuple(parameters)
        return self.conn.execute(_translate(statement), params or None)

    def executemany(self, statement: str, rows: Any) -> None:
        """Run one statement once per row of parameters."""
        rows = list(rows)
        if rows:
            with self.conn.cursor() as cursor:
                cursor.executemany(_translate(statement), rows)


def sqlite_style(conn: psycopg.Connection[Any]) -> _Translating:
    """``conn`` taking SQLite-style statements: ``?`` and ``:name`` parameters (outside
    quoted text) become psycopg's ``%s`` and ``%(name)s``, a ``%`` is escaped."""
    return _Translating(conn)
