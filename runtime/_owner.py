"""Which process runs a stored run, and cancelling runs through the store.

A run records its host and process id in its ``flow.started`` / ``flow.resumed`` events.
Cancelling through the store asks that process to stop (it polls the store); when the
process is on this machine and no longer exists (the run crashed or was killed), nobody
would ever notice the request, so the run is marked cancelled at once instead.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any, Literal

from .store import RunStore

__all__ = ["CancelOutcome", "cancel_stored", "owner"]

CancelOutcome = Literal["requested", "cancelled", "finished", "unknown"]


def owner() -> dict[str, Any]:
    """The fields that name this process in a run's opening events."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _owner_is_gone(store: RunStore, run_id: str) -> bool:
    opening = [e for e in store.events(run_id)
               if e.get("type") in ("flow.started", "flow.resumed")]
    if not opening:
        return False
    last = opening[-1]
    pid = last.get("pid")
    return (last.get("host") == socket.gethostname() and isinstance(pid, int)
            and pid != os.getpid() and not _alive(pid))


def cancel_stored(store: RunStore, run_id: str) -> CancelOutcome:
    """Cancel ``run_id`` through ``store``.

    Returns ``requested`` (its process will stop it), ``cancelled`` (its process is gone: the
    run is now marked cancelled), ``finished`` (it had already ended) or ``unknown``.
    """
    record = store.get(run_id)
    if record is None:
        return "unknown"
    if record.status != "running":
        return "finished"
    if _owner_is_gone(store, run_id):
        at = time.time()
        error = {"code": "F408", "message": "the run was cancelled after its process had "
                 "stopped", "node": "", "type": "runtime"}
        store.append(run_id, [], [{"type": "flow.cancelled", "run_id": run_id, "node": "",
                                   "at": at, "error": error}])
        store.finish(run_id, "cancelled", error=error, at=at)
        return "cancelled"
    return "requested" if store.request_cancel(run_id) else "finished"
