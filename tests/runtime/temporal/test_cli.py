"""``fdl run FILE --on temporal`` prints what a local run prints, and the hidden
``fdl worker --temporal`` serves runs with the project's tools and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from temporalio.client import Client

from fdl.cli import main
from runtime.temporal import WORKFLOW_NAME, flow_input

from ._engines import plan_of
from ._server import free_port, worker_argv
from .conftest import TASK_QUEUE, WorkerThread

FLOW = """\
    flow:
        name: greet
        args:
            in:
                name: string
        node:
            user:
                exec: api://crm/user
                args: name = name
                next: pause
            pause:
                wait: '200ms'
                next: check
            check:
                when: user.vip
                then: vip
                else: plain
            vip:
                with: "{text: 'Dear ' + user.name}"
            plain:
                with: "{text: 'Hi ' + user.name}"
"""

MOCKS = """\
    mocks:
        api://crm/user:
            expr: "{name: args.name, vip: args.name == 'Ann'}"
"""

FAILING = """\
    mocks:
        api://crm/user:
            error: {code: '0401', message: denied, type: auth}
"""


def project(tmp_path: Path, mocks: str = MOCKS) -> tuple[Path, Path]:
    (tmp_path / "fdl.yaml").write_text("flows: flows/\n", encoding="utf-8")
    flow = tmp_path / "greet.yaml"
    flow.write_text(textwrap.dedent(FLOW), encoding="utf-8")
    mock = tmp_path / "mocks.yaml"
    mock.write_text(textwrap.dedent(mocks), encoding="utf-8")
    return flow, mock


def fdl(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def without_run_id(text: str) -> dict[str, object]:
    data = json.loads(text)
    assert isinstance(data, dict) and len(str(data.pop("run_id"))) == 32
    return data


@pytest.mark.parametrize(("name", "mocks"), [("Ann", MOCKS), ("Bob", MOCKS), ("Ann", FAILING)],
                         ids=["then", "else", "the tool fails"])
def test_run_on_temporal_prints_what_a_local_run_prints(
        tmp_path: Path, name: str, mocks: str, temporal_address: str,
        temporal_worker: WorkerThread) -> None:
    flow, mock = project(tmp_path, mocks)
    common = [str(flow), "--set", f"name={name}", "--mock", str(mock)]
    local = fdl("run", *common, "--no-store", "--json")
    remote = fdl("run", *common, "--on", "temporal", "--temporal", temporal_address,
                 "--task-queue", TASK_QUEUE, "--json")
    assert remote.exit_code == local.exit_code
    assert without_run_id(remote.stdout) == without_run_id(local.stdout)
    # Without --json: the output on stdout, the same last line on stderr (but the id).
    local = fdl("run", *common, "--no-store")
    remote = fdl("run", *common, "--on", "temporal", "--temporal", temporal_address,
                 "--task-queue", TASK_QUEUE)
    assert remote.stdout == local.stdout
    assert remote.exit_code == local.exit_code
    assert progress(remote.stderr) == progress(local.stderr)


def progress(stderr: str) -> list[str]:
    """The node lines of the progress on stderr, without their timings."""
    return sorted(" ".join(line.split()[:2]) for line in stderr.splitlines()
                  if line.startswith(("completed ", "failed ", "skipped ")))


def test_run_on_temporal_without_a_server_says_what_to_do(tmp_path: Path) -> None:
    flow, mock = project(tmp_path)
    result = fdl("run", str(flow), "--set", "name=Ann", "--mock", str(mock), "--on",
                 "temporal", "--temporal", f"127.0.0.1:{free_port()}", "--json")
    assert result.exit_code == 1
    assert "cannot reach Temporal at 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_temporal_options_need_on_temporal(tmp_path: Path) -> None:
    flow, _mock = project(tmp_path)
    result = fdl("run", str(flow), "--set", "name=Ann", "--task-queue", "q")
    assert result.exit_code == 2
    assert "--on temporal" in result.stderr


def test_the_worker_command_serves_runs_and_stops_on_sigterm(
        tmp_path: Path, temporal_address: str) -> None:
    flow, mock = project(tmp_path)
    queue = "fdl-cli-worker"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(worker_argv(temporal_address, queue), cwd=tmp_path,
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert worker.stderr is not None
        line = worker.stderr.readline()
        assert "worker on" in line and queue in line, line
        result = fdl("run", str(flow), "--set", "name=Ann", "--mock", str(mock), "--on",
                     "temporal", "--temporal", temporal_address, "--task-queue", queue,
                     "--json")
        assert result.exit_code == 0, result.stderr
        assert without_run_id(result.stdout) == {"status": "completed",
                                                 "output": {"text": "Dear Ann"}}
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        assert "stopping" in worker.stderr.read()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


SLEEPY = """\
    flow:
        name: sleepy
        node:
            nap:
                wait: '1h'
"""


def test_runs_show_and_cancel_on_temporal(tmp_path: Path, temporal_address: str,
                                          temporal_worker: WorkerThread) -> None:
    flow, mock = project(tmp_path)
    done = fdl("run", str(flow), "--set", "name=Bob", "--mock", str(mock), "--on", "temporal",
               "--temporal", temporal_address, "--task-queue", TASK_QUEUE, "--json")
    run_id = json.loads(done.stdout)["run_id"]
    on = ["--on", "temporal", "--temporal", temporal_address]
    shown = json.loads(fdl("runs", "show", run_id, *on, "--json", "--events").stdout)
    assert (shown["status"], shown["flow"], shown["output"]) == (
        "completed", "greet", {"text": "Hi Bob"})
    assert shown["events"][-1]["type"] == "flow.completed"
    text = fdl("runs", "show", run_id, *on).stdout
    assert "status   completed" in text and '"text": "Hi Bob"' in text
    assert fdl("runs", "cancel", run_id, *on).stderr.startswith(f"run {run_id} has already")
    missing = fdl("runs", "show", "no-such-run", *on)
    assert missing.exit_code == 1 and "no run 'no-such-run' on Temporal" in missing.stderr

    sleepy = tmp_path / "sleepy.yaml"
    sleepy.write_text(textwrap.dedent(SLEEPY), encoding="utf-8")
    long_id = uuid.uuid4().hex
    plan = plan_of(SLEEPY)

    async def start() -> None:
        client = await Client.connect(temporal_address)
        await client.start_workflow(WORKFLOW_NAME, flow_input(plan), id=long_id,
                                    task_queue=TASK_QUEUE)

    asyncio.run(start())
    assert json.loads(fdl("runs", "show", long_id, *on, "--json").stdout)["status"] == "running"
    cancelled = fdl("runs", "cancel", long_id, *on)
    assert cancelled.exit_code == 0 and "cancel requested" in cancelled.stderr
    for _ in range(100):
        shown = json.loads(fdl("runs", "show", long_id, *on, "--json").stdout)
        if shown["status"] != "running":
            break
        time.sleep(0.1)
    assert shown["status"] == "cancelled" and shown["error"]["code"] == "F408"


def test_the_cluster_comes_from_fdl_yaml(tmp_path: Path, temporal_address: str,
                                         temporal_worker: WorkerThread) -> None:
    flow, mock = project(tmp_path)
    (tmp_path / "fdl.yaml").write_text(textwrap.dedent(f"""\
        flows: flows/
        temporal:
            address: '{temporal_address}'
            namespace: default
            task_queue: {TASK_QUEUE}
    """), encoding="utf-8")
    result = fdl("run", str(flow), "--set", "name=Ann", "--mock", str(mock), "--on",
                 "temporal", "--json")
    assert result.exit_code == 0, result.stderr
    assert without_run_id(result.stdout) == {"status": "completed",
                                             "output": {"text": "Dear Ann"}}
    wrong = tmp_path / "fdl.yaml"
    wrong.write_text("temporal:\n    adress: x\n", encoding="utf-8")
    refused = fdl("run", str(flow), "--set", "name=Ann", "--on", "temporal", "--json")
    assert refused.exit_code == 2 and "adress" in refused.stderr


def test_the_worker_command_without_a_server_says_what_to_do(tmp_path: Path) -> None:
    """Exit 1 with a message, every time: six at once, since the Temporal SDK's threads
    aborted about one exit in three at the interpreter's teardown (temporalio/sdk-python#300;
    `fdl.cli.entry` skips the teardown)."""
    project(tmp_path)
    started = [subprocess.Popen(worker_argv(f"127.0.0.1:{free_port()}", "q"), cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(6)]
    for process in started:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 1, err[-2000:]
        assert "cannot reach Temporal at 127.0.0.1:" in err
        assert "Traceback" not in err and "Fatal Python error" not in err


TWO_CALLS = """\
    flow:
        name: two_calls
        node:
            first:
                exec: flow://plus
                args: x = 1
                next: second
            second:
                exec: flow://plus
                args: x = first.y
"""

PLUS = """\
    flow:
        name: plus
        args:
            in:
                x: int
        node:
            calc:
                with: "{y: x + 1}"
"""


def test_flow_runs_of_fdl_yaml_bound_a_run_on_temporal(
        tmp_path: Path, temporal_address: str, temporal_worker: WorkerThread) -> None:
    (tmp_path / "fdl.yaml").write_text("flows: flows/\nflow-runs: 1\n", encoding="utf-8")
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "plus.yaml").write_text(textwrap.dedent(PLUS), encoding="utf-8")
    flow = tmp_path / "two.yaml"
    flow.write_text(textwrap.dedent(TWO_CALLS), encoding="utf-8")
    local = fdl("run", str(flow), "--no-store", "--json")
    remote = fdl("run", str(flow), "--on", "temporal", "--temporal", temporal_address,
                 "--task-queue", TASK_QUEUE, "--json")
    assert remote.exit_code == local.exit_code == 1
    data = without_run_id(remote.stdout)
    assert data == without_run_id(local.stdout)
    error = data["error"]
    assert isinstance(error, dict) and error["code"] == "F412"
    assert error["node"] == "second" and "started 1 flow:// runs" in error["message"]
