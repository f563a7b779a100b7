"""Memory of a long ``each`` (issue #17: an ``each`` over 1,000,000 items took 3.9 GB).

Run from the project root::

    .venv/bin/python -m benchmarks.each_memory_bench                    # 100,000 items
    .venv/bin/python -m benchmarks.each_memory_bench --items 1000000 --store memory
    .venv/bin/python -m benchmarks.each_memory_bench --items 100000 --store sqlite

One ``each`` over N integers whose block is one mapping node (a trivial body: no tool call),
in a fresh process per configuration. Reported per store (``memory``: no store; ``sqlite``:
a fresh SQLite file): the peak of traced Python memory during the run (tracemalloc), what is
still traced just before the run returns (the state the run holds at its end), and the peak
RSS of the process (``resource.getrusage``), each also per iteration. The items list itself
(the input) is built before tracing starts, so its bytes are not counted. Figures are
measured, never asserted: this module is not a test.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import trio

import fdl
from runtime import Runtime

EACH = """\
flow:
    name: each
    args:
        in:
            items: any
    node:
        loop:
            each: items => item
            node:
                step:
                    with: item + 1
"""


def measure(items: int, store: str, trace: bool, keep: bool) -> dict[str, Any]:
    """One run in this process: the figures of one configuration."""
    plan = fdl.load_text(EACH, "each.fdl.yaml")
    data = list(range(items))
    spec: str | None = None
    folder = tempfile.TemporaryDirectory()
    if store == "sqlite":
        spec = str(Path(folder.name) / "runs.db")
    gc.collect()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if trace:
        tracemalloc.start()
    began = time.perf_counter()

    async def go() -> Any:
        async with Runtime(store=spec, keep_events=keep) as rt:
            return await rt.run(plan, {"items": data})

    result = trio.run(go)
    seconds = time.perf_counter() - began
    held = peak = 0
    if trace:
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    stored = sum(f.stat().st_size for f in Path(folder.name).iterdir()) if spec else 0
    if result.status != "completed":
        raise RuntimeError(f"benchmark flow failed: {result.error}")
    del result
    folder.cleanup()
    return {"items": items, "store": store, "keep": keep, "seconds": seconds, "traced_peak": peak,
            "traced_end": held, "rss_peak": rss, "rss_base": base_rss,
            "stored": stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--items", type=int, nargs="*", default=[100_000])
    parser.add_argument("--store", nargs="*", default=["memory", "sqlite"],
                        choices=["memory", "sqlite"])
    parser.add_argument("--no-trace", action="store_true",
                        help="RSS only (tracemalloc slows the run about 2x)")
    parser.add_argument("--keep-events", nargs="*", default=["yes", "no"],
                        choices=["yes", "no"], help="Runtime(keep_events=...) values")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.items[0], args.store[0], not args.no_trace,
                                 args.keep_events[0] == "yes")))
        return
    print("| store | keep_events | items | s | traced peak MB | B/iter | held at end MB | B/iter "
          "| peak RSS MB | RSS growth B/iter | store B/iter |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    configs = [(s, k, n) for s in args.store for k in args.keep_events for n in args.items]
    for store, keep, items in configs:
        command = [sys.executable, "-m", "benchmarks.each_memory_bench", "--child",
                   "--items", str(items), "--store", store, "--keep-events", keep]
        if args.no_trace:
            command.append("--no-trace")
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        n = r["items"]
        print(f"| {store} | {keep} | {n:,} | {r['seconds']:.1f} "
              f"| {r['traced_peak'] / 1e6:.1f} | {r['traced_peak'] / n:.0f} "
              f"| {r['traced_end'] / 1e6:.1f} | {r['traced_end'] / n:.0f} "
              f"| {r['rss_peak'] / 1e6:.0f} | {(r['rss_peak'] - r['rss_base']) / n:.0f} "
              f"| {r['stored'] / n:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
