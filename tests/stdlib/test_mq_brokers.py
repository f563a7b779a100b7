"""``mq://`` on NATS (JetStream), AMQP (RabbitMQ) and MQTT (Mosquitto) — stdlib/tools/mq_nats.py,
mq_amqp.py, mq_mqtt.py — on the real brokers of shared/services.md; each test skips, naming
the broker, when nothing listens on its port. Every test uses its own topic."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import uuid
from typing import Any

import aio_pika
import nats
import pytest
import trio

from stdlib.tools import ToolCall, ToolError
from stdlib.tools.mq import MqTools
from stdlib.tools.mq_config import MqConfig


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


BROKERS = {
    "nats": ("nats://127.0.0.1:4222", 4222, "NATS"),
    "amqp": ("amqp://guest:guest@127.0.0.1:5672/", 5672, "RabbitMQ"),
    "mqtt": ("mqtt://127.0.0.1:1883", 1883, "Mosquitto"),
}
STORING = ("nats", "amqp")
"""The kinds that keep a message published before anyone consumes it."""


def _param(kind: str) -> Any:
    _url, port, name = BROKERS[kind]
    return pytest.param(kind, id=kind, marks=pytest.mark.skipif(
        not _listening(port), reason=f"{name} is not running on 127.0.0.1:{port}"))


ALL = [_param(kind) for kind in BROKERS]
STORED = [_param(kind) for kind in STORING]


def _tools(url: str) -> MqTools:
    return MqTools({"bus": MqConfig.model_validate({"url": url, "timeout": 3000})})


async def _call(bus: MqTools, operation: str, args: dict[str, Any], node: str = "n") -> Any:
    base = f"mq://bus/{operation}"
    tool = bus.resolve(base)
    assert tool is not None
    return await tool.call(ToolCall(uri=base, base=base, type="mq", code=f"bus/{operation}",
                                    args=args, node=node))


def _topic(kind: str) -> str:
    token = uuid.uuid4().hex[:8]
    return f"fdl/test/{token}" if kind == "mqtt" else f"fdl-test.{token}"


async def _remove(kind: str, topic: str) -> None:
    """Delete what the broker keeps for ``topic`` (NATS stream, AMQP queue)."""
    if kind == "nats":
        client = await nats.connect(BROKERS["nats"][0])
        with contextlib.suppress(nats.errors.Error):
            await client.jetstream().delete_stream(f"FDL_{topic.replace('.', '_')}")
        await client.close()
    elif kind == "amqp":
        connection = await aio_pika.connect(BROKERS["amqp"][0])
        channel = await connection.channel()
        await channel.queue_delete(topic)
        await connection.close()


def _run(kind: str, scenario: Any, topic: str | None = None) -> Any:
    bus = _tools(BROKERS[kind][0])

    async def go() -> Any:
        try:
            return await scenario(bus)
        finally:
            await bus.aclose()

    try:
        return trio.run(go)
    finally:
        if topic is not None:
            asyncio.run(_remove(kind, topic))


@pytest.mark.parametrize("kind", STORED)
def test_a_message_published_first_is_consumed_with_its_headers(kind: str) -> None:
    topic = _topic(kind)

    async def scenario(bus: MqTools) -> Any:
        sent = await _call(bus, "publish", {"topic": topic, "message": {"n": 3},
                                            "headers": {"source": "test"}})
        got = await _call(bus, "consume", {"topic": topic, "max": 5, "timeout": 2000})
        return sent, got

    sent, [got] = _run(kind, scenario, topic)
    assert got == {"message": {"n": 3}, "headers": {"source": "test"}, "id": sent["id"]}


@pytest.mark.parametrize("kind", ALL)
def test_consume_takes_up_to_max_and_acknowledged_messages_do_not_come_back(
        kind: str) -> None:
    topic = _topic(kind)

    async def scenario(bus: MqTools) -> Any:
        assert await _call(bus, "consume", {"topic": topic, "timeout": 100}) == []
        for n in range(3):
            await _call(bus, "publish", {"topic": topic, "message": n, "headers": {"k": "v"}})
        await trio.sleep(0.2)
        first = await _call(bus, "consume", {"topic": topic, "max": 2, "timeout": 2000})
        second = await _call(bus, "consume", {"topic": topic, "max": 2, "timeout": 2000})
        third = await _call(bus, "consume", {"topic": topic, "timeout": 200})
        return first, second, third

    first, second, third = _run(kind, scenario, topic)
    assert [m["message"] for m in first] == [0, 1]
    assert [m["message"] for m in second] == [2] and third == []
    assert first[0]["headers"] == {"k": "v"}


@pytest.mark.parametrize("kind", ALL)
def test_consume_waits_for_a_message_published_meanwhile(kind: str) -> None:
    topic = _topic(kind)

    async def scenario(bus: MqTools) -> Any:
        got: list[Any] = []
        await _call(bus, "consume", {"topic": topic, "timeout": 100})
        async with trio.open_nursery() as nursery:
            async def consume() -> None:
                got.extend(await _call(bus, "consume", {"topic": topic, "timeout": 5000}))

            nursery.start_soon(consume)
            await trio.sleep(0.3)
            await _call(bus, "publish", {"topic": topic, "message": "late"})
        return got

    assert [m["message"] for m in _run(kind, scenario, topic)] == ["late"]


@pytest.mark.parametrize("kind", ALL)
def test_request_gets_the_reply_a_flow_publishes_to_reply_to(kind: str) -> None:
    topic = _topic(kind)

    async def scenario(bus: MqTools) -> Any:
        await _call(bus, "consume", {"topic": topic, "timeout": 100})
        async with trio.open_nursery() as nursery:
            async def responder() -> None:
                [request] = await _call(bus, "consume", {"topic": topic, "timeout": 5000},
                                        node="responder")
                await _call(bus, "publish", {"topic": request["headers"]["replyTo"],
                                             "message": {"echo": request["message"]}})

            nursery.start_soon(responder)
            return await _call(bus, "request", {"topic": topic, "message": "ping",
                                                "timeout": 5000})

    assert _run(kind, scenario, topic) == {"echo": "ping"}


@pytest.mark.parametrize("kind", ALL)
def test_a_request_without_a_reply_is_f407(kind: str) -> None:
    topic = _topic(kind)

    async def scenario(bus: MqTools) -> Any:
        await _call(bus, "request", {"topic": topic, "message": 1, "timeout": 300})

    with pytest.raises(ToolError) as caught:
        _run(kind, scenario, topic)
    assert (caught.value.code, caught.value.type) == ("F407", "timeout")


@pytest.mark.parametrize("kind", STORED)
def test_a_consume_cancelled_mid_way_loses_no_message(kind: str) -> None:
    """Cancelled before it acknowledged, the call leaves the message for the next consume;
    cancelled too late (fetch and ack had both happened on the broker's loop), it returns
    the message rather than dropping it."""
    topic = _topic(kind)

    async def scenario(bus: MqTools) -> Any:
        await _call(bus, "publish", {"topic": topic, "message": "kept"})
        first: list[Any] = []
        with trio.move_on_after(0.001):
            first = await _call(bus, "consume", {"topic": topic, "timeout": 2000})
        await bus.aclose()  # a message taken and not acknowledged goes back
        # back in the queue once the broker has seen the connection close (NATS: after the
        # consumer's ack wait)
        later = await _call(bus, "consume", {"topic": topic, "timeout": 2000 if first else
                                             40_000 if kind == "nats" else 10_000})
        return first, later

    first, later = _run(kind, scenario, topic)
    assert [m["message"] for m in [*first, *later]] == ["kept"]


@pytest.mark.parametrize("kind", list(BROKERS))
def test_a_broker_that_is_not_there_is_a_retryable_connection_error(kind: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    scheme = BROKERS[kind][0].partition("://")[0]
    bus = _tools(f"{scheme}://user:hunter2@127.0.0.1:{port}/")

    async def go() -> None:
        try:
            await _call(bus, "publish", {"topic": "t", "message": 1})
        finally:
            await bus.aclose()

    with pytest.raises(ToolError) as caught:
        trio.run(go)
    error = caught.value
    assert (error.code, error.type, error.retryable) == ("MQ503", "connection", True)
    assert "hunter2" not in error.message


@pytest.mark.parametrize("kind", [_param("nats")])
def test_a_core_nats_responder_answers_a_request_natively(kind: str) -> None:
    subject = f"fdl-test.core.{uuid.uuid4().hex[:8]}"

    async def scenario(bus: MqTools) -> Any:
        ready, stop = threading.Event(), threading.Event()

        async def serve() -> None:
            client = await nats.connect(BROKERS["nats"][0])

            async def respond(msg: Any) -> None:
                await msg.respond(b'{"pong": true}')

            await client.subscribe(subject, cb=respond)
            await client.flush()
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.02)
            await client.close()

        thread = threading.Thread(target=lambda: asyncio.run(serve()))
        thread.start()
        try:
            await trio.to_thread.run_sync(ready.wait, 5)
            return await _call(bus, "request", {"topic": subject, "message": "ping",
                                                "timeout": 3000})
        finally:
            stop.set()
            await trio.to_thread.run_sync(thread.join)

    assert _run(kind, scenario) == {"pong": True}


@pytest.mark.parametrize("kind", [_param("amqp")])
def test_an_amqp_request_carries_reply_to_for_amqp_responders(kind: str) -> None:
    topic = _topic(kind)

    async def scenario(bus: MqTools) -> Any:
        await _call(bus, "consume", {"topic": topic, "timeout": 50})
        async with trio.open_nursery() as nursery:
            async def responder() -> None:
                [request] = await _call(bus, "consume", {"topic": topic, "timeout": 5000})
                assert request["headers"]["replyTo"].startswith("amq.gen-")
                await _call(bus, "publish", {"topic": request["headers"]["replyTo"],
                                             "message": "pong"})

            nursery.start_soon(responder)
            return await _call(bus, "request", {"topic": topic, "message": "ping",
                                                "timeout": 5000})

    assert _run(kind, scenario, topic) == "pong"
