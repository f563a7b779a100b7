"""``flow://`` — a flow calls another flow (spec/tools.md §6).

``flow://<name-or-path>`` runs the flow file ``<flows>/<name>.yaml`` (or the path, relative
to the flows folder) with the call's arguments as its inputs and returns its result. Inputs
and outputs are validated by the callee's ``args`` (the runtime's F401–F404), the callee's
events appear in the caller's event stream under the calling node (``sub/step``).
``flow://call?flow-id=<id>`` names the flow by an option instead. A host that keeps flows
elsewhere (``fdl serve``'s deployed flows) passes ``named``: a name it knows is run from the
plan it answers, before the folder is looked at.

Two limits make a recursion without an end fail fast with F412: the nesting depth
(``max_depth``, default 16) and the number of ``flow://`` runs one top-level run starts in
all, at every depth (``max_runs``, default 1000; ``flow-runs:`` in ``fdl.yaml``). Depth alone
does not bound work: a flow calling itself twice would start 2^16 runs before reaching
depth 16. A failure of a called flow keeps one clean message however deep it happened: the
outermost called flow and the innermost reason, with the chain of flows in ``details``.

The nesting depth travels in a context variable: trio copies the context into every task a
run starts, so each nested run sees the depth of the run that started it, with no global
mutable state; the count of runs is the top-level run's budget (`runtime._budget`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler import CompileError, Plan, ToolCatalog, load_text
from stdlib.flowfiles import find_flow
from stdlib.tools import ToolCall, ToolError, ToolProvider

from . import _budget
from ._runtime import Runtime

__all__ = ["DEFAULT_MAX_DEPTH", "DEFAULT_MAX_RUNS", "FlowTools", "runs_limit_error"]

DEFAULT_MAX_DEPTH = 16
"""How deeply flows may call flows by default."""

DEFAULT_MAX_RUNS = 1000
"""How many ``flow://`` runs one top-level run may start in all, by default."""

_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("fdl_flow_depth", default=0)
@dataclass(frozen=True, slots=True)
class _Compiled:
    stamp: tuple[int, int]
    plan: Plan


class FlowTools:
    """Resolves ``flow://`` URIs to flows of a folder.

    Args:
        flows: the folder flow names are resolved in (``flows:`` of the configuration).
        tools: the tools the called flows use (usually the caller's whole provider, this
            one included; set later with `bind` when it is built after this object).
        catalog: the tool catalog the called flows are compiled with.
        max_depth: how deeply flows may call flows.
        max_runs: how many flow runs one top-level run may start in all (every depth).
        named: flows found by name before the folder: a name → its compiled plan, or None
            when it does not know the name (it may raise `ToolError` for a flow it knows
            that cannot be compiled).
        options: further `runtime.Runtime` options for the nested runs (timezone,
            concurrency, limits); nested runs are never stored (the caller's journal holds
            their result).
    """

    def __init__(self, flows: str | Path, *, tools: ToolProvider | None = None,
                 catalog: ToolCatalog | None = None, max_depth: int = DEFAULT_MAX_DEPTH,
                 max_runs: int = DEFAULT_MAX_RUNS,
                 named: Callable[[str], Plan | None] | None = None, **options: Any) -> None:
        if max_depth < 1 or max_runs < 1:
            raise ValueError("max_depth and max_runs must be at least 1")
        self.flows = Path(flows)
        self.tools = tools
        self.catalog = catalog
        self.max_depth = max_depth
        self.max_runs = max_runs
        self.options = options
        self.named = named
        self._plans: dict[Path, _Compiled] = {}

    def bind(self, tools: ToolProvider) -> None:
        """Set the tools nested runs use."""
        self.tools = tools

    def resolve(self, base: str) -> _FlowTool | None:
        if not base.startswith("flow://"):
            return None
        code = base[len("flow://"):]
        if code == "call":
            return _FlowTool(self, None)
        if self.named is not None:
            plan = self.named(code)
            if plan is not None:
                return _FlowTool(self, None, plan)
        path = self.path_of(code)
        return None if path is None else _FlowTool(self, path)

    def path_of(self, code: str) -> Path | None:
        """The flow file for a name (``customer_view``) or a path (``sub/x.yaml``)."""
        return find_flow(self.flows, code)

    def plan(self, path: Path) -> Plan:
        """The compiled flow (cached until the file changes)."""
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
        cached = self._plans.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached.plan
        try:
            plan = load_text(path.read_text(encoding="utf-8"), str(path), catalog=self.catalog)
        except CompileError as error:
            first = error.diagnostics[0] if error.diagnostics else None
            where = f": {first.headline()}" if first is not None else ""
            raise ToolError("F406", f"the flow {path.name} does not compile{where}",
                            type="validation") from None
        self._plans[path] = _Compiled(stamp, plan)
        return plan


class _FlowTool:
    def __init__(self, owner: FlowTools, path: Path | None, plan: Plan | None = None
                 ) -> None:
        self.owner = owner
        self.path = path
        self.named_plan = plan

    @property
    def arguments(self) -> Sequence[str]:
        if self.named_plan is not None:
            return tuple(i.name for i in self.named_plan.inputs)
        if self.path is None:
            return ()
        try:
            return tuple(i.name for i in self.owner.plan(self.path).inputs)
        except (ToolError, OSError):
            return ()

    def _chosen(self, call: ToolCall) -> tuple[str, Plan | None, Path | None]:
        """What to run: its name in messages, and its plan (a named flow) or file."""
        if self.named_plan is not None:
            return self.named_plan.name, self.named_plan, None
        if self.path is not None:
            return self.path.name, None, self.path
        owner = self.owner
        name = call.options.get("flow-id", "")
        plan = owner.named(name) if owner.named is not None and name else None
        if plan is not None:
            return name, plan, None
        path = owner.path_of(name)
        if path is None:
            raise ToolError("F406", f"no flow '{name}' in {owner.flows}", type="tool")
        return path.name, None, path

    async def call(self, call: ToolCall) -> Any:
        owner = self.owner
        where, plan, path = self._chosen(call)
        depth = _DEPTH.get()
        if depth >= owner.max_depth:
            raise ToolError("F412", f"flows call each other more than {owner.max_depth} "
                            f"levels deep (at {where}); check for a recursion without "
                            "an end", type="runtime", details={"limit": "depth"})
        budget = _budget.current()
        if budget.started >= owner.max_runs:
            raise runs_limit_error(owner.max_runs, where)
        budget.started += 1
        if plan is None:
            assert path is not None
            plan = owner.plan(path)
        token = _DEPTH.set(depth + 1)
        try:
            async with Runtime(tools=owner.tools, **owner.options) as rt:
                result = await rt.run(plan, dict(call.args), tenant=call.tenant_id,
                                      bu=call.bu_code, on_event=call.publish)
        finally:
            _DEPTH.reset(token)
        if result.status == "completed":
            return result.output
        raise _failure(plan.name, result.status, result.run_id, result.error or {})


def runs_limit_error(max_runs: int, where: str) -> ToolError:
    """F412: the top-level run already started ``max_runs`` ``flow://`` runs (``where``:
    the flow the refused call names). The same error on every engine."""
    return ToolError("F412", f"the run started {max_runs} flow:// runs, its limit (at "
                     f"{where}); check for a recursion without an end, or raise flow-runs "
                     "in fdl.yaml", type="runtime", details={"limit": "runs"})


def _failure(flow: str, status: str, run_id: str, error: dict[str, Any]) -> ToolError:
    """The error of a called flow that did not complete, as one clean sentence: a limit
    error (F412) as it is, anything else as ``the flow X failed: <innermost reason>``; the
    chain of called flows is in ``details.flows``."""
    code = str(error.get("code", "F406"))
    kind = str(error.get("type", "tool"))
    inner = error.get("details")
    inner = inner if isinstance(inner, dict) else {}
    if code == "F412" and "limit" in inner:
        return ToolError(code, str(error.get("message", "")), type=kind, details=inner)
    nested = inner.get("flows")
    chain = [flow, *nested] if isinstance(nested, list) and "reason" in inner else [flow]
    reason = str(inner["reason"]) if len(chain) > 1 else str(error.get("message", ""))
    return ToolError(code, f"the flow {flow} {status}: {reason}", type=kind,
                     details={"flow": flow, "flows": chain, "reason": reason,
                              "node": error.get("node", ""), "run_id": run_id})
