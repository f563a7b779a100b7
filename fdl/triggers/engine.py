"""The trigger engine: every ``triggers:`` entry of a project running in one trio nursery
(`Timer` for schedules, `Subscription` for topics), their runs going through one
`fdl.triggers.runner.FlowRunner`.

`TriggerEngine.run` runs until `TriggerEngine.stop` (graceful: no new message or firing is
taken, the runs in progress go to their end) or `TriggerEngine.cancel` (the runs in progress
are interrupted: they stay resumable in the run store and their messages unacknowledged, so
the next process resumes them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import trio

from stdlib.tools.mq import MqTools
from stdlib.trigger_config import TriggerConfig

from .intake import Intake
from .runner import FlowRunner
from .state import ScheduleState
from .subscription import Subscription
from .timer import Timer

__all__ = ["TriggerEngine"]


class TriggerEngine:
    """Runs a project's triggers.

    Args:
        triggers: the ``triggers:`` entries.
        runner: what runs their flows.
        mq: the brokers subscriptions consume from (closed by `run` when it ends).
        state: where the schedules' last firings are kept.
        clock: the current time in epoch seconds (default the wall clock; tests give one
            that follows trio's `trio.testing.MockClock`).
        tz: the project's timezone (schedules are read in it).
    """

    def __init__(self, triggers: Sequence[TriggerConfig], runner: FlowRunner, mq: MqTools,
                 state: ScheduleState, *, clock: Callable[[], float] = time.time,
                 tz: Any = None) -> None:
        self.triggers = list(triggers)
        self.runner = runner
        self.mq = mq
        self.state = state
        self.clock = clock
        self.tz = tz if tz is not None else runner.runtime.tz
        self._intake = Intake()
        self._scope: trio.CancelScope | None = None

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Run every trigger until stopped (``nursery.start`` returns once they run)."""
        try:
            with trio.CancelScope() as scope:
                self._scope = scope
                async with trio.open_nursery() as runs, trio.open_nursery() as loops:
                    for trigger in self.triggers:
                        if trigger.cron is not None:
                            timer = Timer(trigger, self.runner, self.state, self.clock,
                                          self.tz)
                            loops.start_soon(timer.serve, self._intake, runs)
                        else:
                            subscription = Subscription(trigger, self.runner, self.mq)
                            runs.start_soon(subscription.serve, self._intake)
                    task_status.started()
        finally:
            self._scope = None
            with trio.CancelScope(shield=True):
                await self.mq.aclose()

    def stop(self) -> None:
        """Take no new message or firing; `run` returns when the runs in progress end."""
        self._intake.stop()

    def cancel(self) -> None:
        """Stop now: runs in progress are interrupted (resumable, messages unacknowledged)."""
        self._intake.stop()
        if self._scope is not None:
            self._scope.cancel()
