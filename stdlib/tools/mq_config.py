"""An ``mq:`` entry of ``fdl.yaml``: a message broker that ``mq://<name>/<operation>`` publishes
to and consumes from (tools.md §6), as a pydantic model read by the configuration
(`stdlib.config`) and by the adapter (`stdlib.tools.mq`), and the operations' signatures.

```yaml
mq:
    redis: {url: 'redis://127.0.0.1:6379/0'}    # Redis streams
    rabbit: {url: 'amqp://guest:guest@127.0.0.1:5672/'}
```

The URL may hold credentials (brokers take them there); they are never shown. This module
imports no broker client.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationInfo

from compiler.catalog import ToolArg, ToolSignature
from compiler.validate import Invalid, Wording
from gml.text import suggest
from gml.types import ANY, INT, STRING, ArrayType, MapType, ObjectType, nullable

from ._http import redact_url
from .config import ConfigModel, placeholders

__all__ = ["MQ_OPERATIONS", "MQ_SCHEMES", "MqConfig", "MqToolConfig", "mq_signatures"]

MQ_OPERATIONS = ("publish", "consume", "request")
"""The operations of an ``mq`` entry (``mq://<name>/<operation>``)."""

MQ_SCHEMES = ("redis", "rediss", "amqp", "amqps", "mqtt", "nats")
"""The broker URL schemes of tools.md §6."""

_GROUP = re.compile(r"[A-Za-z0-9_.:-]+")


def _broker_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise Invalid("is not a valid URL") from None
    if parts.scheme not in MQ_SCHEMES or not host:
        raise Invalid(f"must be a broker URL ({', '.join(s + '://' for s in MQ_SCHEMES)}) "
                      f"with a host, not {redact_url(value)!r}")
    return value


def _group(value: str) -> str:
    if not _GROUP.fullmatch(value):
        raise Invalid(f"must be a consumer group name (letters, digits, _ . : -), not "
                      f"{value!r}")
    return value


class MqConfig(ConfigModel):
    """A message broker."""

    url: Annotated[str, AfterValidator(_broker_url), Wording(
        expect="a broker URL such as redis://127.0.0.1:6379/0")]
    group: Annotated[str, AfterValidator(_group), Wording(expect="a consumer group name")] = \
        Field("fdl", description="the consumer group consume reads as (Redis streams)")
    timeout: Annotated[int, Field(gt=0), Wording(expect="a positive number of ms")] = Field(
        30_000, description="the limit of connecting and of each command, in ms")

    @property
    def scheme(self) -> str:
        """The broker kind: ``redis``, ``amqp``, ``mqtt`` or ``nats`` (TLS variants folded)."""
        scheme = urlsplit(self.url).scheme
        return {"rediss": "redis", "amqps": "amqp"}.get(scheme, scheme)


def mq_signatures(name: str) -> list[ToolSignature]:
    """What the operations of ``mq://<name>/...`` take and answer (tools.md §6)."""
    topic = ToolArg("topic", STRING, True, "the queue, routing key, subject or stream")
    message = ToolArg("message", ANY, True, "any value: sent as JSON")
    timeout = ToolArg("timeout", nullable(INT), False, "ms to wait (default 1000)")
    received = ObjectType({"message": ANY, "headers": MapType(STRING), "id": STRING},
                          closed=True)
    return [
        ToolSignature("mq", f"{name}/publish", {
            "topic": topic, "message": message,
            "headers": ToolArg("headers", nullable(MapType(STRING)), False,
                               "text headers sent with the message")},
            ObjectType({"id": STRING}, closed=True), f"publish a message ({name})"),
        ToolSignature("mq", f"{name}/consume", {
            "topic": topic, "max": ToolArg("max", nullable(INT), False,
                                           "most messages to take (default 1)"),
            "timeout": timeout}, ArrayType(received),
            f"take messages, acknowledged when the call returns them ({name})"),
        ToolSignature("mq", f"{name}/request", {
            "topic": topic, "message": message, "timeout": timeout}, ANY,
            f"send a request and wait for its reply ({name})"),
    ]


def _topic_template(value: str, info: ValidationInfo) -> str:
    if not value.strip():
        raise Invalid("must be a non-empty topic (a queue, routing key, subject or stream)")
    names = placeholders(value)
    arguments = info.context.get("arguments") if isinstance(info.context, Mapping) else None
    if arguments is None:
        return value
    for name in names:
        if name not in arguments:
            hint = suggest(name, list(arguments))
            advice = f"; did you mean '{hint}'?" if hint else "; declare it in args.in"
            raise Invalid(f": the placeholder {{{name}}} is not a declared argument{advice}")
    return value


class MqToolConfig(ConfigModel):
    """The ``config`` of an ``mq`` ToolSpec (``fdl tools import-asyncapi`` writes them): the
    tool ``mq://<broker>/<name>`` runs one operation on one topic of the broker ``<broker>``.

    ```yaml
    type: mq
    code: bus/orderCreated
    args: {in: {orderId: string, message: Order, headers: map<string>?}, out: {id: string}}
    config: {operation: publish, topic: 'orders/{orderId}/created'}
    ```

    ``{placeholders}`` of the topic are filled from the arguments of those names (AsyncAPI
    channel parameters); the other arguments are those of the operation (``message``,
    ``headers``, ``max``, ``timeout``).
    """

    operation: Annotated[Literal["publish", "consume", "request"], Wording(
        expect="publish, consume or request")] = Field(
        description="the broker operation the tool runs")
    topic: Annotated[str, AfterValidator(_topic_template), Wording(
        expect="a topic, queue, subject or stream, {placeholders} filled from arguments")] = \
        Field(description="the topic, with {argument} placeholders")
