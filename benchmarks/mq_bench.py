"""``mq://`` benchmark: a publish + consume round trip through the adapter against the bare
client library doing the same, in one run (issue #22: within 2x).

Run from the project root (the brokers of shared/services.md on 127.0.0.1; an absent one is
skipped, named)::

    .venv/bin/python -m benchmarks.mq_bench              # 200 round trips per case
    .venv/bin/python -m benchmarks.mq_bench --trips 50   # rough figures

A round trip publishes one small JSON message and consumes it (acknowledged). Cases per
broker: ``mq://`` (`stdlib.tools.mq.MqTools` under trio: for nats/amqp/mqtt through the
broker's asyncio thread) and the bare library (redis-py; nats-py JetStream publish + pull
fetch + ack; aio-pika publish + ``basic.get`` + ack; aiomqtt publish + receive, subscribed
first) on plain asyncio. Figures are medians and p90 in ms. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import socket
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import trio

from stdlib.tools import ToolCall
from stdlib.tools.mq import MqTools
from stdlib.tools.mq_config import MqConfig

BROKERS = {
    "redis": ("redis://127.0.0.1:6379/0", 6379, "Redis"),
    "nats": ("nats://127.0.0.1:4222", 4222, "NATS"),
    "amqp": ("amqp://guest:guest@127.0.0.1:5672/", 5672, "RabbitMQ"),
    "mqtt": ("mqtt://127.0.0.1:1883", 1883, "Mosquitto"),
}
BODY = {"level": "error", "n": 3}


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _topic(kind: str) -> str:
    token = uuid.uuid4().hex[:8]
    return f"fdl/bench/{token}" if kind == "mqtt" else f"fdl-bench.{token}"


def fdl_trips(kind: str, trips: int) -> list[float]:
    """Round trips through ``mq://``."""
    bus = MqTools({"bus": MqConfig.model_validate({"url": BROKERS[kind][0]})})
    topic = _topic(kind)

    async def call(operation: str, args: dict[str, Any]) -> Any:
        base = f"mq://bus/{operation}"
        tool = bus.resolve(base)
        assert tool is not None
        return await tool.call(ToolCall(uri=base, base=base, type="mq",
                                        code=f"bus/{operation}", args=args, node="bench"))

    async def go() -> list[float]:
        times = []
        try:
            await call("consume", {"topic": topic, "timeout": 50})  # subscribe / warm up
            for _ in range(trips):
                start = time.perf_counter()
                await call("publish", {"topic": topic, "message": BODY})
                [got] = await call("consume", {"topic": topic, "timeout": 5000})
                times.append((time.perf_counter() - start) * 1000)
                assert got["message"] == BODY
        finally:
            await bus.aclose()
        return times

    try:
        return trio.run(go)
    finally:
        asyncio.run(_remove(kind, topic))


async def _remove(kind: str, topic: str) -> None:
    """Delete what ``mq://`` made the broker keep for ``topic``."""
    if kind == "redis":
        import redis

        redis.Redis.from_url(BROKERS["redis"][0]).delete(topic)
    elif kind == "nats":
        import nats

        client = await nats.connect(BROKERS["nats"][0])
        await client.jetstream().delete_stream(f"FDL_{topic.replace('.', '_')}")
        await client.close()
    elif kind == "amqp":
        import aio_pika

        connection = await aio_pika.connect(BROKERS["amqp"][0])
        await (await connection.channel()).queue_delete(topic)
        await connection.close()


def _redis_bare(trips: int) -> list[float]:
    import redis

    client = redis.Redis.from_url(BROKERS["redis"][0])
    topic, times = _topic("redis"), []
    client.xgroup_create(topic, "bench", id="0", mkstream=True)
    try:
        for _ in range(trips):
            start = time.perf_counter()
            client.xadd(topic, {"message": json.dumps(BODY), "headers": "{}"})
            answer: Any = client.xreadgroup("bench", "c", {topic: ">"}, count=1, block=5000)
            entry_id = answer[0][1][0][0]
            client.xack(topic, "bench", entry_id)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        client.delete(topic)
        client.close()
    return times


async def _nats_bare(trips: int) -> list[float]:
    import nats

    client = await nats.connect(BROKERS["nats"][0])
    js = client.jetstream()
    topic, times = _topic("nats"), []
    stream = "BENCH_" + topic.replace(".", "_").replace("-", "_")
    await js.add_stream(name=stream, subjects=[topic])
    try:
        sub = await js.pull_subscribe(topic, durable="bench", stream=stream)
        for _ in range(trips):
            start = time.perf_counter()
            await js.publish(topic, json.dumps(BODY).encode())
            [msg] = await sub.fetch(1, timeout=5)
            await msg.ack()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        await js.delete_stream(stream)
        await client.close()
    return times


async def _amqp_bare(trips: int) -> list[float]:
    import aio_pika

    connection = await aio_pika.connect(BROKERS["amqp"][0])
    topic, times = _topic("amqp"), []
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(topic, durable=True)
        for _ in range(trips):
            start = time.perf_counter()
            await channel.default_exchange.publish(
                aio_pika.Message(json.dumps(BODY).encode(),
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=topic)
            message = None
            while message is None:
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    await asyncio.sleep(0.02)
            await message.ack()
            times.append((time.perf_counter() - start) * 1000)
        await queue.delete()
    finally:
        await connection.close()
    return times


async def _mqtt_bare(trips: int) -> list[float]:
    import aiomqtt

    topic, times = _topic("mqtt"), []
    async with aiomqtt.Client("127.0.0.1", 1883,
                              protocol=aiomqtt.ProtocolVersion.V5) as client:
        await client.subscribe(topic, qos=1)
        messages = aiter(client.messages)
        for _ in range(trips):
            start = time.perf_counter()
            await client.publish(topic, json.dumps(BODY).encode(), qos=1)
            await anext(messages)
            times.append((time.perf_counter() - start) * 1000)
    return times


BARE: dict[str, Callable[[int], list[float]]] = {
    "redis": _redis_bare,
    "nats": lambda n: asyncio.run(_nats_bare(n)),
    "amqp": lambda n: asyncio.run(_amqp_bare(n)),
    "mqtt": lambda n: asyncio.run(_mqtt_bare(n)),
}


def _row(label: str, times: list[float]) -> str:
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
    return f"| {label} | {len(times)} | {statistics.median(times):.2f} | {p90:.2f} |"


def main(argv: list[str] | None = None) -> None:
    """Print the table of docs/performance.md ("mq:// round trips")."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trips", type=int, default=200)
    options = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {platform.machine()}")
    print("| case | trips | median ms | p90 ms |\n|---|---:|---:|---:|")
    for kind, (_url, port, name) in BROKERS.items():
        if not _listening(port):
            print(f"| {kind}: skipped, {name} is not running on 127.0.0.1:{port} | | | |")
            continue
        print(_row(f"{kind}: bare client", BARE[kind](options.trips)))
        print(_row(f"{kind}: mq://", fdl_trips(kind, options.trips)))



if __name__ == "__main__":
    main()
