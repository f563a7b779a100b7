"""The embedding API (spec/interfaces.md §2): `Runtime`, `RunResult`, `run_sync`.

Everything a run needs (tools, store, clock, timezone, limits, tenant) is passed in; there
is no global state, so a service can hold several runtimes side by side.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pendulum
import trio

import gml
from compiler import load_text
from gml import resolve_timezone
from stdlib.tools import ToolError, ToolProvider, Tools

from . import _budget, _codec
from ._clock import RunClock
from ._collector import Freezer
from ._convert import convert_inputs, shape_output
from ._core import RunCore
from ._driver import Driver
from ._exec import Executor
from ._journal import from_record
from ._lease import DEFAULT_LEASE_SECONDS, Lease, new_lease
from ._owner import cancel_stored, owner
from ._shared import SHARED_STORES
from .errors import InputError, OutputError, RunFailure, internal_error
from .store import LeaseLost, RunRecord, RunStatus, RunStore, StoreError, open_store

if TYPE_CHECKING:
    from compiler import ToolCatalog
    from compiler.plan import Plan
    from stdlib.tools.mocks import Mocks

    from ._core import Instance

__all__ = ["RunResult", "Runtime", "run_sync", "shared_options"]

EventCallback = Callable[[dict[str, Any]], None]


@dataclass(slots=True)
class RunResult:
    """How a run ended.

    Attributes:
        run_id: the run's id.
        status: ``completed``, ``failed`` or ``cancelled``.
        output: the flow result shaped to ``args.out`` (completed runs).
        error: the error object (failed and cancelled runs): code, message, node, type.
        events: every public event of this execution, in order (only the final one when
            the runtime was made with ``keep_events=False``).
        calls: per tool URI, the arguments of each mocked call (when mocks were used).
    """

    run_id: str
    status: str
    output: Any = None
    error: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    calls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "completed"

    def to_dict(self) -> dict[str, Any]:
        """The ``fdl run --json`` object."""
        if self.status == "completed":
            return {"run_id": self.run_id, "status": self.status, "output": self.output}
        return {"run_id": self.run_id, "status": self.status, "error": self.error}


class _Live:
    """A run in progress: its driver, its events so far and who listens."""

    def __init__(self, run_id: str, callback: EventCallback | None, first_seq: int = 0,
                 keep: bool = True) -> None:
        self.run_id = run_id
        self.first_seq = first_seq
        self.callback = callback
        self.keep = keep
        self.published = 0
        self.history: list[dict[str, Any]] = []
        self.listeners: list[trio.MemorySendChannel[dict[str, Any]]] = []
        self.driver: Driver | None = None
        self.finished = trio.Event()
        self.lease: Lease | None = None

    def publish(self, event: dict[str, Any]) -> None:
        event["seq"] = self.first_seq + self.published
        self.published += 1
        if self.keep:
            self.history.append(event)
        if self.callback is not None:
            self.callback(event)
        for listener in self.listeners:
            listener.send_nowait(event)


class Runtime:
    """Runs compiled flows.

    Args:
        tools: a `ToolProvider`, or a mapping of ``type://code`` to Python functions.
        mocks: replaces tool calls (tools.md §7); tools it does not mock go to ``tools``
            only when the mocks allow passthrough.
        store: a `RunStore`, a store spec (``sqlite:///runs.db``, a path, ``memory``), or
            None for no persistence (nothing journaled, no resume).
        concurrency: how many tool calls may run at once, over all runs of this runtime.
        timezone: the zone of dates (default: the machine's).
        limits: GML resource limits.
        max_iterations: the cap of loop iterations and jump activations (F405).
        default_timeout_ms: per-attempt timeout for tools whose URI sets none.
        allow_extra_inputs: accept undeclared inputs instead of failing with F403.
        seed: seeds retry jitter (tests).
        wall_clock: the wall clock read once at the start of each run.
        env: the GML environment used to compile flows for `resume`.
        catalog: the tool catalog used to compile flows for `resume` (as when they were
            started, so arguments bind the same way).
        poll_interval: how often (seconds) a stored run looks for a cancel requested
            through the store and renews its lease.
        lease_seconds: how long a stored run's lease lasts without renewal (it is renewed
            every third of this while the run lives); after that, another process may
            resume the run even when the holder's process is not provably dead.
        keep_events: keep every public event of a run in memory while it runs, for
            `RunResult.events` and for `events` listeners that join late. False keeps
            memory flat over long runs (an ``each`` over a million items published four
            million events): `RunResult.events` then holds only the final event, and a
            listener of a running run gets the events published after it joined; pass
            ``on_event`` to see them all.
    """

    def __init__(self, *, tools: ToolProvider | Mapping[str, Callable[..., Any]] | None = None,
                 mocks: Mocks | None = None, store: RunStore | str | Path | None = None,
                 concurrency: int = 64, timezone: str | Any | None = None,
                 limits: gml.Limits | None = None, max_iterations: int = 10_000,
                 default_timeout_ms: float | None = None, allow_extra_inputs: bool = False,
                 seed: int | None = None, wall_clock: Callable[[], float] = time.time,
                 env: gml.Environment | None = None, catalog: ToolCatalog | None = None,
                 poll_interval: float = 0.5,
                 lease_seconds: float = DEFAULT_LEASE_SECONDS,
                 keep_events: bool = True) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not lease_seconds > 0:
            raise ValueError("lease_seconds must be positive")
        provider: ToolProvider = Tools(tools) if isinstance(tools, Mapping) else (
            tools or Tools())
        self.mocks = mocks
        if mocks is not None:
            mocks.pass_to(provider)
        self.tools: ToolProvider = mocks if mocks is not None else provider
        self._owns_store = isinstance(store, str | Path)
        self.store: RunStore | None = (
            open_store(store) if isinstance(store, str | Path) else store)
        self.concurrency = concurrency
        self.tz = resolve_timezone(timezone)
        self.limits = limits or gml.Limits()
        self.max_iterations = max_iterations
        self.default_timeout_ms = default_timeout_ms
        self.allow_extra_inputs = allow_extra_inputs
        self.seed = seed
        self.wall_clock = wall_clock
        self.env = env
        self.catalog = catalog
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.keep_events = keep_events
        self._limiter: trio.CapacityLimiter | None = None
        self._live: dict[str, _Live] = {}
        self._freezer = Freezer()

    async def __aenter__(self) -> Runtime:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store if the runtime opened it."""
        if self._owns_store and self.store is not None:
            self.store.close()

    # ------------------------------------------------------------------ public API

    async def run(self, plan: Plan, inputs: Mapping[str, Any] | None = None, *,
                  tenant: str | None = None, bu: str | None = None,
                  run_id: str | None = None, on_event: EventCallback | None = None
                  ) -> RunResult:
        """Run ``plan`` to its end with ``inputs`` (converted and checked first).

        Raises:
            ValueError: ``plan`` was compiled for checking only (``codegen=False``).
        """
        _executable(plan)
        with _budget.opened(), self._freezer.held():
            return await self._run(plan, inputs, tenant, bu, run_id, on_event)

    async def _run(self, plan: Plan, inputs: Mapping[str, Any] | None, tenant: str | None,
                   bu: str | None, run_id: str | None, on_event: EventCallback | None
                   ) -> RunResult:
        run_id = run_id or uuid.uuid4().hex
        clock = RunClock(self.wall_clock)
        started = clock.now()
        live = _Live(run_id, on_event, keep=self.keep_events)
        builtins = {"tenantId": tenant, "buCode": bu}
        ctx = gml.EvalContext(self.tz, lambda: pendulum.from_timestamp(started), self.limits)
        context = {"tenantId": tenant, "buCode": bu}
        opening = {"type": "flow.started", "run_id": run_id, "node": "", "at": started,
                   "flow": plan.name, **owner()}
        live.publish(opening)
        failure: dict[str, Any] | None = None
        try:
            converted = convert_inputs(plan.inputs, inputs or {}, ctx, builtins=builtins,
                                       allow_extra=self.allow_extra_inputs)
        except InputError as error:
            failure = {**error.to_dict(), "node": "", "type": "validation"}
        except Exception as error:  # a bug: recorded as a failed run, never a traceback
            failure = internal_error(error)
        if failure is not None:
            self._create(live, RunRecord(run_id, plan.name, plan.path, plan.source,
                                         _storable(inputs), context, "running", started,
                                         started), opening)
            return self._end(live, plan, clock, started, "failed", None, failure)
        variables = {**builtins, **converted}
        self._create(live, RunRecord(run_id, plan.name, plan.path, plan.source, variables,
                                     context, "running", started, started), opening)
        try:
            core = RunCore(plan, variables, run_id=run_id, max_iterations=self.max_iterations)
            core.start(started)
            commands = core.take_commands()
        except Exception as error:
            return self._end(live, plan, clock, started, "failed", None, internal_error(error))
        return await self._drive(core, plan, clock, live, context, started, commands)

    def _create(self, live: _Live, record: RunRecord, opening: dict[str, Any]) -> None:
        """Store a new run, held by a fresh lease of this process."""
        if self.store is None:
            return
        live.lease = new_lease(time.time(), self.lease_seconds)
        self.store.create(record, lease=live.lease, events=[opening])

    def _take(self, run_id: str) -> Lease:
        """Take the lease of a stored run to resume it, or refuse with F410 (another
        process runs it); a refused resume changes nothing in the store."""
        assert self.store is not None
        lease = new_lease(time.time(), self.lease_seconds)
        holder = self.store.take_lease(run_id, lease, time.time())
        if holder is not None:
            raise RunFailure("F410", f"run '{run_id}' is being run by process {holder.pid} "
                             f"on {holder.host}; wait for it to end (fdl runs show {run_id}) "
                             f"or cancel it (fdl runs cancel {run_id}); a process that died "
                             f"without a trace loses the run {self.lease_seconds:g} s after "
                             "its last sign of life")
        record = self.store.get(run_id)
        if record is None or record.status != "running":
            self.store.release_lease(run_id, lease.owner)
            status = "gone" if record is None else f"already {record.status}"
            raise RunFailure("F410", f"run '{run_id}' is {status}; only interrupted runs "
                             "can be resumed")
        return lease

    async def resume(self, run_id: str, *, plan: Plan | None = None,
                     on_event: EventCallback | None = None) -> RunResult:
        """Continue a run that was interrupted (a crash, a killed process).

        Completed nodes are not run again; tool calls that had started are repeated with
        the same idempotency key; waits sleep only for what remains.

        Raises:
            LookupError: no such run, or no store.
            RunFailure: the run is not resumable (already finished), code F410.
            compiler.CompileError: the stored flow text no longer compiles (a changed GML
                environment).
            ValueError: ``plan`` was compiled for checking only (``codegen=False``).
        """
        if plan is not None:
            _executable(plan)
        if self.store is None:
            raise LookupError("resume needs a run store; this runtime has none")
        record = self.store.get(run_id)
        if record is None:
            raise LookupError(f"no run '{run_id}' in the store")
        if record.status != "running":
            raise RunFailure("F410", f"run '{run_id}' is already {record.status}; only "
                             "interrupted runs can be resumed")
        if plan is None:
            plan = _with_path(load_text(record.source, record.path, env=self.env,
                                        catalog=self.catalog), record.path)
        lease = self._take(run_id)
        with _budget.opened(), self._freezer.held():
            return await self._resume(run_id, record, plan, lease, on_event)

    async def _resume(self, run_id: str, record: RunRecord, plan: Plan, lease: Lease,
                      on_event: EventCallback | None) -> RunResult:
        assert self.store is not None
        clock = RunClock(self.wall_clock)
        live = _Live(run_id, on_event, keep=self.keep_events)
        live.lease = lease
        try:
            live.first_seq = len(self.store.events(run_id))
            core = RunCore(plan, record.inputs, run_id=run_id,
                           max_iterations=self.max_iterations)
            core.start(record.created_at)
            core.take_commands()
            for entry in self.store.journal(run_id):
                core.feed(from_record(entry))
                core.take_commands()
            core.take_events()
            resumed = {"type": "flow.resumed", "run_id": run_id, "node": "", "at": clock.now(),
                       "flow": plan.name, **owner()}
            live.publish(resumed)
            self.store.append(run_id, [], [resumed], owner=lease.owner)
            self.store.set_status(run_id, "running", clock.now())  # clears a stale cancel
            commands = core.resume(clock.now())
        except BaseException as error:
            if not isinstance(error, Exception) or _store_failure(error):
                self.store.release_lease(run_id, lease.owner)
                raise
            # a journal this version cannot replay: a bug, recorded as a failed run
            return self._end(live, plan, clock, record.created_at, "failed", None,
                             internal_error(error))
        return await self._drive(core, plan, clock, live, record.context, record.created_at,
                                 commands)

    def cancel(self, run_id: str) -> bool:
        """Cancel a run: at once when it runs in this runtime, else through the store (the
        process running it notices within the poll interval; a run whose process is gone
        is marked cancelled at once). False when there is no such running run."""
        live = self._live.get(run_id)
        if live is not None and live.driver is not None:
            live.driver.cancel("cancelled through the API")
            return True
        if self.store is None:
            return False
        return cancel_stored(self.store, run_id) in ("requested", "cancelled")

    async def events(self, run_id: str) -> AsyncIterator[dict[str, Any]]:
        """The run's public events: those so far (none with ``keep_events=False``: the
        runtime kept no history), then live ones until the run ends (or, for a finished
        run, the stored ones)."""
        live = self._live.get(run_id)
        if live is None:
            if self.store is None or self.store.get(run_id) is None:
                raise LookupError(f"no run '{run_id}'")
            for event in self.store.events(run_id):
                yield event
            return
        send, receive = trio.open_memory_channel[dict[str, Any]](float("inf"))
        history = list(live.history)
        live.listeners.append(send)
        for event in history:
            yield event
        async with receive:
            async for event in receive:
                yield event
                if event["type"] in _FINAL:
                    return

    # ------------------------------------------------------------------ internals

    async def _drive(self, core: RunCore, plan: Plan, clock: RunClock, live: _Live,
                     context: Mapping[str, Any], started: float, commands: list[Any]
                     ) -> RunResult:
        run_id = core.run_id
        if self._limiter is None:
            self._limiter = trio.CapacityLimiter(self.concurrency)
        store = self.store
        holder: list[Driver] = []

        def on_retry(inst: Instance, attempt: int, error: ToolError, delay: float) -> None:
            holder[0].publish_extra({"type": "node.retrying", "run_id": run_id,
                                     "node": inst.path, "at": clock.now(),
                                     "attempt": attempt, "delay": delay,
                                     "error": error.to_dict()})

        def on_nested(inst: Instance, event: dict[str, Any]) -> None:
            inner = dict(event)
            inner.pop("seq", None)
            inner["run_id"] = run_id
            inner["node"] = f"{inst.path}/{event.get('node') or ''}".rstrip("/")
            inner["nested"] = event.get("run_id")
            holder[0].publish_extra(inner)

        executor = Executor(plan, self.tools, tz=self.tz, limits=self.limits, now=clock.now,
                            flow_scope=core.flow_scope, run_id=run_id,
                            tenant=context.get("tenantId"), bu=context.get("buCode"),
                            default_timeout_ms=self.default_timeout_ms,
                            rng=random.Random(self.seed), on_retry=on_retry,
                            on_nested=on_nested)
        flush = None
        poll = None
        lease = live.lease
        if store is not None and lease is not None:
            owner_id = lease.owner
            renewed = [time.time()]
            every = self.lease_seconds / 3

            def flush(journal: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
                store.append(run_id, journal, events, owner=owner_id)

            def poll() -> bool:
                now = time.time()
                if now - renewed[0] >= every:
                    renewed[0] = now
                    if not store.renew_lease(run_id, lease.renewed(now, self.lease_seconds)):
                        raise LeaseLost(run_id, store.lease(run_id))
                return store.cancel_requested(run_id)

        driver = Driver(core, executor, clock, self._limiter, live.publish, flush, poll,
                        self.poll_interval)
        holder.append(driver)
        live.driver = driver
        self._live[run_id] = live
        ended = False
        try:
            if not core.done:
                try:
                    await driver.run(commands)
                except Exception as error:
                    if _store_failure(error):
                        raise  # the store is unusable or the run is another's: write nothing
                    result = self._end(live, plan, clock, started, "failed", None,
                                       internal_error(error))
                    ended = True
                    return result
            result = self._end(live, plan, clock, started, core.status, core.output,
                               core.error)
            ended = True
            return result
        finally:
            self._live.pop(run_id, None)
            for listener in live.listeners:
                listener.close()
            if not ended and store is not None and lease is not None:
                with contextlib.suppress(StoreError):  # e.g. Ctrl-C: resumable at once
                    store.release_lease(run_id, lease.owner)

    def _end(self, live: _Live, plan: Plan, clock: RunClock, started: float, status: str,
             output: Any, error: dict[str, Any] | None) -> RunResult:
        """Shape the output, publish the final event, record the end in the store."""
        if status == "completed":
            try:
                output = shape_output(output, plan.out, self.tz)
            except OutputError as problem:
                status, output = "failed", None
                error = {"code": problem.code, "message": problem.message, "node": "",
                         "type": "validation", "path": problem.path}
            except Exception as problem:  # a bug: a failed run, not a traceback
                status, output, error = "failed", None, internal_error(problem)
        at = clock.now()
        final: dict[str, Any] = {"type": f"flow.{status}", "run_id": live.run_id, "node": "",
                                 "at": at, "duration": at - started}
        if error is not None and status != "completed":
            final["error"] = error
        live.publish(final)
        if self.store is not None:
            owner_id = live.lease.owner if live.lease is not None else None
            self.store.finish(live.run_id, cast(RunStatus, status), output=output, error=error,
                              at=at, owner=owner_id, events=[final])
        calls = {k: list(v) for k, v in self.mocks.calls.items()} if self.mocks else {}
        return RunResult(live.run_id, status, output if status == "completed" else None,
                         None if status == "completed" else error,
                         live.history if live.keep else [final], calls)


_FINAL = frozenset({"flow.completed", "flow.failed", "flow.cancelled"})


def _store_failure(error: BaseException) -> bool:
    """Is ``error`` (or one inside a trio exception group) a `StoreError`?"""
    if isinstance(error, StoreError):
        return True
    if isinstance(error, BaseExceptionGroup):
        return any(_store_failure(inner) for inner in error.exceptions)
    return False


def _storable(inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """The raw inputs of a run refused before it started, as far as the store can keep
    them (values it cannot encode are kept as their type's name)."""
    kept: dict[str, Any] = {}
    for key, value in (inputs or {}).items():
        try:
            _codec.dumps(value)
        except (ValueError, TypeError, RecursionError):
            value = f"<{type(value).__name__}>"
        kept[str(key)] = value
    return kept


def _with_path(plan: Plan, path: str) -> Plan:
    return replace(plan, path=path)


def run_sync(plan: Plan, inputs: Mapping[str, Any] | None = None, *,
             clock: trio.abc.Clock | None = None, tenant: str | None = None,
             bu: str | None = None, **options: Any) -> RunResult:
    """Run a flow from synchronous code (``fdl.run``): ``options`` go to `Runtime`.

    A ``store`` given as a path or spec is opened once per process and reused by later
    calls (`runtime._shared`), instead of being opened and closed around every run.
    """
    _share_store(options)

    async def main() -> RunResult:
        async with Runtime(**options) as rt:
            return await rt.run(plan, inputs, tenant=tenant, bu=bu)

    return trio.run(main, clock=clock)


def _share_store(options: dict[str, Any]) -> None:
    """Replace a store spec in ``options`` by the process's shared store for that file."""
    spec = options.get("store")
    if isinstance(spec, str | Path):
        shared = SHARED_STORES.get(spec)
        if shared is not None:
            options["store"] = shared


def shared_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` of `Runtime` with a ``store`` given as a path or spec replaced by the
    process's shared store for that file (opened by the first caller, reused by the later
    ones, closed at exit), as `run_sync` does: for callers that build a `Runtime` per run,
    such as ``fdl.run_async``. A store in memory (``memory``) stays a spec: each run gets
    its own.

    Raises:
        StoreError: the spec is not understood or the file cannot be opened.
    """
    shared = dict(options)
    _share_store(shared)
    return shared


def _executable(plan: Plan) -> None:
    """Refuse a plan compiled for checking only before anything starts."""
    if not plan.executable:
        raise ValueError(f"the plan of '{plan.name}' was compiled for checking only "
                         "(codegen=False): compile the flow again to run it")
