"""Determinism: the histories of finished runs replay with the current code
(`temporalio.worker.Replayer`), so a change to the core, the executor or the workflow that
would make a running flow take another path fails here."""

from __future__ import annotations

import asyncio

from temporalio.client import Client
from temporalio.worker import Replayer

from runtime.temporal import WORKFLOW_NAME, FlowWorkflow

from ._engines import run_temporal
from .conftest import TASK_QUEUE, WorkerThread
from .test_engines import CASES


def test_every_finished_run_replays_with_the_current_code(
        temporal_address: str, temporal_worker: WorkerThread) -> None:
    # Runs of its own first (the test does not depend on the order of the suite).
    for case in CASES:
        if case.name in ("each with sets", "jump back with a wait", "retries then succeeds",
                         "UUID() in the workflow", "failure propagates"):
            run_temporal(temporal_address, TASK_QUEUE, case.flow, case.inputs, case.mocks,
                         **case.options)

    async def replay() -> int:
        client = await Client.connect(temporal_address)
        histories = []
        async for execution in client.list_workflows(f"WorkflowType = '{WORKFLOW_NAME}'"):
            if execution.status is not None and execution.status.name == "COMPLETED":
                handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
                histories.append(await handle.fetch_history())
        replayer = Replayer(workflows=[FlowWorkflow])
        for history in histories:
            result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
            assert result.replay_failure is None, (history.workflow_id,
                                                   result.replay_failure)
        return len(histories)

    assert asyncio.run(replay()) >= 5
