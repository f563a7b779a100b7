"""Subscription triggers on the real brokers of shared/services.md (Redis streams, RabbitMQ;
each test skips naming the broker when it is not running): a message becomes a journaled run
and is acknowledged after it; a failing run's message is retried then dead-lettered; ``fdl
worker`` killed with ``kill -9`` mid-run leaves its message to the next worker, which
resumes the run to completion exactly once; ``fdl worker`` and ``fdl serve`` end to end."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import trio

from fdl.triggers import open_engine
from runtime.store import RunRecord, open_store
from stdlib.config import project_config
from stdlib.tools.mq import MqTools
from stdlib.tools.mq_config import MqConfig
from tests._http import LocalServer
from tests.fdl._triggers import (
    BROKERS,
    broker_param,
    hold_server,
    make_project,
    topic,
    wait_for,
)

KINDS = [broker_param("redis"), broker_param("amqp")]
WITH_NATS = [*KINDS, broker_param("nats")]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    server = hold_server()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.gate.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


@pytest.fixture
def queue(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh topic, removed (with its dead-letter topic) afterwards."""
    kind = request.node.callspec.params["kind"]
    name = topic()
    yield name
    trio.run(_remove, kind, [name, f"{name}.dead"])


def _bus(kind: str) -> MqTools:
    return MqTools({"bus": MqConfig.model_validate({"url": BROKERS[kind][0],
                                                    "timeout": 15_000})})


async def _remove(kind: str, names: list[str]) -> None:
    bus = _bus(kind)
    try:
        for name in names:
            if kind == "redis":
                await bus.run("bus", "cleanup", lambda b, n=name: b._run(  # type: ignore[misc]
                    lambda: b.client.delete(n)))
            elif kind == "nats":
                async def drop_stream(b: Any, n: str = name) -> None:
                    async def go(client: Any) -> None:
                        with contextlib.suppress(Exception):
                            await client.jetstream().delete_stream(
                                f"FDL_{n.replace('.', '_')}")
                    await b._run(go)
                await bus.run("bus", "cleanup", drop_stream)
            else:
                async def drop(b: Any, n: str = name) -> None:
                    async def go(channel: Any) -> None:
                        await channel.queue_delete(n)
                    await b._run(go)
                await bus.run("bus", "cleanup", drop)
    finally:
        await bus.aclose()


def publish(kind: str, name: str, *messages: Any) -> None:
    async def go() -> None:
        bus = _bus(kind)
        try:
            for message in messages:
                body = json.dumps(message).encode()
                await bus.run("bus", "test", lambda b, m=body: b.publish(name, m, {}))
        finally:
            await bus.aclose()

    trio.run(go)


def take(kind: str, name: str) -> list[tuple[Any, dict[str, str]]]:
    """What is waiting on ``name`` (taken and acknowledged); Redis reads the group from the
    stream's start."""
    async def go() -> list[tuple[Any, dict[str, str]]]:
        bus = _bus(kind)
        try:
            found = await bus.run("bus", "test", lambda b: b.fetch(name, 10, 2000, "test"))
            await bus.run("bus", "test", lambda b: b.ack(name, found))
            return [(json.loads(d.body), d.headers) for d in found]
        finally:
            await bus.aclose()

    return trio.run(go)


def unacknowledged(kind: str, name: str) -> int:
    """Messages taken and not acknowledged (Redis: pending in the group), or back in the
    queue (RabbitMQ, once their consumer's connection closed)."""
    if kind == "nats":
        return trio.run(_nats_unacknowledged, name)
    if kind == "redis":
        client = redis.Redis.from_url(BROKERS["redis"][0])
        try:
            return int(client.xpending(name, "fdl")["pending"])
        finally:
            client.close()
    return len(take(kind, name))


async def _nats_unacknowledged(name: str) -> int:
    bus = _bus("nats")

    async def info(b: Any) -> int:
        async def go(client: Any) -> int:
            js = client.jetstream()
            stream = await js.find_stream_name_by_subject(name)
            consumer = await js.consumer_info(stream, f"fdl_{name.replace('.', '_')}")
            return int(consumer.num_ack_pending) + int(consumer.num_pending)
        result: int = await b._run(go)
        return result

    try:
        return await bus.run("bus", "test", info)
    finally:
        await bus.aclose()


def runs_of(folder: Path) -> list[RunRecord]:
    store = open_store(folder / ".fdl" / "runs.db")
    try:
        return store.list()
    finally:
        store.close()


def _trigger(name: str, **options: Any) -> dict[str, Any]:
    return {"flow": "on_order", "mq": f"bus/{name}", **options}


def run_engine_until(folder: Path, done: Any) -> None:
    """Run the project's engine in this process until ``done()``, then stop it."""
    config = project_config(folder)

    async def main() -> None:
        async with open_engine(config) as engine, trio.open_nursery() as nursery:
            await nursery.start(engine.run)
            with trio.fail_after(60):  # a bound on progress, not a speed assertion
                while not done():
                    await trio.sleep(0.05)
            engine.stop()

    trio.run(main)


@pytest.mark.parametrize("kind", WITH_NATS)
def test_a_message_becomes_a_run_and_is_acknowledged_after_it(
        tmp_path: Path, server: LocalServer, queue: str, kind: str) -> None:
    make_project(tmp_path, server.url, [_trigger(queue)], {"bus": BROKERS[kind][0]})
    publish(kind, queue, {"id": 1}, {"id": 2})
    run_engine_until(tmp_path, lambda: server.counters.get("/done:2")
                     and server.counters.get("/done:1"))
    runs = runs_of(tmp_path)
    assert sorted((r.flow, r.status, json.dumps(r.output)) for r in runs) == [
        ("on_order", "completed", '{"id": 1}'), ("on_order", "completed", '{"id": 2}')]
    assert all(r.run_id.startswith("trg-") for r in runs)
    assert server.counters == {"/block:1": 1, "/done:1": 1, "/block:2": 1, "/done:2": 1}
    assert unacknowledged(kind, queue) == 0


@pytest.mark.parametrize("kind", WITH_NATS)
def test_a_failing_run_is_retried_then_dead_lettered(
        tmp_path: Path, server: LocalServer, queue: str, kind: str) -> None:
    make_project(tmp_path, server.url, [_trigger(queue, max_deliveries=3)],
                 {"bus": BROKERS[kind][0]})
    publish(kind, queue, {"id": 5, "fail": True}, "not an object", {"id": 7})
    run_engine_until(tmp_path, lambda: len([r for r in runs_of(tmp_path)
                                            if r.status != "running"]) >= 4)
    runs = runs_of(tmp_path)
    assert sorted(r.status for r in runs) == ["completed", "failed", "failed", "failed"]
    assert server.counters["/block:5"] == 3          # three runs of the failing message
    assert "/done:5" not in server.counters
    assert server.counters["/done:7"] == 1
    dead = take(kind, f"{queue}.dead")
    bodies = sorted(json.dumps(body) for body, _headers in dead)
    assert bodies == ['"not an object"', '{"id": 5, "fail": true}']
    for body, headers in dead:
        assert headers["x-fdl-error"]
        if isinstance(body, dict):
            assert headers["x-fdl-attempt"] == "3" and headers["x-fdl-run"].startswith("trg-")
    assert take(kind, queue) == [] and unacknowledged(kind, queue) == 0


def fdl_exe() -> str:
    exe = shutil.which("fdl", path=str(Path(sys.executable).parent))
    assert exe is not None, "the fdl console script is installed with the package"
    return exe


def worker(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([fdl_exe(), "worker", "--project", str(folder), "--grace", "20"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    return err


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_killed_mid_run_leaves_the_message_to_the_next_which_completes_it_once(
        tmp_path: Path, server: LocalServer, queue: str, kind: str) -> None:
    make_project(tmp_path, server.url, [_trigger(queue, reclaim_after=500)],
                 {"bus": BROKERS[kind][0]})
    gate: threading.Event = server.gate  # type: ignore[attr-defined]
    gate.clear()                                   # /block holds its callers
    first = worker(tmp_path)
    try:
        publish(kind, queue, {"id": 9})
        wait_for(lambda: server.counters.get("/block:9"), 60, "the first worker's call")
    finally:
        first.kill()                               # kill -9, mid-run
        first.wait()
    [interrupted] = runs_of(tmp_path)
    assert interrupted.status == "running"
    gate.set()
    second = worker(tmp_path)
    try:
        wait_for(lambda: server.counters.get("/done:9"), 60, "the resumed run")
        wait_for(lambda: runs_of(tmp_path)[0].status != "running", 30, "the run's end")
    finally:
        log = stop(second)
    [run] = runs_of(tmp_path)
    assert (run.run_id, run.status, run.output) == (interrupted.run_id, "completed", {"id": 9})
    assert server.counters["/done:9"] == 1         # the run completed exactly once
    assert server.counters["/block:9"] == 2        # the call in flight at the kill, again
    store = open_store(tmp_path / ".fdl" / "runs.db")
    try:
        assert [e["type"] for e in store.events(run.run_id)].count("flow.resumed") == 1
    finally:
        store.close()
    assert "completed" in log
    assert unacknowledged(kind, queue) == 0


@pytest.mark.parametrize("kind", [broker_param("redis")])
def test_fdl_worker_runs_messages_until_sigint_and_fdl_runs_lists_them(
        tmp_path: Path, server: LocalServer, queue: str, kind: str) -> None:
    make_project(tmp_path, server.url, [_trigger(queue)], {"bus": BROKERS[kind][0]})
    process = worker(tmp_path)
    try:
        publish(kind, queue, {"id": 3})
        wait_for(lambda: server.counters.get("/done:3"), 60, "the run")
        wait_for(lambda: runs_of(tmp_path)[0].status == "completed", 30, "the run's end")
    finally:
        log = stop(process)
    assert "1 trigger(s)" in log
    listed = subprocess.run([fdl_exe(), "runs", "list", "--json", "--store",
                             str(tmp_path / ".fdl" / "runs.db")], capture_output=True,
                            text=True, timeout=60, check=True)
    [row] = json.loads(listed.stdout)
    assert (row["flow"], row["status"]) == ("on_order", "completed")


@pytest.mark.parametrize("kind", [broker_param("redis")])
def test_fdl_serve_runs_the_triggers_and_shows_their_runs_to_their_tenant(
        tmp_path: Path, server: LocalServer, queue: str, kind: str) -> None:
    from tests.fdl.service._server import make_key, running

    make_project(tmp_path, server.url, [_trigger(queue, tenant="acme")],
                 {"bus": BROKERS[kind][0]})
    key = make_key(tmp_path, "acme")
    with running(tmp_path) as service:
        publish(kind, queue, {"id": 4})
        wait_for(lambda: server.counters.get("/done:4"), 60, "the run")
        with service.client(key) as client:
            listed = wait_for(lambda: [r for r in client.get("/v1/runs").json()["items"]
                                       if r["status"] == "completed"], 30, "the run's end")
    [run] = listed
    assert (run["flow"], run["output"]) == ("on_order", {"id": 4})
    assert run["run_id"].startswith("trg-")
    assert unacknowledged(kind, queue) == 0


@pytest.mark.parametrize("kind", [broker_param("redis")])
def test_the_example_project_runs_its_subscription(tmp_path: Path, queue: str,
                                                   kind: str) -> None:
    """docs/triggers.md's example: examples/triggers with its topic renamed (tests use
    their own topics), a message as redis-cli would send it."""
    folder = tmp_path / "triggers"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "triggers", folder,
                    ignore=shutil.ignore_patterns(".fdl"))
    config = folder / "fdl.yaml"
    config.write_text(config.read_text("utf-8").replace("bus/orders", f"bus/{queue}"), "utf-8")
    process = worker(folder)
    try:
        publish(kind, queue, {"id": 7, "lines": [{"amount": 20}, {"amount": 2.5}]})
        done = wait_for(lambda: [r for r in runs_of(folder) if r.flow == "order_total"
                                 and r.status == "completed"], 60, "the example's run")
    finally:
        stop(process)
    [run] = done
    assert json.loads(json.dumps(run.output, default=str)) == {"id": 7, "total": "22.5"}


@pytest.mark.parametrize("kind", [broker_param("amqp")])
def test_sigterm_stops_taking_messages_and_lets_the_run_in_progress_finish(
        tmp_path: Path, server: LocalServer, queue: str, kind: str) -> None:
    make_project(tmp_path, server.url, [_trigger(queue)], {"bus": BROKERS[kind][0]})
    gate: threading.Event = server.gate  # type: ignore[attr-defined]
    gate.clear()
    process = worker(tmp_path)
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")),
                              daemon=True)
    reader.start()
    try:
        publish(kind, queue, {"id": 21})
        wait_for(lambda: server.counters.get("/block:21"), 60, "the run's call")
        process.send_signal(signal.SIGTERM)           # graceful: the run goes on
        wait_for(lambda: any("stopping" in line for line in lines), 60, "the stop")
        publish(kind, queue, {"id": 22})               # not taken any more
        gate.set()
        process.wait(60)
        reader.join(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    err = "".join(lines)
    assert process.returncode == 0 and "Traceback" not in err, err
    [run] = runs_of(tmp_path)
    assert (run.status, run.output) == ("completed", {"id": 21})
    assert "/block:22" not in server.counters
    assert [body for body, _headers in take(kind, queue)] == [{"id": 22}]
