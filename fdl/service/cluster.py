"""The Temporal cluster of ``service.engine: temporal`` (docs/scale-out.md), reached from
the service's trio loop.

Temporal's SDK is asyncio, the service is trio: `Cluster` keeps one asyncio loop in a
thread of its own, with one `temporalio.client.Client` connected (lazily, on the first
call) to ``temporal:`` of ``fdl.yaml``; `Cluster.call` runs a coroutine function there and
waits for it in a worker thread, so the trio loop goes on answering other requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import TypeVar

import trio
from temporalio.client import Client
from temporalio.service import RPCError

from stdlib.config import TemporalConfig

from .errors import ServiceError

__all__ = ["CLOSE_SECONDS", "CONNECT_SECONDS", "Cluster"]

T = TypeVar("T")

CONNECT_SECONDS = 10.0
"""How long connecting to the Temporal frontend may take before a request gives up (503)."""


CLOSE_SECONDS = 10.0
"""How long `Cluster.close` waits for the loop's thread to end."""


class Cluster:
    """One Temporal client on an asyncio loop in its own thread, until `close`.

    Attributes:
        settings: ``temporal:`` of ``fdl.yaml`` (address, namespace, task queue).
    """

    def __init__(self, settings: TemporalConfig) -> None:
        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="fdl-service-temporal", daemon=True)
        self._client: Client | None = None
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    @property
    def task_queue(self) -> str:
        """The task queue runs are started on."""
        return self.settings.task_queue

    def _submit(self, factory: Callable[[], Awaitable[T]]) -> Future[T]:
        with self._lock:
            if self._closed:
                raise ServiceError(503, "not_ready", "the service is stopping; retry")
            if not self._started:
                self._thread.start()
                self._started = True

        async def main() -> T:
            return await factory()

        return asyncio.run_coroutine_threadsafe(main(), self._loop)

    async def _connected(self) -> Client:
        if self._client is None:
            settings = self.settings
            try:
                self._client = await asyncio.wait_for(
                    Client.connect(settings.address, namespace=settings.namespace),
                    CONNECT_SECONDS)
            except (RPCError, RuntimeError, OSError, TimeoutError) as error:
                reason = "no answer" if isinstance(error, TimeoutError) else \
                    type(error).__name__
                raise ServiceError(503, "temporal_unavailable",
                                   f"cannot reach Temporal at {settings.address} (namespace "
                                   f"{settings.namespace}): {reason}; start the cluster or "
                                   "fix temporal: in fdl.yaml") from None
        return self._client

    async def call(self, fn: Callable[[Client], Awaitable[T]]) -> T:
        """``await fn(client)`` on the cluster's loop; a refusal of the server is a 503.

        Raises:
            ServiceError: 503 ``temporal_unavailable`` or ``temporal_error``.
        """

        async def run() -> T:
            client = await self._connected()
            try:
                return await fn(client)
            except RPCError as error:
                raise ServiceError(503, "temporal_error",
                                   f"Temporal refused the request: {error.message}; "
                                   "retry") from None

        future = self._submit(run)
        try:
            return await trio.to_thread.run_sync(future.result, abandon_on_cancel=True)
        except trio.Cancelled:
            future.cancel()
            raise

    def close(self) -> None:
        """Cancel the calls still going (their waiters get an error, no thread is left
        blocked), then stop the loop and its thread (the client's connections go with
        it)."""
        with self._lock:
            started, self._started, self._closed = self._started, False, True
        if not started:
            self._loop.close()
            return

        async def cancel_all() -> None:
            here = asyncio.current_task()
            for task in asyncio.all_tasks():
                if task is not here:
                    task.cancel()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(cancel_all(), self._loop).result(CLOSE_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CLOSE_SECONDS)
        if not self._loop.is_running():
            self._loop.close()
