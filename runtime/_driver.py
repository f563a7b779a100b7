"""The trio driver: carries out what the core asks, feeds back what happened.

One nursery per run; one child task per running tool call or ``wait``; results come back
through a memory channel. Only tasks inside a sub-flow (an ``each``/``loop`` iteration) get a
cancel scope of their own, so the core can cancel single instances when an iteration fails:
the top block's instances are only cancelled when the run ends, which cancelling the run's
nursery does, and a scope per task would cost about as much as the task itself. Nodes
without waiting (mappings, branches, the ``vars``/``when``/``with`` of sub-flows) are
executed inline, in the order the core asked, without a task: that keeps the per-node
overhead low and the run deterministic.

After each *wave* (everything that was ready when the driver woke up), the journal records
and public events of that wave are written to the store in one transaction. A long wave (an
``each`` over a million items whose body needs no waiting runs in one) is written and
published every `WAVE_LIMIT` items instead of at its end, so the records and events waiting
for the store stay bounded (issue #17: they grew with every iteration).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import trio

from ._clock import RunClock
from ._core import CANCEL, PULL, RUN, SLEEP, Command, Instance, InvariantError, RunCore
from ._exec import Executor, Returned
from ._journal import Cancelled, Completed, Event, to_record

__all__ = ["WAVE_LIMIT", "Driver"]

WAVE_LIMIT = 1024
"""Items of one wave processed before what they produced is published and stored."""

Flush = Callable[[list[dict[str, Any]], list[dict[str, Any]]], None]


class Driver:
    """Runs one core to its end.

    Args:
        core: the state machine (already started, or replayed).
        executor: evaluates nodes and calls tools.
        clock: the run clock.
        limiter: bounds concurrently running tool calls (the runtime's concurrency).
        publish: receives every public event, in order.
        flush: persists (journal records, public events) once per wave; None: nothing is
            persisted.
        cancel_poll: when given, called every ``poll_interval`` seconds; True cancels the run
            (a cancel requested by another process through the store).
    """

    def __init__(self, core: RunCore, executor: Executor, clock: RunClock,
                 limiter: trio.CapacityLimiter, publish: Callable[[dict[str, Any]], None],
                 flush: Flush | None = None, cancel_poll: Callable[[], bool] | None = None,
                 poll_interval: float = 0.5) -> None:
        self.core = core
        self.executor = executor
        self.clock = clock
        self.limiter = limiter
        self.publish = publish
        self.flush = flush
        self.cancel_poll = cancel_poll
        self.poll_interval = poll_interval
        self._tasks: dict[int, trio.CancelScope | None] = {}
        self._journal: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []
        self._send, self._receive = trio.open_memory_channel[Event | Returned](math.inf)
        self._nursery: trio.Nursery | None = None

    def cancel(self, reason: str = "cancelled") -> None:
        """Ask for the run to be cancelled (safe to call from any task of this trio run)."""
        self._send.send_nowait(Cancelled(0, self.clock.now(), reason))

    async def run(self, commands: Iterable[Command]) -> None:
        """Drive until the core is done; ``commands`` are the first ones to carry out."""
        try:
            await self._run(commands)
        finally:
            with trio.move_on_after(5) as scope:
                scope.shield = True
                await self.executor.close()

    async def _run(self, commands: Iterable[Command]) -> None:
        core = self.core
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            if self.cancel_poll is not None:
                nursery.start_soon(self._poll)
            self._process(None, list(commands))
            self._wave_end()
            self._check_progress()
            receive = self._receive
            while not core.done:
                event = await receive.receive()
                self._process(event, [])
                while not core.done:
                    try:
                        event = receive.receive_nowait()
                    except trio.WouldBlock:
                        break
                    self._process(event, [])
                self._wave_end()
                self._check_progress()
            nursery.cancel_scope.cancel(reason="the run is over")

    def _check_progress(self) -> None:
        """Nothing runs and nothing is queued, yet the run is not over: a bug in the core,
        reported instead of waiting forever."""
        if not self.core.done and not self._tasks:
            raise InvariantError("the run stalled: no node is running and none is ready")

    # ------------------------------------------------------------------ internals

    def _process(self, first: Event | Returned | None, commands: list[Command]) -> None:
        """Feed ``first`` and everything it leads to, strictly one item at a time.

        Nodes that need no waiting are evaluated when their turn comes in this queue, and
        their outcome is fed at once, so every evaluation sees every update fed before it
        (the flow behaves as if its nodes ran one at a time, in the order they finished).
        """
        core = self.core
        executor = self.executor
        instances = core.instances
        queue: deque[Event | Returned | Command] = deque()
        if first is not None:
            queue.append(first)
        journal = self._journal if self.flush is not None else None
        self._dispatch(commands, queue)
        count = 0
        while queue:
            count += 1
            if count >= WAVE_LIMIT:  # a long wave: publish and store what it did so far
                count = 0
                for public in core.take_events():
                    self._publish(public)
                self._wave_end()
                if journal is not None:
                    journal = self._journal
            item = queue.popleft()
            if isinstance(item, Command):
                inst = item.instance
                if instances.get(inst.key) is not inst:
                    continue  # cancelled while it waited for its turn
                event = executor.run_sync(item, self.clock.now())
            elif isinstance(item, Returned):
                inst = item.instance
                if instances.get(inst.key) is not inst:
                    continue
                event = executor.finish_tool(item, self.clock.now())
            else:
                event = item
            if core.feed(event) and journal is not None:
                journal.append(to_record(event))
            if core.commands:
                self._dispatch(core.take_commands(), queue)
        for public in core.take_events():
            self._publish(public)

    def _dispatch(self, commands: list[Command], queue: deque[Event | Returned | Command]
                  ) -> None:
        """Start tasks for calls and sleeps, cancel what must stop, and queue the rest."""
        for command in commands:
            inst = command.instance
            op = command.op
            if op == CANCEL:
                # A task without a scope (top block) is stopped with the run's nursery;
                # its result, if it comes first, is stale and dropped by `_process`.
                scope = self._tasks.pop(inst.key, None)
                if scope is not None:
                    scope.cancel(reason="cancelled by the run")
            elif op == SLEEP:
                self._spawn(inst, self._sleep)
            elif op == PULL:
                pulled = self.executor.pull_nowait(inst)
                if pulled is None:
                    self._spawn(inst, self.executor.pull)
                else:  # an element at hand: no task, no trip through the scheduler
                    queue.append(pulled)
            elif op == RUN and inst.node is not None and inst.node.kind == "tool":
                if self._scoped(inst):
                    self._spawn(inst, self._call)
                else:
                    self._tasks[inst.key] = None
                    nursery = self._nursery
                    assert nursery is not None
                    nursery.start_soon(self._call_task, inst)
            else:
                queue.append(command)

    def _spawn(self, inst: Instance, work: Callable[[Instance], Any]) -> None:
        assert self._nursery is not None
        if self._scoped(inst):
            scope = trio.CancelScope()
            self._tasks[inst.key] = scope
            self._nursery.start_soon(self._task, inst, scope, work)
        else:
            self._tasks[inst.key] = None
            self._nursery.start_soon(self._bare, inst, work)

    @staticmethod
    def _scoped(inst: Instance) -> bool:
        """Does the task of ``inst`` need a cancel scope of its own? Only inside a sub-flow:
        the core cancels single instances when an iteration fails; instances of the top
        block are only cancelled when the run ends, and the run's nursery does that (a
        cancel scope per task costs about as much as the task itself)."""
        block_run = inst.block_run
        return block_run is not None and block_run.owner is not None

    async def _task(self, inst: Instance, scope: trio.CancelScope,
                    work: Callable[[Instance], Any]) -> None:
        with scope:
            event = await work(inst)
            self._send.send_nowait(event)
        self._tasks.pop(inst.key, None)

    async def _bare(self, inst: Instance, work: Callable[[Instance], Any]) -> None:
        self._send.send_nowait(await work(inst))
        self._tasks.pop(inst.key, None)

    async def _call_task(self, inst: Instance) -> None:
        """A tool call of the top block: the whole task in one coroutine (every level of
        ``await`` is walked again each time the call resumes)."""
        limiter = self.limiter
        try:  # a free token costs no trip through the scheduler
            limiter.acquire_nowait()
        except trio.WouldBlock:
            await limiter.acquire()
        try:
            event = await self.executor.run_tool(inst)
        finally:
            limiter.release()
        self._send.send_nowait(event)
        self._tasks.pop(inst.key, None)

    async def _call(self, inst: Instance) -> Event | Returned:
        limiter = self.limiter
        try:  # a free token costs no trip through the scheduler
            limiter.acquire_nowait()
        except trio.WouldBlock:
            await limiter.acquire()
        try:
            return await self.executor.run_tool(inst)
        finally:
            limiter.release()

    async def _sleep(self, inst: Instance) -> Event:
        assert inst.until is not None
        await trio.sleep_until(self.clock.deadline(inst.until))
        return Completed(inst.key, self.clock.now())

    async def _poll(self) -> None:
        assert self.cancel_poll is not None
        while True:
            await trio.sleep(self.poll_interval)
            if self.cancel_poll():
                self.cancel("cancel requested through the run store")
                return

    def _publish(self, event: dict[str, Any]) -> None:
        if self.flush is not None:
            self._events.append(event)
        self.publish(event)

    def publish_extra(self, event: dict[str, Any]) -> None:
        """Publish an event the core does not produce (``node.retrying``)."""
        self._publish(event)

    def _wave_end(self) -> None:
        if self.flush is not None and (self._journal or self._events):
            journal, self._journal = self._journal, []
            events, self._events = self._events, []
            self.flush(journal, events)
