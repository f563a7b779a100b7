"""The run's state machine (spec/fdl.md §6), with no I/O, no trio and no clock.

Rules of this module (after h11's ``_state.py``):

1. Everything that changes a run's state happens here, in response to `feed` (an event of
   `runtime._journal`) or `start`/`cancel`. Time arrives inside events.
2. The core never evaluates GML and never calls a tool. It answers with `Command` values
   (run this node, test this loop, close this ``each``, sleep until, cancel) that the driver
   carries out, feeding the outcome back as an event.
3. It is deterministic: instance keys are handed out in processing order and every
   collection is walked in declaration order, so replaying a journal into a fresh core
   rebuilds the same state (that is how resume works).

Vocabulary: a *block run* is one execution of a ``node`` block (the flow's, or one
iteration of an ``each``/``loop``); an *instance* is one activation of one node in one
block run, with a key, a path (``proc[2]/user``) and an activation number (jumps activate a
node again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from compiler.plan import Block, Edge, Plan, PlanNode

from ._journal import (
    Cancelled,
    Completed,
    Event,
    Failed,
    Opened,
    Pulled,
    Skipped,
    Tested,
    TimerSet,
)
from ._scope import Scope

__all__ = ["Command", "Instance", "InvariantError", "RunCore"]

# Node states inside a block run.
IDLE: Final = 0
RUNNING: Final = 1
COMPLETED: Final = 2
SKIPPED: Final = 3
FAILED: Final = 4
DEAD: Final = 5
CANCELLED: Final = 6

# What an instance waits for (the command the driver must answer).
RUN: Final = "run"
TEST: Final = "test"
CLOSE: Final = "close"
SLEEP: Final = "sleep"
PULL: Final = "pull"
CANCEL: Final = "cancel"

NEXT = frozenset({"next"})
FAIL = frozenset({"fail"})
NOTHING: frozenset[str] = frozenset()


class InvariantError(RuntimeError):
    """The driver fed an event the state machine cannot accept (a bug, not a flow error).
    The core's state is left unchanged."""


class Instance:
    """One activation of a node (or, with ``node`` None and key 0, the flow itself)."""

    __slots__ = ("activation", "block_run", "child", "index", "items", "key", "node",
                 "path", "started", "streaming", "until", "vars_scope", "waiting")

    def __init__(self, key: int, node: PlanNode | None, block_run: BlockRun | None, path: str,
                 activation: int, started: float) -> None:
        self.key = key
        self.node = node
        self.block_run = block_run
        self.path = path
        self.activation = activation
        self.started = started
        self.waiting: str | None = None
        self.vars_scope: Scope | None = None
        self.items: list[Any] | None = None
        self.index = 0
        self.child: BlockRun | None = None
        self.until: float | None = None
        self.streaming = False

    @property
    def scope(self) -> Scope:
        """Where the instance's fields are evaluated: an ``each``/``loop``'s own scope once
        it has opened (its ``when``, ``sets`` and ``with`` see its ``vars``), else its
        block's."""
        if self.vars_scope is not None:
            return self.vars_scope
        assert self.block_run is not None
        return self.block_run.scope

    def __repr__(self) -> str:
        return f"<Instance {self.key} {self.path or '(flow)'} #{self.activation}>"


@dataclass(frozen=True, slots=True)
class Command:
    """What the driver must do for ``instance``: ``run`` it (execute the node), ``test`` a
    loop's ``when``, ``close`` an ``each``/``loop`` (``sets`` + ``with``), ``sleep`` until
    ``instance.until``, ``pull`` the next element of an ``each``'s stream, or ``cancel``
    whatever it is doing."""

    op: str
    instance: Instance


class _Shape:
    """Static facts about a block, computed once per run: in-degrees and edges by node."""

    __slots__ = ("ids", "incoming", "indeg", "outgoing")

    def __init__(self, block: Block) -> None:
        self.ids = tuple(n.id for n in block.nodes)
        out: dict[str, list[tuple[int, Edge]]] = {i: [] for i in self.ids}
        incoming: dict[str, list[int]] = {i: [] for i in self.ids}
        for index, edge in enumerate(block.edges):
            out[edge.source].append((index, edge))
            if not edge.jump:
                incoming[edge.target].append(index)
        self.outgoing = {k: tuple(v) for k, v in out.items()}
        self.incoming = {k: tuple(v) for k, v in incoming.items()}
        self.indeg = {k: len(v) for k, v in incoming.items()}


class _NodeState:
    __slots__ = ("activations", "instance", "node", "pending", "status", "taken")

    def __init__(self, node: PlanNode, pending: int) -> None:
        self.node = node
        self.status = IDLE
        self.pending = pending
        self.taken = 0
        self.activations = 0
        self.instance: Instance | None = None


class BlockRun:
    """One execution of a block: node states, edge resolutions, pending jumps."""

    __slots__ = ("__weakref__", "block", "closed", "edge_state", "jumps", "owner", "prefix",
                 "running", "scope", "shape", "states")

    def __init__(self, block: Block, shape: _Shape, scope: Scope, prefix: str,
                 owner: Instance | None) -> None:
        self.block = block
        self.shape = shape
        self.scope = scope
        self.prefix = prefix
        self.owner = owner
        self.states = {n.id: _NodeState(n, shape.indeg[n.id]) for n in block.nodes}
        self.edge_state: dict[int, bool] = {}
        self.running = 0
        self.jumps: list[str] = []
        self.closed = False


class RunCore:
    """The state of one run.

    Args:
        plan: the compiled flow.
        variables: converted inputs plus ``tenantId``/``buCode`` (the flow scope's start).
        run_id: used in public events.
        max_iterations: the cap on loop iterations and on activations of one node per
            block run (F405).

    After `start`, call `take_commands` and carry them out; `feed` each outcome. `done`
    turns True when the top-level block finishes, fails or the run is cancelled.
    """

    def __init__(self, plan: Plan, variables: Mapping[str, Any], *, run_id: str = "",
                 max_iterations: int = 10_000) -> None:
        self.plan = plan
        self.run_id = run_id
        self.max_iterations = max_iterations
        self.flow_scope = Scope(dict(variables))
        self.instances: dict[int, Instance] = {}
        self.commands: list[Command] = []
        self.events: list[dict[str, Any]] = []
        self.status = "running"
        self.done = False
        self.output: Any = None
        self.error: dict[str, Any] | None = None
        self.now = 0.0
        self._keys = 0
        self._shapes: dict[int, _Shape] = {}
        self.top: BlockRun | None = None

    # ------------------------------------------------------------------ interface

    def start(self, at: float) -> None:
        """Begin the run: the flow's ``vars`` are evaluated first (a `RUN` of key 0)."""
        self.now = at
        flow = Instance(0, None, None, "", 1, at)
        self.instances[0] = flow
        self._wait(flow, RUN)

    def feed(self, event: Event) -> bool:
        """Apply one event. Returns False for an event about an instance that is gone
        (cancelled, or its iteration failed): such events are stale and not journaled.

        Raises:
            InvariantError: the event does not fit what the instance waits for.
        """
        if self.done:
            return False
        if isinstance(event, Cancelled):
            self.now = max(self.now, event.at)
            self._cancel_run(event.reason)
            return True
        inst = self.instances.get(event.key)
        if inst is None or inst.waiting is None:
            return False
        self._check(inst, event)
        self.now = max(self.now, event.at)
        inst.waiting = None
        if isinstance(event, Completed):
            self._completed(inst, event)
        elif isinstance(event, Failed):
            self._failed(inst, dict(event.error))
        elif isinstance(event, Skipped):
            self._skipped(inst)
        elif isinstance(event, Opened):
            self._opened(inst, event)
        elif isinstance(event, Tested):
            self._tested(inst, event.value)
        elif isinstance(event, TimerSet):
            inst.until = event.until
            self._wait(inst, SLEEP)
        elif isinstance(event, Pulled):
            self._pulled(inst, event)
        return True

    def cancel(self, at: float, reason: str = "cancelled") -> None:
        """Cancel the run (same as feeding `Cancelled`)."""
        self.feed(Cancelled(0, at, reason))

    def take_commands(self) -> list[Command]:
        """The commands produced since the last call, in order."""
        commands, self.commands = self.commands, []
        return commands

    def take_events(self) -> list[dict[str, Any]]:
        """The public events (fdl.md §6.7) produced since the last call."""
        events, self.events = self.events, []
        return events

    def outstanding(self) -> list[Command]:
        """What every live instance still waits for (after a replay: what to re-issue)."""
        return [Command(i.waiting, i) for _, i in sorted(self.instances.items())
                if i.waiting is not None]

    def resume(self, at: float) -> list[Command]:
        """After a replay: what to carry out again. Nodes whose execution starts over (a
        tool call that had not returned, a node not evaluated yet) get a new
        ``node.started`` event (``resumed: true``, same activation)."""
        self.now = max(self.now, at)
        commands = self.outstanding()
        for command in commands:
            inst = command.instance
            if command.op == RUN and inst.node is not None:
                inst.started = self.now
                self._emit("node.started", inst, activation=inst.activation, resumed=True)
        return commands

    # ------------------------------------------------------------------ checks

    def _check(self, inst: Instance, event: Event) -> None:
        node = inst.node
        kind = "flow" if node is None else node.kind
        waiting = inst.waiting
        ok: bool
        if isinstance(event, Failed):
            ok = True
        elif isinstance(event, Completed):
            ok = (waiting == CLOSE) if kind in ("each", "loop") else (
                waiting in (RUN, SLEEP) and kind != "flow")
        elif isinstance(event, Skipped):
            ok = waiting == RUN and kind != "flow"
        elif isinstance(event, Opened):
            ok = waiting == RUN and kind in ("flow", "each", "loop")
        elif isinstance(event, Tested):
            ok = waiting == TEST
        elif isinstance(event, TimerSet):
            ok = waiting == RUN and kind == "delay"
        elif isinstance(event, Pulled):
            ok = waiting == PULL
        else:
            ok = False
        if not ok:
            raise InvariantError(f"{type(event).__name__} does not fit {inst!r} "
                                 f"({kind}, waiting for {waiting})")

    # ------------------------------------------------------------------ transitions

    def _wait(self, inst: Instance, op: str) -> None:
        inst.waiting = op
        self.commands.append(Command(op, inst))

    def _emit(self, type: str, inst: Instance, **extra: Any) -> None:
        node = inst.node
        tool = None if node is None else node.tool
        if tool is None:
            self.events.append({"type": type, "run_id": self.run_id, "node": inst.path,
                                "at": self.now, **extra})
        else:  # the tool for call statistics (tools issue)
            self.events.append({"type": type, "run_id": self.run_id, "node": inst.path,
                                "at": self.now, "tool": tool.base, **extra})

    def _shape(self, block: Block) -> _Shape:
        shape = self._shapes.get(id(block))
        if shape is None:
            shape = self._shapes[id(block)] = _Shape(block)
        return shape

    def _opened(self, inst: Instance, event: Opened) -> None:
        node = inst.node
        if node is None:  # the flow
            local = self.flow_scope.local
            local.update(event.vars)
            block = self.plan.block
            shape = self._shape(block)
            for node_id in shape.ids:
                local[node_id] = None
            self.top = BlockRun(block, shape, self.flow_scope, "", None)
            inst.child = self.top
            self._start_block(self.top)
            return
        assert inst.block_run is not None
        inst.vars_scope = Scope(dict(event.vars), inst.block_run.scope)
        if node.kind == "each":
            items = event.items  # the event's list, not a copy: one list per source
            inst.items = items if isinstance(items, list) else list(items or ())
            inst.streaming = event.stream
            self._next_iteration(inst)
        else:
            self._wait(inst, TEST)

    def _pulled(self, inst: Instance, event: Pulled) -> None:
        if event.done:
            inst.streaming = False
            self._wait(inst, CLOSE)
            return
        self._start_iteration(inst, event.item)  # only the current element is kept

    def _tested(self, inst: Instance, value: bool) -> None:
        if not value:
            self._wait(inst, CLOSE)
        elif inst.index >= self.max_iterations:
            self._failed(inst, _error("F405", f"the loop '{inst.path}' reached the cap of "
                                      f"{self.max_iterations} iterations; check its 'when' "
                                      "condition or raise the cap", inst.path))
        else:
            self._start_iteration(inst, None)

    def _next_iteration(self, inst: Instance) -> None:
        if inst.streaming:
            self._wait(inst, PULL)
        elif inst.items is not None and inst.index < len(inst.items):
            self._start_iteration(inst, inst.items[inst.index])
        else:
            self._wait(inst, CLOSE)

    def _start_iteration(self, inst: Instance, item: Any) -> None:
        node = inst.node
        assert node is not None and node.block is not None and inst.vars_scope is not None
        block = node.block
        shape = self._shape(block)
        local: dict[str, Any] = dict.fromkeys(shape.ids)
        if node.kind == "each":
            assert node.item is not None
            local[node.item] = item
            if node.index:
                local[node.index] = inst.index
        child = BlockRun(block, shape, Scope(local, inst.vars_scope),
                         f"{inst.path}[{inst.index}]/", inst)
        inst.child = child
        self._emit("iteration.started", inst, index=inst.index)
        self._start_block(child)

    def _start_block(self, br: BlockRun) -> None:
        for node_id in br.block.starts:
            if br.closed:
                return
            self._activate(br, br.states[node_id])
        self._check_block(br)

    def _activate(self, br: BlockRun, state: _NodeState) -> None:
        state.activations += 1
        self._keys += 1
        node = state.node
        inst = Instance(self._keys, node, br, br.prefix + node.id, state.activations, self.now)
        state.instance = inst
        state.status = RUNNING
        br.running += 1
        self.instances[inst.key] = inst
        self._emit("node.started", inst, activation=inst.activation)
        if state.activations > self.max_iterations:
            self._failed(inst, _error("F405", f"'{inst.path}' was activated more than "
                                      f"{self.max_iterations} times by jumps; check the "
                                      "condition that jumps back", inst.path))
            return
        self._wait(inst, RUN)

    def _completed(self, inst: Instance, event: Completed) -> None:
        node = inst.node
        br = inst.block_run
        assert node is not None and br is not None
        if event.writes:
            target = inst.scope
            for name, value in event.writes.items():
                target.write(name, value)
        br.scope.local[node.id] = event.output
        self._emit("node.completed", inst, duration=self.now - inst.started)
        if node.kind in ("branch", "switch"):
            labels = NOTHING if event.choice is None else frozenset({event.choice})
        else:
            labels = NEXT
        self._settle(br, inst, COMPLETED, labels)

    def _skipped(self, inst: Instance) -> None:
        node = inst.node
        br = inst.block_run
        assert node is not None and br is not None
        br.scope.local[node.id] = None
        self._emit("node.skipped", inst)
        self._settle(br, inst, SKIPPED, NEXT)

    def _failed(self, inst: Instance, error: dict[str, Any]) -> None:
        error.setdefault("node", inst.path)
        error.setdefault("type", "tool")
        node = inst.node
        br = inst.block_run
        if inst.child is not None:
            self._cancel_block(inst.child)
            inst.child = None
        if node is None or br is None:  # the flow's own vars failed
            self.instances.pop(inst.key, None)
            self._abort(error)
            return
        br.scope.local[node.id] = {"error": error}
        self._emit("node.failed", inst, duration=self.now - inst.started, error=error)
        if node.fail:
            self._settle(br, inst, FAILED, FAIL)
            return
        # No `fail` edge: the failure propagates (§6.4).
        self.instances.pop(inst.key, None)
        br.states[node.id].status = FAILED
        br.running -= 1
        self._cancel_block(br)
        owner = br.owner
        if owner is None:
            self._abort(error)
        else:
            owner.child = None
            self._failed(owner, dict(error))

    def _settle(self, br: BlockRun, inst: Instance, status: int, labels: frozenset[str]
                ) -> None:
        """A node of ``br`` finished with ``status``: resolve its edges (taken when their
        label is in ``labels``), start what became ready, then jumps, then maybe the end
        of the block."""
        node = inst.node
        assert node is not None
        self.instances.pop(inst.key, None)
        state = br.states[node.id]
        state.status = status
        br.running -= 1
        self._resolve(br, node.id, labels)
        if br.jumps:
            self._try_jumps(br)
        self._check_block(br)

    def _resolve(self, br: BlockRun, source: str, labels: frozenset[str]) -> None:
        """Resolve the edges out of ``source``; nodes whose every incoming edge is resolved
        run (some edge taken) or are dead (none taken), and dead nodes resolve theirs in
        turn (dead-path elimination, §6.2). A work list, not recursion: chains are long."""
        work = [(source, labels)]
        shape = br.shape
        states = br.states
        while work:
            source, labels = work.pop()
            for index, edge in shape.outgoing[source]:
                taken = edge.label in labels
                if edge.jump:
                    if taken:
                        br.jumps.append(edge.target)
                    continue
                br.edge_state[index] = taken
                target = states[edge.target]
                target.pending -= 1
                if taken:
                    target.taken += 1
                if target.pending == 0 and target.status == IDLE:
                    if target.taken:
                        if not br.closed:
                            self._activate(br, target)
                    else:
                        target.status = DEAD
                        work.append((edge.target, NOTHING))

    def _try_jumps(self, br: BlockRun) -> None:
        """Take pending jumps whose reset set has nothing running (§6.3)."""
        shape = br.shape
        states = br.states
        edges = br.block.edges
        while br.jumps and not br.closed:
            target = br.jumps[0]
            reset = br.block.resets[target]
            if any(states[n].status == RUNNING for n in reset):
                return
            br.jumps.pop(0)
            for node_id in reset:
                state = states[node_id]
                state.status = IDLE
                state.instance = None
                state.pending = 0
                state.taken = 0
                for index in shape.incoming[node_id]:
                    if edges[index].source in reset:
                        br.edge_state.pop(index, None)
                        state.pending += 1
                    else:
                        resolved = br.edge_state.get(index)
                        if resolved is None:
                            state.pending += 1
                        elif resolved:
                            state.taken += 1
            self._activate(br, states[target])

    def _check_block(self, br: BlockRun) -> None:
        if br.running or br.jumps or br.closed:
            return
        br.closed = True
        owner = br.owner
        if owner is None:
            self._finish_flow(br)
            return
        owner.child = None
        self._emit("iteration.completed", owner, index=owner.index)
        owner.index += 1
        assert owner.node is not None
        if owner.node.kind == "each":
            self._next_iteration(owner)
        else:
            self._wait(owner, TEST)

    def _finish_flow(self, br: BlockRun) -> None:
        outputs = [br.scope.local.get(node_id) for node_id in br.block.terminals
                   if br.states[node_id].status == COMPLETED]
        if not outputs:
            result = None
        elif len(outputs) == 1:
            result = outputs[0]
        elif all(isinstance(o, Mapping) for o in outputs):
            merged: dict[str, Any] = {}
            for o in outputs:
                assert isinstance(o, Mapping)
                merged.update(o)
            result = merged
        else:
            result = outputs[-1]
        self.instances.pop(0, None)
        self.output = result
        self.status = "completed"
        self.done = True

    # ------------------------------------------------------------------ ending

    def _cancel_block(self, br: BlockRun) -> None:
        """Stop everything still running in ``br`` and below it."""
        br.closed = True
        br.jumps.clear()
        for state in br.states.values():
            if state.status != RUNNING:
                continue
            state.status = CANCELLED
            inst = state.instance
            if inst is None:
                continue
            if inst.child is not None:
                self._cancel_block(inst.child)
                inst.child = None
            if self.instances.pop(inst.key, None) is not None and inst.waiting in (
                    RUN, SLEEP, PULL):
                self.commands.append(Command(CANCEL, inst))
            inst.waiting = None
        br.running = 0

    def _abort(self, error: dict[str, Any]) -> None:
        if self.top is not None:
            self._cancel_block(self.top)
        self.instances.clear()
        self.status = "failed"
        self.error = error
        self.done = True

    def _cancel_run(self, reason: str) -> None:
        if self.top is not None:
            self._cancel_block(self.top)
        self.instances.clear()
        self.status = "cancelled"
        self.error = _error("F408", f"the run was cancelled ({reason})", "", "runtime")
        self.done = True


def _error(code: str, message: str, node: str, type: str = "runtime") -> dict[str, Any]:
    return {"code": code, "message": message, "node": node, "type": type}
