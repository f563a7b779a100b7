"""``mq://`` on NATS (``nats://``) with nats-py: JetStream for publish and consume, core NATS
request-reply for request.

**Bridge to trio:** nats-py is asyncio-only; each broker has a dedicated thread running its
own asyncio loop (`stdlib.tools._asyncio_thread.AsyncioThread`), which holds the connection.
A cancelled trio call cancels its asyncio task and waits for it to unwind.

* publish: ``js.publish``; when no JetStream stream holds the subject yet, a file stream
  ``FDL_<subject>`` is made for it (so a message published before anyone consumes is kept).
  The id is the message's stream sequence. Subjects under ``_INBOX.`` (reply addresses) are
  published on core NATS, never stored.
* fetch: a durable pull consumer ``<group>_<subject>`` on the stream (made on first use,
  delivering from the stream's start), ``fetch`` waiting up to ``timeout``; ack: ``msg.ack``
  (a message not acknowledged is redelivered after the consumer's ack wait).
* request: a fresh ``_INBOX.`` subject receives the reply. On a subject no stream holds, the
  request is core NATS's own (the message's reply subject, answered by any responder with
  ``msg.respond``); on a subject a stream holds, it is stored with the header ``replyTo``
  naming the inbox (answered by a flow consuming it and publishing to ``headers.replyTo``).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from ._asyncio_thread import AsyncioThread
from .mq_broker import Delivery, ack_all, acked_unless_abandoned, quiet_library_logs
from .mq_config import MqConfig

__all__ = ["NatsBroker"]

T = TypeVar("T")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


async def _quiet(_error: Exception) -> None:
    """nats-py's error callback: failures reach the caller as exceptions instead."""


class NatsBroker:
    """A NATS server with JetStream."""

    def __init__(self, config: MqConfig) -> None:
        quiet_library_logs("nats")
        import nats
        import nats.errors

        self._nats = nats
        self.config = config
        self.connection_errors: tuple[type[Exception], ...] = (
            nats.errors.NoServersError, nats.errors.ConnectionClosedError,
            nats.errors.StaleConnectionError, nats.errors.UnexpectedEOF)
        self.broker_errors: tuple[type[Exception], ...] = (nats.errors.Error,)
        self.thread = AsyncioThread(f"fdl-mq-nats-{config.url.rpartition('@')[2]}")
        self._client: Any = None
        self._streams: dict[str, str] = {}
        self._subscriptions: dict[tuple[str, str], Any] = {}

    async def _run(self, work: Callable[[Any], Awaitable[T]], *,
                   abandoned: threading.Event | None = None) -> T:
        async def connected() -> T:
            if self._client is None or self._client.is_closed:
                self._client = await self._nats.connect(
                    self.config.url, connect_timeout=self.config.timeout / 1000,
                    allow_reconnect=False, error_cb=_quiet)
            return await work(self._client)

        return await self.thread.run(connected, abandoned=abandoned)

    async def _stream(self, client: Any, topic: str) -> str:
        stream = self._streams.get(topic)
        if stream is None:
            from nats.js.errors import NotFoundError

            js = client.jetstream(timeout=self.config.timeout / 1000)
            try:
                stream = await js.find_stream_name_by_subject(topic)
            except NotFoundError:
                stream = f"FDL_{_UNSAFE.sub('_', topic)}"
                await js.add_stream(name=stream, subjects=[topic])
            self._streams[topic] = stream
        return stream

    async def publish(self, topic: str, body: bytes, headers: Mapping[str, str]) -> str:
        """Store the message in the subject's stream (made if none)."""
        async def go(client: Any) -> str:
            if topic.startswith("_INBOX."):
                await client.publish(topic, body, headers=dict(headers) or None)
                await client.flush()
                return ""
            await self._stream(client, topic)
            ack = await client.jetstream(timeout=self.config.timeout / 1000).publish(
                topic, body, headers=dict(headers) or None)
            return str(ack.seq)

        return await self._run(go)

    async def fetch(self, topic: str, count: int, wait_ms: int, consumer: str
                    ) -> list[Delivery]:
        """Pull up to ``count`` messages as the durable consumer of the group."""
        return await self._fetch(topic, count, wait_ms, acknowledge=False)

    async def take(self, topic: str, count: int, wait_ms: int, consumer: str
                   ) -> list[Delivery]:
        """`fetch` and `ack` in one call on the broker's loop."""
        return await self._fetch(topic, count, wait_ms, acknowledge=True)

    async def _fetch(self, topic: str, count: int, wait_ms: int, *, acknowledge: bool
                     ) -> list[Delivery]:
        async def fetched(client: Any) -> list[Delivery]:
            stream = await self._stream(client, topic)
            durable = f"{self.config.group}_{_UNSAFE.sub('_', topic)}"
            key = (stream, durable)
            subscription = self._subscriptions.get(key)
            if subscription is None:
                subscription = await client.jetstream(
                    timeout=self.config.timeout / 1000).pull_subscribe(
                    topic, durable=durable, stream=stream)
                self._subscriptions[key] = subscription
            try:
                messages = await subscription.fetch(count, timeout=wait_ms / 1000)
            except (TimeoutError, self._nats.errors.TimeoutError):  # batch > 1: asyncio's
                return []
            return [Delivery(str(m.metadata.sequence.stream), m.data,
                             {k: v for k, v in (m.headers or {}).items()
                              if not k.startswith("Nats-")}, m)
                    for m in messages]

        abandoned = threading.Event()
        return await self._run(acked_unless_abandoned(fetched, acknowledge, abandoned),
                               abandoned=abandoned)

    async def ack(self, topic: str, deliveries: Sequence[Delivery]) -> None:
        """Acknowledge each message to JetStream."""
        if deliveries:
            await self._run(lambda _connection: ack_all(deliveries))

    async def reclaim(self, topic: str, consumer: str, idle_ms: int, count: int
                      ) -> list[Delivery]:
        """None: the broker delivers a dead consumer's messages again by itself."""
        return []

    async def request(self, topic: str, body: bytes, wait_ms: int) -> bytes | None:
        """Send with a fresh inbox as the reply address; the first message there."""
        async def go(client: Any) -> bytes | None:
            from nats.js.errors import NotFoundError

            inbox = client.new_inbox()
            replies = await client.subscribe(inbox, max_msgs=1)
            try:
                js = client.jetstream(timeout=self.config.timeout / 1000)
                try:
                    await js.find_stream_name_by_subject(topic)
                    await js.publish(topic, body, headers={"replyTo": inbox})
                except NotFoundError:
                    await client.publish(topic, body, reply=inbox, headers={"replyTo": inbox})
                try:
                    reply = await replies.next_msg(timeout=wait_ms / 1000)
                except (TimeoutError, self._nats.errors.TimeoutError):
                    return None
                if (reply.headers or {}).get("Status") == "503":
                    return None  # core NATS: no responder listens on the subject
                return bytes(reply.data)
            finally:
                with contextlib.suppress(self._nats.errors.Error):
                    await replies.unsubscribe()

        return await self._run(go)

    async def aclose(self) -> None:
        """Drain the connection and stop the loop."""
        async def go() -> None:
            if self._client is not None and not self._client.is_closed:
                await self._client.close()

        try:
            await self.thread.run(go)
        finally:
            await self.thread.close()

