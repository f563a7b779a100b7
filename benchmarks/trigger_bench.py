"""Trigger benchmark: what a subscription trigger adds to a run — N messages through the
trigger engine (take, run, acknowledge) against the same N runs started directly on the
same runtime and run store, in one process.

Run from the project root (Redis / RabbitMQ / NATS of shared/services.md on 127.0.0.1; an
absent broker is skipped, named)::

    .venv/bin/python -m benchmarks.trigger_bench              # 200 messages per case
    .venv/bin/python -m benchmarks.trigger_bench --messages 50

The flow is a one-node mapping of its input (no tool call), so the figures are the engine's
and the run store's: per message, the broker's fetch and ack, the run journaled in SQLite
(``<state>/runs.db``), the message's run id looked up first. The messages are published
before the clock starts; the engine is timed from its start to the last run's end. Measured,
never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import nats
import redis
import trio

from compiler import load_text
from fdl.triggers import open_engine
from runtime import Runtime
from runtime.store import open_store
from stdlib.config import project_config
from stdlib.tools.mq import MqTools
from stdlib.tools.mq_config import MqConfig

BROKERS = {
    "redis": ("redis://127.0.0.1:6379/0", 6379, "Redis"),
    "amqp": ("amqp://guest:guest@127.0.0.1:5672/", 5672, "RabbitMQ"),
    "nats": ("nats://127.0.0.1:4222", 4222, "NATS"),
}
FLOW = """\
flow:
    name: echo
    args:
        in:
            n: long
        out:
            n: long
    node:
        reply:
            with: n = n
"""


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _project(folder: Path, kind: str, topic: str) -> Path:
    (folder / "flows").mkdir(parents=True)
    (folder / "flows" / "echo.yaml").write_text(FLOW, "utf-8")
    (folder / "fdl.yaml").write_text(json.dumps({
        "mq": {"bus": {"url": BROKERS[kind][0]}},
        "triggers": [{"flow": "echo", "mq": f"bus/{topic}"}]}), "utf-8")
    return folder


def _completed(folder: Path) -> int:
    store = open_store(folder / ".fdl" / "runs.db")
    try:
        return len(store.list(status="completed", limit=None))
    finally:
        store.close()


def through_triggers(kind: str, messages: int) -> float:
    """Seconds for ``messages`` messages, each taken, run and acknowledged."""
    topic = f"fdl-bench-trig-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as temp:
        folder = _project(Path(temp) / "p", kind, topic)
        config = project_config(folder)

        async def go() -> float:
            bus = MqTools({"bus": MqConfig.model_validate({"url": BROKERS[kind][0]})})
            try:
                for n in range(messages):
                    body = json.dumps({"n": n}).encode()

                    async def send(b: Any, m: bytes = body) -> None:
                        await b.publish(topic, m, {})

                    await bus.run("bus", "bench", send)
            finally:
                await bus.aclose()
            start = time.perf_counter()
            async with open_engine(config) as engine, trio.open_nursery() as nursery:
                await nursery.start(engine.run)
                while _completed(folder) < messages:
                    await trio.sleep(0.01)
                took = time.perf_counter() - start
                engine.stop()
            return took

        try:
            return trio.run(go)
        finally:
            _remove(kind, topic)


def _remove(kind: str, topic: str) -> None:
    """Delete the benchmark's stream, queue or JetStream stream."""
    url = BROKERS[kind][0]
    if kind == "redis":
        client = redis.Redis.from_url(url)
        client.delete(topic)
        client.close()
        return

    async def go() -> None:
        if kind == "amqp":
            connection = await aio_pika.connect(url)
            channel = await connection.channel()
            await channel.queue_delete(topic)
            await connection.close()
        else:
            client = await nats.connect(url)
            await client.jetstream().delete_stream(f"FDL_{topic}")
            await client.close()

    asyncio.run(go())


def direct(messages: int) -> float:
    """Seconds for the same runs started directly (no broker)."""
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "echo.yaml").write_text(FLOW, "utf-8")
        plan = load_text(FLOW, "echo.yaml")

        async def go() -> float:
            async with Runtime(store=str(folder / "runs.db")) as runtime:
                start = time.perf_counter()
                for n in range(messages):
                    await runtime.run(plan, {"n": n}, run_id=f"trg-{n}")
                return time.perf_counter() - start

        return trio.run(go)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    count = args.messages
    print(f"python {platform.python_version()}, {count} messages per case")
    base = direct(count)
    print(f"{'direct runs (no broker)':32} {base:7.2f} s  {base / count * 1000:7.2f} ms/run")
    for kind, (_url, port, name) in BROKERS.items():
        if not _listening(port):
            print(f"{kind:32} skipped: {name} is not running on 127.0.0.1:{port}")
            continue
        took = through_triggers(kind, count)
        print(f"{'trigger on ' + kind:32} {took:7.2f} s  {took / count * 1000:7.2f} ms/message"
              f"  ({took / base:.1f}x direct)")


if __name__ == "__main__":
    main()
