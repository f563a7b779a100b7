"""The rate limits' storage: `limits`' moving-window strategy on an in-process store that
starts no thread.

`limits`' own ``MemoryStorage`` expires entries from a ``threading.Timer`` it starts again
whenever the previous one has ended, which under a steady stream of requests means a new
thread on about every other request, and it inserts each hit at the front of a list. Here
each key holds a deque of hit times, oldest first: a hit drops the times that left the
window and appends its own, so a key never holds more than its limit and nothing has to
expire in the background. A key whose window emptied is dropped on its next hit; the few
keys of one service (one per API key) cost nothing to keep.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from limits.storage import MovingWindowSupport, Storage

__all__ = ["WindowStorage"]


class WindowStorage(Storage, MovingWindowSupport):
    """A thread-safe in-memory store of moving windows (``MovingWindowRateLimiter`` only;
    the counter methods of fixed windows are not kept)."""

    STORAGE_SCHEME = None

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def _window(self, key: str, expiry: float, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        start = now - expiry
        while hits and hits[0] <= start:
            hits.popleft()
        return hits

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Record ``amount`` hits unless that would put more than ``limit`` in the window
        of ``expiry`` seconds ending now."""
        if amount > limit:
            return False
        now = time.time()
        with self._lock:
            hits = self._window(key, expiry, now)
            if len(hits) + amount > limit:
                return False
            hits.extend([now] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """The time of the oldest hit in the window (now when none) and how many hits the
        window holds."""
        now = time.time()
        with self._lock:
            hits = self._window(key, expiry, now)
            return (hits[0] if hits else now), len(hits)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("WindowStorage keeps moving windows only")

    def get(self, key: str) -> int:
        with self._lock:
            hits = self._hits.get(key)
            return len(hits) if hits is not None else 0

    def get_expiry(self, key: str) -> float:
        return time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._hits)
            self._hits.clear()
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
