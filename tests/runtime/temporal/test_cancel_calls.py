"""A tool call the run no longer needs is cancelled on the worker: the call heartbeats, and
the workflow's cancel reaches the tool on the worker's trio loop (here: a failure without a
``fail`` edge aborts the run while a parallel call still runs)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import trio

from runtime import ToolError, Tools

from ._engines import run_temporal
from .conftest import WorkerThread

FLOW = """\
    flow:
        name: abort
        node:
            slow:
                exec: api://t/slow
            boom:
                exec: api://t/boom
"""


def test_a_call_in_flight_is_cancelled_when_the_run_aborts(temporal_address: str) -> None:
    seen: list[str] = []
    started = threading.Event()

    async def slow(args: dict[str, Any]) -> Any:
        started.set()
        try:
            await trio.sleep(120)
        except trio.Cancelled:
            seen.append("cancelled")
            raise
        return "late"

    async def boom(args: dict[str, Any]) -> Any:
        while not started.is_set():
            await trio.sleep(0.05)
        raise ToolError("E1", "boom")

    queue = f"fdl-cancel-{uuid.uuid4().hex[:8]}"
    tools = Tools({"api://t/slow": slow, "api://t/boom": boom})
    worker = WorkerThread(temporal_address, queue, tools).start()
    try:
        result = run_temporal(temporal_address, queue, FLOW, {}, None)
        assert result.status == "failed"
        assert result.error is not None and result.error["code"] == "E1"
        for _ in range(600):  # the cancel reaches the worker with the next heartbeat
            if seen:
                break
            time.sleep(0.05)
        assert seen == ["cancelled"]
    finally:
        worker.stop()
