"""A subscription trigger (``{flow: ..., mq: <broker>/<topic>}``): one run per message, the
message (a JSON object) its input.

**Acknowledged after the run.** A message is taken without acknowledgement, its run goes to
its end, and only then is it acknowledged. When the process dies first (``kill -9``), the
broker delivers the message again to the next consumer, which *resumes* the same run (its
id is derived from the message: `fdl.triggers.runner.run_id_for`), so the run completes
once; a run that had ended before the process died is not run again. How each broker gives
back the message of a dead process:

* RabbitMQ (``amqp://``): unacknowledged messages return to the queue when the connection
  closes;
* Redis streams: the entry stays pending in the group; the next process takes it over with
  ``XAUTOCLAIM`` once it has been idle ``reclaim_after`` ms (default 30000). A message taken
  over from a process that is still running it (a run longer than ``reclaim_after``) finds
  its run held (F410) and is left alone: the process running it acknowledges it;
* NATS JetStream: redelivered after the consumer's ack wait;
* MQTT acknowledges on receipt: a message whose process dies mid-run is lost (use another
  broker for triggers that must not lose messages).

**A failed run's message is not lost.** Run ``max_deliveries`` times in all (default 5):
after a failed run the message is published again on its topic with the headers
``x-fdl-attempt`` (the next attempt) and ``x-fdl-origin`` (the first message's id), then
acknowledged; after the last attempt it is published on the dead-letter topic
(``dead_letter``, default ``<topic>.dead``) with the headers ``x-fdl-error`` and
``x-fdl-run``, then acknowledged. A message that is not a JSON object cannot be an input: it
goes to the dead-letter topic at once. Publishing before acknowledging means a process that
dies in between leaves both (the copy's run id is the same, so it runs once).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from typing import Any

import trio

from stdlib.tools import ToolError
from stdlib.tools.mq import MqTools
from stdlib.tools.mq_broker import Delivery
from stdlib.trigger_config import TriggerConfig

from .intake import Intake
from .runner import FlowRunner, TriggerRunError, run_id_for

__all__ = ["ATTEMPT", "ORIGIN", "Subscription"]

log = logging.getLogger("fdl.triggers")

ATTEMPT = "x-fdl-attempt"
"""The header counting a message's runs (1 for the first)."""
ORIGIN = "x-fdl-origin"
"""The header naming the id of the message a retried copy was made from."""
WAIT = 1000
"""ms one fetch waits for a message."""
BACKOFF = 1.0
"""Seconds between two tries to reach a broker that failed."""


def _attempt(delivery: Delivery) -> int:
    try:
        return max(1, int(delivery.headers.get(ATTEMPT, "1")))
    except ValueError:
        return 1


class Subscription:
    """The loop of one subscription trigger.

    Args:
        trigger: its configuration (``mq`` set).
        runner: what runs its flow.
        mq: the project's brokers (the engine's own connections).
    """

    def __init__(self, trigger: TriggerConfig, runner: FlowRunner, mq: MqTools) -> None:
        assert trigger.broker is not None and trigger.topic is not None
        self.trigger = trigger
        self.broker = trigger.broker
        self.topic = trigger.topic
        self.runner = runner
        self.mq = mq
        self.label = f"trigger {trigger.key}"
        self.consumer = f"fdl-{socket.gethostname()}-{os.getpid()}"

    async def _take(self) -> list[Delivery]:
        topic, consumer = self.topic, self.consumer
        idle = self.trigger.reclaim_after
        taken = await self.mq.run(self.broker, self.label,
                                  lambda b: b.reclaim(topic, consumer, idle, 1))
        if taken:
            return taken
        return await self.mq.run(self.broker, self.label,
                                 lambda b: b.fetch(topic, 1, WAIT, consumer))

    async def serve(self, intake: Intake) -> None:
        """Take and run messages one at a time until ``intake`` stops; the message being
        run when it stops is run to its end."""
        while not intake.stopping:
            try:
                taken = await intake.wait(self._take)
            except ToolError as error:
                log.warning("%s: %s; trying again", self.label, error)
                await intake.wait(lambda: trio.sleep(BACKOFF))
                continue
            for delivery in taken or ():
                try:
                    await self.handle(delivery)
                except ToolError as error:  # not acknowledged: the broker delivers it again
                    log.warning("%s: message %s not settled: %s", self.label, delivery.id,
                                error)

    async def handle(self, delivery: Delivery) -> None:
        """Run the message's flow, then acknowledge it (or retry or dead-letter it)."""
        trigger = self.trigger
        attempt = _attempt(delivery)
        origin = delivery.headers.get(ORIGIN) or delivery.id
        try:
            inputs: Any = json.loads(delivery.body)
        except ValueError:
            inputs = None
        if not isinstance(inputs, dict):
            await self._settle(delivery, None, "the message is not a JSON object, so it "
                               "cannot be the flow's input", dead=True)
            return
        run_id = run_id_for(trigger.key, origin, str(attempt))
        try:
            status = await self.runner.run(trigger.flow, run_id, inputs, trigger.tenant)
        except TriggerRunError as error:
            if error.busy:  # another live process runs it and will acknowledge it
                log.info("%s: message %s is being run by another process: %s", self.label,
                         origin, error)
                return
            status, problem = "failed", str(error)
        else:
            problem = f"run {run_id} {status}"
        log.info("%s: message %s: run %s %s", self.label, origin, run_id, status)
        if status == "completed":
            await self._settle(delivery, None, None)
            return
        if attempt < trigger.max_deliveries:
            headers = {**delivery.headers, ATTEMPT: str(attempt + 1), ORIGIN: origin}
            await self._settle(delivery, headers, problem)
        else:
            await self._settle(delivery, {**delivery.headers, ORIGIN: origin,
                                          "x-fdl-run": run_id}, problem, dead=True)

    async def _settle(self, delivery: Delivery, headers: dict[str, str] | None,
                      problem: str | None, *, dead: bool = False) -> None:
        """Publish the retry (``headers``) or the dead letter, then acknowledge; shielded so
        a stopping process does not leave a message half settled."""
        topic = self.topic
        with trio.CancelScope(shield=True):
            if dead:
                target = self.trigger.dead_letter or f"{topic}.dead"
                sent = {**(headers or delivery.headers), "x-fdl-error": problem or ""}
                log.warning("%s: message %s dead-lettered to %s: %s", self.label,
                            delivery.id, target, problem)
                await self.mq.run(self.broker, self.label,
                                  lambda b: b.publish(target, delivery.body, sent))
            elif headers is not None:
                log.warning("%s: message %s published again (attempt %s): %s", self.label,
                            delivery.id, headers[ATTEMPT], problem)
                await self.mq.run(self.broker, self.label,
                                  lambda b: b.publish(topic, delivery.body, headers))
            await self.mq.run(self.broker, self.label, lambda b: b.ack(topic, [delivery]))
