"""Runtime benchmark: per-node overhead of the runtime against bare trio doing the same work.

Run from the project root::

    .venv/bin/python -m benchmarks.runtime_bench              # full run
    .venv/bin/python -m benchmarks.runtime_bench --quick      # smaller flows, fewer repeats
    .venv/bin/python -m benchmarks.runtime_bench --markdown   # the table as Markdown

Shapes (compiled once; only running is timed):

* ``wide``: 2,000 independent tool nodes (all start nodes, so all run concurrently);
* ``chain``: 2,000 tool nodes, each ``next`` the following one;
* ``each``: one ``each`` over 10,000 items whose block is one tool node.

Every tool call is the same trivial async function (``await trio.lowlevel.checkpoint()`` then
return a small dict). The **baseline**, measured in the same run, is bare trio doing that
work with no flow around it: for ``wide`` one nursery starting 2,000 tasks that store their
results in a dict; for ``chain`` and ``each`` one task per call, started in a nursery and
awaited before the next one (what a sequence of calls costs in trio at minimum).

Modes: ``memory`` (no store: nothing journaled) and ``durable`` (the embedded SQLite store in
a temporary folder, every wave of events journaled in one transaction, as ``fdl run`` does by
default). ``µs/node`` is the median run time divided by the node count (iterations for
``each``); ``ratio`` divides it by the baseline's µs per call. Figures are measured, never
asserted: this module is not a test.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio
import trio.lowlevel

import fdl
from compiler.plan import Plan
from runtime import Runtime

WORK = "api://bench/work"


async def work(args: dict[str, Any]) -> dict[str, Any]:
    await trio.lowlevel.checkpoint()
    return {"ok": True}


def wide_flow(n: int) -> str:
    nodes = "\n".join(f"        n{i}:\n            exec: {WORK}" for i in range(n))
    return f"flow:\n    name: wide\n    node:\n{nodes}\n"


def chain_flow(n: int) -> str:
    lines = []
    for i in range(n):
        lines.append(f"        n{i}:\n            exec: {WORK}")
        if i + 1 < n:
            lines.append(f"            next: n{i + 1}")
    return "flow:\n    name: chain\n    node:\n" + "\n".join(lines) + "\n"


def each_flow() -> str:
    return f"""\
flow:
    name: each
    args:
        in:
            items: int[]
    node:
        proc:
            each: items => x
            node:
                step:
                    exec: {WORK}
"""


async def bare_wide(n: int) -> None:
    results: dict[int, Any] = {}

    async def one(i: int) -> None:
        results[i] = await work({})

    async with trio.open_nursery() as nursery:
        for i in range(n):
            nursery.start_soon(one, i)


async def bare_sequence(n: int) -> None:
    results: dict[int, Any] = {}

    async def one(i: int) -> None:
        results[i] = await work({})

    for i in range(n):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(one, i)


def timed(fn: Callable[[], Awaitable[Any]], repeats: int) -> float:
    """Median seconds of ``repeats`` trio runs of ``fn``."""
    times = []
    for _ in range(repeats):
        gc.collect()

        async def main() -> None:
            start = time.perf_counter()
            await fn()
            times.append(time.perf_counter() - start)

        trio.run(main)
    return statistics.median(times)


def run_plan(plan: Plan, inputs: dict[str, Any], store: str | None) -> Callable[[], Any]:
    async def go() -> None:
        async with Runtime(tools={WORK: work}, store=store, concurrency=100_000) as rt:
            result = await rt.run(plan, inputs)
        if result.status != "completed":
            raise RuntimeError(f"benchmark flow failed: {result.error}")
    return go


def measure(quick: bool) -> list[dict[str, Any]]:
    n = 400 if quick else 2000
    items = 2000 if quick else 10_000
    repeats = 3 if quick else 7
    shapes = [
        ("wide", fdl.check_text(wide_flow(n)).plan, {}, n, lambda: bare_wide(n)),
        ("chain", fdl.check_text(chain_flow(n)).plan, {}, n, lambda: bare_sequence(n)),
        ("each", fdl.check_text(each_flow()).plan, {"items": list(range(items))}, items,
         lambda: bare_sequence(items)),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, plan, inputs, count, bare in shapes:
            assert plan is not None
            baseline = timed(bare, repeats) / count * 1e6
            for mode in ("memory", "durable"):
                store = str(Path(folder) / f"{name}-{mode}.db") if mode == "durable" else None
                per_node = timed(run_plan(plan, inputs, store), repeats) / count * 1e6
                rows.append({"shape": name, "mode": mode, "nodes": count,
                             "us_per_node": per_node, "bare_us": baseline,
                             "ratio": per_node / baseline})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    options = parser.parse_args()
    rows = measure(options.quick)
    if options.markdown:
        print("| shape | mode | nodes | µs/node | bare trio µs/call | ratio |")
        print("|---|---|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['shape']} | {r['mode']} | {r['nodes']:,} | {r['us_per_node']:.1f} | "
                  f"{r['bare_us']:.1f} | {r['ratio']:.1f}x |")
        return
    for r in rows:
        print(f"{r['shape']:6} {r['mode']:8} {r['nodes']:>6} nodes  {r['us_per_node']:8.1f} "
              f"µs/node  bare {r['bare_us']:6.1f} µs  ratio {r['ratio']:5.1f}x")


if __name__ == "__main__":
    main()
