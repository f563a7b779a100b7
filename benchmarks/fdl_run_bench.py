"""``fdl.run`` benchmark: one small flow run to its end per call, as a script would.

Run from the project root::

    .venv/bin/python -m benchmarks.fdl_run_bench            # 300 runs per case
    .venv/bin/python -m benchmarks.fdl_run_bench --runs 50  # rougher, faster

The flow is a chain of 10 tool nodes (each ``next`` the following one), every call the same
trivial async function (``await trio.lowlevel.checkpoint()`` then return a small dict). Each
case is one whole synchronous call, event loop included, and is timed ``--runs`` times; the
table shows the best (least disturbed by other load) and the median, in milliseconds:

* ``bare trio``: ``trio.run`` of a function that starts 10 tasks one after the other in a
  nursery and awaits each (the floor);
* ``memory``: ``fdl.run(plan, tools=...)`` (no store);
* ``durable``: ``fdl.run(plan, tools=..., store=PATH)``, a file in a temporary folder; since
  issue #18 the file is opened on the first run and reused by the later ones;
* ``run_async memory`` / ``run_async durable``: the same two through ``await fdl.run_async``
  inside one asyncio loop (a trio loop on a worker thread per run, as a service does), each
  timed around the ``await``; since issue #18 its store too is opened once per path.

Ratios divide the best times: ``memory`` by ``bare trio``, ``durable`` by ``memory`` (and
``run_async durable`` by ``run_async memory``). Figures are measured, never asserted: this
module is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio
import trio.lowlevel

import fdl

WORK = "api://bench/work"


async def work(args: dict[str, Any]) -> dict[str, Any]:
    await trio.lowlevel.checkpoint()
    return {"ok": True}


def chain(n: int) -> str:
    nodes = []
    for i in range(n):
        nodes.append(f"        n{i}:\n            exec: {WORK}"
                     + (f"\n            next: n{i + 1}" if i + 1 < n else ""))
    return "flow:\n    name: chain\n    node:\n" + "\n".join(nodes) + "\n"


async def bare(n: int) -> None:
    results: dict[int, Any] = {}

    async def one(i: int) -> None:
        results[i] = await work({})

    for i in range(n):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(one, i)


def times(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Best and median milliseconds of ``runs`` calls of ``fn``."""
    taken = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        taken.append(time.perf_counter() - start)
    taken.sort()
    return taken[0] * 1e3, taken[len(taken) // 2] * 1e3


def async_times(plan: Any, tools: dict[str, Any], store: str | None, runs: int
                ) -> tuple[float, float]:
    """Best and median milliseconds of ``runs`` awaits of ``fdl.run_async`` in one loop."""
    taken: list[float] = []
    options: dict[str, Any] = {"tools": tools} if store is None else {"tools": tools,
                                                                      "store": store}

    async def loop() -> None:
        for _ in range(runs):
            start = time.perf_counter()
            result = await fdl.run_async(plan, **options)
            taken.append(time.perf_counter() - start)
            if not result.ok:
                raise RuntimeError(f"benchmark flow failed: {result.error}")

    asyncio.run(loop())
    taken.sort()
    return taken[0] * 1e3, taken[len(taken) // 2] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--nodes", type=int, default=10)
    options = parser.parse_args()
    plan = fdl.check_text(chain(options.nodes)).plan
    assert plan is not None
    tools = {WORK: work}
    with tempfile.TemporaryDirectory() as folder:
        store = str(Path(folder) / "runs.db")
        floor = times(lambda: trio.run(bare, options.nodes), options.runs)
        memory = times(lambda: fdl.run(plan, tools=tools), options.runs)
        durable = times(lambda: fdl.run(plan, tools=tools, store=store), options.runs)
        amemory = async_times(plan, tools, None, options.runs)
        adurable = async_times(plan, tools, str(Path(folder) / "async.db"), options.runs)
    print("| case | best ms | median ms | ratio (best) |")
    print("|---|---:|---:|---:|")
    print(f"| bare trio | {floor[0]:.3f} | {floor[1]:.3f} | |")
    print(f"| fdl.run, memory | {memory[0]:.3f} | {memory[1]:.3f} | "
          f"{memory[0] / floor[0]:.2f}x bare trio |")
    print(f"| fdl.run, durable | {durable[0]:.3f} | {durable[1]:.3f} | "
          f"{durable[0] / memory[0]:.2f}x memory |")
    print(f"| run_async, memory | {amemory[0]:.3f} | {amemory[1]:.3f} | "
          f"{amemory[0] / floor[0]:.2f}x bare trio |")
    print(f"| run_async, durable | {adurable[0]:.3f} | {adurable[1]:.3f} | "
          f"{adurable[0] / amemory[0]:.2f}x run_async memory |")


if __name__ == "__main__":
    main()
