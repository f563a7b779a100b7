"""What a trigger's loop waits on (the next message, the next time of a schedule), made
interruptible as a whole: `Intake.stop` ends every wait at once so a stopping process takes
no new work, while the runs already started go on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import trio

__all__ = ["Intake"]

T = TypeVar("T")


class Intake:
    """The waits of every trigger of one engine."""

    def __init__(self) -> None:
        self.stopping = False
        self._scopes: set[trio.CancelScope] = set()

    async def wait(self, work: Callable[[], Awaitable[T]]) -> T | None:
        """``await work()``; None when the intake stopped (before or during it)."""
        if self.stopping:
            return None
        with trio.CancelScope() as scope:
            self._scopes.add(scope)
            try:
                return await work()
            finally:
                self._scopes.discard(scope)
        return None

    def stop(self) -> None:
        """End every wait and refuse new ones."""
        self.stopping = True
        for scope in list(self._scopes):
            scope.cancel()
