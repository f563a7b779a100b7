"""Determinism: the histories of finished runs replay with the current code
(`temporalio.worker.Replayer`), so a change to the core, the executor or the workflow that
would make a running flow take another path fails here."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer

from runtime._journal import Skipped
from runtime.temporal import WORKFLOW_NAME, FlowWorkflow
from runtime.temporal import _workflow as workflow_module

from ._engines import run_temporal
from .conftest import TASK_QUEUE, WorkerThread
from .test_engines import CASES
from .test_subflows import BUDGET, FILES, PASS


def test_every_finished_run_replays_with_the_current_code(
        temporal_address: str, temporal_worker: WorkerThread, tmp_path: Path) -> None:
    # Runs of its own first (the test does not depend on the order of the suite).
    for case in CASES:
        if case.name in ("each with sets", "jump back with a wait", "retries then succeeds",
                         "UUID() in the workflow", "failure propagates"):
            run_temporal(temporal_address, TASK_QUEUE, case.flow, case.inputs, case.mocks,
                         **case.options)
    # Called flows asking the top-level run for flow-runs (signals both ways), one refused.
    for name, text in FILES.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    counted = run_temporal(temporal_address, TASK_QUEUE, BUDGET, {}, PASS, tmp_path,
                           max_runs=4)
    assert counted.error is not None and counted.error["code"] == "F412"

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


def test_a_change_that_takes_another_path_fails_the_replay(
        temporal_address: str, temporal_worker: WorkerThread,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The replay has teeth: code that skips the tool calls the history holds (here every
    ``only`` made false) is reported as non-deterministic."""
    case = next(c for c in CASES if c.name == "each with sets")
    result = run_temporal(temporal_address, TASK_QUEUE, case.flow, case.inputs, case.mocks)
    assert result.status == "completed"

    async def history() -> WorkflowHistory:
        client = await Client.connect(temporal_address)
        return await client.get_workflow_handle(result.run_id).fetch_history()

    recorded = asyncio.run(history())

    def skipped(inst: Any, ref: Any, ctx: Any, at: float, tenant: Any, bu: Any) -> Any:
        return Skipped(inst.key, at)

    monkeypatch.setattr(workflow_module, "prepare", skipped)

    async def replay() -> Exception | None:
        replayed = await Replayer(workflows=[FlowWorkflow]).replay_workflow(
            recorded, raise_on_replay_failure=False)
        return replayed.replay_failure

    failure = asyncio.run(replay())
    assert failure is not None
    assert "nondetermin" in str(failure).lower()
