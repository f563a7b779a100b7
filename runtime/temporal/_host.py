"""A trio event loop on its own thread, where the worker's tools run.

The project's tools (adapters with connection pools, mocks that sleep on trio's clock) are
trio code, while Temporal's worker is asyncio. Activities are synchronous functions run by
the worker's thread pool; each hands its tool call to this loop (`trio.from_thread.run`) and
blocks its pool thread until the call ends, so pools and clients stay on the one loop that
made them.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trio

__all__ = ["TrioHost"]

T = TypeVar("T")


class TrioHost:
    """A trio loop on a daemon thread, started by `start`, stopped by `stop`."""

    def __init__(self, name: str = "fdl-tools") -> None:
        self.name = name
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._thread: threading.Thread | None = None
        self._nursery: trio.Nursery | None = None

    def start(self) -> None:
        """Start the loop (idempotent); returns once it accepts work."""
        if self._thread is not None:
            return
        ready = threading.Event()

        async def main() -> None:
            self._token = trio.lowlevel.current_trio_token()
            self._stop = trio.Event()
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                ready.set()
                await self._stop.wait()
                nursery.cancel_scope.cancel()

        self._thread = threading.Thread(target=trio.run, args=(main,), name=self.name,
                                        daemon=True)
        self._thread.start()
        ready.wait()

    def run(self, work: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``work(*args)`` on the loop; blocks the calling (non-trio) thread."""
        if self._token is None:
            self.start()
        assert self._token is not None
        return trio.from_thread.run(work, *args, trio_token=self._token)

    def submit(self, work: Callable[..., Awaitable[T]], *args: Any
               ) -> tuple[concurrent.futures.Future[T], Callable[[], None]]:
        """Start ``work(*args)`` on the loop without waiting: its future, and a function
        that cancels it (the future then raises `concurrent.futures.CancelledError`)."""
        if self._token is None:
            self.start()
        assert self._token is not None and self._nursery is not None
        token = self._token
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        scope = trio.CancelScope()

        async def runner() -> None:
            with scope:
                try:
                    future.set_result(await work(*args))
                except Exception as error:  # handed to the waiting thread
                    future.set_exception(error)
            if not future.done():  # cancelled
                future.cancel()

        def cancel() -> None:
            with contextlib.suppress(trio.RunFinishedError):  # the loop has stopped
                trio.from_thread.run_sync(scope.cancel, trio_token=token)

        trio.from_thread.run_sync(self._nursery.start_soon, runner, trio_token=token)
        return future, cancel

    def stop(self) -> None:
        """Stop the loop and wait for its thread."""
        if self._token is None or self._stop is None or self._thread is None:
            return
        stop = self._stop
        trio.from_thread.run_sync(stop.set, trio_token=self._token)
        self._thread.join(timeout=10)
        self._token = self._stop = self._thread = self._nursery = None
