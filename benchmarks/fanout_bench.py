"""Issue #18's tool-node case: a 1,000-node fan-out (and chain) in memory against bare trio,
the runtime and its floor run alternately in one process so that both see the same load.

Run from the project root::

    .venv/bin/python -m benchmarks.fanout_bench                # 1,000 nodes, 15 rounds
    .venv/bin/python -m benchmarks.fanout_bench --nodes 2000 --rounds 7

Each round runs bare trio's nursery of N tasks (``runtime_bench.bare_wide``), one task per call
in turn (``bare_sequence``), then the ``wide`` and ``chain`` flows of `benchmarks.runtime_bench`
(one fresh `trio.run` each). Prints the best and median µs per node and the ratios of the
medians (and of the bests). Measured, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

import trio

import fdl
from benchmarks.runtime_bench import bare_sequence, bare_wide, chain_flow, run_plan, wide_flow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    options = parser.parse_args()
    n = options.nodes
    plans = {"wide": fdl.check_text(wide_flow(n)).plan,
             "chain": fdl.check_text(chain_flow(n)).plan}
    taken: dict[str, list[float]] = {}

    def timed(key: str, fn: Callable[[], Awaitable[Any]]) -> None:
        gc.collect()

        async def main() -> None:
            start = time.perf_counter()
            await fn()
            taken.setdefault(key, []).append((time.perf_counter() - start) / n * 1e6)

        trio.run(main)

    for _ in range(options.rounds):
        timed("bare wide", lambda: bare_wide(n))
        timed("bare sequence", lambda: bare_sequence(n))
        for name, plan in plans.items():
            assert plan is not None
            timed(name, run_plan(plan, {}, None))
    best = {k: min(v) for k, v in taken.items()}
    median = {k: sorted(v)[len(v) // 2] for k, v in taken.items()}
    print("| case | best µs/node | median µs/node |")
    print("|---|---:|---:|")
    for key in taken:
        print(f"| {key} | {best[key]:.1f} | {median[key]:.1f} |")
    print(f"\nwide / bare wide: median {median['wide'] / median['bare wide']:.2f}x, "
          f"best {best['wide'] / best['bare wide']:.2f}x; chain / bare sequence: median "
          f"{median['chain'] / median['bare sequence']:.2f}x, "
          f"best {best['chain'] / best['bare sequence']:.2f}x")


if __name__ == "__main__":
    main()
