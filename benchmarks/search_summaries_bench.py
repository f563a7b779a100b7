"""One page of search results, in-process, one thread: `Registry.search` (20 full ToolSpecs,
each validated by pydantic) against `Registry.search_summaries` (what ``GET /v1/tools?q=``
answers, read with ``json_extract``), alternating, and `Registry.search_count` (the page's
``total``).

    python -m benchmarks.search_summaries_bench            # 3 rounds x 200 searches each
    python -m benchmarks.search_summaries_bench --quick    # 1 round x 50

The registry file holds the 1,000 tools of `benchmarks.service_bench`; every search is a
distinct query (``customer records x<n>``, matching every tool: all their descriptions say
``records``). Printed per call: median and p95 wall-clock time, and CPU time of this thread
per call (SQLite's included).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stdlib.registry import Registry, ToolSpec

from .registry_readers_bench import _spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    each, rounds = (50, 1) if options.quick else (200, 3)
    numbers = iter(range(10**9))
    with tempfile.TemporaryDirectory() as folder, Registry(Path(folder) / "r.db") as registry:
        registry.register_many([ToolSpec.model_validate(_spec(i)) for i in range(1000)],
                               tenant="bench")
        calls: list[tuple[str, Callable[..., Any]]] = [
            ("search", registry.search), ("search_summaries", registry.search_summaries),
            ("search_count", registry.search_count)]
        for n in range(rounds):
            for name, call in calls:
                times = []
                cpu = time.thread_time()
                for _ in range(each):
                    started = time.perf_counter()
                    call(f"customer records x{next(numbers)}", tenant="bench")
                    times.append(time.perf_counter() - started)
                cpu = time.thread_time() - cpu
                p95 = statistics.quantiles(times, n=20)[-1] * 1000
                print(f"round {n + 1}, {name}: median {statistics.median(times) * 1000:.2f} ms, "
                      f"p95 {p95:.2f} ms, CPU {cpu / each * 1000:.2f} ms per call")


if __name__ == "__main__":
    main()
