"""The registry store: every version of every tool in one embedded SQLite file (tools.md §3).

Layout: ``tools`` holds one row per (tenant, type, code, version) with the spec as JSON and
a digest of its content; ``defaults`` names the default version of each (tenant, type,
code) and whether it is pinned; ``tags`` indexes tags; ``search`` is an FTS5 table over the
default versions (see `_search`); ``files`` remembers the ToolSpec files synced from tool
folders (size, mtime and a content hash), so syncing an unchanged folder reads no file;
``calls`` holds call statistics per (tenant, type, code) and ``recorded_runs`` the runs whose
events were counted (see `_stats`).

Rules:

* **Versions.** Every registered version is kept. Registering a version again with the same
  content is a no-op; with different content it is a `VersionConflictError` naming the
  version. (A file synced from a tools folder owns the versions it registered: editing the
  file without changing its version replaces that version, the file being the source.)
* **Default version.** The highest release version (semantic-version order; pre-releases
  only when there is no release), unless `Registry.set_default` pins one.
* **Tenants.** A tool belongs to one tenant or to all (``tenant=None``, stored as ``''``).
  A tenant sees the global tools and its own; its own tool of a (type, code) hides the
  global one of the same (type, code). ``tenant=None`` sees only global tools. No tenant
  ever sees another tenant's tools.

Durability is `stdlib.sqlitefile.SqliteFile`'s, as for the run store: WAL journal,
``synchronous=NORMAL``, a busy timeout for the write lock, one ``BEGIN IMMEDIATE``
transaction per operation (a batch of
`Registry.register_many` is one transaction), a versioned schema (``PRAGMA user_version``),
and every SQLite failure raised as `RegistryError` naming the file.

Reads run side by side: each reading thread has a read-only connection of its own, in one
read transaction per operation (`SqliteFile.read` with ``readers``), while writes go through the one
writer connection. A read sees every write committed before it began.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from stdlib.sqlitefile import BUSY_TIMEOUT, SqliteFile, SqliteFormat

from ._search import SQLITE, Dialect

__all__ = ["BUSY_TIMEOUT", "COLUMNS", "DEFAULT_FILENAME", "READERS", "SCHEMA_VERSION",
           "Backend", "Conn", "Cursor", "Database", "RegistryError", "VersionConflictError"]

SCHEMA_VERSION = 2
"""The layout this module writes (``PRAGMA user_version``). Version 2 added the call
statistics (``calls``, ``recorded_runs``); a version-1 file gets them, empty, when it is
opened (every table is created ``IF NOT EXISTS``, so an upgrade only adds what is missing)."""

DEFAULT_FILENAME = "registry.db"
"""The file name used when the registry is given a folder (such as ``.fdl/``)."""

READERS = 8
"""Idle read-only connections a registry file keeps for its readers (as many as ``fdl
serve`` has worker threads); more threads reading at once open more, closed after use."""



class Cursor(Protocol):
    """The result of a statement, as both SQLite and psycopg give it."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """A connection taking SQLite-style statements (``?`` and ``:name`` parameters): an
    ``sqlite3.Connection``, or a PostgreSQL one through `stdlib.pgdb.sqlite_style`."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


class Backend(Protocol):
    """Where a `Registry` keeps its tables: `Database` (SQLite) or
    `_pgstore.PgRegistryDatabase` (PostgreSQL)."""

    @property
    def dialect(self) -> Dialect: ...

    def read(self) -> AbstractContextManager[Conn]:
        """A connection for reads, seeing every write committed before it was taken
        (threads may read at the same time)."""
        ...

    def write(self) -> AbstractContextManager[Conn]:
        """One write transaction (writers one at a time)."""
        ...

    def data_version(self) -> int:
        """A number that changes when another connection commits (see
        `Registry.data_version`)."""
        ...

    def close(self) -> None: ...

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tools (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    version TEXT NOT NULL,
    category TEXT,
    spec TEXT NOT NULL,
    digest TEXT NOT NULL,
    source TEXT,
    registered_at REAL NOT NULL,
    UNIQUE (tenant, type, code, version)
);
CREATE INDEX IF NOT EXISTS tools_by_source ON tools (source);
CREATE TABLE IF NOT EXISTS defaults (
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    tool_id INTEGER NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, type, code)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags (
    tag TEXT NOT NULL,
    tool_id INTEGER NOT NULL,
    PRIMARY KEY (tag, tool_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_tool ON tags (tool_id);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY NOT NULL,
    folder TEXT NOT NULL,
    tenant TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    digest TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS calls (
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    calls INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    total_duration REAL NOT NULL DEFAULT 0,
    max_duration REAL NOT NULL DEFAULT 0,
    last_call REAL,
    histogram TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant, type, code)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recorded_runs (
    run_id TEXT PRIMARY KEY NOT NULL,
    tenant TEXT NOT NULL,
    last_seq INTEGER,
    recorded_at REAL NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    code, name, desp, tags, args,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
"""

COLUMNS = {  # the columns of each table: a file whose tables lack them is not a registry
    "tools": {"id", "tenant", "type", "code", "version", "category", "spec", "digest",
              "source", "registered_at"},
    "defaults": {"tenant", "type", "code", "tool_id", "pinned"},
    "tags": {"tag", "tool_id"},
    "files": {"path", "folder", "tenant", "size", "mtime", "digest"},
    "calls": {"tenant", "type", "code", "calls", "failures", "retries", "total_duration",
              "max_duration", "last_call", "histogram"},
    "recorded_runs": {"run_id", "tenant", "last_seq", "recorded_at"},
}

_WHAT_TO_DO = ("check the path and its permissions; if the file is damaged, move it aside "
               "(it is rebuilt from the tools folders, tools registered by hand must be "
               "registered again), or choose another file with --registry PATH")


class RegistryError(Exception):
    """The registry cannot be opened or used; the message names the file and what to do."""


class VersionConflictError(RegistryError, ValueError):
    """A version is registered already with different content."""


_FORMAT = SqliteFormat(
    "registry", "FDL tool registry", RegistryError, _SCHEMA, SCHEMA_VERSION, COLUMNS,
    _WHAT_TO_DO, newer_hint="choose another file with --registry PATH",
    other_hint="choose another file with --registry PATH")


class Database(SqliteFile):
    """The registry's SQLite file: one writer connection with the registry's schema, lock
    and error handling, and read-only connections for concurrent reads (`SqliteFile.read`).

    Args:
        path: the database file (created with its folders), a folder (``registry.db``
            inside it), or ``":memory:"`` for a registry that lives as long as the object
            (one connection: reads wait for each other).
        readers: idle read-only connections kept (0: reads share the writer connection).

    Raises:
        RegistryError: the file cannot be created or opened, is not an SQLite database or
            not a registry, or was written by a newer version.
    """

    dialect = SQLITE

    def __init__(self, path: str | Path = ":memory:", *, readers: int = READERS) -> None:
        memory = str(path) in ("", ":memory:")
        self.path = Path(":memory:") if memory else Path(path).expanduser()
        if not memory:
            if self.path.is_dir() or str(path).endswith(("/", "\\")):
                self.path = self.path / DEFAULT_FILENAME
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RegistryError(f"cannot create the folder for the registry {self.path}: "
                                    f"{exc.strerror or exc}; {_WHAT_TO_DO}") from None
        super().__init__(self.path, _FORMAT, memory=memory, readers=readers)

