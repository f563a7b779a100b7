"""Run asyncio coroutines from trio: a dedicated thread with its own asyncio event loop.

The asyncio-only broker clients of ``mq://`` (nats-py, aio-pika, aiomqtt) live on such a
loop, one thread per broker, so their connections and tasks stay on the loop that made them.
A trio task submits a coroutine (`AsyncioThread.run`) and sleeps until it ends; when the trio
task is cancelled, the asyncio task is cancelled too and trio waits (shielded, a bounded time)
for it to unwind, so no half-done call outlives its caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trio

__all__ = ["AsyncioThread", "to_completion"]

T = TypeVar("T")
UNWIND = 5.0
"""Seconds a cancelled call waits for its asyncio task to unwind."""


async def to_completion(work: Awaitable[T]) -> T:
    """Await ``work`` on the asyncio loop to its end even if the awaiting task is cancelled
    meanwhile (the cancellation is then swallowed: the task ends with the result). For a
    commit (acknowledging messages) that must not be cut in half, paired with
    `AsyncioThread.run`'s ``abandoned``, which hands a completed result back."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        return await task


class AsyncioThread:
    """An asyncio loop on a daemon thread, started on first use.

    Args:
        name: the thread's name (shown in debuggers).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _start(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name=self.name, daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    async def run(self, work: Callable[[], Awaitable[T]], *,
                  abandoned: threading.Event | None = None) -> T:
        """Await ``work()`` on the asyncio loop; its result or exception comes back here.

        Nothing is submitted for a call cancelled already. ``abandoned`` is for work that
        commits something (acknowledging messages): it is set the moment the trio call is
        cancelled, before the asyncio task is (which happens a little later, on the loop's
        thread), so the work can check it before committing; and when the work completed all
        the same (the cancellation came too late for it), its result is returned rather than
        lost, the cancellation taking effect at the caller's next checkpoint."""
        await trio.lowlevel.checkpoint_if_cancelled()
        loop = self._start()
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()
        box: dict[str, Any] = {}

        def wake() -> None:
            with contextlib.suppress(trio.RunFinishedError):
                token.run_sync_soon(done.set)

        async def guarded() -> None:
            try:
                box["result"] = await work()
            except Exception as error:  # handed back to the trio side
                box["error"] = error
            finally:
                wake()

        future = asyncio.run_coroutine_threadsafe(guarded(), loop)
        try:
            await done.wait()
        except trio.Cancelled:
            if abandoned is not None:
                abandoned.set()
            future.cancel()
            with trio.CancelScope(shield=True) as scope:
                scope.deadline = trio.current_time() + UNWIND
                await done.wait()
            if abandoned is not None and "result" in box:
                committed: T = box["result"]
                return committed
            raise
        if "error" in box:
            raise box["error"]
        if "result" not in box:  # cancelled on the loop's side: `close` while it ran
            raise ConnectionError("the connection was closed while the call was running")
        result: T = box["result"]
        return result

    async def close(self) -> None:
        """Cancel what still runs on the loop (its callers get a `ConnectionError`), stop
        the loop and join its thread (after the caller closed its clients)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None

        async def cancel_the_rest() -> None:
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            if others:
                await asyncio.wait(others, timeout=UNWIND)

        stopping = asyncio.run_coroutine_threadsafe(cancel_the_rest(), loop)
        with contextlib.suppress(Exception):
            await trio.to_thread.run_sync(stopping.result, UNWIND)
        loop.call_soon_threadsafe(loop.stop)
        await trio.to_thread.run_sync(thread.join, UNWIND)
        if not thread.is_alive():
            loop.close()
