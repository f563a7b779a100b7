"""``flow://`` on Temporal: the called flows travel with the run and run as child workflows.

The caller resolves every flow a run may call (at every depth) when the run starts, from its
flows folder, the way `runtime.subflows.FlowTools` resolves them locally; the workflow starts
a child ``fdl-flow`` workflow for a call (`child_input`), so a called flow is as durable as
its caller and a worker needs no flows folder. Limits and failures are those of a local run:
the nesting depth (F412) and one clean message for a called flow that failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from compiler import CompileError, Plan
from compiler.plan import ToolRef
from stdlib.flowfiles import find_flow

from .. import _codec
from ..subflows import DEFAULT_MAX_DEPTH, _failure, runs_limit_error
from ._model import FlowInput
from ._refs import refs_of, tool_refs

__all__ = ["child_input", "collect", "collect_named", "depth_error", "flow_code", "runs_error",
           "subflow_error"]


def flow_code(ref: ToolRef) -> str:
    """The flow a ``flow://`` reference names (``flow://call?flow-id=x`` names ``x``)."""
    return ref.options.get("flow-id", "") if ref.code == "call" else ref.code


def collect(plan: Plan, flows: Path, compile: Callable[[str, str], Plan]
            ) -> dict[str, dict[str, Any]]:
    """Every flow ``plan`` calls through ``flow://``, and the flows those call, by code,
    from the flows folder ``flows``.

    A name that has no file, or a file that does not compile, is left out: the call fails
    when it is made, as in a local run (F406).
    """

    def named(code: str) -> Plan | None:
        file = find_flow(flows, code)
        if file is None:
            return None
        try:
            text = file.read_text(encoding="utf-8")
            called = compile(text, str(file))
        except (OSError, UnicodeDecodeError, CompileError):
            return None
        return replace(called, source=text, path=str(file))

    return collect_named(plan, named)


def collect_named(plan: Plan, named: Callable[[str], Plan | None]
                  ) -> dict[str, dict[str, Any]]:
    """Every flow ``plan`` calls through ``flow://``, and the flows those call, by code,
    as ``named`` finds them (None: left out, the call fails when it is made: F406)."""
    found: dict[str, dict[str, Any]] = {}
    work = [plan]
    while work:
        current = work.pop()
        for _path, ref in tool_refs(current):
            code = flow_code(ref)
            if ref.type != "flow" or not code or code in found:
                continue
            called = named(code)
            if called is None:
                continue
            found[code] = {"name": called.name, "source": called.source,
                           "path": called.path or f"{code}.yaml", "tools": refs_of(called)}
            work.append(called)
    return found


def depth_error(data: FlowInput, called: Mapping[str, Any]) -> dict[str, Any] | None:
    """F412 when one more level of ``flow://`` would pass the depth limit."""
    if data.depth < DEFAULT_MAX_DEPTH:
        return None
    name = Path(str(called["path"])).name
    return {"code": "F412", "message": f"flows call each other more than "
            f"{DEFAULT_MAX_DEPTH} levels deep (at {name}); check for a recursion without an "
            "end", "type": "runtime", "details": {"limit": "depth"}}


def runs_error(data: FlowInput, called: Mapping[str, Any]) -> dict[str, Any]:
    """F412 when the top-level run has started all the ``flow://`` runs it may."""
    return runs_limit_error(data.max_runs, Path(str(called["path"])).name).to_dict()


def child_input(data: FlowInput, called: Mapping[str, Any], args: Mapping[str, Any],
                run_id: str) -> FlowInput:
    """The input of the child workflow that runs a called flow with ``args``. As in a
    local run, a called flow's tools are the real ones: mocks answer the calls of the flow
    they were given to, and a ``flow://`` call reaches a called flow only when they pass
    it through. ``run_id`` is the calling run's workflow id (the top-level run's, unless
    the caller is itself a called flow)."""
    return FlowInput(source=str(called["source"]), path=str(called["path"]),
                     name=str(called["name"]),
                     inputs=_codec.dumps(dict(args)), tenant=data.tenant, bu=data.bu,
                     mocks=None, timezone=data.timezone,
                     max_iterations=data.max_iterations,
                     default_timeout_ms=data.default_timeout_ms,
                     tools=dict(called["tools"]), subflows=data.subflows,
                     depth=data.depth + 1, max_runs=data.max_runs,
                     root=data.root or run_id)


def subflow_error(name: str, status: str, run_id: str, error: Mapping[str, Any]
                  ) -> dict[str, Any]:
    """The error of a called flow that did not complete, worded as in a local run (the
    same function): a limit error as it is, anything else ``the flow X failed: <innermost
    reason>``."""
    return _failure(name, status, run_id, dict(error)).to_dict()
