"""One SQLite file of ours: the connection, its lock, a versioned schema and errors that say
what to do. The run store (`runtime.store.SqliteStore`) and the tool registry
(`stdlib.registry._store.Database`) are both built on `SqliteFile`.

Durability: WAL journal (files only), ``synchronous=NORMAL``, a busy timeout for another
process's write lock, one ``BEGIN IMMEDIATE`` transaction per `SqliteFile.write`. The
schema version is ``PRAGMA user_version``: an older file gets the schema statements (all
``IF NOT EXISTS``) and the new version under the write lock; a newer file, or a database
whose tables by our names lack our columns, is refused.

Concurrent reads: `SqliteFile.read` and `SqliteFile.write` share one connection under a
lock, so threads reading a file wait for each other. A file opened with ``readers=N`` reads
instead on read-only connections (`SqliteFile.read`), one per reading thread, taken from a
pool (``N`` idle ones kept), in one read transaction per block, so readers run side by side
while the one writer connection writes (WAL lets readers and a writer go on at once). A read
transaction begun after a commit sees it, whichever thread or connection committed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

__all__ = ["BUSY_TIMEOUT", "SqliteFile", "SqliteFormat"]

BUSY_TIMEOUT = 5.0
"""Seconds a connection waits for another process's write lock before giving up."""


@dataclass(frozen=True, slots=True)
class SqliteFormat:
    """What a kind of file is, for its schema and its messages.

    Attributes:
        name: how messages name it (``run store``, ``registry``).
        title: what it is (``FDL run store``), for a database that is not one.
        error: the exception raised (its message names the file and what to do).
        schema: the statements creating every table (``;``-separated, ``IF NOT EXISTS``).
        version: the schema version written.
        columns: per table, the columns a file of this kind must have.
        what_to_do: the advice ending messages about damaged or unusable files.
        newer_hint: the advice for a file written by a newer version.
        other_hint: the advice for a database that is not of this kind.
    """

    name: str
    title: str
    error: type[Exception]
    schema: str
    version: int
    columns: Mapping[str, frozenset[str] | set[str]]
    what_to_do: str
    newer_hint: str
    other_hint: str


class SqliteFile:
    """The connection to one file of a `SqliteFormat` (or, with ``memory``, to a database
    in memory), prepared and checked.

    Raises:
        the format's error: the file cannot be opened, is not an SQLite database or not
            of this kind, or was written by a newer version.
    """

    def __init__(self, path: Path, fmt: SqliteFormat, *, memory: bool = False,
                 readers: int = 0) -> None:
        self.path = path
        self.format = fmt
        self.memory = memory
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        # A database in memory is one connection's: its reads use that one.
        self._readers = 0 if memory else max(0, readers)
        self._reader_uri = "" if memory else f"{path.resolve().as_uri()}?mode=ro"
        self._pool_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False
        try:
            conn = sqlite3.connect(":memory:" if memory else path, timeout=BUSY_TIMEOUT,
                                   isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None
        try:
            self._prepare(conn)
        except fmt.error:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise self._open_error(exc) from None
        self._conn = conn

    def _open_error(self, exc: sqlite3.Error) -> Exception:
        fmt = self.format
        return fmt.error(f"cannot open the {fmt.name} {self.path}: {exc}; {fmt.what_to_do}")

    def _prepare(self, conn: sqlite3.Connection) -> None:
        fmt = self.format
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        self._check_version(version)
        if not self.memory:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise fmt.error(f"the {fmt.name} {self.path} cannot use write-ahead logging "
                                f"(journal mode {mode!r}); put it on a local file system")
            conn.execute("PRAGMA synchronous = NORMAL")
        if version < fmt.version:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have created the schema while we waited for the lock.
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                self._check_version(version)
                if version < fmt.version:
                    # Another program's tables by the same names?
                    self._check_tables(conn, required=False)
                    for statement in fmt.schema.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {fmt.version}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        self._check_tables(conn, required=True)

    def _check_tables(self, conn: sqlite3.Connection, *, required: bool) -> None:
        """Refuse a database whose tables by our names are not ours."""
        fmt = self.format
        for table, expected in fmt.columns.items():
            found = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if (found or required) and not expected <= found:
                raise fmt.error(f"{self.path} is an SQLite database but not an {fmt.title} "
                                f"(table {table!r} lacks {sorted(expected - found)}); "
                                f"{fmt.other_hint}")

    def _check_version(self, version: int) -> None:
        fmt = self.format
        if version > fmt.version:
            raise fmt.error(f"the {fmt.name} {self.path} was written by a newer version of "
                            f"fdl (schema {version}; this version reads up to {fmt.version}); "
                            f"upgrade fdl or {fmt.newer_hint}")

    def _raise(self, exc: sqlite3.Error) -> NoReturn:
        """``exc`` as the format's error, naming the file and what to do."""
        fmt = self.format
        if isinstance(exc, sqlite3.OperationalError) and (
                "locked" in str(exc) or "busy" in str(exc)):
            raise fmt.error(
                f"the {fmt.name} {self.path} is busy: another process held its write "
                f"lock for more than {BUSY_TIMEOUT:g} s; try again") from exc
        raise fmt.error(f"{fmt.name} {self.path}: {exc}; {fmt.what_to_do}") from exc

    def _closed_error(self) -> Exception:
        fmt = self.format
        return fmt.error(f"the {fmt.name} {self.path} is closed")

    @contextmanager
    def _shared(self) -> Iterator[sqlite3.Connection]:
        """The writer connection, held under the lock; SQLite errors become the format's
        error."""
        with self._lock:
            conn = self._conn
            if conn is None:
                raise self._closed_error()
            try:
                yield conn
            except sqlite3.Error as exc:
                self._raise(exc)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads; SQLite errors become the format's error.

        Without ``readers`` (or in memory): the one connection, held under the lock. With
        ``readers``: a read-only connection in one read transaction, every statement of
        the block seeing the file as it was at the block's first statement, which
        includes every write committed before (by any thread or process); other threads
        read at the same time on connections of their own and the writer is not held up.

        Raises:
            the format's error: the file is closed, cannot be read, or an SQLite error.
        """
        if not self._readers:
            with self._shared() as conn:
                yield conn
            return
        conn = self._take()
        reusable = False
        try:
            try:
                conn.execute("BEGIN")
                yield conn
                conn.execute("COMMIT")
                reusable = True
            except sqlite3.Error as exc:
                self._raise(exc)
            finally:
                if not reusable and conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                        reusable = True
                    except sqlite3.Error:
                        pass  # the connection is dropped below
        finally:
            self._give(conn, reusable)

    def _take(self) -> sqlite3.Connection:
        """An idle read-only connection, or a new one."""
        with self._pool_lock:
            if self._closed:
                raise self._closed_error()
            if self._idle:
                return self._idle.pop()
        try:
            conn = sqlite3.connect(self._reader_uri, uri=True,
                                   timeout=BUSY_TIMEOUT, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        except sqlite3.Error as exc:
            conn.close()
            self._raise(exc)
        return conn

    def _give(self, conn: sqlite3.Connection, reusable: bool) -> None:
        """Keep ``conn`` for the next reader (up to ``readers`` idle), else close it."""
        with self._pool_lock:
            if reusable and not self._closed and len(self._idle) < self._readers:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed when the block ends, rolled back on error."""
        with self._shared() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def data_version(self) -> int:
        """``PRAGMA data_version`` of the writer connection: a number that changes when
        another connection (another process) commits, not with this object's own writes
        (a counter in the WAL index: no table is read)."""
        with self._shared() as conn:
            return int(conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        """Close the connections (a read still going on closes its own when it ends);
        closing twice is harmless."""
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for reader in idle:
            reader.close()
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
