"""``mq://`` on MQTT 5 (``mqtt://``; Mosquitto) with aiomqtt.

**Bridge to trio:** aiomqtt is asyncio-only; each broker has a dedicated thread running its own
asyncio loop (`stdlib.tools._asyncio_thread.AsyncioThread`), which holds one client
connection and a reader task sorting incoming messages by subscription. A cancelled trio call
cancels its asyncio task and waits for it to unwind.

The topic is an MQTT topic (filters with ``+``/``#`` may be consumed).

* publish: QoS 1, the headers as MQTT 5 user properties, plus ``fdl-id`` (a fresh id, the
  publish's answer).
* fetch: the first consume of a topic subscribes (QoS 1) and keeps the subscription for the
  life of the connection, so messages published between two consumes wait for the next one;
  **MQTT keeps no messages for a topic nobody subscribed to**, so a message published before
  the first consume of its topic is not seen (decision: tools.md is silent; retained messages
  are left to the publisher). The client acknowledges QoS 1 messages on receipt (the
  protocol's own acknowledgement); ``ack`` has nothing left to do.
* request: a fresh reply topic ``fdl/reply/<id>`` is subscribed; the message carries it as
  the MQTT 5 ``ResponseTopic`` and as the header ``replyTo``; the first message there is the
  reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from ._asyncio_thread import AsyncioThread
from .mq_broker import Delivery, quiet_library_logs
from .mq_config import MqConfig

__all__ = ["MqttBroker"]

T = TypeVar("T")
ID = "fdl-id"


class MqttBroker:
    """An MQTT 5 broker."""

    def __init__(self, config: MqConfig) -> None:
        quiet_library_logs("mqtt", "aiomqtt")
        import aiomqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self._mqtt = aiomqtt
        self._properties: Callable[[], Any] = lambda: Properties(  # type: ignore[no-untyped-call]
            PacketTypes.PUBLISH)
        self.config = config
        self.connection_errors: tuple[type[Exception], ...] = (aiomqtt.MqttError,)
        self.broker_errors: tuple[type[Exception], ...] = (aiomqtt.MqttError,)
        self.thread = AsyncioThread(f"fdl-mq-mqtt-{config.url.rpartition('@')[2]}")
        self._client: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._queues: dict[str, asyncio.Queue[Any]] = {}

    async def _connect(self) -> Any:
        if self._client is None:
            parts = urlsplit(self.config.url)
            client = self._mqtt.Client(
                parts.hostname or "127.0.0.1", parts.port or 1883,
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                identifier=f"fdl-{self.config.group}-{uuid.uuid4().hex[:8]}",
                protocol=self._mqtt.ProtocolVersion.V5, timeout=self.config.timeout / 1000)
            await client.__aenter__()
            self._client = client
            self._reader = asyncio.get_running_loop().create_task(self._read(client))
        return self._client

    async def _read(self, client: Any) -> None:
        async for message in client.messages:
            for subscription, queue in self._queues.items():
                if message.topic.matches(subscription):
                    queue.put_nowait(message)

    async def _run(self, work: Callable[[Any], Awaitable[T]]) -> T:
        async def connected() -> T:
            return await work(await self._connect())

        return await self.thread.run(connected)

    async def _send(self, client: Any, topic: str, body: bytes,
                    headers: Mapping[str, str], response_topic: str | None = None) -> str:
        message_id = uuid.uuid4().hex
        properties = self._properties()
        properties.UserProperty = [*headers.items(), (ID, message_id)]
        if response_topic:
            properties.ResponseTopic = response_topic
        await client.publish(topic, body, qos=1, properties=properties)
        return message_id

    async def publish(self, topic: str, body: bytes, headers: Mapping[str, str]) -> str:
        """Publish at QoS 1."""
        return await self._run(lambda client: self._send(client, topic, body, headers))

    async def _subscribe(self, client: Any, topic: str) -> asyncio.Queue[Any]:
        queue = self._queues.get(topic)
        if queue is None:
            queue = self._queues[topic] = asyncio.Queue()
            await client.subscribe(topic, qos=1)
        return queue

    @staticmethod
    async def _take(queue: asyncio.Queue[Any], count: int, wait_ms: int) -> list[Any]:
        try:
            taken = [await asyncio.wait_for(queue.get(), wait_ms / 1000)]
        except TimeoutError:
            return []
        while len(taken) < count and not queue.empty():
            taken.append(queue.get_nowait())
        return taken

    async def fetch(self, topic: str, count: int, wait_ms: int, consumer: str
                    ) -> list[Delivery]:
        """Take from the topic's subscription (made on first use)."""
        async def go(client: Any) -> list[Delivery]:
            queue = await self._subscribe(client, topic)
            found = []
            for message in await self._take(queue, count, wait_ms):
                headers = dict(getattr(message.properties, "UserProperty", None) or [])
                message_id = headers.pop(ID, str(message.mid))
                found.append(Delivery(message_id, bytes(message.payload), headers))
            return found

        return await self._run(go)

    async def ack(self, topic: str, deliveries: Sequence[Delivery]) -> None:
        """Nothing: QoS 1 messages are acknowledged on receipt."""

    async def reclaim(self, topic: str, consumer: str, idle_ms: int, count: int
                      ) -> list[Delivery]:
        """None: the broker delivers a dead consumer's messages again by itself."""
        return []

    async def take(self, topic: str, count: int, wait_ms: int, consumer: str
                   ) -> list[Delivery]:
        """`fetch` (acknowledged on receipt already)."""
        return await self.fetch(topic, count, wait_ms, consumer)

    async def request(self, topic: str, body: bytes, wait_ms: int) -> bytes | None:
        """Publish with a fresh response topic, take the first message there."""
        async def go(client: Any) -> bytes | None:
            reply_topic = f"fdl/reply/{uuid.uuid4().hex}"
            queue = await self._subscribe(client, reply_topic)
            try:
                await self._send(client, topic, body, {"replyTo": reply_topic}, reply_topic)
                taken = await self._take(queue, 1, wait_ms)
                return bytes(taken[0].payload) if taken else None
            finally:
                del self._queues[reply_topic]
                with contextlib.suppress(self._mqtt.MqttError):
                    await client.unsubscribe(reply_topic)

        return await self._run(go)

    async def aclose(self) -> None:
        """Disconnect and stop the loop."""
        async def go() -> None:
            if self._reader is not None:
                self._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, self._mqtt.MqttError):
                    await self._reader
            if self._client is not None:
                with contextlib.suppress(self._mqtt.MqttError):
                    await self._client.__aexit__(None, None, None)
            self._client = self._reader = None

        try:
            await self.thread.run(go)
        finally:
            await self.thread.close()
