"""A Temporal worker that runs flows: the workflow and the tool activities in one process.

    async with await flow_worker(client, tools=provider, catalog=catalog):
        ...  # runs until the block ends (graceful shutdown)

The worker compiles the flows it is given (their text and the caller's view of their tools
travel in the run) and calls tools through its own project's adapters: a worker needs the
project's ``fdl.yaml`` and tool specs, never the caller's flow files.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from stdlib.tools import ToolProvider, Tools

from ._activity import ToolActivities
from ._host import TrioHost
from ._workflow import FlowWorkflow

__all__ = ["DEFAULT_TASK_QUEUE", "FlowWorkflow", "flow_worker"]

DEFAULT_TASK_QUEUE = "fdl"
"""The task queue runs go to when neither the command line nor fdl.yaml names one."""


@asynccontextmanager
async def flow_worker(client: Client, *, task_queue: str = DEFAULT_TASK_QUEUE,
                      tools: ToolProvider | None = None,
                      close: Callable[[], Awaitable[None]] | None = None,
                      max_concurrent_calls: int = 64,
                      graceful_seconds: float = 30.0) -> AsyncIterator[Worker]:
    """Run a worker while the block runs; on exit it stops taking work and waits for the
    activities in progress (graceful shutdown).

    Args:
        client: a connected Temporal client.
        task_queue: the queue this worker serves.
        tools: the project's tools (None: no real tools; mocked runs still work).
        close: closes the tools (their pools and clients) on their trio loop at the end.
        max_concurrent_calls: tool calls one worker runs at once (its thread pool).
        graceful_seconds: how long the shutdown waits for the tool calls in progress.
    """
    host = TrioHost()
    host.start()
    activities = ToolActivities(tools if tools is not None else Tools(), host)
    try:
        with ThreadPoolExecutor(max_workers=max_concurrent_calls,
                                thread_name_prefix="fdl-tool") as pool:
            worker = Worker(client, task_queue=task_queue,
                            workflows=[FlowWorkflow],
                            activities=activities.definitions(), activity_executor=pool,
                            max_concurrent_activities=max_concurrent_calls,
                            graceful_shutdown_timeout=timedelta(seconds=graceful_seconds))
            async with worker:
                yield worker
    finally:
        try:
            if close is not None:
                await asyncio.to_thread(host.run, close)
        finally:
            host.stop()
