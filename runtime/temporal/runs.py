"""Listing the flow runs of a Temporal namespace, as the run store's records.

A run is a top-level ``fdl-flow`` workflow (Temporal's visibility, newest first); the child
workflows of ``flow://`` calls are parts of their caller's run and are not listed, as a
local run store holds no nested runs. A flow that failed or was cancelled is a *completed*
workflow whose result says so, so the status of an ended run is read from its result, its
inputs and context from the workflow's input (its first history event), and the flow's
name from the workflow's memo (``flow``): one visibility page per page of runs, and one or
two reads of a history per run listed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, cast, get_args

from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from .. import _codec
from .._records import RunRecord, RunStatus
from ._model import WORKFLOW_NAME, FlowInput, FlowOutput
from .client import FLOW_MEMO, run_result

__all__ = ["ENDED_OUTSIDE", "ended_outside", "list_runs", "run_record"]

ENDED_OUTSIDE: dict[str, RunStatus] = {"FAILED": "failed", "CANCELED": "cancelled",
                                       "TERMINATED": "cancelled", "TIMED_OUT": "failed"}
"""The run status of a workflow that ended without returning (Temporal's status name)."""


def ended_outside(name: str) -> dict[str, Any]:
    """The error of a run whose workflow ended ``name`` (terminated, timed out, failed)
    without the runtime ending it."""
    return {"code": "F409", "message": f"the workflow ended {name} outside the runtime "
            "(terminated, timed out or failed)", "node": "", "type": "runtime"}


async def list_runs(client: Client, *, status: str | None = None, flow: str | None = None,
                    limit: int = 50, tenant: str | None = None) -> list[RunRecord]:
    """At most ``limit`` runs, newest first, only those with ``status``, of the flow
    named ``flow`` and started for ``tenant`` when given (another tenant's run is skipped
    before its result is read)."""
    query = f"WorkflowType = '{WORKFLOW_NAME}'"
    if status == "running":
        query += " AND ExecutionStatus = 'Running'"
    records: list[RunRecord] = []
    async for execution in client.list_workflows(query, page_size=min(limit * 2, 1000)):
        if execution.parent_id:
            continue
        record = await _record(client, execution, tenant)
        if record is None or (status is not None and record.status != status) or (
                flow is not None and record.flow != flow):
            continue
        records.append(record)
        if len(records) >= limit:
            break
    return records


async def run_record(client: Client, run_id: str) -> RunRecord | None:
    """The run ``run_id`` (a top-level flow workflow's id) as the run store's record, None
    when there is no such workflow or it is not a flow run (a ``flow://`` child is part of
    its caller's run)."""
    try:
        description = await client.get_workflow_handle(run_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    if description.workflow_type != WORKFLOW_NAME or description.parent_id:
        return None
    return await _record(client, description)


async def _started_with(client: Client, execution: WorkflowExecution) -> FlowInput | None:
    """The workflow's input (its first history event), None when it is not a flow's."""
    handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
    async for event in handle.fetch_history_events(page_size=1):
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        try:
            values = await client.data_converter.decode(payloads, [FlowInput])
        except Exception:  # another program's workflow of the same type name
            return None
        return values[0] if values and isinstance(values[0], FlowInput) else None
    return None


async def _record(client: Client, execution: WorkflowExecution, tenant: str | None = None
                  ) -> RunRecord | None:
    """One listed run, or None when the workflow is not a flow run (or is an earlier part
    of a run that continued as new: the last part is listed; or not ``tenant``'s)."""
    state = execution.status
    if state == WorkflowExecutionStatus.CONTINUED_AS_NEW:
        return None
    data = await _started_with(client, execution)
    if data is None or (tenant is not None and data.tenant != tenant):
        return None
    memo = await execution.memo()
    inputs = _codec.loads(data.inputs)
    started = execution.start_time.timestamp()
    ended = execution.close_time.timestamp() if execution.close_time else started
    record = RunRecord(run_id=execution.id,
                       flow=str(memo.get(FLOW_MEMO) or data.name or Path(data.path).stem),
                       path=data.path, source=data.source,
                       inputs=inputs if isinstance(inputs, dict) else {},
                       context={"tenantId": data.tenant, "buCode": data.bu},
                       status="running", created_at=started, updated_at=started)
    if state is None or state == WorkflowExecutionStatus.RUNNING:
        return record
    if state == WorkflowExecutionStatus.COMPLETED:
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id,
                                            result_type=FlowOutput)
        result = run_result(execution.id, await handle.result())
        return replace(record, status=_status(result.status), updated_at=ended,
                       output=result.output, error=result.error)
    return replace(record, status=ENDED_OUTSIDE.get(state.name, "failed"), updated_at=ended,
                   error=ended_outside(state.name))


def _status(text: str) -> RunStatus:
    for status in get_args(RunStatus):
        if status == text:
            return cast(RunStatus, status)
    return "failed"
