"""``mq://`` on Redis streams (``redis://``, ``rediss://``).

**Bridge to trio:** redis-py's blocking client (imported when a broker is first used;
thread-safe, with its own connection pool, one per broker), every command in a worker thread
(`trio.to_thread.run_sync`). A blocking read (``XREADGROUP ... BLOCK``) is bounded by the
call's ``timeout``; on cancellation the thread is abandoned and finishes by itself when that
bound passes.

* publish: ``XADD topic * message <json> headers <json>``; the id is the stream entry's.
* fetch: ``XREADGROUP`` as the entry's ``group`` (created at the start of the stream on first
  use, so nothing published before the first consume is missed; made again when the stream
  was deleted since); ack: ``XACK``; take (what ``consume`` does): both in one worker thread,
  the ``XACK`` left out when the call was cancelled during the read.
* reclaim: ``XAUTOCLAIM`` of the group's entries left pending (taken, never acknowledged)
  longer than a bound: how a trigger takes over the message of a process that died.
* request: the message is published with the header ``replyTo`` naming a fresh stream; the
  first entry there is the reply; the reply stream is removed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import trio

from .mq_broker import Delivery, quiet_library_logs
from .mq_config import MqConfig

__all__ = ["RedisBroker"]

T = TypeVar("T")


class RedisBroker:
    """A Redis broker: streams."""

    def __init__(self, config: MqConfig) -> None:
        quiet_library_logs("redis")
        # redis-py takes a good part of a second to import: only projects using it pay.
        import redis

        self.errors = redis.exceptions
        self.connection_errors: tuple[type[Exception], ...] = (redis.exceptions.ConnectionError,
                                  redis.exceptions.TimeoutError)
        self.broker_errors: tuple[type[Exception], ...] = (redis.exceptions.RedisError,)
        self.config = config
        self._groups: set[str] = set()
        """Streams whose consumer group this broker made (or found) already."""
        seconds = config.timeout / 1000
        self.client = redis.Redis.from_url(config.url, socket_connect_timeout=seconds,
                                           socket_timeout=seconds)

    async def _run(self, work: Callable[[], T]) -> T:
        return await trio.to_thread.run_sync(work, abandon_on_cancel=True)

    def _xadd(self, topic: str, body: bytes, headers: Mapping[str, str]) -> str:
        entry = self.client.xadd(topic, {"message": body, "headers": json.dumps(headers)})
        return entry.decode() if isinstance(entry, bytes) else str(entry)

    async def publish(self, topic: str, body: bytes, headers: Mapping[str, str]) -> str:
        """``XADD``."""
        return await self._run(lambda: self._xadd(topic, body, headers))

    def _group(self, topic: str) -> None:
        try:
            self.client.xgroup_create(topic, self.config.group, id="0", mkstream=True)
        except self.errors.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._groups.add(topic)

    def _read(self, topic: str, count: int, wait_ms: int, consumer: str) -> list[Delivery]:
        if topic not in self._groups:
            self._group(topic)
        try:
            answer: Any = self.client.xreadgroup(self.config.group, consumer, {topic: ">"},
                                                 count=count, block=wait_ms)
        except self.errors.ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            self._group(topic)  # the stream was deleted since: make it again
            answer = self.client.xreadgroup(self.config.group, consumer, {topic: ">"},
                                            count=count, block=wait_ms)
        return [Delivery(entry_id.decode(), fields.get(b"message", b"null"),
                         _headers(fields.get(b"headers", b"{}")))
                for _stream, entries in answer or [] for entry_id, fields in entries]

    async def fetch(self, topic: str, count: int, wait_ms: int, consumer: str
                    ) -> list[Delivery]:
        """``XREADGROUP`` as the configured group."""
        return await self._run(lambda: self._read(topic, count, wait_ms, consumer))

    async def ack(self, topic: str, deliveries: Sequence[Delivery]) -> None:
        """``XACK``."""
        if deliveries:
            ids = [d.id for d in deliveries]
            await self._run(lambda: self.client.xack(topic, self.config.group, *ids))

    def _reclaim(self, topic: str, consumer: str, idle_ms: int, count: int
                 ) -> list[Delivery]:
        self._group(topic)
        answer: Any = self.client.xautoclaim(topic, self.config.group, consumer, idle_ms,
                                             start_id="0-0", count=count)
        entries = answer[1] if answer else []
        return [Delivery(entry_id.decode(), fields.get(b"message", b"null"),
                         _headers(fields.get(b"headers", b"{}")))
                for entry_id, fields in entries if fields]

    async def reclaim(self, topic: str, consumer: str, idle_ms: int, count: int
                      ) -> list[Delivery]:
        """``XAUTOCLAIM``: the group's entries pending for ``idle_ms`` become ``consumer``'s
        (a consumer that died holding them never acknowledges them)."""
        return await self._run(lambda: self._reclaim(topic, consumer, idle_ms, count))

    def _take(self, topic: str, count: int, wait_ms: int, consumer: str) -> list[Delivery]:
        taken = self._read(topic, count, wait_ms, consumer)
        if taken:
            trio.from_thread.check_cancelled()  # a call no longer wanted leaves them pending
            self.client.xack(topic, self.config.group, *[d.id for d in taken])
        return taken

    async def take(self, topic: str, count: int, wait_ms: int, consumer: str
                   ) -> list[Delivery]:
        """``XREADGROUP`` then ``XACK`` in one worker thread (unless the call was cancelled
        meanwhile)."""
        return await self._run(lambda: self._take(topic, count, wait_ms, consumer))

    def _request(self, topic: str, body: bytes, wait_ms: int) -> bytes | None:
        key = f"fdl:reply:{uuid.uuid4().hex}"
        self._xadd(topic, body, {"replyTo": key})
        try:
            answer: Any = self.client.xread({key: "0"}, count=1, block=wait_ms)
        finally:
            self.client.delete(key)
        for _stream, entries in answer or []:
            for _entry_id, fields in entries:
                return bytes(fields.get(b"message", b"null"))
        return None

    async def request(self, topic: str, body: bytes, wait_ms: int) -> bytes | None:
        """Publish with ``replyTo`` a fresh stream, read its first entry."""
        return await self._run(lambda: self._request(topic, body, wait_ms))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await trio.to_thread.run_sync(self.client.close)


def _headers(raw: bytes) -> dict[str, str]:
    try:
        headers = json.loads(raw)
    except ValueError:
        return {}
    return headers if isinstance(headers, dict) else {}
