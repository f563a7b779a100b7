"""Cancelling the workflow cancels the run: status ``cancelled``, error F408, and the
durable timer it waited on is gone with it."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.client import Client

from runtime.temporal import WORKFLOW_NAME, FlowOutput, flow_input, run_result

from ._engines import plan_of
from .conftest import TASK_QUEUE, WorkerThread

FLOW = """\
    flow:
        name: sleepy
        node:
            first:
                with: 1
                next: nap
            nap:
                wait: '1h'
                next: after
            after:
                with: 2
"""


def test_cancelling_the_workflow_cancels_the_run_during_a_wait(
        temporal_address: str, temporal_worker: WorkerThread) -> None:
    run_id = uuid.uuid4().hex

    async def main() -> FlowOutput:
        client = await Client.connect(temporal_address)
        handle = await client.start_workflow(WORKFLOW_NAME, flow_input(plan_of(FLOW)),
                                             id=run_id, task_queue=TASK_QUEUE,
                                             result_type=FlowOutput)
        for _ in range(200):  # until the run sleeps in 'nap'
            events = await handle.query("progress", result_type=list)
            if any(e["type"] == "node.started" and e["node"] == "nap" for e in events):
                break
            await asyncio.sleep(0.05)
        await handle.cancel()
        return await asyncio.wait_for(handle.result(), 60)

    result = run_result(run_id, asyncio.run(main()))
    assert result.status == "cancelled"
    assert result.error is not None and result.error["code"] == "F408"
    completed = [e["node"] for e in result.events if e["type"] == "node.completed"]
    assert completed == ["first"]
