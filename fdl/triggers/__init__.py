"""Triggers (tools.md §6): flows started on a schedule or for each message of a topic, as
the ``triggers:`` of ``fdl.yaml`` say (`stdlib.trigger_config.TriggerConfig`), run by ``fdl
worker`` and ``fdl serve``.

* `schedule`: cron arithmetic in the project's timezone;
* `state`: the schedules' last firings (``<state>/triggers.db``);
* `runner`: a trigger's run, an ordinary journaled run with an id derived from what fired it;
* `intake`: the waits a stopping engine interrupts;
* `timer`: the loop of a schedule (``catch_up``);
* `subscription`: the loop of a topic (ack after the run, retry, dead letter);
* `engine`: all of a project's triggers in one nursery;
* `worker`: the engine built from the configuration, and ``fdl worker``'s process.
"""

from __future__ import annotations

from .engine import TriggerEngine
from .runner import FlowRunner, TriggerRunError, run_id_for
from .state import ScheduleState, TriggerStateError
from .worker import DEFAULT_GRACE, open_engine, run_worker, serve_triggers

__all__ = ["DEFAULT_GRACE", "FlowRunner", "ScheduleState", "TriggerEngine", "TriggerRunError",
           "TriggerStateError", "open_engine", "run_id_for", "run_worker", "serve_triggers"]
