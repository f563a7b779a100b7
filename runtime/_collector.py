"""Keeping Python's cyclic garbage collector off the plan while runs are in progress.

A compiled plan is a large graph of objects with reference cycles (nodes, blocks, scopes,
compiled GML closures) that lives as long as the flow. A run allocates many small objects
(instances, events, records); every so many allocations the collector runs, and a full
collection walks every tracked object of the process, the whole plan included, in the middle
of the run (issue #18 saw a 0.43 s pause on a 2,000-node flow).

`Freezer` moves every object that exists when the first run of a runtime starts into the
collector's permanent generation (`gc.freeze`), so collections during the run only look at
what the run itself allocated; when the last concurrent run of that runtime ends, the objects
are handed back (`gc.unfreeze`) and collected as before. When something else in the process
froze objects already (a pre-fork server does), the freezer leaves the collector alone, so
the host's own freeze is never undone.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Freezer"]


class Freezer:
    """Freezes the heap while at least one run of its owner is in progress."""

    __slots__ = ("_depth", "_owned")

    def __init__(self) -> None:
        self._depth = 0
        self._owned = False

    @contextmanager
    def held(self) -> Iterator[None]:
        """Within this block (nested or concurrent uses share one freeze)."""
        if self._depth == 0:
            self._owned = gc.get_freeze_count() == 0
            if self._owned:
                gc.freeze()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._owned:
                self._owned = False
                gc.unfreeze()
