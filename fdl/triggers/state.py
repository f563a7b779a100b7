"""Where the schedules' last firings are kept across restarts: ``<state>/triggers.db``, one
small SQLite file of the project's state folder (beside the run store), so that a schedule
missed while no process ran it is found when one starts again (``catch_up``)."""

from __future__ import annotations

from pathlib import Path

from stdlib.sqlitefile import SqliteFile, SqliteFormat

__all__ = ["STATE_FILE", "ScheduleState", "TriggerStateError"]

STATE_FILE = "triggers.db"
"""The file name in the project's state folder."""


class TriggerStateError(Exception):
    """The triggers' state file cannot be used; the message names it and what to do."""


_FORMAT = SqliteFormat(
    "trigger state", "FDL trigger state", TriggerStateError,
    "CREATE TABLE IF NOT EXISTS schedules (key TEXT PRIMARY KEY, last_fired REAL NOT NULL, "
    "run_id TEXT)",
    1, {"schedules": frozenset({"key", "last_fired", "run_id"})},
    "remove the file to forget when the schedules last ran",
    newer_hint="remove the file", other_hint="remove the file or choose another state folder")


class ScheduleState:
    """The last firing (epoch seconds) of each schedule, by trigger key.

    Args:
        path: the file (created with its folder when missing); None keeps it in memory.
    """

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._file = SqliteFile(path or Path(":memory:"), _FORMAT, memory=path is None)

    def last_fired(self, key: str) -> float | None:
        """When the schedule ``key`` last fired; None if never."""
        with self._file.read() as conn:
            row = conn.execute("SELECT last_fired FROM schedules WHERE key = ?",
                               (key,)).fetchone()
        return None if row is None else float(row[0])

    def last_run(self, key: str) -> str | None:
        """The id of the run the schedule ``key`` last started; None if none."""
        with self._file.read() as conn:
            row = conn.execute("SELECT run_id FROM schedules WHERE key = ?",
                               (key,)).fetchone()
        return None if row is None else row[0]

    def fired(self, key: str, at: float, run_id: str | None = None) -> None:
        """Record that the schedule ``key`` fired at ``at`` (starting the run ``run_id``;
        None keeps the run recorded before)."""
        with self._file.write() as conn:
            conn.execute("INSERT INTO schedules (key, last_fired, run_id) VALUES (?, ?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET last_fired = excluded.last_fired, "
                         "run_id = COALESCE(excluded.run_id, schedules.run_id)",
                         (key, at, run_id))

    def close(self) -> None:
        """Close the file."""
        self._file.close()
