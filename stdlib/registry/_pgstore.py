"""The registry store on PostgreSQL: the same tables as the SQLite file (`_store`), in our
schema of a PostgreSQL database (`stdlib.pgdb`), for several processes sharing tools.

`Registry` writes SQLite-style statements; `PgRegistryDatabase` hands it a connection that
takes them (`stdlib.pgdb.sqlite_style`), and the schema supplies the two SQLite functions
the registry uses (``json_extract`` of a top-level key, ``instr``). What differs is the
search index: ``search`` is a plain table whose ``doc`` column is a weighted ``tsvector``
(code and name weigh most, then tags, argument names, description) with a GIN index, matched
with ``to_tsquery('simple', ...)`` and ranked with ``ts_rank`` (`_search.POSTGRES`).

Write transactions run one at a time (an advisory lock, like SQLite's ``BEGIN IMMEDIATE``),
so the registry's read-then-write steps (the next id, the default version, call statistics)
stay correct with several writers; reads never wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from stdlib.pgdb import PgDatabase, PgFormat, sqlite_style

from ._search import POSTGRES
from ._store import COLUMNS, Conn, RegistryError

__all__ = ["PG_SCHEMA_VERSION", "PgRegistryDatabase"]

PG_SCHEMA_VERSION = 2
"""The layout of the registry's tables on PostgreSQL (row ``registry`` of ``fdl_schema``).
Version 2 added ``registry_changes`` (`PgRegistryDatabase.data_version`); a version-1 schema
gets it when opened (every statement is ``IF NOT EXISTS`` or ``OR REPLACE``)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tools (
    id BIGINT PRIMARY KEY,
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    version TEXT NOT NULL,
    category TEXT,
    spec TEXT NOT NULL,
    digest TEXT NOT NULL,
    source TEXT,
    registered_at DOUBLE PRECISION NOT NULL,
    UNIQUE (tenant, type, code, version)
)
;;
CREATE INDEX IF NOT EXISTS tools_by_source ON tools (source)
;;
CREATE TABLE IF NOT EXISTS defaults (
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    tool_id BIGINT NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, type, code)
)
;;
CREATE TABLE IF NOT EXISTS tags (
    tag TEXT NOT NULL,
    tool_id BIGINT NOT NULL,
    PRIMARY KEY (tag, tool_id)
)
;;
CREATE INDEX IF NOT EXISTS tags_by_tool ON tags (tool_id)
;;
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    tenant TEXT NOT NULL,
    size BIGINT NOT NULL,
    mtime BIGINT NOT NULL,
    digest TEXT NOT NULL
)
;;
CREATE TABLE IF NOT EXISTS calls (
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    calls BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,
    retries BIGINT NOT NULL DEFAULT 0,
    total_duration DOUBLE PRECISION NOT NULL DEFAULT 0,
    max_duration DOUBLE PRECISION NOT NULL DEFAULT 0,
    last_call DOUBLE PRECISION,
    histogram TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant, type, code)
)
;;
CREATE TABLE IF NOT EXISTS recorded_runs (
    run_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    last_seq BIGINT,
    recorded_at DOUBLE PRECISION NOT NULL
)
;;
CREATE TABLE IF NOT EXISTS search (
    rowid BIGINT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    desp TEXT NOT NULL,
    tags TEXT NOT NULL,
    args TEXT NOT NULL,
    doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', code), 'A') ||
        setweight(to_tsvector('simple', name), 'A') ||
        setweight(to_tsvector('simple', tags), 'B') ||
        setweight(to_tsvector('simple', args), 'C') ||
        setweight(to_tsvector('simple', desp), 'D')) STORED
)
;;
CREATE INDEX IF NOT EXISTS search_doc ON search USING GIN (doc)
;;
CREATE OR REPLACE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE AS $$ SELECT (doc::jsonb) ->> substr(path, 3) $$
;;
CREATE OR REPLACE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE AS $$ SELECT strpos(haystack, needle) $$
;;
CREATE TABLE IF NOT EXISTS registry_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
)
;;
INSERT INTO registry_changes (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING
"""

_WHAT_TO_DO = ("check that the database is reachable and this user may create tables in its "
               "schema, or choose another registry (state: in fdl.yaml, --registry)")

_COLUMNS = {table: frozenset(columns) for table, columns in {**COLUMNS, "search": {
    "rowid", "code", "name", "desp", "tags", "args", "doc"}}.items()}

_FORMAT = PgFormat("registry", "registry", RegistryError, _SCHEMA, PG_SCHEMA_VERSION,
                   _WHAT_TO_DO, serialize=True, columns=_COLUMNS)


class PgRegistryDatabase:
    """The registry's tables in a PostgreSQL database.

    Args:
        url: ``postgresql://user[:password]@host[:port]/db[?schema=NAME]``.

    Raises:
        RegistryError: the server cannot be reached or refuses the login, or the tables
            were written by a newer version (the message never shows the password).
    """

    dialect = POSTGRES

    def __init__(self, url: str) -> None:
        self._db = PgDatabase(url, _FORMAT)
        self.path = self._db.shown

    @contextmanager
    def read(self) -> Iterator[Conn]:
        """The connection (SQLite-style statements), under the lock; errors are
        `RegistryError`."""
        with self._db.read() as conn:
            yield sqlite_style(conn)

    @contextmanager
    def write(self) -> Iterator[Conn]:
        """One transaction (writers one at a time), committed when the block ends; it
        counts one change (`data_version`)."""
        with self._db.write() as conn:
            translated = sqlite_style(conn)
            yield translated
            translated.execute("UPDATE registry_changes SET n = n + 1 WHERE id = 1")

    def data_version(self) -> int:
        """The number of write transactions committed to the registry, by any process (the
        SQLite registry's ``PRAGMA data_version`` leaves out its own; here they count too,
        which only makes a cache of search results forget a little more often)."""
        with self.read() as conn:
            row = conn.execute("SELECT n FROM registry_changes WHERE id = 1").fetchone()
        return 0 if row is None else int(row[0])

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self._db.close()

