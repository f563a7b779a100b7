"""Connections of the ``db://`` adapter: database URLs, SQLAlchemy engines, worker threads.

Each configured database is one SQLAlchemy `Engine` over its standard blocking driver (the
standard library's ``sqlite3``, ``psycopg`` 3, ``PyMySQL``; any other SQLAlchemy URL with an
installed driver works too). Its `QueuePool` keeps ``pool_size`` idle connections; how many
are *in use* is bounded by a `trio.CapacityLimiter` of the same size, so a task waits on trio,
never a worker thread on the pool. Every call that may block goes through
``trio.to_thread.run_sync`` (design.md, "Blocking drivers run in trio.to_thread"): an
operation (checkout, statements, commit or rollback, check-in) is one worker-thread hop.

**Cancellation.** A `Lease` is one checked-out connection and the limiter slot held for it
(on behalf of the lease, not the task, so a stream may take it in one task and give it back in
another). A cancelled call is *abandoned*: `Cancelled` propagates at once and the slot is
free; a worker thread still running rolls back instead of committing and invalidates the
connection when it ends (SQLite's statement is interrupted first); a thread that had not
started never touches it. The pool overflows (it never waits) so that a new call gets a
connection while an abandoned one is still busy.

**Errors.** SQLAlchemy wraps driver errors in `sqlalchemy.exc.DBAPIError` subclasses and marks
those that mean the connection is gone (``connection_invalidated``; the pool drops it).
`Failure` classifies them for the adapter's codes: constraint violations (IntegrityError, and
MySQL's NOT NULL/CHECK errors), missing tables, lost connections, and transient conflicts
(deadlocks, lock timeouts) that a retry may get past. A connection that cannot be opened is a
`ConnectFailure`.

**SQLite.** Connections are opened with ``check_same_thread=False`` (trio's worker threads
differ from call to call); the lease is what lets one thread at a time use a connection. The
file's parent folder is created on first connect. File databases switch to WAL so that an open
stream (a reader) does not block writers. ``:memory:`` databases have one connection
(`StaticPool`, a limiter of one), since every connection would otherwise see its own empty
database.

**MySQL/MariaDB** sessions run in UTC with ``STRICT_TRANS_TABLES`` (no silent truncation) and
``NO_AUTO_VALUE_ON_ZERO`` (a key 0 stays 0).

**Secrets.** URLs may carry passwords. `DatabaseUrl` keeps the password out of ``repr``, its
`safe` form drops it, and `DatabaseUrl.scrub` removes it (and any ``user:password@`` or
``password=`` text) from driver messages before they become tool errors. Engines are created
with ``hide_parameters=True``, so values never appear in SQLAlchemy's own messages or logs.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import sqlalchemy as sa
import trio
from sqlalchemy import event, exc
from sqlalchemy.pool import QueuePool, StaticPool

from stdlib.cql import Dialect

__all__ = ["ConnectFailure", "Database", "DatabaseUrl", "Failure", "Lease", "parse_url"]

T = TypeVar("T")

SCHEMES = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql",
           "mysql": "mysql", "mariadb": "mysql"}
"""URL scheme → dialect, for the three tested databases (plain schemes pick our drivers)."""

DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}
"""Dialect → SQLAlchemy driver name of the tested databases."""

CONNECT_TIMEOUT = 10
"""Seconds a driver waits for a server before giving up (bounds an uncancellable connect)."""

_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@\s]*@")
_PASSWORD_KV = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)
_MYSQL_SESSION = ("SET time_zone = '+00:00', sql_mode = CONCAT_WS(',', @@sql_mode, "
                  "'STRICT_TRANS_TABLES', 'NO_AUTO_VALUE_ON_ZERO')")


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed database URL.

    Attributes:
        dialect: ``sqlite``, ``postgresql``, ``mysql``, or another SQLAlchemy backend name.
        path: sqlite only: the file path (absolute) or ``:memory:``.
        host, port, user, database: the server's address and login (not sqlite).
        password: the login's password; never shown (not in ``repr``, not in `safe`).
        options: the URL's query parameters (passed to the driver).
        driver: the SQLAlchemy driver name (``postgresql+psycopg``).
    """

    dialect: str
    path: str = ""
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = field(default="", repr=False)
    database: str = ""
    options: Mapping[str, str] = field(default_factory=dict)
    driver: str = ""

    @property
    def values(self) -> Dialect:
        """The dialect whose value forms bound parameters take (`stdlib.cql.adapt_value`):
        databases other than the tested three get Python's own values, as PostgreSQL does."""
        return cast(Dialect, self.dialect if self.dialect in DRIVERS else "postgresql")

    @property
    def safe(self) -> str:
        """The URL without its password: safe to show in messages."""
        if self.dialect == "sqlite":
            return f"sqlite:///{self.path}"
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.dialect}://{user}{self.host}{port}/{self.database}"

    def scrub(self, text: str) -> str:
        """``text`` with this URL's password and any URL credentials replaced by ``***``."""
        text = _USERINFO.sub(r"\1:***@", text)
        text = _PASSWORD_KV.sub(r"\1***", text)
        if self.password:
            for secret in {self.password, quote(self.password, safe="")}:
                text = text.replace(secret, "***")
        return text

    def sqlalchemy_url(self) -> sa.URL:
        """The URL SQLAlchemy opens (with the password)."""
        if self.dialect == "sqlite":
            return sa.URL.create("sqlite", database=None if self.path == ":memory:"
                                 else self.path, query=dict(self.options))
        return sa.URL.create(self.driver or DRIVERS[self.dialect], username=self.user or None,
                             password=self.password or None, host=self.host or None,
                             port=self.port, database=self.database or None,
                             query=dict(self.options))


def parse_url(url: str) -> DatabaseUrl:
    """Parse ``sqlite:///rel.db``, ``sqlite:////abs.db``, ``postgresql://u:p@h:5432/db``,
    ``mysql://`` / ``mariadb://`` URLs, or any SQLAlchemy URL whose driver is installed
    (``mssql+pyodbc://...``).

    A relative sqlite path is resolved against the current folder now, so that later
    changes of the working folder do not move the database.

    Raises:
        ValueError: not a URL of a database SQLAlchemy can open here (the message never
            shows a password).
    """
    scheme, sep, rest = url.partition("://")
    dialect = SCHEMES.get(scheme.lower()) if sep else None
    if dialect is None:
        return _other_url(url)
    if dialect == "sqlite":
        path, _, query = rest.partition("?")
        path = path[1:] if path.startswith("/") else path
        if path in ("", ":memory:"):
            return DatabaseUrl("sqlite", ":memory:", options=dict(parse_qsl(query)))
        return DatabaseUrl("sqlite", str(Path(unquote(path)).resolve()),
                           options=dict(parse_qsl(query)))
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"bad port in the {dialect} URL for host {parts.hostname!r}") from None
    return DatabaseUrl(
        dialect, host=parts.hostname or "127.0.0.1", port=port,
        user=unquote(parts.username or ""), password=unquote(parts.password or ""),
        database=unquote(parts.path.lstrip("/")), options=dict(parse_qsl(parts.query)))


def _other_url(url: str) -> DatabaseUrl:
    """A SQLAlchemy URL of another database, whose dialect and driver load here."""
    shown = _USERINFO.sub(r"\1:***@", url)
    hint = ("use sqlite:///file.db, postgresql://user@host:5432/db, "
            "mysql://user@host:3306/db or a SQLAlchemy URL whose driver is installed")
    try:
        parsed = sa.make_url(url)
        parsed.get_dialect().import_dbapi()
    except (exc.ArgumentError, exc.NoSuchModuleError, ValueError):
        raise ValueError(f"unsupported database URL {shown!r}: {hint}") from None
    except ImportError as error:
        raise ValueError(f"unsupported database URL {shown!r} (its driver {error.name} is "
                         f"not installed): {hint}") from None
    return DatabaseUrl(parsed.get_backend_name(), host=parsed.host or "", port=parsed.port,
                       user=parsed.username or "", password=parsed.password or "",
                       database=parsed.database or "",
                       options={k: str(v) for k, v in parsed.query.items()},
                       driver=parsed.drivername)


class ConnectFailure(Exception):
    """Opening a connection failed; ``cause`` is the driver's exception."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _quietly(action: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):
        action()


# ---------------------------------------------------------------------------- engines


def create_engine(url: DatabaseUrl, pool_size: int) -> sa.Engine:
    """The engine of one database (see the module doc for the per-driver settings)."""
    options: dict[str, Any] = {"hide_parameters": True}
    connect_args: dict[str, Any] = {}
    memory = url.dialect == "sqlite" and url.path == ":memory:"
    if memory:
        options["poolclass"] = StaticPool
    else:
        options.update(poolclass=QueuePool, pool_size=pool_size, max_overflow=-1)
    if url.dialect == "sqlite":
        connect_args.update(check_same_thread=False, timeout=30)
    elif url.dialect in ("postgresql", "mysql"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    engine = sa.create_engine(url.sqlalchemy_url(), connect_args=connect_args, **options)
    if url.dialect == "sqlite" and not memory:
        @event.listens_for(engine, "do_connect")
        def make_folder(*_: Any) -> None:
            Path(url.path).parent.mkdir(parents=True, exist_ok=True)

        @event.listens_for(engine, "connect")
        def use_wal(dbapi_connection: Any, _: Any) -> None:
            _quietly(lambda: dbapi_connection.execute("PRAGMA journal_mode=WAL"))
    elif url.dialect == "mysql":
        @event.listens_for(engine, "connect")
        def utc_and_strict(dbapi_connection: Any, _: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(_MYSQL_SESSION)
    return engine


class _Abandoned(Exception):
    """A worker thread started after its caller was cancelled."""


class Lease:
    """One connection of a `Database`, checked out for one or more worker-thread hops
    (see the module doc for abandonment). The connection is opened by the first hop."""

    def __init__(self, database: Database, token: object) -> None:
        self.database = database
        self.token = token
        self.conn: sa.Connection | None = None
        self.released = False
        self._lock = threading.Lock()
        self._running = False
        self._abandoned = False

    @property
    def abandoned(self) -> bool:
        """Whether a cancelled call left the connection to its worker thread."""
        with self._lock:
            return self._abandoned

    async def run(self, work: Callable[[sa.Connection], T], *, last: bool = False) -> T:
        """``work(conn)`` in a worker thread; with ``last`` the connection goes back to the
        pool in the same hop and the lease is released.

        Raises:
            ConnectFailure: the connection could not be opened.
        """

        def in_thread() -> T:
            with self._lock:
                if self._abandoned:
                    raise _Abandoned  # never delivered: the caller has gone
                self._running = True
            try:
                conn = self.conn = self.conn or self.database.connect()
                try:
                    return work(conn)
                finally:
                    if last:
                        self.conn = None
                        _quietly(conn.close)
            finally:
                with self._lock:
                    self._running = False
                    discard = self._abandoned
                if discard:
                    self._discard()

        try:
            return await trio.to_thread.run_sync(in_thread, abandon_on_cancel=True)
        except trio.Cancelled:
            with self._lock:
                self._abandoned = True
                running = self._running
            if running:
                self.database.interrupt(self.conn)
            else:
                self._discard()
            self.release()
            raise
        finally:
            if last:
                self.release()

    async def transaction(self, work: Callable[[sa.Connection], T]) -> T:
        """``work(conn)`` as one transaction in one hop: committed when it returns, rolled
        back when it raises or when the call was cancelled before the commit."""

        def transact(conn: sa.Connection) -> T:
            trans = conn.begin()
            try:
                result = work(conn)
            except BaseException:
                _quietly(trans.rollback)
                raise
            if self.abandoned:
                trans.rollback()
            else:
                trans.commit()
            return result

        return await self.run(transact, last=True)

    def _discard(self) -> None:
        """Close the connection for good (a connection of one in-memory SQLite database is
        only rolled back: closing it would lose the database)."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        if self.database.memory:
            _quietly(conn.rollback)
            _quietly(conn.close)
        else:
            _quietly(conn.invalidate)

    def release(self) -> None:
        """Give the limiter slot back (harmless twice; the connection is the hops' job)."""
        if not self.released:
            self.released = True
            self.database.limiter.release_on_behalf_of(self.token)


class Database:
    """One configured database: its name, URL, engine (created on first use) and the limiter
    of connections in use."""

    def __init__(self, name: str, url: DatabaseUrl, pool_size: int) -> None:
        if pool_size < 1:
            raise ValueError("a pool needs at least one connection")
        self.name = name
        self.url = url
        self.dialect = url.dialect
        self.values: Dialect = url.values
        self.memory = url.dialect == "sqlite" and url.path == ":memory:"
        self.limiter = trio.CapacityLimiter(1 if self.memory else pool_size)
        self.pool_size = pool_size
        self._engine: sa.Engine | None = None
        self._closed = False

    @property
    def engine(self) -> sa.Engine:
        """The engine (created on first use: nothing connects before a call)."""
        if self._engine is None:
            self._engine = create_engine(self.url, self.pool_size)
        return self._engine

    def connect(self) -> sa.Connection:
        """A pooled connection (in a worker thread).

        Raises:
            ConnectFailure: it could not be opened.
        """
        try:
            return self.engine.connect()
        except exc.DBAPIError as error:
            raise ConnectFailure(error.orig if error.orig is not None else error) from None

    def interrupt(self, conn: sa.Connection | None) -> None:
        """Ask a running statement to stop (from trio's thread; must not block)."""
        if conn is not None and self.dialect == "sqlite":
            _quietly(lambda: conn.connection.dbapi_connection.interrupt())  # type: ignore[union-attr]

    async def lease(self) -> Lease:
        """A lease, waiting while ``pool_size`` connections are in use."""
        if self._closed:
            raise RuntimeError("the database is closed")
        token = object()
        await self.limiter.acquire_on_behalf_of(token)
        return Lease(self, token)

    async def run(self, work: Callable[[sa.Connection], T]) -> T:
        """``work(conn)`` as one transaction on a pooled connection, in one worker-thread
        hop."""
        lease = await self.lease()
        return await lease.transaction(work)

    async def aclose(self) -> None:
        """Close the idle connections; connections in use close when they come back."""
        self._closed = True
        engine, self._engine = self._engine, None
        if engine is not None:
            await trio.to_thread.run_sync(engine.dispose)


# ---------------------------------------------------------------------------- errors


_MYSQL_LOST = frozenset({2002, 2003, 2006, 2013, 2055})
_MYSQL_CONSTRAINTS = frozenset({1048, 1062, 1364, 1451, 1452, 1557, 1586, 3819, 4025})
"""Null in a NOT NULL column, duplicate key, no value for a NOT NULL column, foreign keys,
CHECK constraints (MySQL 3819, MariaDB 4025)."""
_MYSQL_TRANSIENT = frozenset({1205, 1213})
"""Lock wait timeout, deadlock."""
_PG_TRANSIENT = frozenset({"40001", "40P01", "55P03"})
"""Serialization failure, deadlock, lock not available."""


@dataclass(frozen=True, slots=True)
class Failure:
    """What a database error means for the adapter: ``error`` is SQLAlchemy's exception (or
    the driver's), ``driver`` the driver's own."""

    error: BaseException

    @property
    def driver(self) -> BaseException:
        orig = getattr(self.error, "orig", None)
        return orig if isinstance(orig, BaseException) else self.error

    @property
    def _mysql_code(self) -> Any:
        args: tuple[Any, ...] = tuple(getattr(self.driver, "args", ()))
        return args[0] if args and isinstance(args[0], int) else None

    @property
    def _sqlstate(self) -> Any:
        return getattr(self.driver, "sqlstate", None)

    def message(self) -> str:
        """The driver's message (not yet scrubbed)."""
        args: tuple[Any, ...] = tuple(getattr(self.driver, "args", ()))
        if len(args) == 2 and isinstance(args[0], int):
            return f"{args[1]} (MySQL error {args[0]})"
        return str(self.driver)

    def constraint_violated(self) -> bool:
        """A constraint violation (duplicate key, missing value...)."""
        return isinstance(self.error, exc.IntegrityError) or \
            self._mysql_code in _MYSQL_CONSTRAINTS

    def missing_table(self) -> bool:
        """A table that does not exist."""
        return (isinstance(self.error, exc.NoSuchTableError) or self._sqlstate == "42P01"
                or self._mysql_code == 1146
                or (isinstance(self.error, exc.OperationalError)
                    and "no such table" in str(self.driver)))

    def connection_lost(self) -> bool:
        """The connection is gone (the call may be retried)."""
        return bool(getattr(self.error, "connection_invalidated", False)) or \
            self._mysql_code in _MYSQL_LOST

    def transient(self) -> bool:
        """A deadlock or lock timeout: the same call may succeed when retried."""
        return (self._sqlstate in _PG_TRANSIENT or self._mysql_code in _MYSQL_TRANSIENT
                or (isinstance(self.error, exc.OperationalError)
                    and "database is locked" in str(self.driver)))
