"""Workers killed with SIGKILL mid-run, during a tool call inside an ``each`` and then
during a ``wait``: the next worker finishes the run, the tool calls that had completed are
not made again, and the call in flight is retried per its retry policy (calls counted on a
local HTTP server)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import textwrap
import threading
import time
import uuid
from pathlib import Path

from temporalio.client import Client

from runtime.temporal import WORKFLOW_NAME, FlowOutput, flow_input, run_result
from tests._http import JsonHandler, LocalServer, serving

from ._engines import plan_of
from ._server import worker_argv

SLOW_SECONDS = 20.0
"""How long the first call of 'i2' hangs (the worker is killed long before)."""


class _Steps(JsonHandler):
    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        with self.server.lock:
            count = self.server.counters[name] = self.server.counters.get(name, 0) + 1
        if name == "i2" and count == 1:
            time.sleep(SLOW_SECONDS)
        self.reply(200, {"name": name, "count": count})


FLOW = """\
    flow:
        name: crash
        node:
            a:
                exec: api://svc/step
                args: name = 'a'
                next: b
            b:
                exec: api://svc/step
                args: name = 'b'
                next: proc
            proc:
                each: '[1, 2, 3] => x'
                vars: counts = []
                node:
                    s:
                        exec: api://svc/step?timeout=2000&max-attempts=3&backoff=100
                        args: name = 'i' + x
                        sets: counts = counts.add(s.count)
                with: counts
                next: pause
            pause:
                wait: '3s'
                next: c
            c:
                exec: api://svc/step
                args: name = 'c'
                with: "{a: a.count, b: b.count, each: proc, c: c.count}"
"""

SPEC = """\
    type: api
    code: svc/step
    args:
        in:
            name: string
    config:
        method: GET
        path: /step/{name}
"""


def _worker(folder: Path, address: str, queue: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(worker_argv(address, queue), cwd=folder, text=True,
                               stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "worker on" in line, line
    threading.Thread(target=process.stderr.read, daemon=True).start()  # drain
    return process


def _wait_for(server: LocalServer, name: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with server.lock:
            if server.counters.get(name, 0) >= count:
                return
        time.sleep(0.02)
    raise AssertionError(f"'{name}' was not called {count} time(s): {server.counters}")


def test_a_killed_worker_s_run_is_finished_by_another_without_repeating_calls(
        tmp_path: Path, temporal_address: str) -> None:
    queue = f"fdl-crash-{uuid.uuid4().hex[:8]}"
    with serving(_Steps) as server:
        (tmp_path / "fdl.yaml").write_text(textwrap.dedent(f"""\
            tools: tools/
            services:
                svc: {{url: '{server.url}'}}
        """), encoding="utf-8")
        (tmp_path / "tools").mkdir()
        (tmp_path / "tools" / "step.yaml").write_text(textwrap.dedent(SPEC), encoding="utf-8")
        plan = plan_of(FLOW)
        run_id = uuid.uuid4().hex

        async def start() -> None:
            client = await Client.connect(temporal_address)
            await client.start_workflow(WORKFLOW_NAME, flow_input(plan), id=run_id,
                                        task_queue=queue, result_type=FlowOutput)

        async def result() -> FlowOutput:
            client = await Client.connect(temporal_address)
            handle = client.get_workflow_handle(run_id, result_type=FlowOutput)
            return await asyncio.wait_for(handle.result(), 120)

        async def waiting() -> None:  # until the run sleeps in 'pause'
            client = await Client.connect(temporal_address)
            handle = client.get_workflow_handle(run_id)
            for _ in range(1200):
                events = await handle.query("progress", result_type=list)
                if any(e["type"] == "node.started" and e["node"] == "pause" for e in events):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the run never reached 'pause'")

        workers = [_worker(tmp_path, temporal_address, queue)]
        try:
            asyncio.run(start())
            _wait_for(server, "i2", 1)      # proc[1]/s is in flight on the first worker
            _kill(workers[-1])
            workers.append(_worker(tmp_path, temporal_address, queue))
            asyncio.run(waiting())          # the second worker went on to the wait
            _kill(workers[-1])
            workers.append(_worker(tmp_path, temporal_address, queue))
            out = asyncio.run(result())
        finally:
            for process in workers:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        result = run_result(run_id, out)
        assert result.status == "completed", result.error
        assert result.output == {"a": 1, "b": 1, "each": [1, 2, 1], "c": 1}
        assert server.counters == {"a": 1, "b": 1, "i1": 1, "i2": 2, "i3": 1, "c": 1}


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)
