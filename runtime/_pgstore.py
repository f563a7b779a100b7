"""The run store on PostgreSQL: `PgStore`, for several processes (or machines) sharing runs.

Same behaviour as ``SqliteStore`` (see `runtime.store`), on the tables ``runs``, ``journal``,
``events`` and ``leases`` in our schema of the database (`stdlib.pgdb`):

* **One transaction per call, one round trip.** ``append`` writes a whole batch of journal
  records and events, ``finish`` its last events, the status and the lease's release: each
  is one call of the server-side function ``fdl_write`` (created with the tables), so one
  statement, one transaction and one round trip per wave of the runtime's work.
* **Ownership in the same transaction.** ``fdl_write`` and ``take_lease`` first lock the
  run's row (``SELECT ... FOR UPDATE``): the lease check, the sequence numbers and the
  writes happen under that lock, so of two processes resuming a run at once exactly one
  takes it (the other gets F410) and a process that lost its lease writes nothing.
* **Durability** as SQLite's ``synchronous=NORMAL``: ``synchronous_commit = off`` for this
  connection (unless the URL sets it, e.g. ``?options=-csynchronous_commit%3Don``). A
  commit survives the fdl process being killed at any moment; a crash of the PostgreSQL
  server itself may lose the last fraction of a second of commits, never corrupting
  anything. Waiting for the flush costs a disk sync per wave.
* **Values** are the same JSON text (`runtime._codec`) as in SQLite, so both stores accept
  and return exactly the same values; a batch of journal records or events is one row, as
  in SQLite (`runtime._packing`).
* **Errors** are `StoreError` naming the database as ``postgresql://user@host/db?schema=S``
  (never the password) and what to do.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stdlib.pgdb import PgDatabase, PgFormat

from . import _codec
from ._lease import Lease, takeable
from ._packing import pack, unpack
from ._records import (
    LeaseLost,
    RunRecord,
    RunStatus,
    StoreError,
    check_final,
    check_status,
    list_query,
    run_row,
    unknown,
)

if TYPE_CHECKING:
    import psycopg

__all__ = ["PG_SCHEMA_VERSION", "PgStore"]

PG_SCHEMA_VERSION = 1
"""The layout of the run store's tables on PostgreSQL (row ``runs`` of ``fdl_schema``)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    ord BIGSERIAL NOT NULL,
    flow TEXT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    inputs TEXT NOT NULL,
    context TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    output TEXT NOT NULL DEFAULT 'null',
    error TEXT NOT NULL DEFAULT 'null',
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE
)
;;
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at DESC, ord DESC)
;;
CREATE INDEX IF NOT EXISTS runs_by_flow ON runs (flow, created_at DESC)
;;
CREATE TABLE IF NOT EXISTS journal (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
)
;;
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
)
;;
CREATE TABLE IF NOT EXISTS leases (
    run_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    expires DOUBLE PRECISION NOT NULL
)
;;
CREATE OR REPLACE FUNCTION fdl_write(p_run TEXT, p_owner TEXT, p_records TEXT[],
                                     p_events TEXT[], p_status TEXT, p_output TEXT,
                                     p_error TEXT, p_at DOUBLE PRECISION)
RETURNS TABLE (outcome INTEGER, owner TEXT, host TEXT, pid BIGINT,
               expires DOUBLE PRECISION)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    held leases%ROWTYPE;
BEGIN
    -- The run's row lock orders every writer of this run (and every lease taker).
    PERFORM 1 FROM runs WHERE run_id = p_run FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 1, NULL::TEXT, NULL::TEXT, NULL::BIGINT, NULL::DOUBLE PRECISION;
        RETURN;
    END IF;
    IF p_owner IS NOT NULL THEN
        SELECT * INTO held FROM leases WHERE leases.run_id = p_run;
        IF held.owner IS DISTINCT FROM p_owner THEN
            RETURN QUERY SELECT 2, held.owner, held.host, held.pid, held.expires;
            RETURN;
        END IF;
    END IF;
    IF cardinality(p_records) > 0 THEN
        INSERT INTO journal (run_id, seq, record)
        SELECT p_run, coalesce((SELECT max(seq) FROM journal WHERE run_id = p_run), 0)
               + s.n, s.text
        FROM unnest(p_records) WITH ORDINALITY AS s(text, n);
    END IF;
    IF cardinality(p_events) > 0 THEN
        INSERT INTO events (run_id, seq, event)
        SELECT p_run, coalesce((SELECT max(seq) FROM events WHERE run_id = p_run), 0)
               + s.n, s.text
        FROM unnest(p_events) WITH ORDINALITY AS s(text, n);
    END IF;
    IF p_status IS NOT NULL THEN
        DELETE FROM leases WHERE leases.run_id = p_run;
        UPDATE runs SET status = p_status, output = p_output, error = p_error,
                        updated_at = p_at, cancel_requested = FALSE
        WHERE run_id = p_run;
    END IF;
    RETURN QUERY SELECT 0, NULL::TEXT, NULL::TEXT, NULL::BIGINT, NULL::DOUBLE PRECISION;
END
$$
"""

_SELECT_RUN = ("SELECT run_id, flow, path, source, inputs, context, status, created_at, "
               "updated_at, output, error FROM runs")

_WHAT_TO_DO = ("check that the database is reachable and this user may create tables in its "
               "schema; or choose another store with --store PATH, or run without one "
               "(--no-store)")

_COLUMNS = {
    "runs": frozenset({"run_id", "ord", "flow", "path", "source", "inputs", "context",
                       "status", "created_at", "updated_at", "output", "error",
                       "cancel_requested"}),
    "journal": frozenset({"run_id", "seq", "record"}),
    "events": frozenset({"run_id", "seq", "event"}),
    "leases": frozenset({"run_id", "owner", "host", "pid", "expires"}),
}

_FORMAT = PgFormat("run store", "runs", StoreError, _SCHEMA, PG_SCHEMA_VERSION, _WHAT_TO_DO,
                   quick_commit=True, columns=_COLUMNS)

_UPSERT_LEASE = ("INSERT INTO leases (run_id, owner, host, pid, expires) VALUES "
                 "(%s, %s, %s, %s, %s) ON CONFLICT (run_id) DO UPDATE SET owner = "
                 "excluded.owner, host = excluded.host, pid = excluded.pid, "
                 "expires = excluded.expires")


class PgStore:
    """A run store in a PostgreSQL database, shared by every process that opens it.

    Args:
        url: ``postgresql://user[:password]@host[:port]/db[?schema=NAME]``; the schema
            (default ``fdl``) and its tables are created on first use.

    Raises:
        StoreError: the server cannot be reached or refuses the login, or the tables were
            written by a newer version.
    """

    def __init__(self, url: str) -> None:
        self._db = PgDatabase(url, _FORMAT)

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PgStore({self._db.shown!r})"

    @property
    def shown(self) -> str:
        """The database as messages show it (no password)."""
        return self._db.shown

    def create(self, record: RunRecord, lease: Lease | None = None, *,
               events: Sequence[Mapping[str, Any]] = ()) -> None:
        """Store a new run (held by ``lease`` when given) with its first ``events``, in one
        transaction. Raises ValueError if ``record.run_id`` exists already."""
        check_status(record.status)
        published = [pack(record.run_id, events)] if events else []
        row = run_row(record)
        with self._db.write() as conn:
            inserted = conn.execute(
                "INSERT INTO runs (run_id, flow, path, source, inputs, context, status, "
                "created_at, updated_at, output, error) VALUES (%s, %s, %s, %s, %s, %s, %s, "
                "%s, %s, %s, %s) ON CONFLICT (run_id) DO NOTHING", row).rowcount
            if inserted == 0:
                raise ValueError(f"a run with id {record.run_id!r} exists already")
            if lease is not None:
                conn.execute(_UPSERT_LEASE, (record.run_id, lease.owner, lease.host,
                                             lease.pid, lease.expires))
            _insert(conn, "events", "event", record.run_id, 1, published)

    @staticmethod
    def _locked(conn: psycopg.Connection[Any], run_id: str) -> None:
        """Lock the run's row for this transaction (KeyError: unknown run)."""
        if conn.execute("SELECT 1 FROM runs WHERE run_id = %s FOR UPDATE",
                        (run_id,)).fetchone() is None:
            raise unknown(run_id)

    @staticmethod
    def _lease_in(conn: psycopg.Connection[Any], run_id: str) -> Lease | None:
        row = conn.execute("SELECT owner, host, pid, expires FROM leases WHERE run_id = %s",
                           (run_id,)).fetchone()
        return None if row is None else Lease(row[0], row[1], int(row[2]), float(row[3]))

    def _write(self, run_id: str, owner: str | None, records: Sequence[str],
               events: Sequence[str], final: tuple[str, str, str, float] | None = None
               ) -> None:
        """Journal records, events and (``final``: status, output, error, time) the end of
        a run, in one statement (`fdl_write`: one round trip, one transaction)."""
        status, output, error, at = final if final is not None else (None, None, None, None)
        with self._db.read() as conn:
            row = conn.execute("SELECT * FROM fdl_write(%s, %s, %s::text[], %s::text[], %s, "
                               "%s, %s, %s)", (run_id, owner, builtins.list(records),
                                               builtins.list(events), status, output, error,
                                               at)).fetchone()
        if row is None or row[0] == 0:
            return
        if row[0] == 1:
            raise unknown(run_id)
        holder = None if row[1] is None else Lease(row[1], row[2], int(row[3]),
                                                    float(row[4]))
        raise LeaseLost(run_id, holder)

    def append(self, run_id: str, journal: Sequence[Mapping[str, Any]],
               events: Sequence[Mapping[str, Any]], *, owner: str | None = None) -> None:
        """Append journal records and events in one transaction, in order (with ``owner``:
        only while that lease holds the run, checked under the run's row lock)."""
        if not journal and not events:
            return
        self._write(run_id, owner, [pack(run_id, journal)] if journal else [],
                    [pack(run_id, events)] if events else [])

    def finish(self, run_id: str, status: RunStatus, *, output: Any = None,
               error: Mapping[str, Any] | None = None, at: float,
               owner: str | None = None, events: Sequence[Mapping[str, Any]] = ()) -> None:
        """Record the end of a run after its last ``events`` (one transaction); clears a
        pending cancel request and the lease."""
        check_final(status)
        self._write(run_id, owner, [], [pack(run_id, events)] if events else [],
                    (status, _codec.dumps(output), _codec.dumps(error), at))

    def set_status(self, run_id: str, status: RunStatus, at: float) -> None:
        """Change a run's status; going back to ``running`` clears a pending cancel request."""
        check_status(status)
        _rows, count = self._db.idempotent(  # one statement: its own transaction
            "UPDATE runs SET status = %(s)s, updated_at = %(at)s, cancel_requested = "
            "CASE WHEN %(s)s = 'running' THEN FALSE ELSE cancel_requested END "
            "WHERE run_id = %(id)s", {"s": status, "at": at, "id": run_id})
        if count == 0:
            raise unknown(run_id)

    def get(self, run_id: str) -> RunRecord | None:
        """The run, or None."""
        rows, _count = self._db.idempotent(f"{_SELECT_RUN} WHERE run_id = %s", (run_id,))
        return self._record(rows[0]) if rows else None

    def _record(self, row: Sequence[Any]) -> RunRecord:
        try:
            return RunRecord(run_id=row[0], flow=row[1], path=row[2], source=row[3],
                             inputs=_codec.loads(row[4]), context=_codec.loads(row[5]),
                             status=row[6], created_at=row[7], updated_at=row[8],
                             output=_codec.loads(row[9]), error=_codec.loads(row[10]))
        except (ValueError, TypeError) as exc:
            raise StoreError(f"run {row[0]!r} in {self._db.shown} cannot be read: {exc}"
                             ) from None

    def _values(self, sql: str, run_id: str) -> builtins.list[dict[str, Any]]:
        texts, _count = self._db.idempotent(sql, (run_id,))
        try:
            return [item for (text,) in texts for item in unpack(run_id, text)]
        except (ValueError, TypeError) as exc:
            raise StoreError(f"run {run_id!r} in {self._db.shown} cannot be read: {exc}"
                             ) from None

    def journal(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's journal records in append order (``[]`` for an unknown run)."""
        return self._values("SELECT record FROM journal WHERE run_id = %s ORDER BY seq",
                            run_id)

    def events(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's events in append order (``[]`` for an unknown run)."""
        return self._values("SELECT event FROM events WHERE run_id = %s ORDER BY seq", run_id)

    def request_cancel(self, run_id: str) -> bool:
        """Mark a running run for cancellation; False if unknown or not running."""
        _rows, count = self._db.idempotent("UPDATE runs SET cancel_requested = TRUE "
                                           "WHERE run_id = %s AND status = 'running'",
                                           (run_id,))
        return count > 0

    def cancel_requested(self, run_id: str) -> bool:
        """True if a cancel was requested and the run has not finished since."""
        rows, _count = self._db.idempotent("SELECT cancel_requested FROM runs WHERE "
                                           "run_id = %s", (run_id,))
        return bool(rows and rows[0][0])

    def take_lease(self, run_id: str, lease: Lease, now: float) -> Lease | None:
        """Take the run's lease unless another holder keeps it: the check and the write
        happen under the run's row lock, so of two processes trying at once exactly one
        gets it. None when taken, else the holder's lease."""
        with self._db.write() as conn:
            self._locked(conn, run_id)
            current = self._lease_in(conn, run_id)
            if not takeable(current, lease, now):
                return current
            conn.execute(_UPSERT_LEASE, (run_id, lease.owner, lease.host, lease.pid,
                                         lease.expires))
            return None

    def renew_lease(self, run_id: str, lease: Lease) -> bool:
        """Move the expiry of ``lease`` forward; False if another holds the run."""
        _rows, count = self._db.idempotent("UPDATE leases SET expires = %s WHERE run_id = %s "
                                           "AND owner = %s", (lease.expires, run_id,
                                                              lease.owner))
        return count > 0

    def release_lease(self, run_id: str, owner: str) -> None:
        """Give up the lease ``owner`` holds."""
        self._db.idempotent("DELETE FROM leases WHERE run_id = %s AND owner = %s",
                            (run_id, owner))

    def lease(self, run_id: str) -> Lease | None:
        """Who holds the run now, or None."""
        rows, _count = self._db.idempotent("SELECT owner, host, pid, expires FROM leases "
                                           "WHERE run_id = %s", (run_id,))
        return Lease(rows[0][0], rows[0][1], int(rows[0][2]), float(rows[0][3])) if rows \
            else None

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self._db.close()

    def list(self, *, status: RunStatus | None = None, flow: str | None = None,
             limit: int | None = 50) -> builtins.list[RunRecord]:
        """Runs, newest first (by ``created_at``, then creation order); ``limit=None``: all."""
        sql, params = list_query(_SELECT_RUN, "%s", "ord", status, flow, limit)
        rows, _count = self._db.idempotent(sql, params)
        return [self._record(row) for row in rows]


def _insert(conn: psycopg.Connection[Any], table: str, column: str, run_id: str, start: int,
            texts: Sequence[str]) -> None:
    """Insert ``texts`` as rows ``start``, ``start + 1``, ... of a run in one statement."""
    if texts:
        conn.execute(f"INSERT INTO {table} (run_id, seq, {column}) SELECT %s, "
                     "s.ord + %s - 1, s.text FROM unnest(%s::text[]) WITH ORDINALITY "
                     "AS s(text, ord)", (run_id, start, builtins.list(texts)))
