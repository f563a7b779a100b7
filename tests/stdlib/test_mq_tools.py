"""``mq://`` (stdlib/tools/mq.py, tools.md §6) on the real Redis of shared/services.md
(127.0.0.1:6379; the tests skip, naming it, when nothing listens there). Each test uses its
own stream names and deletes them."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import trio

from stdlib.config import ConfigError, project_config
from stdlib.tools import ToolCall, ToolError
from stdlib.tools.mq import MqTools
from stdlib.tools.mq_config import MqConfig
from tests.fdl.test_cli_adapters import invoke, output_of, write

REDIS_URL = "redis://127.0.0.1:6379/0"


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


needs_redis = pytest.mark.skipif(not _listening(6379),
                                 reason="Redis is not running on 127.0.0.1:6379")


@pytest.fixture
def topic() -> Iterator[str]:
    name = f"fdl-test-{uuid.uuid4().hex[:8]}"
    yield name
    if _listening(6379):
        redis.Redis.from_url(REDIS_URL).delete(name)


def tools(url: str = REDIS_URL) -> MqTools:
    return MqTools({"bus": MqConfig.model_validate({"url": url})})


async def _call(provider: MqTools, operation: str, args: dict[str, Any],
                node: str = "n") -> Any:
    base = f"mq://bus/{operation}"
    tool = provider.resolve(base)
    assert tool is not None
    return await tool.call(ToolCall(uri=base, base=base, type="mq", code=f"bus/{operation}",
                                    args=args, node=node))


def call(provider: MqTools, operation: str, **args: Any) -> Any:
    async def go() -> Any:
        try:
            return await _call(provider, operation, args)
        finally:
            await provider.aclose()

    return trio.run(go)


def fails(provider: MqTools, operation: str, **args: Any) -> ToolError:
    with pytest.raises(ToolError) as caught:
        call(provider, operation, **args)
    return caught.value


@needs_redis
def test_publish_then_consume_round_trips_message_and_headers(topic: str) -> None:
    bus = tools()
    published = call(bus, "publish", topic=topic, message={"level": "error", "n": 3},
                     headers={"source": "test"})
    assert published["id"].count("-") == 1
    [received] = call(bus, "consume", topic=topic, max=5, timeout=500)
    assert received == {"message": {"level": "error", "n": 3}, "headers": {"source": "test"},
                        "id": published["id"]}


@needs_redis
def test_consumed_messages_are_acknowledged_and_not_delivered_again(topic: str) -> None:
    bus = tools()
    for n in range(3):
        call(bus, "publish", topic=topic, message=n)
    first = call(bus, "consume", topic=topic, max=2, timeout=500)
    second = call(bus, "consume", topic=topic, max=2, timeout=500)
    assert [m["message"] for m in first] == [0, 1] and [m["message"] for m in second] == [2]
    assert call(bus, "consume", topic=topic, timeout=100) == []
    pending = redis.Redis.from_url(REDIS_URL).xpending(topic, "fdl")
    assert pending["pending"] == 0


@needs_redis
def test_consume_waits_for_a_message_published_meanwhile(topic: str) -> None:
    bus = tools()

    async def go() -> Any:
        async with trio.open_nursery() as nursery:
            got: list[Any] = []

            async def consume() -> None:
                got.extend(await _call(bus, "consume", {"topic": topic, "timeout": 5000}))

            nursery.start_soon(consume)
            await trio.sleep(0.3)
            await _call(bus, "publish", {"topic": topic, "message": "late"})
        await bus.aclose()
        return got

    assert [m["message"] for m in trio.run(go)] == ["late"]


@needs_redis
def test_request_gets_the_reply_a_responder_publishes_to_reply_to(topic: str) -> None:
    bus = tools()

    async def go() -> Any:
        async with trio.open_nursery() as nursery:
            async def responder() -> None:
                [request] = await _call(bus, "consume", {"topic": topic, "timeout": 5000},
                                        node="responder")
                await _call(bus, "publish", {"topic": request["headers"]["replyTo"],
                                             "message": {"echo": request["message"]}})

            nursery.start_soon(responder)
            answer = await _call(bus, "request", {"topic": topic, "message": "ping",
                                                  "timeout": 5000})
        await bus.aclose()
        return answer

    assert trio.run(go) == {"echo": "ping"}


@needs_redis
def test_a_request_without_a_reply_is_f407(topic: str) -> None:
    error = fails(tools(), "request", topic=topic, message=1, timeout=200)
    assert (error.code, error.type) == ("F407", "timeout")


def test_a_broker_that_is_not_there_is_a_retryable_connection_error(topic: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = fails(tools(f"redis://:hunter2@127.0.0.1:{port}/0"), "publish", topic=topic,
                  message=1)
    assert (error.code, error.type, error.retryable) == ("MQ503", "connection", True)
    assert "hunter2" not in error.message


@pytest.mark.parametrize(("args", "message"), [
    ({"topic": "", "message": 1}, "topic"),
    ({"topic": "t", "message": float("nan")}, "JSON"),
    ({"topic": "t", "message": 1, "headers": {"a": 1}}, "headers"),
])
def test_arguments_are_checked_before_anything_is_sent(args: dict[str, Any],
                                                       message: str) -> None:
    error = fails(tools("redis://127.0.0.1:1/0"), "publish", **args)
    assert error.code == "MQ400" and message in error.message


def test_a_bad_broker_url_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "fdl.yaml").write_text("mq:\n    bus: {url: 'http://127.0.0.1'}\n")
    with pytest.raises(ConfigError) as caught:
        project_config(tmp_path)
    assert caught.value.key == "mq.bus.url" and caught.value.line == 2


@needs_redis
def test_fdl_run_publishes_and_consumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        topic: str) -> None:
    monkeypatch.chdir(tmp_path)
    write("fdl.yaml", f"mq:\n    bus: {{url: '{REDIS_URL}'}}\n")
    write("flows/relay.yaml", f"""\
        flow:
            name: Relay
            node:
                send:
                    exec: mq://bus/publish
                    args: |
                        topic = '{topic}'
                        message = {{order: 7}}
                    next: take
                take:
                    exec: mq://bus/consume
                    args: topic = '{topic}', timeout = 1000
    """)
    result = invoke("run", "flows/relay.yaml", "--json")
    [message] = output_of(result)["output"]
    assert message["message"] == {"order": 7}
    assert json.dumps(message["headers"]) == "{}"
