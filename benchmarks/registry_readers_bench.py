"""Concurrent searches of one registry file, in-process: the registry's read-only connections
per reading thread (``readers``, the default) against one shared connection (``readers=0``,
what every read did before), in the same process, alternating.

    python -m benchmarks.registry_readers_bench              # 8 threads x 50 searches, 3 rounds
    python -m benchmarks.registry_readers_bench --quick      # 8 threads x 15, 1 round

The registry holds the 1,000 tools of `benchmarks.service_bench` (250 share the words
``customer records``); every search is a distinct query (``customer records x<n>``), as the
service's uncached searches are. Printed per mode: wall-clock time of all searches, searches
per second, p95 and median latency of one search, and the process's CPU time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from stdlib.registry import Registry, ToolSpec


def _spec(i: int) -> dict[str, object]:
    """The ``i``-th tool of `benchmarks.service_bench`."""
    return {"type": "api", "code": f"svc-{i % 17}/tool{i}",
            "desp": f"fetch the {['customer', 'order', 'invoice', 'ticket'][i % 4]} records",
            "tags": [f"tag{i % 5}"], "args": {"in": {"id": "string", "page": "int?"}},
            "config": {"method": "GET", "path": "/things/{id}"}}


def _round(registry: Registry, threads: int, each: int) -> tuple[float, list[float]]:
    times: list[float] = []
    lock = threading.Lock()
    numbers = iter(range(10**9))
    start = threading.Barrier(threads + 1)

    def worker() -> None:
        mine = []
        start.wait()
        for _ in range(each):
            with lock:
                n = next(numbers)
            t0 = time.perf_counter()
            registry.search(f"customer records x{n}", tenant="bench", limit=20)
            mine.append(time.perf_counter() - t0)
        with lock:
            times.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    t0 = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - t0, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args()
    each, rounds = (15, 1) if options.quick else (50, 3)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry.db"
        with Registry(path) as registry:
            registry.register_many([ToolSpec.model_validate(_spec(i)) for i in range(1000)])
        for n in range(rounds):
            for mode, readers in (("one shared connection", 0), ("readers", 8)):
                registry = Registry(path, readers=readers)
                registry.search("customer records", limit=20)  # warm the caches
                cpu = time.process_time()
                wall, times = _round(registry, options.threads, each)
                cpu = time.process_time() - cpu
                registry.close()
                count = len(times)
                p95 = statistics.quantiles(times, n=20)[-1] * 1000
                print(f"round {n + 1}, {mode}: {count} searches by {options.threads} threads "
                      f"in {wall:.2f} s ({count / wall:.0f}/s); one search p95 {p95:.1f} ms, "
                      f"median {statistics.median(times) * 1000:.1f} ms; CPU {cpu:.2f} s")


if __name__ == "__main__":
    main()
