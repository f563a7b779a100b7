"""``mq://<name>/<operation>`` — message brokers (spec/tools.md §6).

Each ``mq:`` entry of ``fdl.yaml`` (`stdlib.tools.mq_config.MqConfig`) is a broker; the kind is
the URL's scheme, and one module per kind implements `stdlib.tools.mq_broker.Broker`:

* ``redis://``, ``rediss://``: Redis streams (`stdlib.tools.mq_redis`; redis-py's blocking
  client in worker threads);
* ``nats://``: NATS, JetStream for publish/consume, core request-reply (`stdlib.tools.mq_nats`);
* ``amqp://``, ``amqps://``: RabbitMQ queues (`stdlib.tools.mq_amqp`, aio-pika);
* ``mqtt://``: MQTT 5 topics (`stdlib.tools.mq_mqtt`, aiomqtt).

**Bridge to trio:** the asyncio-only clients (nats-py, aio-pika, aiomqtt) each run on a
dedicated thread with its own asyncio loop (`stdlib.tools._asyncio_thread`), one per broker;
a cancelled call cancels its asyncio task and waits for it to unwind. Redis runs its blocking
client in trio worker threads.

An ``mq`` ToolSpec (``fdl tools import-asyncapi`` writes them; `MqToolConfig`) is one operation on
one topic: ``mq://<name>/<tool>`` runs ``config.operation`` on ``config.topic``, its
``{placeholders}`` filled from the arguments of those names; the other arguments are the
operation's own.

The operations, whatever the broker:

* ``publish(topic, message, headers?)`` → ``{id}``.
* ``consume(topic, max=1, timeout=1000)`` → ``[{message, headers, id}]``, waiting up to
  ``timeout`` ms for the first message. The messages are acknowledged once they are read and
  the call is still wanted, in the same crossing to the client's thread (`Broker.take`): a
  call cancelled while it reads leaves them unacknowledged, and the broker delivers them
  again; an acknowledgement that has begun is finished and the messages returned, never lost
  (**decision**: the runtime has no "node completed" hook, so the call returning is the node
  completing). MQTT acknowledges on receipt (see its module).
* ``request(topic, message, timeout=1000)`` → the reply: the message carries the header
  ``replyTo`` (and the broker's own reply address where it has one); the first message
  published there is the reply. No reply in time is F407.

Errors are `ToolError`: MQ400 for arguments (a topic that is not text, a message that is not
JSON), MQ503 for a broker that cannot be reached or drops the connection (type
``connection``, retryable), MQ500 for anything else the broker answers (not retryable), F407
for no reply in time. The URL's password never appears in a message.

**Connection loss:** a call that fails with MQ503 also drops the broker's connection (closed
within `DISCARD` seconds), so the node's next attempt (``max-attempts``, ``retry``) connects
afresh: a broker that restarts, or a network that comes back, within the retry budget is
reached again; one that does not is MQ503 after the last attempt.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import trio

from stdlib.tools import Tool, ToolCall, ToolError

from ._http import Secrets, describe_exception, redact_url
from .config import PLACEHOLDER
from .mq_amqp import AmqpBroker
from .mq_broker import Broker
from .mq_config import MQ_OPERATIONS, MqConfig, MqToolConfig
from .mq_mqtt import MqttBroker
from .mq_nats import NatsBroker
from .mq_redis import RedisBroker

__all__ = ["MqTools"]

T = TypeVar("T")
DEFAULT_WAIT = 1000
"""ms ``consume`` and ``request`` wait when the call gives no ``timeout``."""
DISCARD = 2.0
"""Seconds closing a broker whose connection failed may take."""


def _json(value: Any, label: str) -> bytes:
    try:
        return json.dumps(value, default=str, allow_nan=False).encode()
    except (TypeError, ValueError) as error:
        raise ToolError("MQ400", f"{label}: the message cannot be sent as JSON ({error})",
                        type="validation") from None


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _connect(config: MqConfig) -> Broker:
    kind = config.scheme
    if kind == "redis":
        return RedisBroker(config)
    if kind == "nats":
        return NatsBroker(config)
    if kind == "amqp":
        return AmqpBroker(config)
    return MqttBroker(config)


class MqTools:
    """A runtime `ToolProvider` for ``mq://<name>/<operation>`` and for the ``mq`` ToolSpecs
    ``mq://<name>/<tool>`` (one operation on one topic, `MqToolConfig`).

    Args:
        brokers: the ``mq:`` entries by name.
        tools: the ``mq`` ToolSpecs by code: their config and declared arguments.
    """

    def __init__(self, brokers: Mapping[str, MqConfig],
                 tools: Mapping[str, tuple[MqToolConfig, Sequence[str]]] | None = None
                 ) -> None:
        self.configs = dict(brokers)
        self.tools = dict(tools or {})
        self._brokers: dict[str, Broker] = {}

    def resolve(self, base: str) -> Tool | None:
        """The tool of ``mq://<name>/<operation>`` or of an ``mq`` ToolSpec; None for
        others."""
        scheme, _, code = base.partition("://")
        name, _, operation = code.partition("/")
        if scheme != "mq" or name not in self.configs:
            return None
        if operation in MQ_OPERATIONS:
            return _MqTool(self, name, operation)
        found = self.tools.get(code)
        if found is None:
            return None
        config, arguments = found
        return _MqTool(self, name, config.operation, topic=config.topic, label=f"mq://{code}",
                       arguments=arguments)

    async def aclose(self) -> None:
        """Close the brokers' connections."""
        brokers = list(self._brokers.values())
        self._brokers.clear()
        for broker in brokers:
            with contextlib.suppress(Exception):
                await broker.aclose()

    async def _discard(self, name: str, broker: Broker) -> None:
        """Forget a broker whose connection failed, so the next call (the node's next
        attempt) connects afresh; its own close is bounded and its failures ignored."""
        if self._brokers.get(name) is broker:
            del self._brokers[name]
        with trio.CancelScope(shield=True) as scope:
            scope.deadline = trio.current_time() + DISCARD
            with contextlib.suppress(Exception):
                await broker.aclose()

    async def run(self, name: str, label: str, work: Callable[[Broker], Awaitable[T]]) -> T:
        """``await work(broker)``, its failures as `ToolError`."""
        config = self.configs[name]
        broker = self._brokers.get(name)
        if broker is None:
            broker = self._brokers[name] = _connect(config)
        secrets = Secrets()
        password = urlsplit(config.url).password
        if password:
            secrets.add(unquote(password))
            secrets.add(password)
        unreachable: tuple[type[Exception], ...] = (*broker.connection_errors, OSError,
                                                     TimeoutError)
        failed = broker.broker_errors
        try:
            return await work(broker)
        except ToolError:
            raise
        except unreachable as error:
            await self._discard(name, broker)
            raise ToolError("MQ503", f"{label}: could not reach the broker at "
                            f"{redact_url(config.url)}: "
                            f"{describe_exception(error, secrets)}",
                            type="connection") from None
        except failed as error:
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


def _filled(template: str, args: Mapping[str, Any], label: str) -> str:
    """A ToolSpec's topic with its ``{placeholders}`` replaced by the arguments."""
    def value(match: re.Match[str]) -> str:
        found = args.get(match.group(1))
        if found is None or isinstance(found, Mapping | list):
            raise ToolError("MQ400", f"{label}: the topic needs {match.group(1)} as text or a "
                            "number", type="validation")
        text = str(found).lower() if isinstance(found, bool) else str(found)
        if not text:
            raise ToolError("MQ400", f"{label}: {match.group(1)} is empty", type="validation")
        return text

    return PLACEHOLDER.sub(value, template)


class _MqTool:
    arguments: Sequence[str]

    def __init__(self, owner: MqTools, name: str, operation: str, *,
                 topic: str | None = None, label: str | None = None,
                 arguments: Sequence[str] | None = None) -> None:
        self.owner = owner
        self.name = name
        self.operation = operation
        self.topic = topic
        self.label = label or f"mq://{name}/{operation}"
        self.arguments = tuple(arguments) if arguments is not None else {
            "publish": ("topic", "message", "headers"),
            "consume": ("topic", "max", "timeout"),
            "request": ("topic", "message", "timeout")}[operation]

    async def call(self, call: ToolCall) -> Any:
        args, label = call.args, self.label
        topic = (_topic(args, label) if self.topic is None
                 else _filled(self.topic, args, label))
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
            taken = await run(self.name, label, lambda b: b.take(topic, count, wait, consumer))
            return [{"message": _decode(d.body), "headers": d.headers, "id": d.id}
                    for d in taken]
        body = _json(args.get("message"), label)
        reply = await run(self.name, label, lambda b: b.request(topic, body, wait))
        if reply is None:
            raise ToolError("F407", f"{label}: no reply on {topic} within {wait} ms",
                            type="timeout")
        return _decode(reply)
