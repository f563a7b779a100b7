"""The run store: where runs, their journals and their events are kept (fdl.md §6.7).

A run is one row (``RunRecord``: flow, source text, inputs, context, status, result) plus two
append-only logs: the *journal* (the records the runtime replays to resume a run) and the
public *events*. Two implementations share one behaviour:

* ``MemoryStore`` keeps everything in dicts (``--no-store``, tests, embedding). Values are
  held in their encoded form, so it accepts and rejects exactly what ``SqliteStore`` does and
  no caller can change a stored value by mutating an object afterwards.
* ``SqliteStore`` keeps everything in one SQLite file (the default, under ``.fdl/``).

Durability choices of ``SqliteStore``:

* **WAL journal mode.** A commit appends to the ``-wal`` file; the database file is only
  changed at checkpoints. Readers never block the writer and the writer never blocks readers,
  so ``fdl runs list`` or ``fdl runs show`` can read a file another process is writing.
* **``synchronous=NORMAL``.** In WAL mode a commit is written to the OS before ``append`` or
  ``finish`` returns, but not fsync'ed on every commit. A commit survives the *process* being
  killed at any moment (``kill -9``, a crash, an OOM kill), which is what resume is for; after
  a power loss or OS crash the last few commits may be lost, but the file is never corrupted.
  ``FULL`` would fsync every wave of work and cost milliseconds per commit.
* **One transaction per call.** ``append`` writes a whole batch (one wave of the runtime's
  work, or 1,024 items of a longer one: journal records and events together) in a single
  ``BEGIN IMMEDIATE`` … ``COMMIT``, so after a crash either the whole batch is there or none
  of it is; resume replays what is there and runs the rest. Each record gets the next
  per-run sequence number; reads return them in that order.
* **Concurrency.** Several processes may open the same file (a run in one, ``fdl runs cancel``
  or a resume in another). Writers take the write lock up front (``BEGIN IMMEDIATE``) and wait
  up to ``BUSY_TIMEOUT`` seconds for it instead of failing at once. Inside one process the
  connection may be used from worker threads (``trio.to_thread.run_sync``); a lock serializes
  them.
* **Versioned schema.** ``PRAGMA user_version`` holds ``SCHEMA_VERSION``; a file written by a
  newer version is refused with a clear message instead of being misread.

Values (inputs, outputs, journal records, events) are stored as JSON text made by
``runtime._codec``, which round-trips Decimals, datetimes with their zones, big ints and
non-finite floats exactly. Every SQLite failure surfaces as ``StoreError`` naming the file and
what to do, never as a raw ``sqlite3`` error.
"""

from __future__ import annotations

import builtins
import re
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from runtime import _codec
from runtime._lease import Lease, takeable
from runtime._packing import pack, unpack
from runtime._pgstore import PgStore
from runtime._records import LeaseLost, RunRecord, RunStatus, StoreError
from runtime._records import check_final as _check_final
from runtime._records import check_limit as _check_limit
from runtime._records import check_status as _check_status
from runtime._records import lease_lost as _lease_lost
from runtime._records import list_query as _list_query
from runtime._records import run_row as _run_row
from runtime._records import unknown as _unknown
from stdlib.pgdb import is_pg_url
from stdlib.sqlitefile import BUSY_TIMEOUT, SqliteFile, SqliteFormat

__all__ = ["BUSY_TIMEOUT", "DEFAULT_FILENAME", "SCHEMA_VERSION", "Lease", "LeaseLost",
           "MemoryStore", "PgStore", "RunRecord", "RunStatus", "RunStore", "SqliteStore",
           "StoreError",
           "open_store", "store_file"]


SCHEMA_VERSION = 3
"""The layout this module writes (``PRAGMA user_version``); 2 added the ``leases`` table (a
version-1 file gets it when first opened); 3 writes a batch of journal records or events as
one row (`runtime._packing`; rows of older versions are still read, and an older fdl refuses
a file of version 3 instead of misreading it)."""

DEFAULT_FILENAME = "runs.db"
"""The file name used when ``open_store`` is given a folder (such as ``.fdl/``)."""


# ---------------------------------------------------------------- the protocol


@runtime_checkable
class RunStore(Protocol):
    """What the runtime and the ``fdl runs`` commands need from a run store.

    All methods are safe to call from several threads. Unknown runs: ``get`` returns None,
    ``journal``/``events`` return ``[]``, ``request_cancel``/``cancel_requested`` return
    False, and ``append``/``finish``/``set_status`` raise ``KeyError``.
    """

    def create(self, record: RunRecord, lease: Lease | None = None, *,
               events: Sequence[Mapping[str, Any]] = ()) -> None:
        """Store a new run (held by ``lease`` when given) with its first ``events``, in one
        transaction. Raises ValueError if ``record.run_id`` exists already."""
        ...

    def append(self, run_id: str, journal: Sequence[Mapping[str, Any]],
               events: Sequence[Mapping[str, Any]], *, owner: str | None = None) -> None:
        """Append journal records and events in one transaction, keeping their order.

        With ``owner``, only while that lease holds the run: else `LeaseLost`, nothing
        written."""
        ...

    def finish(self, run_id: str, status: RunStatus, *, output: Any = None,
               error: Mapping[str, Any] | None = None, at: float,
               owner: str | None = None, events: Sequence[Mapping[str, Any]] = ()) -> None:
        """Record the end of a run: its last ``events``, a final status, its output or
        error, the time, in one transaction; the lease is released. With ``owner``, only
        while that lease holds the run (else `LeaseLost`, nothing written)."""
        ...

    def take_lease(self, run_id: str, lease: Lease, now: float) -> Lease | None:
        """Take the run's lease in one atomic step unless another holder keeps it (it has
        not expired and its process is not provably dead, see `runtime._lease.takeable`).

        Returns None when ``lease`` holds the run now, else the holder's lease (nothing
        changed). Raises KeyError for an unknown run."""
        ...

    def renew_lease(self, run_id: str, lease: Lease) -> bool:
        """Move the expiry of ``lease`` (same owner) forward; False if it was taken over."""
        ...

    def release_lease(self, run_id: str, owner: str) -> None:
        """Give up the lease ``owner`` holds (nothing when another holds it)."""
        ...

    def lease(self, run_id: str) -> Lease | None:
        """Who holds the run now (a lease may be expired), or None."""
        ...

    def set_status(self, run_id: str, status: RunStatus, at: float) -> None:
        """Change a run's status (e.g. back to ``running`` on resume)."""
        ...

    def get(self, run_id: str) -> RunRecord | None:
        """The run, or None."""
        ...

    def journal(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's journal records in append order."""
        ...

    def events(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's events in append order."""
        ...

    def request_cancel(self, run_id: str) -> bool:
        """Ask whoever runs the run to cancel it; False if unknown or not running."""
        ...

    def cancel_requested(self, run_id: str) -> bool:
        """True if a cancel was requested and the run has not finished since."""
        ...

    def close(self) -> None:
        """Release the store; closing twice is harmless."""
        ...

    def list(self, *, status: RunStatus | None = None, flow: str | None = None,
             limit: int | None = 50) -> builtins.list[RunRecord]:
        """Runs, newest first, optionally only those with a status or of a flow."""
        ...


# ---------------------------------------------------------------- in memory


@dataclass(slots=True)
class _MemRun:
    run_id: str
    flow: str
    path: str
    source: str
    inputs: Any            # encoded trees from here on
    context: Any
    status: RunStatus
    created_at: float
    updated_at: float
    output: Any
    error: Any
    order: int
    cancel: bool = False
    lease: Lease | None = None
    journal: builtins.list[Any] = field(default_factory=builtins.list)
    events: builtins.list[Any] = field(default_factory=builtins.list)

    def record(self) -> RunRecord:
        return RunRecord(run_id=self.run_id, flow=self.flow, path=self.path,
                         source=self.source, inputs=_codec.decode(self.inputs),
                         context=_codec.decode(self.context), status=self.status,
                         created_at=self.created_at, updated_at=self.updated_at,
                         output=_codec.decode(self.output), error=_codec.decode(self.error))


class MemoryStore:
    """A run store in memory: same behaviour as ``SqliteStore``, gone when the process ends."""

    def __init__(self) -> None:
        self._runs: dict[str, _MemRun] = {}
        self._lock = threading.Lock()
        self._counter = 0

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, run_id: str) -> _MemRun:
        run = self._runs.get(run_id)
        if run is None:
            raise _unknown(run_id)
        return run

    def create(self, record: RunRecord, lease: Lease | None = None, *,
               events: Sequence[Mapping[str, Any]] = ()) -> None:
        """Store a new run (held by ``lease`` when given) with its first ``events``. Raises
        ValueError if ``record.run_id`` exists already."""
        _check_status(record.status)
        inputs, context = _codec.encode(record.inputs), _codec.encode(record.context)
        output, error = _codec.encode(record.output), _codec.encode(record.error)
        published = [_codec.encode(item) for item in events]
        with self._lock:
            if record.run_id in self._runs:
                raise ValueError(f"a run with id {record.run_id!r} exists already")
            self._counter += 1
            self._runs[record.run_id] = _MemRun(
                run_id=record.run_id, flow=record.flow, path=record.path,
                source=record.source, inputs=inputs, context=context, status=record.status,
                created_at=record.created_at, updated_at=record.updated_at, output=output,
                error=error, order=self._counter, lease=lease)
            self._runs[record.run_id].events.extend(published)

    def append(self, run_id: str, journal: Sequence[Mapping[str, Any]],
               events: Sequence[Mapping[str, Any]], *, owner: str | None = None) -> None:
        """Append journal records and events, all or nothing, keeping their order (with
        ``owner``: only while that lease holds the run)."""
        if not journal and not events:
            return
        records = [_codec.encode(item) for item in journal]
        published = [_codec.encode(item) for item in events]
        with self._lock:
            run = self._run(run_id)
            lost = _lease_lost(run_id, run.lease, owner)
            if lost is not None:
                raise lost
            run.journal.extend(records)
            run.events.extend(published)

    def finish(self, run_id: str, status: RunStatus, *, output: Any = None,
               error: Mapping[str, Any] | None = None, at: float,
               owner: str | None = None, events: Sequence[Mapping[str, Any]] = ()) -> None:
        """Record the end of a run (after its last ``events``); clears a pending cancel
        request and the lease."""
        _check_final(status)
        encoded_output, encoded_error = _codec.encode(output), _codec.encode(error)
        published = [_codec.encode(item) for item in events]
        with self._lock:
            run = self._run(run_id)
            lost = _lease_lost(run_id, run.lease, owner)
            if lost is not None:
                raise lost
            run.events.extend(published)
            run.lease = None
            run.status, run.output, run.error = status, encoded_output, encoded_error
            run.updated_at, run.cancel = at, False

    def set_status(self, run_id: str, status: RunStatus, at: float) -> None:
        """Change a run's status; going back to ``running`` clears a pending cancel request."""
        _check_status(status)
        with self._lock:
            run = self._run(run_id)
            run.status, run.updated_at = status, at
            if status == "running":
                run.cancel = False

    def get(self, run_id: str) -> RunRecord | None:
        """The run, or None."""
        with self._lock:
            run = self._runs.get(run_id)
            return None if run is None else run.record()

    def journal(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's journal records in append order (``[]`` for an unknown run)."""
        with self._lock:
            run = self._runs.get(run_id)
            trees = builtins.list(run.journal) if run else []
        return [_codec.decode(tree) for tree in trees]

    def events(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's events in append order (``[]`` for an unknown run)."""
        with self._lock:
            run = self._runs.get(run_id)
            trees = builtins.list(run.events) if run else []
        return [_codec.decode(tree) for tree in trees]

    def request_cancel(self, run_id: str) -> bool:
        """Mark a running run for cancellation; False if unknown or not running."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.status != "running":
                return False
            run.cancel = True
            return True

    def cancel_requested(self, run_id: str) -> bool:
        """True if a cancel was requested and the run has not finished since."""
        with self._lock:
            run = self._runs.get(run_id)
            return run is not None and run.cancel

    def take_lease(self, run_id: str, lease: Lease, now: float) -> Lease | None:
        """Take the run's lease unless another holder keeps it; None when taken, else the
        holder's lease."""
        with self._lock:
            run = self._run(run_id)
            if not takeable(run.lease, lease, now):
                return run.lease
            run.lease = lease
            return None

    def renew_lease(self, run_id: str, lease: Lease) -> bool:
        """Move the expiry of ``lease`` forward; False if another holds the run."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.lease is None or run.lease.owner != lease.owner:
                return False
            run.lease = lease
            return True

    def release_lease(self, run_id: str, owner: str) -> None:
        """Give up the lease ``owner`` holds."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is not None and run.lease is not None and run.lease.owner == owner:
                run.lease = None

    def lease(self, run_id: str) -> Lease | None:
        """Who holds the run now, or None."""
        with self._lock:
            run = self._runs.get(run_id)
            return None if run is None else run.lease

    def close(self) -> None:
        """Nothing to release; the data stays readable until the store is dropped."""

    def list(self, *, status: RunStatus | None = None, flow: str | None = None,
             limit: int | None = 50) -> builtins.list[RunRecord]:
        """Runs, newest first (by ``created_at``, then creation order); ``limit=None``: all."""
        _check_limit(limit)
        if status is not None:
            _check_status(status)
        with self._lock:
            runs = [run for run in self._runs.values()
                    if (status is None or run.status == status)
                    and (flow is None or run.flow == flow)]
            runs.sort(key=lambda run: (run.created_at, run.order), reverse=True)
            return [run.record() for run in runs[:limit]]


# ---------------------------------------------------------------- SQLite


_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY NOT NULL,
    flow TEXT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    inputs TEXT NOT NULL,
    context TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    output TEXT NOT NULL DEFAULT 'null',
    error TEXT NOT NULL DEFAULT 'null',
    cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at);
CREATE TABLE IF NOT EXISTS journal (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
    run_id TEXT PRIMARY KEY NOT NULL,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID;
"""

_COLUMNS = {
    "runs": {"run_id", "flow", "path", "source", "inputs", "context", "status", "created_at",
             "updated_at", "output", "error", "cancel_requested"},
    "journal": {"run_id", "seq", "record"},
    "events": {"run_id", "seq", "event"},
    "leases": {"run_id", "owner", "host", "pid", "expires"},
}

_SELECT_RUN = ("SELECT run_id, flow, path, source, inputs, context, status, created_at, "
               "updated_at, output, error FROM runs")

_WHAT_TO_DO = ("check the path and its permissions; if the file is damaged, move it aside "
               "(its runs cannot be resumed); or choose another store with --store PATH, "
               "or run without one (--no-store)")

_FORMAT = SqliteFormat(
    "run store", "FDL run store", StoreError, _SCHEMA, SCHEMA_VERSION, _COLUMNS, _WHAT_TO_DO,
    newer_hint="choose another store with --store PATH",
    other_hint="choose another file with --store PATH")


class SqliteStore:
    """A run store in one SQLite file, safe against crashes and shared between processes.

    Args:
        path: the database file; missing parent folders are created, and so is the schema.

    Raises:
        StoreError: the file cannot be created or opened, is not an SQLite database or not a
            run store, or was written by a newer version.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) in ("", ":memory:"):
            raise StoreError("SqliteStore needs a file; use MemoryStore (or open_store(None)) "
                             "for a store in memory")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the run store {self.path}: "
                             f"{exc.strerror or exc}; {_WHAT_TO_DO}") from None
        if self.path.is_dir():
            raise StoreError(f"the run store {self.path} is a folder, not a file; give a file "
                             f"path such as {self.path / DEFAULT_FILENAME}")
        self._file = SqliteFile(self.path, _FORMAT)

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def create(self, record: RunRecord, lease: Lease | None = None, *,
               events: Sequence[Mapping[str, Any]] = ()) -> None:
        """Store a new run (held by ``lease`` when given) with its first ``events``, in one
        transaction. Raises ValueError if ``record.run_id`` exists already."""
        _check_status(record.status)
        published = [pack(record.run_id, events)] if events else []
        row = _run_row(record)
        with self._file.write() as conn:
            try:
                conn.execute("INSERT INTO runs (run_id, flow, path, source, inputs, context, "
                             "status, created_at, updated_at, output, error) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            except sqlite3.IntegrityError:
                raise ValueError(f"a run with id {record.run_id!r} exists already") from None
            if lease is not None:
                conn.execute("INSERT OR REPLACE INTO leases (run_id, owner, host, pid, "
                             "expires) VALUES (?, ?, ?, ?, ?)",
                             (record.run_id, lease.owner, lease.host, lease.pid,
                              lease.expires))
            if published:
                conn.executemany("INSERT INTO events (run_id, seq, event) VALUES (?, ?, ?)",
                                 [(record.run_id, 1 + i, text)
                                  for i, text in enumerate(published)])

    @staticmethod
    def _lease_in(conn: sqlite3.Connection, run_id: str) -> Lease | None:
        row = conn.execute("SELECT owner, host, pid, expires FROM leases WHERE run_id = ?",
                           (run_id,)).fetchone()
        return None if row is None else Lease(row[0], row[1], row[2], row[3])

    def _check_owner(self, conn: sqlite3.Connection, run_id: str, owner: str | None) -> None:
        if owner is not None:
            lost = _lease_lost(run_id, self._lease_in(conn, run_id), owner)
            if lost is not None:
                raise lost

    def append(self, run_id: str, journal: Sequence[Mapping[str, Any]],
               events: Sequence[Mapping[str, Any]], *, owner: str | None = None) -> None:
        """Append journal records and events in one committed transaction, in order (with
        ``owner``: only while that lease holds the run, checked in the same transaction)."""
        if not journal and not events:
            return
        records = [pack(run_id, journal)] if journal else []
        published = [pack(run_id, events)] if events else []
        with self._file.write() as conn:
            row = conn.execute(
                "SELECT (SELECT max(seq) FROM journal WHERE run_id = ?1), "
                "(SELECT max(seq) FROM events WHERE run_id = ?1) "
                "FROM runs WHERE run_id = ?1", (run_id,)).fetchone()
            if row is None:
                raise _unknown(run_id)
            self._check_owner(conn, run_id, owner)
            if records:
                start = (row[0] or 0) + 1
                conn.executemany("INSERT INTO journal (run_id, seq, record) VALUES (?, ?, ?)",
                                 [(run_id, start + i, text) for i, text in enumerate(records)])
            if published:
                start = (row[1] or 0) + 1
                conn.executemany("INSERT INTO events (run_id, seq, event) VALUES (?, ?, ?)",
                                 [(run_id, start + i, text)
                                  for i, text in enumerate(published)])

    def finish(self, run_id: str, status: RunStatus, *, output: Any = None,
               error: Mapping[str, Any] | None = None, at: float,
               owner: str | None = None, events: Sequence[Mapping[str, Any]] = ()) -> None:
        """Record the end of a run after its last ``events`` (one transaction, committed on
        return); clears a pending cancel request and the lease."""
        _check_final(status)
        values = (status, _codec.dumps(output), _codec.dumps(error), at, run_id)
        published = [pack(run_id, events)] if events else []
        with self._file.write() as conn:
            self._check_owner(conn, run_id, owner)
            if published:
                row = conn.execute("SELECT max(seq) FROM events WHERE run_id = ?",
                                   (run_id,)).fetchone()
                start = (row[0] or 0) + 1
                conn.executemany("INSERT INTO events (run_id, seq, event) VALUES (?, ?, ?)",
                                 [(run_id, start + i, text)
                                  for i, text in enumerate(published)])
            conn.execute("DELETE FROM leases WHERE run_id = ?", (run_id,))
            cursor = conn.execute("UPDATE runs SET status = ?, output = ?, error = ?, "
                                  "updated_at = ?, cancel_requested = 0 WHERE run_id = ?",
                                  values)
            if cursor.rowcount == 0:
                raise _unknown(run_id)

    def set_status(self, run_id: str, status: RunStatus, at: float) -> None:
        """Change a run's status; going back to ``running`` clears a pending cancel request."""
        _check_status(status)
        with self._file.write() as conn:
            cursor = conn.execute(
                "UPDATE runs SET status = ?1, updated_at = ?2, cancel_requested = "
                "CASE WHEN ?1 = 'running' THEN 0 ELSE cancel_requested END WHERE run_id = ?3",
                (status, at, run_id))
            if cursor.rowcount == 0:
                raise _unknown(run_id)

    def get(self, run_id: str) -> RunRecord | None:
        """The run, or None."""
        with self._file.read() as conn:
            row = conn.execute(f"{_SELECT_RUN} WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else self._record(row)

    def _record(self, row: tuple[Any, ...]) -> RunRecord:
        try:
            return RunRecord(run_id=row[0], flow=row[1], path=row[2], source=row[3],
                             inputs=_codec.loads(row[4]), context=_codec.loads(row[5]),
                             status=row[6], created_at=row[7], updated_at=row[8],
                             output=_codec.loads(row[9]), error=_codec.loads(row[10]))
        except (ValueError, TypeError) as exc:
            raise StoreError(f"run {row[0]!r} in {self.path} cannot be read: {exc}") from None

    def _values(self, sql: str, run_id: str) -> builtins.list[dict[str, Any]]:
        with self._file.read() as conn:
            texts = conn.execute(sql, (run_id,)).fetchall()
        try:
            return [item for (text,) in texts for item in unpack(run_id, text)]
        except (ValueError, TypeError) as exc:
            raise StoreError(f"run {run_id!r} in {self.path} cannot be read: {exc}") from None

    def journal(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's journal records in append order (``[]`` for an unknown run)."""
        return self._values("SELECT record FROM journal WHERE run_id = ? ORDER BY seq", run_id)

    def events(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's events in append order (``[]`` for an unknown run)."""
        return self._values("SELECT event FROM events WHERE run_id = ? ORDER BY seq", run_id)

    def request_cancel(self, run_id: str) -> bool:
        """Mark a running run for cancellation (seen by the process running it through
        ``cancel_requested``); False if unknown or not running."""
        with self._file.write() as conn:
            cursor = conn.execute("UPDATE runs SET cancel_requested = 1 "
                                  "WHERE run_id = ? AND status = 'running'", (run_id,))
            return cursor.rowcount > 0

    def cancel_requested(self, run_id: str) -> bool:
        """True if a cancel was requested and the run has not finished since."""
        with self._file.read() as conn:
            row = conn.execute("SELECT cancel_requested FROM runs WHERE run_id = ?",
                               (run_id,)).fetchone()
        return bool(row and row[0])

    def take_lease(self, run_id: str, lease: Lease, now: float) -> Lease | None:
        """Take the run's lease unless another holder keeps it: the check and the write are
        one ``BEGIN IMMEDIATE`` transaction, so of two processes trying at once exactly
        one gets it. None when taken, else the holder's lease."""
        with self._file.write() as conn:
            if conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone() is None:
                raise _unknown(run_id)
            current = self._lease_in(conn, run_id)
            if not takeable(current, lease, now):
                return current
            conn.execute("INSERT OR REPLACE INTO leases (run_id, owner, host, pid, expires) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (run_id, lease.owner, lease.host, lease.pid, lease.expires))
            return None

    def renew_lease(self, run_id: str, lease: Lease) -> bool:
        """Move the expiry of ``lease`` forward; False if another holds the run."""
        with self._file.write() as conn:
            cursor = conn.execute("UPDATE leases SET expires = ? WHERE run_id = ? AND owner = ?",
                                  (lease.expires, run_id, lease.owner))
            return cursor.rowcount > 0

    def release_lease(self, run_id: str, owner: str) -> None:
        """Give up the lease ``owner`` holds."""
        with self._file.write() as conn:
            conn.execute("DELETE FROM leases WHERE run_id = ? AND owner = ?", (run_id, owner))

    def lease(self, run_id: str) -> Lease | None:
        """Who holds the run now, or None."""
        with self._file.read() as conn:
            return self._lease_in(conn, run_id)

    def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL); closing twice is harmless."""
        self._file.close()

    def list(self, *, status: RunStatus | None = None, flow: str | None = None,
             limit: int | None = 50) -> builtins.list[RunRecord]:
        """Runs, newest first (by ``created_at``, then creation order); ``limit=None``: all."""
        sql, params = _list_query(_SELECT_RUN, "?", "rowid", status, flow, limit)
        with self._file.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [self._record(row) for row in rows]


# ---------------------------------------------------------------- opening


_MEMORY_SPECS = frozenset({"memory", ":memory:", "memory:", "memory://"})
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def open_store(spec: str | Path | None) -> RunStore:
    """Open the run store a ``--store`` value or a ``store=`` argument names.

    * ``None``, ``"memory"``, ``":memory:"`` → a new ``MemoryStore``;
    * ``"sqlite:///runs.db"`` → the file ``runs.db`` (relative to the working folder) and
      ``"sqlite:////var/fdl/runs.db"`` → ``/var/fdl/runs.db``: the path is what follows
      ``sqlite:///``, as in SQLAlchemy URLs (the spec's ``sqlite:///.fdl/ec.db``);
    * ``"sqlite:runs.db"`` → ``runs.db``;
    * ``"postgresql://user@host/db"`` (or ``postgres://``, optionally ``?schema=NAME``) → a
      `PgStore` in that database, shared by every process that opens it;
    * any other string or a ``Path`` → that file; ``~`` is expanded; an existing folder (or a
      path ending in a slash) means ``DEFAULT_FILENAME`` inside it, so ``.fdl/`` works.

    Raises:
        StoreError: the spec is not understood, or the store cannot be opened (the message
            names the file or the database, never a password, and what to do).
    """
    if isinstance(spec, str) and is_pg_url(spec):
        return PgStore(spec)
    path = store_file(spec)
    return MemoryStore() if path is None else SqliteStore(path)


def store_file(spec: str | Path | None) -> Path | None:
    """The SQLite file a store spec names (as `open_store` reads it), or None for a store
    in memory; nothing is opened.

    Raises:
        StoreError: the spec is not understood, or names a PostgreSQL database.
    """
    if spec is None:
        return None
    if isinstance(spec, str) and is_pg_url(spec):
        raise StoreError("this run store is a PostgreSQL database, not a file; open it with "
                         "open_store")
    if isinstance(spec, Path):
        return _file_path(str(spec), directory=spec.is_dir())
    text = spec.strip()
    if not text:
        raise StoreError("empty run store spec; give a file path, sqlite:///PATH or memory")
    if text.lower() in _MEMORY_SPECS:
        return None
    match = _URL.match(text)
    if match and len(match.group(1)) > 1:  # one letter: a Windows drive, C:\...
        scheme = match.group(1).lower()
        rest = text[match.end():]
        if scheme != "sqlite":
            raise StoreError(f"unsupported run store {scheme}://...; use a file path, "
                             f"sqlite:///PATH, postgresql://user@host/db or memory")
        if rest.startswith("///"):
            rest = rest[3:]
        elif rest.startswith("//"):
            raise StoreError(f"run store URL {text!r} names a host; write sqlite:///PATH for a "
                             f"relative path or sqlite:////PATH for an absolute one")
        if rest in ("", ":memory:"):
            if rest == ":memory:":
                return None
            raise StoreError(f"run store URL {text!r} has no file path")
        text = rest
    return _file_path(text, directory=False)


def _file_path(text: str, *, directory: bool) -> Path:
    path = Path(text).expanduser()
    if directory or text.endswith(("/", "\\")) or path.is_dir():
        return path / DEFAULT_FILENAME
    return path
