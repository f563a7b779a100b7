"""What every broker of ``mq://`` offers the adapter (`stdlib.tools.mq`): one module per
broker kind (``mq_redis``, ``mq_nats``, ``mq_amqp``, ``mq_mqtt``) implements `Broker`."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._asyncio_thread import to_completion

__all__ = ["Broker", "Delivery", "ack_all", "acked_unless_abandoned", "quiet_library_logs"]


def quiet_library_logs(*names: str) -> None:
    """Give the loggers of a broker client a `logging.NullHandler`, so that what they log
    when a connection drops (aiormq logs the reset with its traceback) does not reach
    Python's last-resort handler and the terminal of ``fdl run``: the failure reaches the
    flow as an MQ503 error instead. A program that configures logging still gets the records
    (they propagate as before). Idempotent."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Delivery:
    """A message taken from a broker, not yet acknowledged."""

    id: str
    body: bytes
    headers: dict[str, str]
    handle: Any = field(default=None, compare=False)
    """What the broker needs to acknowledge it."""


class Broker(Protocol):
    """A connected broker, called from trio.

    ``connection_errors`` are the client's exceptions for a broker that cannot be reached or
    drops the connection (MQ503, retryable); ``broker_errors`` the others it raises (MQ500).
    """

    connection_errors: tuple[type[Exception], ...]
    broker_errors: tuple[type[Exception], ...]

    async def publish(self, topic: str, body: bytes, headers: Mapping[str, str]) -> str:
        """Send ``body``; the broker's id of the message."""

    async def fetch(self, topic: str, count: int, wait_ms: int, consumer: str
                    ) -> list[Delivery]:
        """Up to ``count`` messages, waiting up to ``wait_ms`` for the first."""

    async def ack(self, topic: str, deliveries: Sequence[Delivery]) -> None:
        """Acknowledge what `fetch` gave."""

    async def reclaim(self, topic: str, consumer: str, idle_ms: int, count: int
                      ) -> list[Delivery]:
        """Messages taken by another consumer of the group and left unacknowledged for
        ``idle_ms`` (its process died), now ``consumer``'s. Only Redis streams keep such
        messages pending; the other brokers deliver them again by themselves (AMQP when the
        channel closes, JetStream after its ack wait) and answer none."""

    async def take(self, topic: str, count: int, wait_ms: int, consumer: str
                   ) -> list[Delivery]:
        """`fetch` then `ack`, in one crossing to the client's thread (what ``consume``
        does): the messages are acknowledged only if the call is still wanted after they
        were read."""

    async def request(self, topic: str, body: bytes, wait_ms: int) -> bytes | None:
        """Send ``body`` with a reply address; the reply's body, None if none in time."""

    async def aclose(self) -> None:
        """Close the connection."""


async def ack_all(deliveries: Sequence[Delivery]) -> None:
    """Acknowledge each message through its client handle (NATS JetStream, AMQP)."""
    for delivery in deliveries:
        await delivery.handle.ack()


def acked_unless_abandoned(fetched: Callable[[Any], Awaitable[list[Delivery]]],
                           acknowledge: bool, abandoned: threading.Event
                           ) -> Callable[[Any], Awaitable[list[Delivery]]]:
    """The work an asyncio broker's ``fetch``/``take`` runs on its loop: the messages
    ``fetched`` and, with ``acknowledge``, acknowledged, unless the trio call was cancelled
    (``abandoned``, `AsyncioThread.run`) while they were read, which leaves them
    unacknowledged. An acknowledgement that has begun is finished, and the call then
    returns the messages."""

    async def go(connection: Any) -> list[Delivery]:
        taken = await fetched(connection)
        if acknowledge and taken:
            if abandoned.is_set():  # cancelled while reading: leave them unacknowledged
                raise asyncio.CancelledError
            await to_completion(ack_all(taken))  # then the call returns them
        return taken

    return go
