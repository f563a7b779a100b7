"""Run ownership: the lease a process holds on a run while it runs it (issue #17).

A run is driven by one process at a time. Whoever starts or resumes a run takes its lease
in the run store: an owner id (new for every start or resume), the host and process id, and
an expiry. The holder renews the lease while the run lives and gives it up when the run ends
or stops. Another process may take the lease over only when

* it has expired (the holder stopped renewing it: hung, or on another machine and gone), or
* its holder is provably dead: it is on this host, it is another process, and no process
  with its id exists (``kill -9``, a crash, Ctrl-C).

Taking a lease is one atomic compare-and-swap in the store, so of two concurrent resumes
exactly one wins; the other is refused with F410 and changes nothing.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

__all__ = ["DEFAULT_LEASE_SECONDS", "Lease", "holder_gone", "new_lease", "takeable"]

DEFAULT_LEASE_SECONDS = 30.0
"""How long a lease lasts without renewal; the holder renews it every third of this."""


@dataclass(frozen=True, slots=True)
class Lease:
    """Who runs a run, until when.

    Attributes:
        owner: a unique id of this start or resume (not of the process: a process may
            run several runs, and a resume in the same process is another owner).
        host: the holder's host name.
        pid: the holder's process id.
        expires: when the lease ends unless renewed (epoch seconds).
    """

    owner: str
    host: str
    pid: int
    expires: float

    def renewed(self, now: float, seconds: float) -> Lease:
        """The same lease, expiring ``seconds`` after ``now``."""
        return Lease(self.owner, self.host, self.pid, now + seconds)


def new_lease(now: float, seconds: float = DEFAULT_LEASE_SECONDS) -> Lease:
    """A fresh lease for this process, valid for ``seconds`` from ``now``."""
    return Lease(uuid.uuid4().hex, socket.gethostname(), os.getpid(), now + seconds)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:  # an id that cannot name a process
        return False
    return True


def holder_gone(host: str, pid: int) -> bool:
    """True when the process ``pid`` on ``host`` provably no longer exists: it is on this
    host, it is not this process, and no process has its id."""
    return (host == socket.gethostname() and pid != os.getpid() and pid > 0
            and not _alive(pid))


def takeable(current: Lease | None, mine: Lease, now: float) -> bool:
    """May ``mine`` replace ``current``? Yes when there is none, it is already ours, it has
    expired, or its holder is provably dead."""
    return (current is None or current.owner == mine.owner or current.expires <= now
            or holder_gone(current.host, current.pid))
