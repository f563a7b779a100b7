"""Connections of the ``db://`` adapter: database URLs, secret scrubbing, drivers and pools.

Three blocking DB-API drivers sit behind one small interface (`Driver`): the standard
library's ``sqlite3``, ``psycopg`` (3, sync API) and ``PyMySQL``. They never run on trio's
thread: every call that may block goes through ``trio.to_thread.run_sync`` (design.md,
"Blocking drivers run in trio.to_thread"), one worker-thread hop per operation, so a whole
operation (statements, commit or rollback) runs in one hop.

**Pools.** Each configured database has one `Pool`: at most ``size`` connections, idle ones
kept for reuse. A `Lease` is one checked-out connection; the pool's capacity limiter is
held on behalf of the lease (not the task), so a stream may take a connection in one task
and give it back in another. A connection whose call was cancelled is *abandoned*: the
worker thread still owns it, rolls back instead of committing, and closes it when it
finishes; the pool forgets it. Connections that saw a connection-level failure are closed
rather than reused.

**SQLite.** Connections are opened with ``check_same_thread=False`` (trio's worker threads
differ from call to call); the pool's lease is the lock that lets one thread at a time use
a connection. The file's parent folder is created. File databases switch to WAL so that an
open stream (a reader) does not block writers. ``:memory:`` databases get a pool of one
connection, since every connection would otherwise see its own empty database.

**Secrets.** URLs may carry passwords. `DatabaseUrl` keeps the password out of ``repr``, its
`safe` form drops it, and `DatabaseUrl.scrub` removes it (and any ``user:password@`` or
``password=`` text) from driver messages before they become tool errors.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import trio

__all__ = ["ConnectFailure", "DatabaseUrl", "Driver", "Lease", "Pool", "driver_for",
           "parse_url"]

T = TypeVar("T")

SCHEMES = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql",
           "mysql": "mysql", "mariadb": "mysql"}
"""URL scheme → dialect."""

CONNECT_TIMEOUT = 10
"""Seconds a driver waits for a server before giving up (bounds an uncancellable connect)."""

_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@\s]*@")
_PASSWORD_KV = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed database URL.

    Attributes:
        dialect: ``sqlite``, ``postgresql`` or ``mysql``.
        path: sqlite only: the file path (absolute) or ``:memory:``.
        host, port, user, database: the server's address and login (not sqlite).
        password: the login's password; never shown (not in ``repr``, not in `safe`).
        options: the URL's query parameters (passed to the driver).
    """

    dialect: str
    path: str = ""
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = field(default="", repr=False)
    database: str = ""
    options: Mapping[str, str] = field(default_factory=dict)

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


def parse_url(url: str) -> DatabaseUrl:
    """Parse ``sqlite:///rel.db``, ``sqlite:////abs.db``, ``postgresql://u:p@h:5432/db``,
    ``mysql://`` / ``mariadb://`` URLs.

    A relative sqlite path is resolved against the current folder now, so that later
    changes of the working folder do not move the database.

    Raises:
        ValueError: not a URL of a supported database (the message never shows a password).
    """
    scheme, sep, rest = url.partition("://")
    dialect = SCHEMES.get(scheme.lower()) if sep else None
    if dialect is None:
        shown = _USERINFO.sub(r"\1:***@", url)
        raise ValueError(f"unsupported database URL {shown!r}: use sqlite:///file.db, "
                         "postgresql://user@host:5432/db or mysql://user@host:3306/db")
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


class ConnectFailure(Exception):
    """Opening a connection failed; ``cause`` is the driver's exception."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _quietly(action: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):
        action()


# ---------------------------------------------------------------------------- drivers


class Driver:
    """What the adapter needs from one DB-API driver. Methods run in worker threads unless
    they say otherwise."""

    dialect = ""
    pool_limit: int | None = None
    """Largest pool this driver allows (sqlite ``:memory:``: 1)."""

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url

    def connect(self) -> Any:
        """A new connection, outside any transaction."""
        raise NotImplementedError

    def stream_cursor(self, conn: Any) -> Any:
        """A cursor that fetches rows lazily (``fetchmany`` goes to the database)."""
        return conn.cursor()

    def end_stream(self, conn: Any, cursor: Any, complete: bool) -> bool:
        """Close a stream's cursor; False when the connection cannot be reused."""
        _quietly(cursor.close)
        return True

    def interrupt(self, conn: Any) -> None:
        """Ask a running statement to stop (called from trio's thread; must not block)."""

    def integrity_errors(self) -> tuple[type[BaseException], ...]:
        """Exception classes of constraint violations."""
        raise NotImplementedError

    def constraint_violated(self, error: BaseException) -> bool:
        """Whether ``error`` is a constraint violation (duplicate key, missing value...)."""
        return isinstance(error, self.integrity_errors())

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """The driver's base error classes."""
        raise NotImplementedError

    def connection_lost(self, error: BaseException, conn: Any | None) -> bool:
        """Whether ``error`` means the connection is gone (the call may be retried)."""
        return False

    def missing_table(self, error: BaseException) -> bool:
        """Whether ``error`` says that a table does not exist."""
        return False

    def describe(self, error: BaseException) -> str:
        """The driver's message for ``error`` (not yet scrubbed)."""
        return str(error)


class SqliteDriver(Driver):
    """The standard library's ``sqlite3``."""

    dialect = "sqlite"

    def __init__(self, url: DatabaseUrl) -> None:
        super().__init__(url)
        self.pool_limit = 1 if url.path == ":memory:" else None

    def connect(self) -> Any:
        path = self.url.path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        if path != ":memory:":
            with contextlib.suppress(sqlite3.DatabaseError):
                conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def interrupt(self, conn: Any) -> None:
        _quietly(conn.interrupt)

    def integrity_errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.IntegrityError,)

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    def missing_table(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.OperationalError) and "no such table" in str(error)


class PostgresDriver(Driver):
    """``psycopg`` 3 (sync API); streams use server-side cursors."""

    dialect = "postgresql"

    def __init__(self, url: DatabaseUrl) -> None:
        super().__init__(url)
        self._streams = 0
        self._lock = threading.Lock()

    def connect(self) -> Any:
        import psycopg  # the PostgreSQL driver, loaded only when a PostgreSQL base is used

        url = self.url
        params: dict[str, Any] = {"host": url.host, "dbname": url.database or None,
                                  "port": url.port, "user": url.user or None,
                                  "password": url.password or None,
                                  "connect_timeout": CONNECT_TIMEOUT}
        params.update(url.options)
        return psycopg.connect(**{k: v for k, v in params.items() if v is not None},
                               autocommit=False)

    def stream_cursor(self, conn: Any) -> Any:
        with self._lock:
            self._streams += 1
            name = f"fdl_stream_{self._streams}"
        return conn.cursor(name=name)

    def integrity_errors(self) -> tuple[type[BaseException], ...]:
        import psycopg  # the PostgreSQL driver, loaded only when a PostgreSQL base is used

        return (psycopg.IntegrityError,)

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        import psycopg  # the PostgreSQL driver, loaded only when a PostgreSQL base is used

        return (psycopg.Error,)

    def connection_lost(self, error: BaseException, conn: Any | None) -> bool:
        import psycopg  # the PostgreSQL driver, loaded only when a PostgreSQL base is used

        if not isinstance(error, psycopg.OperationalError):
            return False
        return conn is None or bool(conn.closed) or bool(getattr(conn, "broken", False))

    def missing_table(self, error: BaseException) -> bool:
        return getattr(error, "sqlstate", None) == "42P01"


_MYSQL_LOST = frozenset({2002, 2003, 2006, 2013, 2055})
_MYSQL_CONSTRAINTS = frozenset({1048, 1062, 1364, 1451, 1452, 1557, 1586, 3819, 4025})
"""Null in a NOT NULL column, duplicate key, no value for a NOT NULL column, foreign keys,
CHECK constraints (MySQL 3819, MariaDB 4025)."""


def _pymysql() -> Any:
    """PyMySQL, imported on first use (it has no type information)."""
    # The MySQL/MariaDB driver, loaded only when such a base is used.
    import pymysql  # type: ignore[import-untyped]
    import pymysql.constants.CLIENT  # type: ignore[import-untyped]
    import pymysql.cursors  # type: ignore[import-untyped]

    return pymysql


class MysqlDriver(Driver):
    """``PyMySQL`` for MySQL and MariaDB; streams use unbuffered cursors."""

    dialect = "mysql"

    def connect(self) -> Any:
        pymysql = _pymysql()
        url = self.url
        options: dict[str, Any] = dict(url.options)
        conn = pymysql.connect(
            host=url.host, port=url.port or 3306, user=url.user or None,
            password=url.password, database=url.database or None,
            charset=options.pop("charset", "utf8mb4"), autocommit=False,
            client_flag=pymysql.constants.CLIENT.FOUND_ROWS, connect_timeout=CONNECT_TIMEOUT,
            **options)
        with conn.cursor() as cursor:
            # UTC for DATETIME arithmetic; strict mode (no silent truncation); an explicit
            # key 0 is stored as 0, not replaced by the next AUTO_INCREMENT value
            cursor.execute("SET time_zone = '+00:00', sql_mode = CONCAT_WS(',', @@sql_mode, "
                           "'STRICT_TRANS_TABLES', 'NO_AUTO_VALUE_ON_ZERO')")
        return conn

    def stream_cursor(self, conn: Any) -> Any:
        return conn.cursor(_pymysql().cursors.SSCursor)

    def end_stream(self, conn: Any, cursor: Any, complete: bool) -> bool:
        if complete:
            _quietly(cursor.close)
            return True
        # Closing an unbuffered cursor early reads every remaining row; dropping the
        # connection is cheaper. The half-read result is detached first so that neither it
        # nor the cursor tries to drain the closed connection when collected.
        result = getattr(cursor, "_result", None)
        if result is not None:
            result.unbuffered_active = False
        cursor.connection = None
        _quietly(conn.close)
        return False

    def integrity_errors(self) -> tuple[type[BaseException], ...]:
        pymysql = _pymysql()
        return (pymysql.err.IntegrityError,)

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        pymysql = _pymysql()
        return (pymysql.err.MySQLError,)

    def connection_lost(self, error: BaseException, conn: Any | None) -> bool:
        pymysql = _pymysql()
        if isinstance(error, pymysql.err.InterfaceError):
            return True
        code = error.args[0] if isinstance(error, pymysql.err.OperationalError) and \
            error.args else None
        return code in _MYSQL_LOST

    def missing_table(self, error: BaseException) -> bool:
        return bool(getattr(error, "args", None)) and error.args[0] == 1146

    def constraint_violated(self, error: BaseException) -> bool:
        args: tuple[Any, ...] = tuple(getattr(error, "args", ()))
        code = args[0] if args else None
        return super().constraint_violated(error) or code in _MYSQL_CONSTRAINTS

    def describe(self, error: BaseException) -> str:
        args: tuple[Any, ...] = tuple(getattr(error, "args", ()))
        if len(args) == 2 and isinstance(args[0], int):
            return f"{args[1]} (MySQL error {args[0]})"
        return str(error)


def driver_for(url: DatabaseUrl) -> Driver:
    """The driver of ``url``'s dialect."""
    drivers: dict[str, type[Driver]] = {"sqlite": SqliteDriver, "postgresql": PostgresDriver,
                                        "mysql": MysqlDriver}
    return drivers[url.dialect](url)


# ---------------------------------------------------------------------------- pools


class _Abandoned(Exception):
    """A worker thread started after its caller was cancelled."""


class Lease:
    """One connection checked out of a `Pool` (see the module doc for abandonment)."""

    def __init__(self, pool: Pool, conn: Any, token: object) -> None:
        self.pool = pool
        self.conn = conn
        self.token = token
        self.broken = False
        self.released = False
        self._lock = threading.Lock()
        self._running = False
        self._abandoned = False

    @property
    def abandoned(self) -> bool:
        """Whether a cancelled call left the connection to its worker thread."""
        with self._lock:
            return self._abandoned

    async def run(self, work: Callable[[Any], T]) -> T:
        """``work(conn)`` in a worker thread. On cancellation the thread is abandoned and
        `Cancelled` propagates at once: a thread still running closes the connection when
        it ends (after interrupting the statement where the driver can); a thread that had
        not started never touches it; otherwise it is closed at once."""

        def in_thread() -> T:
            with self._lock:
                if self._abandoned:
                    raise _Abandoned  # never delivered: the caller has gone
                self._running = True
            try:
                return work(self.conn)
            finally:
                with self._lock:
                    self._running = False
                    close = self._abandoned
                if close:
                    _quietly(self.conn.close)

        try:
            return await trio.to_thread.run_sync(in_thread, abandon_on_cancel=True)
        except trio.Cancelled:
            with self._lock:
                self._abandoned = True
                running = self._running
            if running:
                self.pool.driver.interrupt(self.conn)
            else:
                _quietly(self.conn.close)
            self.broken = True
            raise

    async def transaction(self, work: Callable[[Any], T]) -> T:
        """``work(conn)`` as one transaction: committed when it returns, rolled back when it
        raises or when the call was cancelled before the commit."""

        def transact(conn: Any) -> T:
            try:
                result = work(conn)
            except BaseException:
                _quietly(conn.rollback)
                raise
            if self.abandoned:
                _quietly(conn.rollback)
            else:
                conn.commit()
            return result

        return await self.run(transact)


class Pool:
    """At most ``size`` connections to one database; idle ones are reused."""

    def __init__(self, driver: Driver, size: int = 4) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one connection")
        self.driver = driver
        self.size = min(size, driver.pool_limit or size)
        self._limiter = trio.CapacityLimiter(self.size)
        self._idle: list[Any] = []
        self._closed = False

    async def acquire(self) -> Lease:
        """A connection (an idle one, else a new one), waiting while all are in use.

        Raises:
            ConnectFailure: a new connection could not be opened.
        """
        if self._closed:
            raise RuntimeError("the database pool is closed")
        token = object()
        await self._limiter.acquire_on_behalf_of(token)
        try:
            conn = self._idle.pop() if self._idle else await trio.to_thread.run_sync(
                self._open)
        except BaseException:
            self._limiter.release_on_behalf_of(token)
            raise
        return Lease(self, conn, token)

    def _open(self) -> Any:
        try:
            return self.driver.connect()
        except Exception as error:
            raise ConnectFailure(error) from None

    def release(self, lease: Lease, *, reuse: bool = True) -> None:
        """Give ``lease`` back: keep its connection for reuse, or close it (``reuse`` False,
        a broken or abandoned connection, a closed pool). Releasing twice is harmless."""
        if lease.released:
            return
        lease.released = True
        if not lease.abandoned:
            if reuse and not lease.broken and not self._closed:
                self._idle.append(lease.conn)
            else:
                _quietly(lease.conn.close)
        self._limiter.release_on_behalf_of(lease.token)

    async def aclose(self) -> None:
        """Close the idle connections; connections in use close when they come back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await trio.to_thread.run_sync(_quietly, conn.close)
