"""A project's trigger engine, built from its configuration (`open_engine`), and the
process that runs it until SIGINT or SIGTERM (`run_worker`, the body of ``fdl worker``).

The runs go through a `runtime.Runtime` over the project's tools (`fdl.project.open_tooling`,
as ``fdl run`` has them) and its run store (``<state>/runs.db``, or the store given: ``fdl
serve`` passes its own), so each is an ordinary journaled run that ``fdl runs`` lists. The
schedules' state is ``<state>/triggers.db``.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import trio

from fdl.project import open_tooling
from runtime import Runtime
from runtime.store import RunStore, open_store
from stdlib.config import ConfigError, ProjectConfig
from stdlib.tools.mq import MqTools

from .engine import TriggerEngine
from .runner import FlowRunner, TriggerRunError
from .state import STATE_FILE, ScheduleState

__all__ = ["DEFAULT_GRACE", "open_engine", "run_worker", "serve_triggers"]

log = logging.getLogger("fdl.triggers")

DEFAULT_GRACE = 30.0
"""Seconds a stopping worker lets the runs in progress go on before interrupting them."""


@asynccontextmanager
async def open_engine(config: ProjectConfig, *, store: RunStore | None = None,
                      clock: Callable[[], float] = time.time) -> AsyncIterator[TriggerEngine]:
    """The engine of ``config``'s triggers (none: an engine that runs nothing), its tools,
    store and state closed when the block ends.

    Every trigger's flow is compiled first: one that does not compile is T105, before
    anything runs.

    Raises:
        ConfigError: the tools or the registry cannot be loaded, or a flow does not compile.
        StoreError: the run store cannot be opened.
    """
    tooling, tools = open_tooling(None, config, None)
    own = store is None
    state: ScheduleState | None = None
    try:
        runs = open_store(str(config.store_path)) if store is None else store
        try:
            state = ScheduleState(config.state / STATE_FILE)
            runtime = Runtime(tools=tools.provider, store=runs, timezone=config.timezone,
                              concurrency=config.concurrency or 64)
            base = config.base or config.state.parent
            runner = FlowRunner(runtime, config.flows_folder(base), tooling.catalog)
            for index, trigger in enumerate(config.triggers or ()):
                try:
                    runner.plan(trigger.flow)
                except TriggerRunError as error:
                    line, column = config.position(("triggers", index, "flow")) \
                        or (None, None)
                    raise ConfigError(config.file, f"triggers.{index}.flow", f"T105: {error}",
                                      line, column) from None
            yield TriggerEngine(config.triggers or [], runner, MqTools(config.mq or {}),
                                state, clock=clock)
        finally:
            if own:
                runs.close()
    finally:
        if state is not None:
            state.close()
        with trio.CancelScope(shield=True):
            await tools.aclose()
        tooling.close()


async def serve_triggers(engine: TriggerEngine, grace: float = DEFAULT_GRACE) -> None:
    """Run ``engine`` until SIGINT or SIGTERM: the first stops it gracefully (the runs in
    progress have ``grace`` seconds to end, then are interrupted and stay resumable), a
    second interrupts them at once."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:

            async def watch() -> None:
                count = 0
                async for _ in signals:
                    count += 1
                    if count == 1:
                        log.info("stopping: no new work is taken; the runs in progress have "
                                 "%g s to end (a second signal interrupts them)", grace)
                        engine.stop()
                        nursery.start_soon(_deadline, engine, grace)
                    else:
                        log.info("interrupting the runs in progress (they stay resumable)")
                        engine.cancel()

            nursery.start_soon(watch)
            await engine.run()
            nursery.cancel_scope.cancel()


async def _deadline(engine: TriggerEngine, grace: float) -> None:
    await trio.sleep(grace)
    engine.cancel()


def run_worker(config: ProjectConfig, *, grace: float = DEFAULT_GRACE) -> None:
    """Run the triggers of ``config`` until SIGINT or SIGTERM (``fdl worker``)."""

    async def main() -> None:
        async with open_engine(config) as engine:
            await serve_triggers(engine, grace)

    trio.run(main)
