"""The run clock: wall-clock time read through trio's clock.

A run reads the wall clock once, at its start, and from then on advances with
``trio.current_time()``. In production that is the monotonic clock, so the run's idea of
"now" cannot jump backwards; under `trio.testing.MockClock` (``fdl test``, the test suite)
it is virtual, so ``wait: '1h'`` costs no real time and ``NOW()`` moves with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import trio

__all__ = ["RunClock"]


class RunClock:
    """Epoch seconds for the run, and conversion of run deadlines to trio deadlines.

    Must be created inside ``trio.run``.
    """

    __slots__ = ("t0", "wall0")

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self.wall0 = wall()
        self.t0 = trio.current_time()

    def now(self) -> float:
        """The current instant, epoch seconds."""
        return self.wall0 + (trio.current_time() - self.t0)

    def deadline(self, epoch: float) -> float:
        """The trio deadline of the instant ``epoch`` (a timer set before a crash may
        already be in the past: then it fires at once)."""
        return self.t0 + (epoch - self.wall0)
