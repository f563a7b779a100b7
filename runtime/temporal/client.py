"""Starting flows on Temporal and waiting for their result (the caller's side).

The caller compiles the flow (so compile errors are reported where the file is), then
starts the ``fdl-flow`` workflow with the flow's text, its inputs, tenant and mocks; the run
id is the workflow id. `run_flow` returns the same `runtime.RunResult` a local run returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowFailureError, WorkflowQueryFailedError
from temporalio.service import RPCError

from compiler import ToolCatalog, load_text
from compiler.plan import Plan
from gml import resolve_timezone

from .. import _codec
from .._runtime import RunResult
from ..errors import internal_error
from ..subflows import DEFAULT_MAX_RUNS
from ._model import WORKFLOW_NAME, FlowInput, FlowOutput
from ._refs import refs_of
from ._subflows import collect, collect_named
from .worker import DEFAULT_TASK_QUEUE

__all__ = ["FLOW_MEMO", "flow_input", "run_flow", "run_result"]

FLOW_MEMO = "flow"
"""The workflow memo that names the flow a run runs (listing runs shows it without reading
their histories)."""


def flow_input(plan: Plan, inputs: Mapping[str, Any] | None = None, *,
               tenant: str | None = None, bu: str | None = None,
               mocks: Mapping[str, Any] | None = None, timezone: str | None = None,
               max_iterations: int = 10_000, default_timeout_ms: float | None = None,
               flows: Path | None = None, catalog: ToolCatalog | None = None,
               max_runs: int = DEFAULT_MAX_RUNS,
               named: Callable[[str], Plan | None] | None = None) -> FlowInput:
    """The workflow input of one run of ``plan``.

    Args:
        mocks: a mock document as `runtime.Mocks.from_mapping` takes it (validated by the
            caller first, so a bad one fails before the run starts).
        timezone: the zone of dates (None: this machine's, by name, so the worker agrees).
        flows: the folder ``flow://`` names resolve in; the flows the run may call are read
            and compiled (with ``catalog``) now, and travel with the run.
        max_runs: how many ``flow://`` runs the run may start in all, at every depth
            (``flow-runs:`` of ``fdl.yaml``; F412 past it, as locally).
        named: instead of ``flows``, what a ``flow://`` name is (a plan with its source;
            None when there is no such flow): ``fdl serve``'s deployed flows.
    """
    zone = resolve_timezone(timezone)
    return FlowInput(source=plan.source, path=plan.path or f"{plan.name}.yaml", name=plan.name,
                     inputs=_codec.dumps(dict(inputs or {})), tenant=tenant, bu=bu,
                     mocks=None if mocks is None else _codec.dumps(dict(mocks)),
                     timezone=getattr(zone, "name", None) or str(zone),
                     max_iterations=max_iterations, default_timeout_ms=default_timeout_ms,
                     tools=refs_of(plan), max_runs=max_runs,
                     subflows=_subflows(plan, flows, catalog, named))


def _subflows(plan: Plan, flows: Path | None, catalog: ToolCatalog | None,
              named: Callable[[str], Plan | None] | None) -> dict[str, dict[str, Any]]:
    if flows is not None:
        return collect(plan, flows, lambda text, path: load_text(text, path, catalog=catalog))
    return {} if named is None else collect_named(plan, named)


async def run_flow(client: Client, data: FlowInput, *, task_queue: str = DEFAULT_TASK_QUEUE,
                   run_id: str | None = None,
                   on_event: Callable[[dict[str, Any]], None] | None = None,
                   poll_interval: float = 0.5) -> RunResult:
    """Start the run and wait for its end (the workflow's memo ``flow`` names the flow).

    Args:
        on_event: receives the run's public events in order while it runs (read from the
            workflow's ``progress`` query every ``poll_interval`` seconds), the last ones
            when it has ended.

    Raises:
        temporalio.service.RPCError: the Temporal server refused the start.
    """
    run_id = run_id or uuid.uuid4().hex
    handle = await client.start_workflow(WORKFLOW_NAME, data, id=run_id,
                                         task_queue=task_queue, result_type=FlowOutput,
                                         memo={FLOW_MEMO: data.name})
    seen = 0

    def emit(events: list[dict[str, Any]]) -> None:
        nonlocal seen
        if on_event is not None:  # by number: a long run's result leaves some out
            for number, event in enumerate(events):
                at = event.get("seq", number)
                if isinstance(at, int) and at >= seen:
                    on_event(event)
                    seen = at + 1

    ending = asyncio.ensure_future(handle.result())
    try:
        while on_event is not None and not ending.done():
            await asyncio.wait({ending}, timeout=poll_interval)
            if not ending.done():
                with contextlib.suppress(RPCError, WorkflowQueryFailedError):
                    emit(await handle.query("progress", result_type=list))
        out: FlowOutput = await ending
    except WorkflowFailureError as error:  # the workflow itself failed: a bug
        return RunResult(run_id, "failed", None, internal_error(error))
    finally:
        ending.cancel()
    result = run_result(run_id, out)
    emit(result.events)
    return result


def run_result(run_id: str, out: FlowOutput) -> RunResult:
    """The workflow's result as the `runtime.RunResult` of a local run."""
    calls = _codec.loads(out.calls)
    if out.status == "completed":
        return RunResult(run_id, out.status, _codec.loads(out.output), None, out.events, calls)
    return RunResult(run_id, out.status, None, out.error, out.events, calls)
