"""``mq://`` when the connection to the broker is lost mid-run (tools.md §6: retried, then a
clean error): a `tests._proxy.TcpProxy` between the adapter and each shared broker of
shared/services.md (Redis, RabbitMQ, NATS, Mosquitto; skipped, naming it, when it is not
running) is cut and restored, so the brokers themselves are never stopped. A publish while
the connection is cut is retried per the node's ``max-attempts`` and succeeds once it is
restored; a cut that lasts is MQ503 (type connection, retryable) after the last attempt,
without a hang and without a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
import trio

from runtime import Runtime, Tools
from stdlib.tools import ToolCall, ToolError, chain
from stdlib.tools.mq import MqTools
from stdlib.tools.mq_config import MqConfig
from tests._proxy import TcpProxy
from tests.fdl.test_cli_adapters import invoke, write
from tests.runtime.conftest import plan_of


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


BROKERS = {
    "redis": ("redis://127.0.0.1:{port}/0", 6379, "Redis"),
    "amqp": ("amqp://guest:guest@127.0.0.1:{port}/", 5672, "RabbitMQ"),
    "nats": ("nats://127.0.0.1:{port}", 4222, "NATS"),
    "mqtt": ("mqtt://127.0.0.1:{port}", 1883, "Mosquitto"),
}


def _param(kind: str) -> Any:
    _url, port, name = BROKERS[kind]
    return pytest.param(kind, id=kind, marks=pytest.mark.skipif(
        not _listening(port), reason=f"{name} is not running on 127.0.0.1:{port}"))


ALL = [_param(kind) for kind in BROKERS]


def _topic(kind: str) -> str:
    token = uuid.uuid4().hex[:8]
    return f"fdl/loss/{token}" if kind == "mqtt" else f"fdl-loss.{token}"


def _cleanup(kind: str, topic: str) -> None:
    """Remove what the broker keeps for ``topic`` (directly, not through the proxy)."""
    if kind == "redis":
        import redis

        client = redis.Redis(port=6379)
        client.delete(topic)
        client.close()
    elif kind in ("amqp", "nats"):
        asyncio.run(_remove_async(kind, topic))


async def _remove_async(kind: str, topic: str) -> None:
    if kind == "nats":
        import nats

        client = await nats.connect("nats://127.0.0.1:4222")
        with contextlib.suppress(nats.errors.Error):
            await client.jetstream().delete_stream(f"FDL_{topic.replace('.', '_')}")
        await client.close()
    else:
        import aio_pika

        connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
        channel = await connection.channel()
        await channel.queue_delete(topic)
        await connection.close()


FLOW = """\
    flow:
        name: loss
        args:
            out: any
        node:
            first:
                exec: mq://bus/publish
                args: topic = '{topic}', message = 1
                next: cut
            cut:
                exec: api://test/cut
                next: again
            again:
                exec: 'mq://bus/publish?max-attempts={attempts}&backoff=50'
                args: topic = '{topic}', message = 2
                next: done
            done:
                with: again
"""


def _run(kind: str, topic: str, attempts: int, refusals: int | None) -> tuple[Any, TcpProxy]:
    """Run FLOW with the broker behind a proxy that the node ``cut`` cuts."""
    proxy = TcpProxy(BROKERS[kind][1])
    bus = MqTools({"bus": MqConfig.model_validate({
        "url": proxy.url(BROKERS[kind][0]), "timeout": 2000})})
    tools = Tools()
    tools.add("api://test/cut", lambda _args: proxy.cut(refusals) or "cut")
    plan = plan_of(FLOW.format(topic=topic, attempts=attempts))

    async def go() -> Any:
        try:
            async with Runtime(tools=chain(tools, bus)) as runtime:
                with trio.fail_after(60):  # no hang: the test fails instead
                    return await runtime.run(plan)
        finally:
            await bus.aclose()

    try:
        return trio.run(go), proxy
    finally:
        proxy.close()
        _cleanup(kind, topic)


@pytest.mark.parametrize("kind", ALL)
def test_a_publish_during_a_cut_is_retried_and_succeeds_once_restored(kind: str) -> None:
    topic = _topic(kind)
    outcome, proxy = _run(kind, topic, attempts=8, refusals=2)
    assert outcome.status == "completed", outcome.error
    assert isinstance(outcome.output, dict) and "id" in outcome.output
    assert proxy.refused >= 1  # the broker was unreachable for a while
    retrying = [e for e in outcome.events if e["type"] == "node.retrying"]
    assert retrying and all(e["error"]["code"] == "MQ503" for e in retrying)
    assert proxy.accepted >= 2  # connected again after the cut


@pytest.mark.parametrize("kind", ALL)
def test_a_cut_that_lasts_is_a_clean_retryable_mq503(kind: str) -> None:
    topic = _topic(kind)
    outcome, proxy = _run(kind, topic, attempts=3, refusals=None)
    assert outcome.status == "failed"
    error = outcome.error
    assert error is not None
    assert (error["code"], error["type"]) == ("MQ503", "connection")
    assert "could not reach the broker" in error["message"]
    assert "Traceback" not in error["message"] and "guest:guest" not in error["message"]
    retrying = [e for e in outcome.events if e["type"] == "node.retrying"]
    assert len(retrying) == 2  # three attempts in all
    assert proxy.refused >= 1


@pytest.mark.parametrize("kind", ALL)
def test_the_error_of_a_cut_connection_is_retryable_and_the_next_call_reconnects(
        kind: str) -> None:
    topic = _topic(kind)
    proxy = TcpProxy(BROKERS[kind][1])
    bus = MqTools({"bus": MqConfig.model_validate({
        "url": proxy.url(BROKERS[kind][0]), "timeout": 2000})})

    async def publish(message: bytes) -> str:
        return await bus.run("bus", "mq://bus/publish",
                             lambda broker: broker.publish(topic, message, {}))

    async def go() -> tuple[ToolError, str]:
        try:
            await publish(b"1")
            proxy.cut()
            with pytest.raises(ToolError) as caught:
                with trio.fail_after(30):
                    await publish(b"2")
            proxy.restore()
            with trio.fail_after(30):
                return caught.value, await publish(b"3")
        finally:
            await bus.aclose()

    try:
        error, sent = trio.run(go)
    finally:
        proxy.close()
        _cleanup(kind, topic)
    assert (error.code, error.type, error.retryable) == ("MQ503", "connection", True)
    assert isinstance(sent, str)
    assert proxy.accepted >= 2


@pytest.mark.parametrize("kind", ALL)
def test_fdl_run_on_a_broker_that_is_down_prints_a_coded_error_and_no_traceback(
        kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with TcpProxy(BROKERS[kind][1]) as proxy:
        proxy.cut()
        write("fdl.yaml", f"mq:\n    bus: {{url: '{proxy.url(BROKERS[kind][0])}', "
                          "timeout: 2000}\n")
        write("flows/send.yaml", f"""\
            flow:
                name: send
                node:
                    send:
                        exec: 'mq://bus/publish?max-attempts=2&backoff=10'
                        args: topic = '{_topic(kind)}', message = 1
        """)
        result = invoke("run", "flows/send.yaml")
    assert result.exit_code == 1
    assert "MQ503" in result.output and "could not reach the broker" in result.output
    assert "Traceback" not in result.output
    assert proxy.refused >= 2


ASYNCIO_KINDS = [_param(kind) for kind in ("amqp", "nats", "mqtt")]


@pytest.mark.parametrize("kind", ASYNCIO_KINDS)
def test_closing_the_adapter_ends_a_waiting_consume_with_mq503(kind: str) -> None:
    """A broker dropped (after a connection error of another call, or at the end of a run)
    while a consume still waits on its loop: the consume ends at once, retryable, instead
    of waiting on a loop that no longer runs."""
    topic = _topic(kind)
    bus = MqTools({"bus": MqConfig.model_validate({"url": BROKERS[kind][0].format(
        port=BROKERS[kind][1]), "timeout": 3000})})

    async def consume() -> Any:
        base = "mq://bus/consume"
        tool = bus.resolve(base)
        assert tool is not None
        return await tool.call(ToolCall(uri=base, base=base, type="mq", code="bus/consume",
                                        args={"topic": topic, "timeout": 20_000}, node="n"))

    async def go() -> ToolError:
        result: dict[str, Any] = {}

        async def waiting() -> None:
            with pytest.raises(ToolError) as caught:
                await consume()
            result["error"] = caught.value

        with trio.fail_after(15):
            # Connected first, so that the consume below only has to reach the broker's loop
            # (connecting can take seconds on a loaded machine).
            await bus.run("bus", "mq://bus/publish",
                          lambda broker: broker.publish(f"{topic}.warm", b"{}", {}))
            async with trio.open_nursery() as nursery:
                nursery.start_soon(waiting)
                await trio.sleep(1)  # the consume is waiting for a message
                await bus.aclose()
        error: ToolError = result["error"]
        return error

    try:
        error = trio.run(go)
    finally:
        _cleanup(kind, topic)
    assert (error.code, error.type, error.retryable) == ("MQ503", "connection", True)
