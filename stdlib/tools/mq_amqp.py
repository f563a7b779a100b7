"""``mq://`` on AMQP 0-9-1 (``amqp://``, ``amqps://``; RabbitMQ) with aio-pika.

**Bridge to trio:** aio-pika is asyncio-only; each broker has a dedicated thread running its
own asyncio loop (`stdlib.tools._asyncio_thread.AsyncioThread`), which holds the connection
and its channel. A cancelled trio call cancels its asyncio task and waits for it to unwind.

The topic is a queue, reached through the default exchange (routing key = queue name).

* publish: the queue is declared durable (idempotent) unless its name starts with ``amq.``
  (server-named reply queues); the message is persistent, JSON, with the headers given and a
  fresh ``message_id``, which is the id.
* fetch: ``basic.get`` without auto-ack, polled every 20 ms until the first message or the
  call's ``timeout``, then what is ready up to ``max``; ack: ``basic.ack``. A message taken
  and not acknowledged goes back to the queue when the channel closes.
* request: a server-named exclusive reply queue; the message carries it as ``reply_to`` (for
  AMQP responders) and as the header ``replyTo`` (for flows); the first message there is the
  reply; the reply queue is deleted.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from ._asyncio_thread import AsyncioThread
from .mq_broker import Delivery, ack_all, acked_unless_abandoned, quiet_library_logs
from .mq_config import MqConfig

__all__ = ["AmqpBroker"]

T = TypeVar("T")
POLL = 0.02
"""Seconds between two ``basic.get`` of a waiting fetch."""


def _alive(connection: Any) -> bool:
    """Whether an aio-pika connection is still usable: aio-pika marks it closed only some
    time after its reader saw the socket reset, aiormq's own connection knows at once."""
    if connection is None or connection.is_closed:
        return False
    transport = connection.transport
    return transport is not None and not transport.connection.is_closed


class AmqpBroker:
    """A RabbitMQ (AMQP 0-9-1) broker."""

    def __init__(self, config: MqConfig) -> None:
        quiet_library_logs("aiormq", "aio_pika")
        import aio_pika
        import aiormq.exceptions

        self._pika = aio_pika
        self.config = config
        self.connection_errors: tuple[type[Exception], ...] = (
            aiormq.exceptions.AMQPConnectionError, ConnectionError,
            aiormq.exceptions.ChannelInvalidStateError)  # a channel whose connection closed
        self.broker_errors: tuple[type[Exception], ...] = (aiormq.exceptions.AMQPError,)
        self.thread = AsyncioThread(f"fdl-mq-amqp-{config.url.rpartition('@')[2]}")
        self._connection: Any = None
        self._channel: Any = None
        self._queues: dict[str, Any] = {}
        """Queues declared on the current channel, by name."""

    async def _run(self, work: Callable[[Any], Awaitable[T]], *,
                   abandoned: threading.Event | None = None) -> T:
        async def connected() -> T:
            if not _alive(self._connection):
                self._connection = await self._pika.connect(
                    self.config.url, timeout=self.config.timeout / 1000)
                self._channel = None
            if self._channel is None or self._channel.is_closed:
                self._channel = await self._connection.channel()
                self._queues = {}
            return await work(self._channel)

        return await self.thread.run(connected, abandoned=abandoned)

    async def _queue(self, channel: Any, topic: str) -> Any:
        queue = self._queues.get(topic)
        if queue is None:
            queue = self._queues[topic] = await channel.declare_queue(topic, durable=True)
        return queue

    async def _send(self, channel: Any, topic: str, body: bytes, headers: Mapping[str, str],
                    reply_to: str | None = None) -> str:
        if not topic.startswith("amq."):
            await self._queue(channel, topic)
        message_id = uuid.uuid4().hex
        await channel.default_exchange.publish(
            self._pika.Message(body, headers=dict(headers), message_id=message_id,
                               content_type="application/json", reply_to=reply_to,
                               delivery_mode=self._pika.DeliveryMode.PERSISTENT),
            routing_key=topic)
        return message_id

    async def publish(self, topic: str, body: bytes, headers: Mapping[str, str]) -> str:
        """Publish to the queue through the default exchange."""
        return await self._run(lambda channel: self._send(channel, topic, body, headers))

    @staticmethod
    async def _take(queue: Any, count: int, wait_ms: int) -> list[Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_ms / 1000
        taken: list[Any] = []
        while len(taken) < count:
            message = await queue.get(no_ack=False, fail=False)
            if message is not None:
                taken.append(message)
            elif taken or loop.time() >= deadline:
                break
            else:
                await asyncio.sleep(min(POLL, max(0.0, deadline - loop.time())))
        return taken

    async def fetch(self, topic: str, count: int, wait_ms: int, consumer: str
                    ) -> list[Delivery]:
        """``basic.get`` up to ``count`` messages."""
        return await self._fetch(topic, count, wait_ms, acknowledge=False)

    async def take(self, topic: str, count: int, wait_ms: int, consumer: str
                   ) -> list[Delivery]:
        """`fetch` and `ack` in one call on the broker's loop."""
        return await self._fetch(topic, count, wait_ms, acknowledge=True)

    async def _fetch(self, topic: str, count: int, wait_ms: int, *, acknowledge: bool
                     ) -> list[Delivery]:
        async def fetched(channel: Any) -> list[Delivery]:
            queue = await self._queue(channel, topic)
            return [Delivery(m.message_id or str(m.delivery_tag), m.body,
                             {str(k): str(v) for k, v in (m.headers or {}).items()}, m)
                    for m in await self._take(queue, count, wait_ms)]

        abandoned = threading.Event()
        return await self._run(acked_unless_abandoned(fetched, acknowledge, abandoned),
                               abandoned=abandoned)

    async def ack(self, topic: str, deliveries: Sequence[Delivery]) -> None:
        """``basic.ack`` each message."""
        if deliveries:
            await self._run(lambda _connection: ack_all(deliveries))

    async def reclaim(self, topic: str, consumer: str, idle_ms: int, count: int
                      ) -> list[Delivery]:
        """None: the broker delivers a dead consumer's messages again by itself."""
        return []

    async def request(self, topic: str, body: bytes, wait_ms: int) -> bytes | None:
        """Publish with a fresh reply queue, take the first message there."""
        async def go(channel: Any) -> bytes | None:
            replies = await channel.declare_queue(exclusive=True, auto_delete=True)
            try:
                await self._send(channel, topic, body, {"replyTo": replies.name},
                                 reply_to=replies.name)
                [reply, *_] = await self._take(replies, 1, wait_ms) or [None]
                if reply is None:
                    return None
                await reply.ack()
                return bytes(reply.body)
            finally:
                await replies.delete(if_unused=False, if_empty=False)

        return await self._run(go)

    async def aclose(self) -> None:
        """Close the connection (unacknowledged messages return to their queues)."""
        async def go() -> None:
            if self._connection is not None and not self._connection.is_closed:
                await self._connection.close()

        try:
            await self.thread.run(go)
        finally:
            await self.thread.close()

