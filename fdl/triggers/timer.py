"""A scheduled trigger (``{flow: ..., cron: ...}``): its flow runs at each time the cron
expression names, in the project's timezone.

The last firing is kept in `fdl.triggers.state.ScheduleState`. When a process starts and
the schedule named a time after the last firing (the schedule was missed while no process
ran it), the flow runs **once** at start when ``catch_up`` is true (the default), however
many times were missed; with ``catch_up: false`` the missed times are skipped. A schedule
never seen before starts from now (nothing is missed).

Each firing's run id is derived from the trigger and the time it fired for
(`fdl.triggers.runner.run_id_for`): two processes running the same project fire the same
run, which runs once (the second finds it in the run store). The state also keeps the id of
the last run started: a process that starts and finds that run interrupted (its process
died) resumes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import trio

from stdlib.trigger_config import TriggerConfig

from .intake import Intake
from .runner import FlowRunner, TriggerRunError, run_id_for
from .schedule import missed, next_fire
from .state import ScheduleState

__all__ = ["Timer"]

log = logging.getLogger("fdl.triggers")


class Timer:
    """The loop of one scheduled trigger.

    Args:
        trigger: its configuration (``cron`` set).
        runner: what runs its flow.
        state: where its last firing is kept.
        clock: the current time, epoch seconds (tests pass a virtual one).
        tz: the project's timezone.
    """

    def __init__(self, trigger: TriggerConfig, runner: FlowRunner, state: ScheduleState,
                 clock: Callable[[], float], tz: Any) -> None:
        assert trigger.cron is not None
        self.trigger = trigger
        self.cron = trigger.cron
        self.runner = runner
        self.state = state
        self.clock = clock
        self.tz = tz

    async def serve(self, intake: Intake, runs: trio.Nursery) -> None:
        """Fire the schedule until ``intake`` stops; each run goes on in ``runs``."""
        key = self.trigger.key
        now = self.clock()
        last = self.state.last_fired(key)
        interrupted = self.state.last_run(key)
        if interrupted is not None and self._running(interrupted):
            log.info("trigger %s: resuming run %s (its process stopped)", key, interrupted)
            runs.start_soon(self._run, interrupted)
        if last is None:
            self.state.fired(key, now)
        elif missed(self.cron, last, now, self.tz):
            if self.trigger.catch_up:
                slot = next_fire(self.cron, last, self.tz)
                log.info("trigger %s: missed since %s, running once now", key, slot)
                self.state.fired(key, now, self._fire(runs, slot))
            else:
                log.info("trigger %s: missed runs skipped (catch_up: false)", key)
                self.state.fired(key, now)
        last = max(last or now, now)
        while not intake.stopping:
            slot = next_fire(self.cron, last, self.tz)
            reached = await intake.wait(partial(self._sleep_until, slot))
            if reached is None:
                return
            self.state.fired(key, slot, run_id_for(key, repr(slot)))
            self._fire(runs, slot)
            last = slot

    def _running(self, run_id: str) -> bool:
        store = self.runner.runtime.store
        record = store.get(run_id) if store is not None else None
        return record is not None and record.status == "running"

    async def _sleep_until(self, at: float) -> bool:
        while (left := at - self.clock()) > 0:
            await trio.sleep(left)
        return True

    def _fire(self, runs: trio.Nursery, slot: float) -> str:
        run_id = run_id_for(self.trigger.key, repr(slot))
        runs.start_soon(self._run, run_id)
        return run_id

    async def _run(self, run_id: str) -> None:
        trigger = self.trigger
        try:
            status = await self.runner.run(trigger.flow, run_id, trigger.input, trigger.tenant)
        except TriggerRunError as error:
            log.error("trigger %s: run %s not started: %s", trigger.key, run_id, error)
            return
        except Exception as error:  # a store or tool failure must not stop the schedule
            log.error("trigger %s: run %s failed to run: %s: %s", trigger.key, run_id,
                      type(error).__name__, error)
            return
        log.info("trigger %s: run %s %s", trigger.key, run_id, status)
