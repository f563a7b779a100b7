"""Server CPU per request of ``fdl serve``, one client, requests one after another: the
health check, a search answered from the service's cache, and a search with a new query
each time (`benchmarks.service_bench`'s project and 1,000 tools), then the registry's part
of a new search in this process (`Registry.search_summaries` and `Registry.search_count`
on the same file, with `Registry.data_version`, as ``GET /v1/tools`` does them).

    python -m benchmarks.service_cpu_bench            # 300 requests of each kind
    python -m benchmarks.service_cpu_bench --quick    # 50

The server's CPU time (user + system, from ``/proc/<pid>/stat``, Linux only) divided by the
requests is what one request costs the server, whatever else the machine is doing; the
wall-clock median is printed as well.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from fdl.service import ServiceDatabase
from stdlib.config import project_config
from stdlib.registry import Registry

from .service_bench import _Server, _spec


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    each = 50 if parser.parse_args().quick else 300
    numbers = iter(range(10**9))
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "fdl.yaml").write_text("service:\n    rate_limit: 100000/second\n")
        db = ServiceDatabase(project_config(project).service_path)
        _key, key = db.create_key("bench")
        db.close()
        with _Server(project) as server, httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {key}"},
                timeout=60) as client:
            for i in range(1000):
                assert client.post("/v1/tools", json=_spec(i)).status_code == 201
            assert server.process is not None
            pid = server.process.pid
            for name, path in [("/healthz", "/healthz"),
                               ("search, cached", "/v1/tools?q=customer+records&limit=20"),
                               ("search, new query", "/v1/tools?q=customer+records+x{n}"
                                "&limit=20")]:
                times = []
                cpu = _cpu(pid)
                for _ in range(each):
                    target = path.replace("{n}", str(next(numbers)))
                    started = time.perf_counter()
                    assert client.get(target).status_code == 200
                    times.append(time.perf_counter() - started)
                cpu = _cpu(pid) - cpu
                print(f"{name}: median {statistics.median(times) * 1000:.2f} ms, server CPU "
                      f"{cpu / each * 1000:.2f} ms per request")
        with Registry(project_config(project).registry_path) as registry:
            # search on a tree before search_summaries (to run this file there for a before)
            search = getattr(registry, "search_summaries", registry.search)
            cpu = time.thread_time()
            for _ in range(each):
                query = f"customer records x{next(numbers)}"
                registry.data_version()
                search(query, tenant="bench", limit=20)
                registry.search_count(query, tenant="bench")
            cpu = time.thread_time() - cpu
            print(f"in-process registry part of a new search: CPU {cpu / each * 1000:.2f} ms")


if __name__ == "__main__":
    main()
