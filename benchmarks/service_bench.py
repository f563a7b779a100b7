"""``fdl serve`` benchmark over loopback (issue #20's targets):

* with 8 concurrent clients, the p95 latency of a registry search (``GET /v1/tools?q=``)
  within 3x of ``GET /healthz`` measured in the same run, and under 50 ms. The service
  keeps answers while the registry does not change, so the same query repeated is answered
  from memory; the search is measured a second time with a distinct query on every request
  (the same words plus a word no tool has: ``customer records x17``), which the cache
  never answers;
* a run of a 10-node mapping flow through ``POST /v1/runs`` with ``wait``, against the same
  run through ``fdl.run`` (median of each; the target is within 2 ms);
* 1,000 tool registrations through ``POST /v1/tools`` (one client, one after another) in
  under 10 s.

    python -m benchmarks.service_bench            # 8 clients x 100 requests each
    python -m benchmarks.service_bench --quick    # 8 clients x 25, 200 registrations

The server is ``fdl serve`` in a child process, on a project in a temporary folder; the
clients are httpx clients in threads of this process. ``fdl.run`` journals to a run store
file as the service does. Times are wall-clock.
"""

from __future__ import annotations

import argparse
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

import fdl
from fdl.service import ServiceDatabase
from stdlib.config import project_config

_NODES = "".join(
    f"        n{i}:\n            with: \"{{v: {'x' if i == 0 else f'n{i - 1}.v'} + 1}}\"\n"
    + (f"            next: n{i + 1}\n" if i < 9 else "") for i in range(10))
FLOW = ("flow:\n    name: Mapping\n    args:\n        in:\n            x: int\n    node:\n"
        + _NODES)
"""Ten ``with`` nodes in a row, each adding one to the previous node's ``v``."""


class _Server:
    """``fdl serve`` in a child process (the clients' threads do not share its GIL)."""

    def __init__(self, project: Path) -> None:
        self.project = project
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _Server:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from fdl.cli import main; main()", "serve", "--port",
             str(self.port), "--project", str(self.project)],
            stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz").status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("fdl serve did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)


def _spec(i: int) -> dict[str, Any]:
    return {"type": "api", "code": f"svc-{i % 17}/tool{i}",
            "desp": f"fetch the {['customer', 'order', 'invoice', 'ticket'][i % 4]} records",
            "tags": [f"tag{i % 5}"], "args": {"in": {"id": "string", "page": "int?"}},
            "config": {"method": "GET", "path": "/things/{id}"}}


def _concurrent(url: str, key: str, path: str, clients: int, each: int) -> list[float]:
    """Latencies of ``clients`` clients each getting ``path`` ``each`` times; ``{n}`` in
    ``path`` is a number no other request of the run uses."""
    times: list[float] = []
    lock = threading.Lock()
    numbers = iter(range(10**9))

    def worker() -> None:
        mine = []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
            client.get("/healthz")  # connect outside the timing
            for _ in range(each):
                with lock:
                    target = path.replace("{n}", str(next(numbers)))
                started = time.perf_counter()
                answer = client.get(target)
                mine.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    each, registrations, runs = (25, 200, 20) if options.quick else (100, 1000, 50)
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "fdl.yaml").write_text("service:\n    rate_limit: 100000/second\n")
        db = ServiceDatabase(project_config(project).service_path)
        _key, key = db.create_key("bench")
        db.close()
        with _Server(project) as server, httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {key}"},
                timeout=60) as client:
            started = time.perf_counter()
            for i in range(registrations):
                assert client.post("/v1/tools", json=_spec(i)).status_code == 201
            register_s = time.perf_counter() - started
            health = _concurrent(server.url, key, "/healthz", 8, each)
            search = _concurrent(server.url, key, "/v1/tools?q=customer+records&limit=20",
                                 8, each)
            fresh = _concurrent(server.url, key,
                                "/v1/tools?q=customer+records+x{n}&limit=20", 8, each)
            assert client.put("/v1/flows/mapping", content=FLOW).status_code == 201
            http_runs = []
            for _ in range(runs):
                t0 = time.perf_counter()
                answer = client.post("/v1/runs", json={"flow": "mapping", "input": {"x": 1},
                                                       "wait": 10})
                http_runs.append(time.perf_counter() - t0)
                assert answer.json()["output"] == {"v": 11}, answer.text
        plan = fdl.load_text(FLOW)
        direct = []
        store = str(project / "direct-runs.db")
        for _ in range(runs):
            t0 = time.perf_counter()
            assert fdl.run(plan, {"x": 1}, store=store).output == {"v": 11}
            direct.append(time.perf_counter() - t0)
    print(f"{registrations} registrations through POST /v1/tools: {register_s:.2f} s "
          f"({register_s / registrations * 1000:.2f} ms each)")
    print(f"8 clients x {each}: /healthz p95 {_p95(health):.2f} ms "
          f"(median {statistics.median(health) * 1000:.2f}); search p95 {_p95(search):.2f} ms "
          f"(median {statistics.median(search) * 1000:.2f}); ratio "
          f"{_p95(search) / _p95(health):.2f}; distinct queries p95 {_p95(fresh):.2f} ms "
          f"(median {statistics.median(fresh) * 1000:.2f}); ratio "
          f"{_p95(fresh) / _p95(health):.2f}")
    bare = []
    for _ in range(runs):
        t0 = time.perf_counter()
        assert fdl.run(plan, {"x": 1}).output == {"v": 11}
        bare.append(time.perf_counter() - t0)
    print(f"10-node mapping flow, median of {runs}: POST /v1/runs wait "
          f"{statistics.median(http_runs) * 1000:.2f} ms, fdl.run with a store file "
          f"{statistics.median(direct) * 1000:.2f} ms, fdl.run without a store "
          f"{statistics.median(bare) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
