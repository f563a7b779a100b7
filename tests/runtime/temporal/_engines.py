"""Running one flow on either engine: the local trio runtime, or Temporal."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import trio
from temporalio.client import Client

import fdl
from compiler.plan import Plan
from runtime import Mocks, RunResult, Runtime
from runtime.subflows import DEFAULT_MAX_RUNS, FlowTools
from runtime.temporal import flow_input, run_flow

TIMEZONE = "Asia/Shanghai"


def plan_of(text: str) -> Plan:
    result = fdl.check_text(textwrap.dedent(text), "flow.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    return result.plan


def run_local(text: str, inputs: Mapping[str, Any] | None, mocks: Mapping[str, Any],
              flows: Path | None = None, **options: Any) -> RunResult:
    """The flow on the trio runtime, its tools answered by ``mocks`` (``flow://`` names
    resolved in ``flows``)."""
    plan = plan_of(text)
    tenant = options.pop("tenant", None)
    max_runs = options.pop("max_runs", DEFAULT_MAX_RUNS)
    tools = None
    if flows is not None:
        tools = FlowTools(flows, timezone=TIMEZONE, max_runs=max_runs)
        tools.bind(tools)

    async def main() -> RunResult:
        async with Runtime(tools=tools, mocks=Mocks.from_mapping(mocks), timezone=TIMEZONE,
                           **options) as rt:
            return await rt.run(plan, inputs or {}, tenant=tenant)

    return trio.run(main)


def run_temporal(address: str, task_queue: str, text: str, inputs: Mapping[str, Any] | None,
                 mocks: Mapping[str, Any] | None, flows: Path | None = None, **options: Any
                 ) -> RunResult:
    """The same flow on Temporal (the workflow and its activities on ``task_queue``)."""
    plan = plan_of(text)

    async def main() -> RunResult:
        client = await Client.connect(address)
        data = flow_input(plan, inputs, mocks=mocks, timezone=TIMEZONE, flows=flows,
                          **options)
        return await run_flow(client, data, task_queue=task_queue)

    return asyncio.run(main())


def outcome(result: RunResult) -> dict[str, Any]:
    """What must be equal on both engines: status, output, error, mocked calls, and the
    nodes that completed, were skipped or failed (in path order)."""
    nodes = {kind: sorted(e["node"] for e in result.events if e["type"] == kind)
             for kind in ("node.completed", "node.skipped", "node.failed")}
    return {"status": result.status, "output": result.output, "error": result.error,
            "calls": result.calls, **nodes}
