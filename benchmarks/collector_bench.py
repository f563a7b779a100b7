"""The collector kept off the plan during runs (issue #18): the runtime benchmark's ``wide``
and ``chain`` flows run in memory with `runtime._collector.Freezer` as shipped and with it
replaced by a no-op, interleaved in one process so that both see the same machine load.

Run from the project root::

    .venv/bin/python -m benchmarks.collector_bench            # 7 rounds of 2,000 nodes
    .venv/bin/python -m benchmarks.collector_bench --rounds 3

Prints, per flow and variant, the best and the median µs per node over the rounds, and bare
trio's wide baseline (``benchmarks.runtime_bench.bare_wide``). Measured, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import trio

import fdl
from benchmarks.runtime_bench import bare_wide, chain_flow, run_plan, wide_flow
from runtime import _collector


@contextlib.contextmanager
def _unheld(self: _collector.Freezer) -> Iterator[None]:
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--nodes", type=int, default=2000)
    options = parser.parse_args()
    n = options.nodes
    plans = {"wide": fdl.check_text(wide_flow(n)).plan, "chain": fdl.check_text(chain_flow(n)).plan}
    shipped = _collector.Freezer.held
    taken: dict[tuple[str, str], list[float]] = {}

    def timed(key: tuple[str, str], work: Any) -> None:
        async def main() -> None:
            start = time.perf_counter()
            await work()
            taken.setdefault(key, []).append(time.perf_counter() - start)
        trio.run(main)

    try:
        for _ in range(options.rounds):
            for name, plan in plans.items():
                assert plan is not None
                for variant, held in (("frozen", shipped), ("not frozen", _unheld)):
                    _collector.Freezer.held = held  # type: ignore[method-assign]
                    timed((name, variant), run_plan(plan, {}, None))
            timed(("wide", "bare trio"), lambda: bare_wide(n))
    finally:
        _collector.Freezer.held = shipped  # type: ignore[method-assign]
    print("| flow | variant | best µs/node | median µs/node |")
    print("|---|---|---:|---:|")
    for (name, variant), values in sorted(taken.items()):
        values.sort()
        print(f"| {name} | {variant} | {values[0] / n * 1e6:.1f} | "
              f"{values[len(values) // 2] / n * 1e6:.1f} |")


if __name__ == "__main__":
    main()
