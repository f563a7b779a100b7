"""Process tools benchmark: what one ``py://`` or ``shell://`` call costs (tools.md §6).

Run from the project root::

    .venv/bin/python -m benchmarks.process_bench            # 40 calls per case
    .venv/bin/python -m benchmarks.process_bench --calls 10 # rough figures

Every call starts a fresh confined process (`stdlib.tools.process`), so the cost of a call is
mostly the cost of starting one. Cases, one call after another, in turn per round:

* ``py://add``: a function returning ``a + b`` (`ProcessTools`, default limits): with
  ``warm: false`` (the call starts its process), warm back to back (the next call's process
  starts during this one), and warm with 500 ms between calls (a flow doing other work: the
  next process is ready when the call comes; only the call is timed);
* ``shell://true``: ``/bin/true`` (the sandbox script starts, confines itself, then execs);
* baseline ``python -I -B -c pass``: the bare interpreter started by `trio.run_process`,
  the floor of any tool in a new Python process;
* baseline ``/bin/true`` by `trio.run_process`: the floor of starting any process.

Figures are medians (and p90) in ms over ``--calls`` calls per case. Measured, never asserted:
this module is not a test.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import trio

from stdlib.tools import ToolCall
from stdlib.tools.process import ProcessTools

FUNCTION = "def add(a, b):\n    return a + b\n"
PAUSE = 0.5
"""Seconds between calls in the case where a flow does other work between them."""


async def _timed(fn: Callable[[], Awaitable[object]], calls: int, pause: float = 0.0
                 ) -> list[float]:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - start) * 1000)
        if pause:
            await trio.sleep(pause)
    return times


async def main(calls: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "add.py").write_text(FUNCTION, encoding="utf-8")
        tools = ProcessTools([("py", "add", {"path": "add.py", "function": "add"}, ["a", "b"]),
                              ("py", "cold", {"path": "add.py", "function": "add",
                                              "warm": False}, ["a", "b"]),
                              ("shell", "true", {"command": ["/bin/true"]}, [])], base)
        py = tools.resolve("py://add")
        cold = tools.resolve("py://cold")
        true = tools.resolve("shell://true")
        assert py is not None and cold is not None and true is not None
        add_call = ToolCall(uri="py://add", base="py://add", type="py", code="add",
                            args={"a": 1, "b": 2})
        true_call = ToolCall(uri="shell://true", base="shell://true", type="shell",
                             code="true", args={})
        assert await py.call(add_call) == 3
        cases: dict[str, tuple[Callable[[], Awaitable[object]], float]] = {
            "py://add, warm: false (the process started by the call)": (
                lambda: cold.call(add_call), 0.0),
            "py://add, warm, back to back": (lambda: py.call(add_call), 0.0),
            f"py://add, warm, {PAUSE * 1000:.0f} ms between calls": (
                lambda: py.call(add_call), PAUSE),
            "shell://true (a confined process per call)": (lambda: true.call(true_call), 0.0),
            "baseline: python -I -B -c pass": (lambda: trio.run_process(
                [sys.executable, "-I", "-B", "-c", "pass"]), 0.0),
            "baseline: /bin/true": (lambda: trio.run_process(["/bin/true"]), 0.0),
        }
        results: dict[str, list[float]] = {name: [] for name in cases}
        rounds = 4
        for _ in range(rounds):
            for name, (fn, pause) in cases.items():
                results[name] += await _timed(fn, max(1, calls // rounds), pause)
        await tools.aclose()
    print(f"machine: {platform.platform()}, CPython {platform.python_version()}")
    print("| case | calls | median ms | p90 ms |")
    print("|---|---:|---:|---:|")
    for name, times in results.items():
        times.sort()
        p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
        print(f"| {name} | {len(times)} | {statistics.median(times):.1f} | {p90:.1f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=40)
    trio.run(main, parser.parse_args().calls)
