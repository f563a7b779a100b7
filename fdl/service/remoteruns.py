"""``/v1/runs`` on Temporal (``service.engine: temporal``, docs/scale-out.md): a run is a
``fdl-flow`` workflow started with the same `runtime.temporal.FlowInput` as ``fdl run --on
temporal`` (tenant from the API key); its status and the list come from Temporal
(`runtime.temporal.run_record`, `runtime.temporal.list_runs`), cancel goes through the
workflow, and the events are read from the workflow's ``progress`` query, polled every
`POLL_SECONDS` (from its result once it has ended). The tenant's deployed flows that a
run calls through ``flow://`` travel with it (read when it starts), as ``fdl run --on
temporal`` carries those of the flows folder. A run never needs resuming: the
cluster carries it on when a worker or this service stops (409 ``not_resumable``).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import trio
from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError

from compiler.plan import Plan
from runtime import RunRecord
from runtime.subflows import DEFAULT_MAX_RUNS
from runtime.temporal import (
    FLOW_MEMO,
    WORKFLOW_NAME,
    FlowOutput,
    flow_input,
    list_runs,
    run_record,
    run_result,
)

from .cluster import Cluster
from .context import ServiceContext
from .errors import ServiceError
from .workspace import FlowCompileError, Workspace

__all__ = ["POLL_SECONDS", "cancel", "events", "listing", "record", "start"]

POLL_SECONDS = 0.5
"""How often the events of a running run are read from its ``progress`` query."""


def _cluster(service: ServiceContext) -> Cluster:
    cluster = service.cluster
    if cluster is None:  # the routes call here only when it is set
        raise ServiceError(503, "not_ready", "the service has no Temporal cluster")
    return cluster


async def record(service: ServiceContext, tenant: str, run_id: str) -> RunRecord:
    """The run ``run_id`` of ``tenant`` as Temporal has it.

    Raises:
        ServiceError: 404 when there is none (or it is another tenant's).
    """
    found = await _cluster(service).call(lambda client: run_record(client, run_id))
    if found is None or found.context.get("tenantId") != tenant:
        raise ServiceError.not_found(f"the run '{run_id}'")
    return found


async def start(service: ServiceContext, plan: Plan, tenant: str, inputs: dict[str, Any],
                mocks: dict[str, Any] | None, wait: float) -> RunRecord:
    """Start a run of ``plan`` for ``tenant``; with ``wait`` (seconds) wait for its end."""
    cluster = _cluster(service)
    config = service.workspace.config
    data = await service.blocking(
        partial(flow_input, plan, inputs, tenant=tenant, mocks=mocks, timezone=config.timezone,
                max_runs=config.flow_runs or DEFAULT_MAX_RUNS,
                named=partial(_deployed, service.workspace, tenant)))
    run_id = uuid.uuid4().hex

    async def go(client: Client) -> RunRecord | None:
        handle = await client.start_workflow(WORKFLOW_NAME, data, id=run_id,
                                             task_queue=cluster.task_queue,
                                             result_type=FlowOutput,
                                             memo={FLOW_MEMO: data.name})
        if wait > 0:
            with contextlib.suppress(TimeoutError, WorkflowFailureError):
                await asyncio.wait_for(handle.result(), wait)  # then read as any run
        return await run_record(client, run_id)

    found = await cluster.call(go)
    if found is None:
        raise ServiceError(503, "not_started", "the run could not be started; retry")
    return found


def _deployed(workspace: Workspace, tenant: str, name: str) -> Plan | None:
    """``flow://name`` of a run of ``tenant``: its deployed flow (it travels with the run),
    None when there is none or it no longer compiles (the call fails then: F406)."""
    flow = workspace.db.flow(tenant, name)
    if flow is None:
        return None
    try:
        return workspace.plan(flow)
    except FlowCompileError:
        return None


async def listing(service: ServiceContext, tenant: str, *, flow: str | None,
                  status: str | None, limit: int) -> list[RunRecord]:
    """The runs of ``tenant``, newest first (Temporal's visibility)."""

    return await _cluster(service).call(lambda client: list_runs(
        client, status=status, flow=flow, limit=limit, tenant=tenant))


async def cancel(service: ServiceContext, tenant: str, run_id: str) -> None:
    """Cancel the running run through its workflow.

    Raises:
        ServiceError: 404, or 409 ``not_running`` when it has ended.
    """
    found = await record(service, tenant, run_id)
    if found.status != "running":
        raise ServiceError(409, "not_running", f"the run '{run_id}' is {found.status}; only "
                           "running runs can be cancelled")
    await _cluster(service).call(lambda client: client.get_workflow_handle(run_id).cancel())


def resume(run_id: str) -> ServiceError:
    """The answer to ``:resume`` on Temporal: a run there never needs it."""
    return ServiceError(409, "not_resumable", f"the run '{run_id}' runs on Temporal, which "
                        "carries it on by itself when a worker or this service stops; "
                        "there is nothing to resume")


async def _events_now(handle: WorkflowHandle[Any, FlowOutput]
                      ) -> tuple[list[dict[str, Any]], bool]:
    """The run's events so far, and whether it has ended."""
    description = await handle.describe()
    name = description.status.name if description.status is not None else "RUNNING"
    if name == "COMPLETED":
        return run_result(handle.id, await handle.result()).events, True
    if name != "RUNNING":
        return [], True
    with contextlib.suppress(RPCError, WorkflowQueryFailedError):
        return list(await handle.query("progress", result_type=list)), False
    return [], False


async def events(service: ServiceContext, run_id: str, after: int
                 ) -> AsyncIterator[dict[str, Any]]:
    """The run's events from ``after`` on, polled while it runs (the caller has checked
    that it is the tenant's)."""
    cluster = _cluster(service)
    seen = after
    while True:
        batch, ended = await cluster.call(lambda client: _events_now(
            client.get_workflow_handle(run_id, result_type=FlowOutput)))
        for number, event in enumerate(batch):
            at = event.get("seq", number)
            if isinstance(at, int) and at > seen:
                seen = at
                yield event
        if ended:
            return
        await trio.sleep(POLL_SECONDS)
