"""``mq://<name>/<operation>`` — message brokers (spec/tools.md §6); Redis streams so far.

Each ``mq:`` entry of ``fdl.yaml`` (`stdlib.tools.mq_config.MqConfig`) is a broker. The kind is
the URL's scheme; ``redis://`` (and ``rediss://``) brokers are served here, through Redis
streams. AMQP, MQTT and NATS entries are accepted by the configuration and fail at run time
with F406 naming the kind (not implemented yet).

**Bridge to trio:** redis-py's blocking client (imported when a broker is first used;
thread-safe, with its own connection pool, one per broker), every command in a worker thread
(`trio.to_thread.run_sync`). A blocking read (``XREADGROUP ... BLOCK``) is bounded by the
call's ``timeout``; on cancellation the thread is abandoned and finishes by itself when that
bound passes.

On Redis streams:

* ``publish(topic, message, headers?)`` → ``{id}``: ``XADD topic * message <json> headers
  <json>``; the id is the stream entry's.
* ``consume(topic, max=1, timeout=1000)`` → ``[{message, headers, id}]``: ``XREADGROUP`` as the
  entry's ``group`` (created at the start of the stream on first use, so nothing published
  before the first consume is missed), waiting up to ``timeout`` ms for the first message.
  The messages are acknowledged (``XACK``) once they are read and the call is still wanted:
  a call cancelled while it reads leaves them pending in the group, not lost (**decision**:
  the runtime has no "node completed" hook, so the call returning is the node completing).
* ``request(topic, message, timeout=1000)`` → the reply: the message is published with the
  header ``replyTo`` naming a fresh stream, and the first entry there is the reply (a
  responder publishes its answer to ``headers.replyTo``); the reply stream is removed.
  No reply in time is F407.

Errors are `ToolError`: MQ400 for arguments (a topic that is not text, a message that is not
JSON), MQ503 for a broker that cannot be reached or drops the connection (type
``connection``, retryable), F407 for no reply in time, F406 for a broker kind not served yet.
The URL's password never appears in a message.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import trio

from stdlib.tools import Tool, ToolCall, ToolError

from ._http import Secrets, describe_exception, redact_url
from .mq_config import MQ_OPERATIONS, MqConfig

__all__ = ["MqTools"]

T = TypeVar("T")
DEFAULT_WAIT = 1000
"""ms ``consume`` and ``request`` wait when the call gives no ``timeout``."""


def _json(value: Any, label: str) -> str:
    try:
        return json.dumps(value, default=str, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ToolError("MQ400", f"{label}: the message cannot be sent as JSON ({error})",
                        type="validation") from None


def _decode(fields: Mapping[bytes, bytes]) -> tuple[Any, dict[str, str]]:
    raw = fields.get(b"message", b"null")
    try:
        message = json.loads(raw)
    except ValueError:
        message = raw.decode("utf-8", "replace")
    try:
        headers = json.loads(fields.get(b"headers", b"{}"))
    except ValueError:
        headers = {}
    return message, headers if isinstance(headers, dict) else {}


class _Redis:
    """A Redis broker: streams."""

    def __init__(self, config: MqConfig) -> None:
        # redis-py takes a good part of a second to import: only projects using it pay.
        import redis

        self.errors = redis.exceptions
        self.config = config
        seconds = config.timeout / 1000
        self.client = redis.Redis.from_url(config.url, socket_connect_timeout=seconds,
                                           socket_timeout=seconds)

    def publish(self, topic: str, message: str, headers: Mapping[str, str]) -> str:
        entry = self.client.xadd(topic, {"message": message, "headers": json.dumps(headers)})
        return entry.decode() if isinstance(entry, bytes) else str(entry)

    def _group(self, topic: str) -> None:
        try:
            self.client.xgroup_create(topic, self.config.group, id="0", mkstream=True)
        except self.errors.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def read(self, topic: str, count: int, wait_ms: int, consumer: str
             ) -> list[tuple[str, Mapping[bytes, bytes]]]:
        self._group(topic)
        answer: Any = self.client.xreadgroup(self.config.group, consumer, {topic: ">"},
                                             count=count, block=wait_ms)
        found = []
        for _stream, entries in answer or []:
            for entry_id, fields in entries:
                found.append((entry_id.decode(), fields))
        return found

    def ack(self, topic: str, ids: Sequence[str]) -> None:
        if ids:
            self.client.xack(topic, self.config.group, *ids)

    def reply(self, key: str, wait_ms: int) -> Mapping[bytes, bytes] | None:
        try:
            answer: Any = self.client.xread({key: "0"}, count=1, block=wait_ms)
        finally:
            self.client.delete(key)
        for _stream, entries in answer or []:
            for _entry_id, fields in entries:
                return dict(fields)
        return None

    def close(self) -> None:
        self.client.close()


class MqTools:
    """A runtime `ToolProvider` for ``mq://<name>/<operation>``.

    Args:
        brokers: the ``mq:`` entries by name.
    """

    def __init__(self, brokers: Mapping[str, MqConfig]) -> None:
        self.configs = dict(brokers)
        self._brokers: dict[str, _Redis] = {}

    def resolve(self, base: str) -> Tool | None:
        """The tool of ``mq://<name>/<operation>``; None for others."""
        scheme, _, code = base.partition("://")
        name, _, operation = code.partition("/")
        if scheme != "mq" or operation not in MQ_OPERATIONS or name not in self.configs:
            return None
        return _MqTool(self, name, operation)

    async def aclose(self) -> None:
        """Close the brokers' connection pools."""
        for broker in self._brokers.values():
            await trio.to_thread.run_sync(broker.close)
        self._brokers.clear()

    def _broker(self, name: str, label: str) -> _Redis:
        broker = self._brokers.get(name)
        if broker is None:
            config = self.configs[name]
            if config.scheme != "redis":
                raise ToolError("F406", f"{label}: {config.scheme}:// brokers are not "
                                "supported yet (Redis streams are)")
            broker = self._brokers[name] = _Redis(config)
        return broker

    async def run(self, name: str, label: str, work: Callable[[_Redis], T]) -> T:
        """``work(broker)`` in a worker thread, its failures as `ToolError`."""
        broker = self._broker(name, label)
        secrets = Secrets()
        password = broker.client.connection_pool.connection_kwargs.get("password")
        if password:
            secrets.add(str(password))
        errors = broker.errors
        try:
            return await trio.to_thread.run_sync(lambda: work(broker), abandon_on_cancel=True)
        except (errors.ConnectionError, errors.TimeoutError) as error:
            raise ToolError("MQ503", f"{label}: could not reach the broker at "
                            f"{redact_url(broker.config.url)}: "
                            f"{describe_exception(error, secrets)}",
                            type="connection") from None
        except errors.RedisError as error:
            raise ToolError("MQ500", f"{label}: the broker answered: "
                            f"{describe_exception(error, secrets)}", type="tool") from None


def _topic(args: Mapping[str, Any], label: str) -> str:
    topic = args.get("topic")
    if not isinstance(topic, str) or not topic:
        raise ToolError("MQ400", f"{label}: topic must be non-empty text", type="validation")
    return topic


def _wait(args: Mapping[str, Any], label: str) -> int:
    wait = args.get("timeout")
    if wait is None:
        return DEFAULT_WAIT
    if not isinstance(wait, int) or isinstance(wait, bool) or wait <= 0:
        raise ToolError("MQ400", f"{label}: timeout is a positive number of ms",
                        type="validation")
    return wait


def _headers(args: Mapping[str, Any], label: str) -> dict[str, str]:
    headers = args.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ToolError("MQ400", f"{label}: headers must map names to text",
                        type="validation")
    return dict(headers)


class _MqTool:
    arguments: Sequence[str]

    def __init__(self, owner: MqTools, name: str, operation: str) -> None:
        self.owner = owner
        self.name = name
        self.operation = operation
        self.label = f"mq://{name}/{operation}"
        self.arguments = {"publish": ("topic", "message", "headers"),
                          "consume": ("topic", "max", "timeout"),
                          "request": ("topic", "message", "timeout")}[operation]

    async def call(self, call: ToolCall) -> Any:
        args, label = call.args, self.label
        topic = _topic(args, label)
        run = self.owner.run
        if self.operation == "publish":
            body, headers = _json(args.get("message"), label), _headers(args, label)
            return {"id": await run(self.name, label,
                                    lambda b: b.publish(topic, body, headers))}
        wait = _wait(args, label)
        if self.operation == "consume":
            count = args.get("max") or 1
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise ToolError("MQ400", f"{label}: max is a whole number of at least 1",
                                type="validation")
            consumer = call.node or "fdl"
            entries = await run(self.name, label,
                                lambda b: b.read(topic, count, wait, consumer))
            await run(self.name, label, lambda b: b.ack(topic, [i for i, _ in entries]))
            found = []
            for entry_id, fields in entries:
                message, headers = _decode(fields)
                found.append({"message": message, "headers": headers, "id": entry_id})
            return found
        body = _json(args.get("message"), label)
        reply_to = f"fdl:reply:{uuid.uuid4().hex}"
        await run(self.name, label, lambda b: b.publish(topic, body, {"replyTo": reply_to}))
        reply = await run(self.name, label, lambda b: b.reply(reply_to, wait))
        if reply is None:
            raise ToolError("F407", f"{label}: no reply on {topic} within {wait} ms",
                            type="timeout")
        return _decode(reply)[0]
