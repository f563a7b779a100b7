"""Flows on Temporal: how a run's history and its result grow with a loop's iterations
(docs/scale-out.md, "Long runs"; issue #23's continue-as-new question).

Run from the project root::

    .venv/bin/python -m benchmarks.temporal_history_bench              # 10, 100, 1000
    .venv/bin/python -m benchmarks.temporal_history_bench --counts 10 100 --address 127.0.0.1:7233

Without ``--address`` it starts ``temporal server start-dev`` (`benchmarks.temporal_bench`).
Two flows, each a ``loop`` of N iterations: **mappings** (one mapping node an iteration)
and **tools** (one tool call an iteration, a tool that returns ``{ok: true}``). For each
run: the number of events in its history, the bytes of the history, and the bytes of the
workflow's result (`runtime.temporal.FlowOutput`, which carries the run's public events).
Measured, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from dataclasses import asdict
from typing import Any

from temporalio.client import Client

import fdl
from runtime.temporal import WORKFLOW_NAME, FlowOutput, flow_input, flow_worker
from stdlib.tools import Tools

from .temporal_bench import dev_server

QUEUE = "bench-history"

LOOP = """\
flow:
    name: {name}
    node:
        spin:
            vars: n = 0
            when: n < {count}
            node:
                step:
{body}
                    sets: n = n + 1
            with: n
"""

BODIES = {"mappings": "                    with: n",
          "tools": "                    exec: api://b/ok\n                    args: i = n"}


async def bench(address: str, counts: list[int]) -> list[tuple[str, int, int, int, int]]:
    client = await Client.connect(address)
    rows = []
    async with flow_worker(client, task_queue=QUEUE,
                           tools=Tools({"api://b/ok": lambda args: {"ok": True}})):
        for name, body in BODIES.items():
            for count in counts:
                plan = fdl.check_text(LOOP.format(name=name, count=count, body=body),
                                      f"{name}.yaml").plan
                assert plan is not None
                handle = await client.start_workflow(
                    WORKFLOW_NAME, flow_input(plan, max_iterations=count + 10),
                    id=uuid.uuid4().hex, task_queue=QUEUE, result_type=FlowOutput)
                out: FlowOutput = await handle.result()
                history = (await handle.fetch_history()).events
                size = sum(event.ByteSize() for event in history)
                result = len(json.dumps(asdict(out)).encode())
                rows.append((name, count, len(history), size, result))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--address", help="a running Temporal frontend (default: start one)")
    args = parser.parse_args()

    def run(address: str) -> Any:
        return asyncio.run(bench(address, args.counts))

    if args.address:
        rows = run(args.address)
    else:
        with dev_server() as address:
            rows = run(address)
    print("| loop | iterations | history events | history KiB | result KiB |")
    print("|---|---:|---:|---:|---:|")
    for name, count, events, size, result in rows:
        print(f"| {name} | {count} | {events} | {size / 1024:.1f} | {result / 1024:.1f} |")


if __name__ == "__main__":
    main()
