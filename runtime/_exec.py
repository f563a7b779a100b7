"""Executing one node: evaluating its GML fields and calling its tool (fdl.md §4).

The executor turns a core `Command` into the event that answers it. It reads variables
through the instance's scope but never changes them: the outputs and ``sets`` writes it
computes travel back inside the event, and the core applies them (so the journal holds
them and a replay needs no evaluation at all).

Order inside a node (§4.1, §4.2): ``only`` → ``args`` → the call → the raw result bound to
the node id → ``sets`` → ``with`` (which sees the ``sets`` writes).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import pendulum
import trio

import gml
from compiler.plan import Field, Plan, PlanNode
from compiler.reader import duration_millis
from gml import GmlError
from stdlib.tools import ToolCall, ToolError, ToolProvider, resolve_written

from ._calls import CallPolicy, call_tool, policy_for
from ._core import CLOSE, RUN, TEST, Command, Instance
from ._journal import Completed, Event, Failed, Opened, Pulled, Skipped, Tested, TimerSet
from ._scope import Overlay
from ._stream import StaleStream, Stream, is_stream

__all__ = ["Executor", "Returned"]

RetryHook = Callable[[Instance, int, ToolError, float], None]


def _stale(stream: StaleStream, path: str) -> dict[str, Any]:
    return {"code": "F411", "message": f"the stream returned by '{stream.origin}' was closed "
            "when the run restarted and cannot be read again; the iterations already done "
            "are kept, run the flow again for the rest", "node": path, "type": "runtime"}


class Returned:
    """A tool call's raw result, on its way back to the driver."""

    __slots__ = ("instance", "raw")

    def __init__(self, instance: Instance, raw: Any) -> None:
        self.instance = instance
        self.raw = raw


class _NodeError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error


class Executor:
    """Evaluates nodes for one run.

    Args:
        plan: the flow.
        tools: resolves tool URIs.
        tz: the run's timezone; limits: GML resource limits.
        now: the run clock (epoch seconds).
        run_id, tenant, bu: the run context (tenant and business unit are bound to every
            tool call).
        default_timeout_ms: the per-attempt timeout of tools whose URI has none.
        rng: the jitter source for retries.
        on_retry: told about every retry (for ``node.retrying`` events).
        on_nested: receives the events of runs a tool starts (``flow://``).
    """

    def __init__(self, plan: Plan, tools: ToolProvider, *, tz: Any, limits: gml.Limits,
                 now: Callable[[], float], flow_scope: Mapping[str, Any], run_id: str = "",
                 tenant: str | None = None, bu: str | None = None,
                 default_timeout_ms: float | None = None, rng: random.Random | None = None,
                 on_retry: RetryHook | None = None,
                 on_nested: Callable[[Instance, dict[str, Any]], None] | None = None) -> None:
        self.plan = plan
        self.tools = tools
        self.tz = tz
        self.limits = limits
        self.now = now
        self.flow_scope = flow_scope
        self.run_id = run_id
        self.tenant = tenant
        self.bu = bu
        self.default_timeout_ms = default_timeout_ms
        self.rng = rng or random.Random()
        self.on_retry = on_retry
        self.on_nested = on_nested
        self._policies: dict[tuple[tuple[str, str], ...], CallPolicy] = {}
        self.streams: dict[int, Stream] = {}

    # ------------------------------------------------------------------ helpers

    def context(self, at: float) -> gml.EvalContext:
        """An evaluation context whose ``NOW()`` is ``at`` (read lazily)."""
        return gml.EvalContext(self.tz, lambda: pendulum.from_timestamp(at), self.limits)

    @staticmethod
    def _eval(field: Field, data: Mapping[str, Any], ctx: gml.EvalContext, key: str,
              path: str) -> Any:
        try:
            return field.evaluate(data, ctx)
        except GmlError as error:
            where = f" (line {error.line}, column {error.column} of '{key}')" \
                if error.line is not None else f" (in '{key}')"
            raise _NodeError({"code": error.code, "message": error.message + where,
                              "node": path, "type": "gml"}) from None

    def _skip(self, node: PlanNode, data: Mapping[str, Any], ctx: gml.EvalContext,
              path: str) -> bool:
        return node.only is not None and not self._eval(node.only, data, ctx, "only", path)

    def _finish(self, node: PlanNode, data: Mapping[str, Any], ctx: gml.EvalContext,
                path: str, front: dict[str, Any], default: Any
                ) -> tuple[Any, dict[str, Any] | None]:
        """``sets`` then ``with``; returns (output, writes)."""
        writes: dict[str, Any] | None = None
        if node.sets is not None:
            view = Overlay(front, data) if front else data
            writes = dict(self._eval(node.sets, view, ctx, "sets", path))
            front = {**front, **writes}
        if node.with_ is None:
            return default, writes
        view = Overlay(front, data) if front else data
        return self._eval(node.with_, view, ctx, "with", path), writes

    # ------------------------------------------------------------------ sync nodes

    def run_sync(self, command: Command, at: float) -> Event:
        """Answer a command that needs no waiting (everything but tool calls and sleeps)."""
        inst = command.instance
        node = inst.node
        key = inst.key
        ctx = self.context(at)
        try:
            if node is None:  # the flow's vars
                fields = self.plan.vars
                values = {} if fields is None else dict(
                    self._eval(fields, self.flow_scope, ctx, "vars", "vars"))
                return Opened(key, at, values)
            data = inst.scope
            path = inst.path
            op = command.op
            if op == TEST:
                assert node.when is not None
                return Tested(key, at, bool(self._eval(node.when, data, ctx, "when", path)))
            if op == CLOSE:
                output, writes = self._finish(node, data, ctx, path, {}, None)
                return Completed(key, at, output, writes)
            assert op == RUN
            if self._skip(node, data, ctx, path):
                return Skipped(key, at)
            kind = node.kind
            if kind == "mapping":
                output, writes = self._finish(node, data, ctx, path, {}, None)
                return Completed(key, at, output, writes)
            if kind == "branch":
                assert node.when is not None
                chosen = bool(self._eval(node.when, data, ctx, "when", path))
                return Completed(key, at, None, None, "then" if chosen else "else")
            if kind == "switch":
                for i, (when, _targets) in enumerate(node.cases):
                    if self._eval(when, data, ctx, f"case[{i}].when", path):
                        return Completed(key, at, None, None, f"case[{i}]")
                return Completed(key, at, None, None, "else")
            if kind == "delay":
                return TimerSet(key, at, at + self._wait_ms(node, data, ctx, path) / 1000)
            if kind in ("each", "loop"):
                values = {} if node.vars is None else dict(
                    self._eval(node.vars, data, ctx, "vars", path))
                if kind == "loop":
                    return Opened(key, at, values)
                assert node.each is not None
                source = self._eval(node.each, data, ctx, "each", path)
                if isinstance(source, list):  # values are not changed in place
                    return Opened(key, at, values, source)
                if isinstance(source, tuple):
                    return Opened(key, at, values, list(source))
                if isinstance(source, StaleStream):
                    return Failed(key, at, _stale(source, path))
                if is_stream(source):
                    self.streams[key] = source if isinstance(source, Stream) else Stream(
                        source, path)
                    return Opened(key, at, values, None, True)
                return Opened(key, at, values, [])
            raise AssertionError(f"no synchronous execution for {kind} nodes")
        except _NodeError as error:
            return Failed(key, at, error.error)

    def _wait_ms(self, node: PlanNode, data: Mapping[str, Any], ctx: gml.EvalContext,
                 path: str) -> float:
        if node.wait_ms is not None:
            return node.wait_ms
        assert node.wait is not None
        value = self._eval(node.wait, data, ctx, "wait", path)
        millis: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            millis = float(value)
        elif isinstance(value, str):
            millis = duration_millis(value)
        if millis is None or millis < 0 or millis != millis:
            raise _NodeError({"code": "G303", "message": f"'wait' computed {value!r}; it "
                              "needs milliseconds or a duration such as '10s'",
                              "node": path, "type": "gml"})
        return millis

    # ------------------------------------------------------------------ tool calls

    async def run_tool(self, inst: Instance) -> Event | Returned:
        """Run a tool node up to its call's result: ``only``, ``args``, the call with
        retries (`Returned`), or the event that ends it early (skipped, failed)."""
        node = inst.node
        assert node is not None and node.tool is not None
        ref = node.tool
        key = inst.key
        path = inst.path
        data = inst.scope
        args: dict[str, Any] = {}
        if node.only is not None or node.args is not None:
            at = self.now()
            ctx = self.context(at)
            try:
                if self._skip(node, data, ctx, path):
                    return Skipped(key, at)
                if node.args is not None:
                    args = dict(self._eval(node.args, data, ctx, "args", path))
            except _NodeError as error:
                return Failed(key, at, error.error)
        tool = resolve_written(self.tools, ref.written, ref.base)
        if tool is None:
            name = ref.base if ref.written == ref.base else f"{ref.written} ({ref.base})"
            return Failed(key, self.now(), {
                "code": "F406", "message": f"the tool {name} is not available: no "
                "adapter or mock provides it", "node": path, "type": "tool"})
        for name in tool.arguments or ref.arguments:
            if name in args:
                continue
            if name == "tenantId":
                args[name] = self.tenant
            elif name == "buCode":
                args[name] = self.bu
            elif name in data:
                args[name] = data[name]
        wanted = getattr(tool, "scope_names", None)
        if wanted is not None:
            for name in wanted(args):
                if name not in args and name in data:
                    args[name] = data[name]
        if ref.defaults:
            try:
                self._defaults(ref.defaults, args, path)
            except _NodeError as error:
                return Failed(key, self.now(), error.error)
        nested = self.on_nested
        call = ToolCall(uri=ref.uri, base=ref.base, type=ref.type, code=ref.code, args=args,
                        options=ref.options,
                        idempotency_key=f"{self.run_id}/{path}/{inst.activation}",
                        run_id=self.run_id, node=path, tenant_id=self.tenant,
                        bu_code=self.bu,
                        publish=None if nested is None else partial(nested, inst))
        hook = self.on_retry
        retrying = None if hook is None else partial(hook, inst)
        try:
            options = ref.options
            policy_key = tuple(options.items()) if options else ()
            policy = self._policies.get(policy_key)
            if policy is None:
                policy = policy_for(options, default_timeout_ms=self.default_timeout_ms)
                self._policies[policy_key] = policy
            raw = await call_tool(tool, call, policy, rng=self.rng, on_retry=retrying)
        except ToolError as error:
            failure = error.to_dict()
            failure["node"] = path
            _locate(failure, node)
            return Failed(key, self.now(), failure)
        except ValueError as error:
            return Failed(key, self.now(), {"code": "F406", "message": str(error),
                                            "node": path, "type": "tool"})
        return Returned(inst, raw)

    def _defaults(self, defaults: Mapping[str, str], args: dict[str, Any], path: str) -> None:
        """Declared defaults of the arguments neither the call nor a visible variable gave
        (tools.md §4), in declaration order: a default may read the arguments before it."""
        ctx: gml.EvalContext | None = None
        for name, source in defaults.items():
            if name in args:
                continue
            if ctx is None:
                ctx = self.context(self.now())
            try:
                args[name] = gml.compile(source).evaluate(dict(args), ctx)
            except GmlError as error:
                raise _NodeError({"code": error.code, "message": f"the default of the tool's "
                                  f"argument '{name}' failed: {error.message}", "node": path,
                                  "type": "gml"}) from None

    def finish_tool(self, returned: Returned, at: float) -> Event:
        """``sets`` and ``with`` of a tool node whose call returned: evaluated in the
        driver's turn, not in the call's task, so they see every earlier update (two
        parallel ``count = count + 1`` both count)."""
        inst = returned.instance
        node = inst.node
        assert node is not None
        raw = returned.raw
        if is_stream(raw) and not isinstance(raw, Stream):
            raw = Stream(raw, inst.path)
        if node.sets is None and node.with_ is None:  # nothing to evaluate: no context
            return Completed(inst.key, at, raw)
        try:
            output, writes = self._finish(node, inst.scope, self.context(at), inst.path,
                                          {node.id: raw}, raw)
        except _NodeError as error:
            return Failed(inst.key, at, error.error)
        return Completed(inst.key, at, output, writes)

    # ------------------------------------------------------------------ streams

    async def pull(self, inst: Instance) -> Event:
        """The next element of an ``each``'s stream (or the end of it)."""
        key = inst.key
        stream = self.streams.get(key)
        if stream is None:  # the run restarted: the cursor is gone
            return Failed(key, self.now(), _stale(StaleStream(inst.path), inst.path))
        try:
            item = await stream.__aiter__().__anext__()
        except Exception as error:
            return self._pull_failed(inst, error)
        return Pulled(key, self.now(), item)

    def pull_nowait(self, inst: Instance) -> Event | None:
        """`pull` without waiting, when the stream has its next element at hand (a fetched
        batch of rows); None when it would have to wait (then `pull` in a task)."""
        stream = self.streams.get(inst.key)
        if stream is None:
            return None
        try:
            item = stream.next_nowait()
        except trio.WouldBlock:
            return None
        except Exception as error:
            return self._pull_failed(inst, error)
        return Pulled(inst.key, self.now(), item)

    def _pull_failed(self, inst: Instance, error: Exception) -> Event:
        """The end of a stream (StopAsyncIteration) or its failure, as the event."""
        key = inst.key
        if isinstance(error, StopAsyncIteration):
            del self.streams[key]
            return Pulled(key, self.now(), None, True)
        if isinstance(error, ToolError):
            failure = error.to_dict()
            failure["node"] = inst.path
            return Failed(key, self.now(), failure)
        return Failed(key, self.now(), {
            "code": "F409", "message": f"the stream failed unexpectedly: "
            f"{type(error).__name__}", "node": inst.path, "type": "tool"})

    async def close(self) -> None:
        """Close the streams still open (an ``each`` that failed or was cancelled)."""
        streams, self.streams = self.streams, {}
        for stream in streams.values():
            with contextlib.suppress(Exception):  # closing is best effort
                await stream.aclose()


def _locate(failure: dict[str, Any], node: PlanNode) -> None:
    """Give a tool error about one of the node's arguments (``details.argument``, as db://
    reports a CQL text that fails only when run) that argument's position in the flow file:
    ``line`` and ``column``, and the message says it (spec/tools.md §6)."""
    details = failure.get("details")
    argument = details.get("argument") if isinstance(details, dict) else None
    if not isinstance(argument, str):
        return
    found = next(((line, column) for name, line, column in node.arg_positions
                  if name == argument), None)
    if found is None and node.args is not None and node.args.line:
        found = (node.args.line, node.args.column)
    if found is None:
        return
    failure["line"], failure["column"] = found
    failure["message"] = (f"{failure.get('message', '')}; '{argument}' is at line "
                          f"{found[0]}, column {found[1]} of the flow")
