"""The flow as a Temporal workflow: the runtime's core, driven deterministically.

The workflow holds one `runtime._core.RunCore` and carries out its commands like the trio
driver (`runtime._driver`), with Temporal's primitives in place of trio's:

- mappings, branches, switches, joins, jumps, ``each``/``loop`` (``vars``, ``when``,
  ``sets``, ``with``) and ``only``/``fail`` are evaluated inside the workflow by the same
  executor (`runtime._exec.Executor.run_sync`), so they cost no activity and no history
  event beyond the workflow task;
- the run clock is ``workflow.now()`` (``NOW()``/``DATE()`` replay to the same instant), and
  ``wait`` is a durable timer (``workflow.sleep``);
- a tool node evaluates ``only``/``args`` in the workflow (`._prepare`), calls its tool as an
  activity (``fdl-tool``) whose start-to-close timeout and `RetryPolicy` come from the URI
  options, then evaluates ``sets``/``with`` in the workflow (``Executor.finish_tool``);
- results come back through one queue, in the deterministic order Temporal resumes tasks.

**Sandbox: not used (``sandboxed=False``).** The code that runs inside the workflow is the
runtime's sans-I/O core, the journal and the GML evaluator, which import-linter keeps free of
I/O (contract "the runtime core is sans-I/O"; GML and the compiler "do no I/O of their
own"). The only non-determinism a flow has is injected: the clock (``workflow.now()``) and
``UUID()`` (``workflow.uuid4()``, a host function replacing the built-in). The sandbox
would re-import the compiler, GML (its parser tables included) and the runtime for every
workflow run, or need nearly all of them passed through
(``workflow.unsafe.imports_passed_through``), which gives up most of the isolation it is
for. What it would catch is caught instead by the replay tests (`temporalio.worker.Replayer`
over the histories of finished runs, tests/runtime/temporal/test_replay.py): a change that
breaks determinism fails them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import timedelta
from typing import Any

import pendulum
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

import gml
from compiler import load_text
from compiler.plan import Plan, ToolRef
from gml import resolve_timezone
from stdlib.tools import Tools

from .. import _codec
from .._calls import policy_for
from .._convert import convert_inputs, shape_output
from .._core import CANCEL, PULL, RUN, SLEEP, Command, Instance, InvariantError, RunCore
from .._exec import Executor, Returned
from .._journal import Cancelled, Completed, Event, Failed
from ..errors import InputError, OutputError, internal_error
from ._events import EVENTS_BUDGET, fitting
from ._flowruns import ANSWER_SIGNAL, WANTED_SIGNAL, FlowRuns
from ._model import TOOL_ACTIVITY, WORKFLOW_NAME, FlowInput, FlowOutput, ToolRequest, ToolResult
from ._prepare import prepare
from ._refs import ref_from_json, static_path
from ._subflows import child_input, depth_error, flow_code, runs_error, subflow_error

__all__ = ["FlowWorkflow"]

BACKSTOP_SECONDS = 30.0
"""The most Temporal's start-to-close timeout adds to a tool's own timeout: it is twice the
tool's timeout, at most this much more (how soon a call on a lost worker is retried)."""

NO_TIMEOUT = timedelta(minutes=10)
"""Start-to-close timeout of an attempt of a tool whose URI sets no timeout."""

HEARTBEAT_TIMEOUT = timedelta(seconds=20)
"""A call whose worker sent no heartbeat for this long is retried elsewhere (a lost
worker); a running call heartbeats every second."""

NEVER_RETRIED = ["F406", "F409", "F412"]
"""Error codes no retry can fix (an unavailable tool, a bug in an adapter, a limit)."""

Item = Event | Returned | Command


@workflow.defn(name=WORKFLOW_NAME, sandboxed=False)
class FlowWorkflow:
    """One run of a flow (its text, inputs and context in `FlowInput`)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.runs = FlowRuns()

    @workflow.query(name="progress")
    def progress(self) -> list[dict[str, Any]]:
        """The public events so far (the first and the newest, when they are more than
        a payload may carry)."""
        return fitting(self.events, EVENTS_BUDGET)[0]

    @workflow.signal(name=WANTED_SIGNAL)
    async def flow_run_wanted(self, asker: str, token: str) -> None:
        """A called flow of this (top-level) run wants to start a ``flow://`` run."""
        await self.runs.answer(asker, token)

    @workflow.signal(name=ANSWER_SIGNAL)
    def flow_run_answer(self, token: str, granted: bool) -> None:
        """The top-level run's answer to this called flow."""
        self.runs.answered(token, granted)

    @workflow.run
    async def run(self, data: FlowInput) -> FlowOutput:
        """Run the flow to its end."""
        self.runs.limit = data.max_runs
        return await _Run(data, self.events, self.runs).run()


def _environment() -> gml.Environment:
    """GML for the workflow: the built-ins, with ``UUID()`` drawn from the workflow's
    deterministic random source (the same value when the history is replayed)."""
    return gml.Environment(functions=[gml.udf(
        "UUID", lambda: str(workflow.uuid4()), returns="string",
        doc="A random UUID (version 4), the same when the run is replayed.")])


def _now() -> float:
    return workflow.now().timestamp()


class _Run:
    """One run inside the workflow."""

    def __init__(self, data: FlowInput, events: list[dict[str, Any]], runs: FlowRuns
                 ) -> None:
        self.data = data
        self.runs = runs
        self.refs = {path: ref_from_json(ref) for path, ref in data.tools.items()}
        self.events = events
        self.run_id = workflow.info().workflow_id
        self.tz = resolve_timezone(data.timezone)
        self.limits = gml.Limits()
        self.inbox: asyncio.Queue[Item] = asyncio.Queue()
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.calls: dict[str, list[dict[str, Any]]] = _declared(data.mocks)
        self.mocked = frozenset(self.calls)
        self.passthrough = _passthrough(data.mocks)
        self.core: RunCore | None = None
        self.executor: Executor | None = None

    # ------------------------------------------------------------------ the run

    async def run(self) -> FlowOutput:
        data = self.data
        started = _now()
        try:
            plan = load_text(data.source, data.path, env=_environment())
        except Exception as error:  # the caller compiled it: a different FDL version
            self._publish({"type": "flow.started", "run_id": self.run_id, "node": "",
                           "at": started, "flow": data.path})
            return self._end(None, started, "failed", None, {
                "code": "F406", "message": f"the worker cannot compile the flow "
                f"({type(error).__name__}); its FDL version differs from the caller's",
                "node": "", "type": "runtime"})
        self._publish({"type": "flow.started", "run_id": self.run_id, "node": "",
                       "at": started, "flow": plan.name})
        builtins = {"tenantId": data.tenant, "buCode": data.bu}
        ctx = gml.EvalContext(self.tz, lambda: pendulum.from_timestamp(started), self.limits)
        try:
            converted = convert_inputs(plan.inputs, _codec.loads(data.inputs), ctx,
                                       builtins=builtins)
        except InputError as error:
            return self._end(plan, started, "failed", None,
                             {**error.to_dict(), "node": "", "type": "validation"})
        core = RunCore(plan, {**builtins, **converted}, run_id=self.run_id,
                       max_iterations=data.max_iterations)
        self.core = core
        self.executor = Executor(plan, Tools(), tz=self.tz, limits=self.limits, now=_now,
                                 flow_scope=core.flow_scope, run_id=self.run_id,
                                 tenant=data.tenant, bu=data.bu,
                                 default_timeout_ms=data.default_timeout_ms)
        core.start(started)
        try:
            self._process(None, core.take_commands())
            while not core.done:
                if not self.tasks:
                    raise InvariantError("the run stalled: no node is running and none is "
                                         "ready")
                item = await self.inbox.get()
                self._process(item, [])
                while not core.done and not self.inbox.empty():
                    self._process(self.inbox.get_nowait(), [])
        except asyncio.CancelledError:
            core.feed(Cancelled(0, _now(), "cancelled through Temporal"))
        except InvariantError as error:
            return self._end(plan, started, "failed", None, internal_error(error))
        finally:
            for task in self.tasks.values():
                task.cancel()
            self.tasks.clear()
        return self._end(plan, started, core.status, core.output, core.error)

    def _end(self, plan: Plan | None, started: float, status: str, output: Any,
             error: dict[str, Any] | None) -> FlowOutput:
        if status == "completed" and plan is not None:
            try:
                output = shape_output(output, plan.out, self.tz)
            except OutputError as problem:
                status, output = "failed", None
                error = {"code": problem.code, "message": problem.message, "node": "",
                         "type": "validation", "path": problem.path}
        at = _now()
        final: dict[str, Any] = {"type": f"flow.{status}", "run_id": self.run_id, "node": "",
                                 "at": at, "duration": at - started}
        if error is not None and status != "completed":
            final["error"] = error
        self._publish(final)
        ok = status == "completed"
        events, dropped = fitting(self.events, EVENTS_BUDGET)
        return FlowOutput(status, _codec.dumps(output if ok else None),
                          None if ok else error, events, _codec.dumps(self.calls), dropped)

    def _publish(self, event: dict[str, Any]) -> None:
        event["seq"] = len(self.events)
        self.events.append(event)

    # ------------------------------------------------------------------ commands

    def _process(self, first: Item | None, commands: list[Command]) -> None:
        """Feed ``first`` and everything it leads to, one item at a time (as the trio
        driver does); tool calls are prepared once the queue is empty, in order."""
        core = self.core
        executor = self.executor
        assert core is not None and executor is not None
        instances = core.instances
        queue: deque[Item] = deque()
        calls: list[Instance] = []
        if first is not None:
            queue.append(first)
        self._dispatch(commands, queue, calls)
        while queue or calls:
            if not queue:
                inst = calls.pop(0)
                if instances.get(inst.key) is inst:
                    self._call(inst, queue)
                continue
            item = queue.popleft()
            if isinstance(item, Command):
                inst = item.instance
                if instances.get(inst.key) is not inst:
                    continue
                event = executor.run_sync(item, _now())
            elif isinstance(item, Returned):
                inst = item.instance
                if instances.get(inst.key) is not inst:
                    continue
                event = executor.finish_tool(item, _now())
            else:
                event = item
            core.feed(event)
            self._dispatch(core.take_commands(), queue, calls)
        for public in core.take_events():
            self._publish(public)

    def _dispatch(self, commands: list[Command], queue: deque[Item],
                  calls: list[Instance]) -> None:
        for command in commands:
            inst = command.instance
            op = command.op
            if op == CANCEL:
                task = self.tasks.pop(inst.key, None)
                if task is not None:
                    task.cancel()
            elif op == SLEEP:
                self._spawn(inst, self._sleep(inst))
            elif op == PULL:  # a tool's result crosses the activity boundary as data
                queue.append(Failed(inst.key, _now(), {
                    "code": "F411", "message": "streams are not supported on Temporal yet",
                    "node": inst.path, "type": "runtime"}))
            elif op == RUN and inst.node is not None and inst.node.kind == "tool":
                calls.append(inst)
            else:
                queue.append(command)

    def _spawn(self, inst: Instance, work: Any) -> None:
        key = inst.key

        async def task() -> None:
            item = await work
            self.tasks.pop(key, None)
            self.inbox.put_nowait(item)

        self.tasks[key] = asyncio.create_task(task())

    async def _sleep(self, inst: Instance) -> Event:
        assert inst.until is not None
        delay = inst.until - _now()
        if delay > 0:
            await workflow.sleep(delay)
        return Completed(inst.key, _now())

    def _call(self, inst: Instance, queue: deque[Item]) -> None:
        """Prepare a tool call; start its activity, or queue the event that ends it."""
        node = inst.node
        assert node is not None and node.tool is not None
        data = self.data
        at = _now()
        assert self.executor is not None
        ref = self.refs.get(static_path(inst.path), node.tool)
        prepared = prepare(inst, ref, self.executor.context(at), at, data.tenant, data.bu)
        if not isinstance(prepared, dict):
            queue.append(prepared)
            return
        if ref.type == "flow" and self._runs_as_child(ref):
            self._call_flow(inst, ref, prepared, queue)
            return
        try:
            policy = policy_for(ref.options, default_timeout_ms=data.default_timeout_ms)
        except ValueError as error:
            queue.append(Failed(inst.key, at, {"code": "F406", "message": str(error),
                                               "node": inst.path, "type": "tool"}))
            return
        written = ref.written
        before = self.calls.setdefault(written, []) if data.mocks is not None else []
        request = ToolRequest(
            uri=ref.uri, base=ref.base, written=written, type=ref.type, code=ref.code,
            args=_codec.dumps(prepared), options=dict(ref.options),
            idempotency_key=f"{self.run_id}/{inst.path}/{inst.activation}",
            run_id=self.run_id, node=inst.path, tenant=data.tenant, bu=data.bu,
            timeout_ms=policy.timeout_ms, max_attempts=policy.max_attempts,
            mocks=data.mocks, mock_calls_before=len(before))
        timeout = NO_TIMEOUT if policy.timeout_ms is None else timedelta(
            seconds=policy.timeout_ms / 1000 + min(policy.timeout_ms / 1000, BACKSTOP_SECONDS))
        retry = RetryPolicy(
            initial_interval=timedelta(milliseconds=max(policy.backoff_ms, 1.0)),
            backoff_coefficient=2.0, maximum_interval=timedelta(milliseconds=policy.cap_ms),
            maximum_attempts=policy.max_attempts, non_retryable_error_types=NEVER_RETRIED)
        record = before if data.mocks is not None else None
        self._spawn(inst, self._activity(inst, request, timeout, retry, prepared, record))

    def _runs_as_child(self, ref: ToolRef) -> bool:
        """A ``flow://`` call runs as a child workflow unless a mock answers it (with
        mocks, only when they pass unmocked calls through, as a local run does)."""
        if self.data.mocks is None:
            return True
        return self.passthrough and ref.written not in self.mocked \
            and ref.base not in self.mocked

    def _call_flow(self, inst: Instance, ref: ToolRef, args: dict[str, Any],
                   queue: deque[Item]) -> None:
        at = _now()
        mocked = self.data.mocks is not None
        if mocked:  # a passed-through call is recorded like a mock's, first
            self.calls.setdefault(ref.written, []).append(dict(args))
        called = self.data.subflows.get(flow_code(ref))
        if called is None:
            message = (f"no mock for {ref.written} and no real tool to pass through to; add "
                       "a mock or register the tool") if mocked else (
                f"the tool {ref.base} is not available: no adapter or mock provides it")
            queue.append(Failed(inst.key, at, {"code": "F406", "message": message,
                                               "node": inst.path, "type": "tool"}))
            return
        error = depth_error(self.data, called)
        if error is not None:
            queue.append(Failed(inst.key, at, {**error, "node": inst.path}))
            return
        if not self.data.root and not self.runs.take():  # the top-level run counts
            queue.append(Failed(inst.key, at, {**runs_error(self.data, called),
                                               "node": inst.path}))
            return
        child_id = f"{self.run_id}/{inst.path}/{inst.activation}"
        self._spawn(inst, self._child(inst, child_id, child_input(
            self.data, called, args, self.run_id), called))

    async def _child(self, inst: Instance, child_id: str, data: FlowInput,
                     called: dict[str, Any]) -> Item:
        name = str(called["name"])
        root = self.data.root
        if root and not await self.runs.ask(root, self.run_id,
                                            f"{inst.path}/{inst.activation}"):
            return Failed(inst.key, _now(), {**runs_error(self.data, called),
                                             "node": inst.path})
        out: FlowOutput = await workflow.execute_child_workflow(
            WORKFLOW_NAME, data, id=child_id, result_type=FlowOutput)
        for event in out.events:  # the called run's events, under the calling node
            inner = dict(event)
            inner.pop("seq", None)
            inner["run_id"] = self.run_id
            inner["node"] = f"{inst.path}/{event.get('node') or ''}".rstrip("/")
            inner["nested"] = event.get("run_id")
            self._publish(inner)
        for uri, calls in _codec.loads(out.calls).items():
            self.calls.setdefault(uri, []).extend(calls)
        if out.status == "completed":
            return Returned(inst, _codec.loads(out.output))
        failure = subflow_error(name, out.status, child_id, out.error or {})
        failure["node"] = inst.path
        return Failed(inst.key, _now(), failure)

    async def _activity(self, inst: Instance, request: ToolRequest, timeout: timedelta,
                        retry: RetryPolicy, args: dict[str, Any],
                        record: list[dict[str, Any]] | None) -> Item:
        try:
            result: ToolResult = await workflow.execute_activity(
                TOOL_ACTIVITY, request, result_type=ToolResult,
                start_to_close_timeout=timeout, heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=retry)
        except ActivityError as error:
            failure, attempts = _failure(error, request)
            if record is not None:
                record.extend(dict(args) for _ in range(attempts))
            return Failed(inst.key, _now(), failure)
        if record is not None:
            record.extend(dict(args) for _ in range(result.attempt))
        return Returned(inst, _codec.loads(result.value))


def _declared(mocks: str | None) -> dict[str, list[dict[str, Any]]]:
    """The call record of a run with mocks: every declared mock, with no calls yet (as
    `runtime.Mocks.calls` starts)."""
    if mocks is None:
        return {}
    document = _codec.loads(mocks)
    if not isinstance(document, dict):
        return {}
    entries = document.get("mocks") if "mocks" in document else {
        k: v for k, v in document.items() if k != "passthrough"}
    return {str(uri): [] for uri in entries or {}}


def _passthrough(mocks: str | None) -> bool:
    document = None if mocks is None else _codec.loads(mocks)
    return isinstance(document, dict) and document.get("passthrough") is True


def _failure(error: ActivityError, request: ToolRequest) -> tuple[dict[str, Any], int]:
    """The error object of a failed call and how many attempts it made."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.details:
        details = cause.details
        failure = dict(details[0]) if isinstance(details[0], dict) else {}
        attempts = details[1] if len(details) > 1 and isinstance(details[1], int) else 1
        if failure:
            failure["node"] = request.node
            return failure, attempts
    if isinstance(cause, TimeoutError):
        return {"code": "F407", "message": "the worker running the call did not answer in "
                "time (Temporal's start-to-close timeout)", "node": request.node,
                "type": "timeout"}, request.max_attempts
    return {"code": "F409", "message": f"the tool call failed on the worker: "
            f"{type(cause).__name__}", "node": request.node, "type": "tool"}, 1


