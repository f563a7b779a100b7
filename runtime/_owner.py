"""Which process runs a stored run, and cancelling runs through the store.

A run records its host and process id in its ``flow.started`` / ``flow.resumed`` events, and
the process running it holds its lease (`runtime._lease`). Cancelling through the store asks
that process to stop (it polls the store); when nobody holds the run any more (its process
crashed, was killed or its lease expired), nobody would ever notice the request, so the run
is marked cancelled at once instead.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any, Literal

from ._lease import holder_gone, new_lease
from .store import RunStore

__all__ = ["CancelOutcome", "cancel_stored", "owner"]

CancelOutcome = Literal["requested", "cancelled", "finished", "unknown"]


def owner() -> dict[str, Any]:
    """The fields that name this process in a run's opening events."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _opener_gone(store: RunStore, run_id: str) -> bool:
    """A run nobody holds (stopped in its process, or of an older version): is the process
    named by its last opening event provably gone?"""
    opening = [e for e in store.events(run_id)
               if e.get("type") in ("flow.started", "flow.resumed")]
    if not opening:
        return False
    host, pid = opening[-1].get("host"), opening[-1].get("pid")
    return isinstance(host, str) and isinstance(pid, int) and holder_gone(host, pid)


def cancel_stored(store: RunStore, run_id: str) -> CancelOutcome:
    """Cancel ``run_id`` through ``store``.

    Returns ``requested`` (its process will stop it), ``cancelled`` (its process is gone: the
    run is now marked cancelled), ``finished`` (it had already ended) or ``unknown``.
    Marking a run cancelled takes its lease first (`runtime._lease`), so it cannot race with
    a resume of the same run.
    """
    record = store.get(run_id)
    if record is None:
        return "unknown"
    if record.status != "running":
        return "finished"
    now = time.time()
    mine = new_lease(now)
    unheld = store.lease(run_id) is None
    if (not unheld or _opener_gone(store, run_id)) and store.take_lease(run_id, mine, now) is None:
        current = store.get(run_id)
        if current is None or current.status != "running":
            store.release_lease(run_id, mine.owner)
            return "finished"
        error = {"code": "F408", "message": "the run was cancelled after its process had "
                 "stopped", "node": "", "type": "runtime"}
        store.append(run_id, [], [{"type": "flow.cancelled", "run_id": run_id, "node": "",
                                   "at": now, "error": error}], owner=mine.owner)
        store.finish(run_id, "cancelled", error=error, at=now, owner=mine.owner)
        return "cancelled"
    return "requested" if store.request_cancel(run_id) else "finished"
