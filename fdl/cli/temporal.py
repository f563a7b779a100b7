"""Flows on Temporal from the command line (docs/scale-out.md).

* ``fdl temporal-worker --temporal HOST:PORT [--namespace N] [--task-queue Q]`` (hidden; to
  become ``fdl worker --temporal``): one worker process serving the workflow and the tool
  activities with the project's tools (the ``fdl.yaml`` found from the working folder);
  SIGTERM or Ctrl-C stops it gracefully (no new work, the activities in progress finish).
* `run_remote`: what ``fdl run FILE --on temporal`` does once the flow is compiled: start the
  run on the cluster and wait for its `runtime.RunResult` (the run id is the workflow id).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from temporalio.client import Client
from temporalio.service import RPCError

from compiler import ToolCatalog
from compiler.diagnostics import Reporter
from compiler.plan import Plan
from compiler.yamltree import load_yaml, to_plain
from fdl.project import open_tooling
from gml import Source
from runtime import RunResult
from runtime.temporal import flow_input, flow_worker, run_flow
from stdlib.config import ProjectConfig, TemporalConfig, project_config

from ._output import fail

__all__ = ["Target", "mock_document", "run_remote", "target_of", "temporal_worker_command"]

CONNECT_SECONDS = 10.0
"""How long connecting to the Temporal frontend may take before the command gives up."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where runs go: the frontend, the namespace and the task queue."""

    address: str
    namespace: str
    task_queue: str


def target_of(config: ProjectConfig, address: str | None, namespace: str | None,
              task_queue: str | None) -> Target:
    """The command line's choices, else ``temporal:`` of ``fdl.yaml``, else the defaults."""
    section = config.temporal or TemporalConfig.model_validate({})
    return Target(address or section.address, namespace or section.namespace,
                  task_queue or section.task_queue)


def mock_document(path: Path) -> Any:
    """The mock file as plain data, to travel with the run (`runtime.Mocks.load` has
    validated it already, so it is read here without reporting again)."""
    text = path.read_text(encoding="utf-8")
    tree = load_yaml(text, Reporter(str(path), Source(text)))
    return {} if tree is None else to_plain(tree)


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
               on_event: Callable[[dict[str, Any]], None] | None = None) -> RunResult:
    """Run ``plan`` on Temporal and wait for its end; ``on_event`` gets the run's events
    in order while it runs. The flows its ``flow://`` calls name are read from ``flows``
    (compiled with ``catalog``) and travel with the run."""

    async def main() -> RunResult:
        client = await _connect(target)
        data = flow_input(plan, inputs, tenant=tenant, bu=bu, mocks=mocks, timezone=timezone,
                          flows=flows, catalog=catalog)
        try:
            return await run_flow(client, data, task_queue=target.task_queue, run_id=run_id,
                                  on_event=on_event)
        except RPCError as error:
            fail(f"Temporal refused the run: {error.message}")

    return asyncio.run(main())


@click.command("temporal-worker", hidden=True)
@click.option("--temporal", "address", metavar="HOST:PORT",
              help="The Temporal frontend (default: temporal.address of fdl.yaml, else "
                   "127.0.0.1:7233).")
@click.option("--namespace", metavar="N", help="The namespace (default: default).")
@click.option("--task-queue", metavar="Q", help="The task queue to serve (default: fdl).")
@click.option("--tools", "tools_dir", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path),
              help="Folder of ToolSpec files (default: tools: in fdl.yaml).")
def temporal_worker_command(address: str | None, namespace: str | None,
                            task_queue: str | None, tools_dir: Path | None) -> None:
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
