"""Flows on Temporal from the command line (docs/scale-out.md).

* `serve_temporal`: ``fdl worker --temporal HOST:PORT [--namespace N] [--task-queue Q]``, one
  worker process serving the workflow and the tool
  activities with the project's tools (the ``fdl.yaml`` found from the working folder);
  SIGTERM or Ctrl-C stops it gracefully (no new work, the activities in progress finish).
* `run_remote`: what ``fdl run FILE --on temporal`` does once the flow is compiled: start the
  run on the cluster and wait for its `runtime.RunResult` (the run id is the workflow id).
* `show_remote`, `cancel_remote`: ``fdl runs show/cancel ID --on temporal``.
* `list_remote`: ``fdl runs list --on temporal``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from compiler import ToolCatalog
from compiler.plan import Plan
from fdl.project import open_tooling
from runtime import RunRecord, RunResult
from runtime.subflows import DEFAULT_MAX_RUNS
from runtime.temporal import (
    ENDED_OUTSIDE,
    WORKFLOW_NAME,
    FlowOutput,
    ended_outside,
    flow_input,
    flow_worker,
    list_runs,
    run_flow,
    run_result,
)
from stdlib.config import project_config

from ._output import fail
from ._target import Target, mock_document, target_of

__all__ = ["RemoteRun", "Target", "cancel_remote", "list_remote", "mock_document", "run_remote",
           "serve_temporal", "show_remote", "target_of"]

CONNECT_SECONDS = 10.0
"""How long connecting to the Temporal frontend may take before the command gives up."""


async def _connect(target: Target) -> Client:
    try:
        return await asyncio.wait_for(
            Client.connect(target.address, namespace=target.namespace), CONNECT_SECONDS)
    except (RPCError, RuntimeError, OSError, TimeoutError) as error:
        reason = "no answer" if isinstance(error, TimeoutError) else type(error).__name__
        fail(f"cannot reach Temporal at {target.address} (namespace {target.namespace}): "
             f"{reason}; start a server (temporal server start-dev) or give --temporal "
             "HOST:PORT or temporal: {address: ...} in fdl.yaml")


def run_remote(target: Target, plan: Plan, inputs: Mapping[str, Any] | None, *,
               tenant: str | None, bu: str | None, mocks: Any, timezone: str | None,
               run_id: str, flows: Path | None = None, catalog: ToolCatalog | None = None,
               on_event: Callable[[dict[str, Any]], None] | None = None,
               max_runs: int | None = None) -> RunResult:
    """Run ``plan`` on Temporal and wait for its end; ``on_event`` gets the run's events
    in order while it runs. The flows its ``flow://`` calls name are read from ``flows``
    (compiled with ``catalog``) and travel with the run; ``max_runs`` is ``flow-runs:``
    (None: the default)."""

    async def main() -> RunResult:
        client = await _connect(target)
        data = flow_input(plan, inputs, tenant=tenant, bu=bu, mocks=mocks, timezone=timezone,
                          flows=flows, catalog=catalog,
                          max_runs=DEFAULT_MAX_RUNS if max_runs is None else max_runs)
        try:
            return await run_flow(client, data, task_queue=target.task_queue, run_id=run_id,
                                  on_event=on_event)
        except RPCError as error:
            fail(f"Temporal refused the run: {error.message}")

    return asyncio.run(main())


def serve_temporal(address: str | None, namespace: str | None, task_queue: str | None,
                   tools_dir: Path | None) -> None:
    """Serve flows on Temporal: workflows and tool calls, with this project's tools."""
    start = Path.cwd()
    config = project_config(start)
    target = target_of(config, address, namespace, task_queue)
    tooling, tools = open_tooling(tools_dir, config, None, start=start)

    async def main() -> None:
        client = await _connect(target)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
        async with flow_worker(client, task_queue=target.task_queue, tools=tools.provider,
                               close=tools.aclose):
            click.echo(f"worker on {target.address}, namespace {target.namespace}, task "
                       f"queue {target.task_queue}; SIGTERM or Ctrl-C stops it", err=True)
            await stop.wait()
            click.echo("stopping: finishing the tool calls in progress", err=True)

    try:
        asyncio.run(main())
    finally:
        tooling.close()
    sys.exit(0)


# --- fdl runs show/cancel ID --on temporal -----------------------------------------------


@dataclass(slots=True)
class RemoteRun:
    """What the cluster knows of one run: its state, result and events so far."""

    run_id: str
    flow: str
    status: str
    started: float
    updated: float
    output: Any = None
    error: dict[str, Any] | None = None
    events: list[dict[str, Any]] | None = None

    def to_dict(self, with_events: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"run_id": self.run_id, "flow": self.flow,
                                "status": self.status, "created_at": self.started,
                                "updated_at": self.updated}
        if self.status == "completed":
            data["output"] = self.output
        elif self.error is not None:
            data["error"] = self.error
        if with_events:
            data["events"] = self.events or []
        return data


def _not_found(error: RPCError) -> bool:
    return error.status == RPCStatusCode.NOT_FOUND


def show_remote(target: Target, run_id: str) -> RemoteRun:
    """The run ``run_id`` (the workflow id) as the cluster has it; a run still going
    reports its events through the workflow's ``progress`` query (a worker must run)."""

    async def main() -> RemoteRun:
        client = await _connect(target)
        handle = client.get_workflow_handle(run_id, result_type=FlowOutput)
        try:
            description = await handle.describe()
        except RPCError as error:
            if _not_found(error):
                fail(f"no run '{run_id}' on Temporal at {target.address} (namespace "
                     f"{target.namespace})")
            raise
        if description.workflow_type != WORKFLOW_NAME:
            fail(f"'{run_id}' is a {description.workflow_type} workflow, not a flow run")
        started = description.start_time.timestamp()
        closed = description.close_time.timestamp() if description.close_time else None
        name = description.status.name if description.status is not None else "RUNNING"
        if name == "COMPLETED":
            result = run_result(run_id, await handle.result())
            return RemoteRun(run_id, _flow_name(result.events), result.status, started,
                             closed or started, result.output, result.error, result.events)
        events: list[dict[str, Any]] = []
        if name == "RUNNING":
            with contextlib.suppress(RPCError, WorkflowQueryFailedError):
                events = await handle.query("progress", result_type=list)
            return RemoteRun(run_id, _flow_name(events), "running", started,
                             events[-1]["at"] if events else started, events=events)
        return RemoteRun(run_id, "", ENDED_OUTSIDE.get(name, "failed"), started, closed or started,
                         error=ended_outside(name), events=events)

    return asyncio.run(main())


def _flow_name(events: list[dict[str, Any]]) -> str:
    return str(events[0].get("flow", "")) if events else ""


def cancel_remote(target: Target, run_id: str) -> str:
    """Cancel the run: ``requested``, or the status it has already ended with."""

    async def main() -> str:
        client = await _connect(target)
        handle = client.get_workflow_handle(run_id)
        try:
            description = await handle.describe()
            if description.status is not None and description.status.name != "RUNNING":
                return "ended"
            await handle.cancel()
        except RPCError as error:
            if _not_found(error):
                fail(f"no run '{run_id}' on Temporal at {target.address} (namespace "
                     f"{target.namespace})")
            raise
        return "requested"

    return asyncio.run(main())


# --- fdl runs list --on temporal -----------------------------------------------------------


def list_remote(target: Target, *, status: str | None, flow: str | None, limit: int
                ) -> list[RunRecord]:
    """The flow runs of the namespace, newest first, as the run store's records
    (`runtime.temporal.list_runs`)."""

    async def main() -> list[RunRecord]:
        client = await _connect(target)
        return await list_runs(client, status=status, flow=flow, limit=limit)

    try:
        return asyncio.run(main())
    except RPCError as error:
        fail(f"Temporal cannot list the runs of namespace {target.namespace}: "
             f"{error.message}")


