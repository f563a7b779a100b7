"""How a trigger starts its flow: an ordinary journaled run of the project's runtime (the
same `runtime.Runtime`, tools and run store ``fdl run`` uses), with an id the trigger
derives from what fired it, so that firing twice (a message delivered again after its
process died) never makes two runs:

* no run by that id: the run is started;
* a run by that id still ``running`` (its process died): it is resumed (completed nodes are
  not run again; the lease of a dead process is taken over at once);
* a run by that id that ended: nothing runs, its status is answered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from compiler import ToolCatalog, check_text
from compiler.plan import Plan
from runtime import RunFailure, Runtime

__all__ = ["FlowRunner", "TriggerRunError", "run_id_for"]


class TriggerRunError(Exception):
    """A trigger's flow cannot be run: it does not compile, or its run is held by a live
    process (F410: ``busy``). The message says which and what to do."""

    def __init__(self, message: str, *, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


def run_id_for(key: str, *parts: str) -> str:
    """The run id of a trigger's firing: ``trg-`` and a digest of the trigger and what fired
    it (a schedule's time, a message's id and attempt)."""
    digest = hashlib.sha256("\x00".join((key, *parts)).encode()).hexdigest()
    return f"trg-{digest[:32]}"


class FlowRunner:
    """Runs the project's flows by name for the triggers.

    Args:
        runtime: the runtime the runs go through (its store is where they are journaled).
        flows: the project's ``flows:`` folder.
        catalog: what the flows are compiled with.
    """

    def __init__(self, runtime: Runtime, flows: Path, catalog: ToolCatalog | None) -> None:
        self.runtime = runtime
        self.flows = flows
        self.catalog = catalog
        self._plans: dict[str, Plan] = {}

    def plan(self, flow: str) -> Plan:
        """The compiled flow ``flow`` (compiled once per process).

        Raises:
            TriggerRunError: the file cannot be read or the flow has errors.
        """
        plan = self._plans.get(flow)
        if plan is not None:
            return plan
        path = self.flows / f"{flow}.yaml"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise TriggerRunError(f"the flow {flow!r} cannot be read ({path}): "
                                  f"{error.strerror or error}") from None
        result = check_text(text, str(path), catalog=self.catalog)
        if result.plan is None:
            first = result.errors[0] if result.errors else None
            detail = f": {first.code} {first.message}" if first is not None else ""
            raise TriggerRunError(f"the flow {flow!r} has errors{detail}; fdl check {path} "
                                  "shows them all")
        plan = self._plans[flow] = replace(result.plan, name=flow)
        return plan

    async def run(self, flow: str, run_id: str, inputs: Mapping[str, Any],
                  tenant: str | None) -> str:
        """Start, resume or look up the run ``run_id`` of ``flow``; its final status
        (``completed``, ``failed`` or ``cancelled``).

        Raises:
            TriggerRunError: the flow does not compile, or another live process runs it.
        """
        plan = self.plan(flow)
        store = self.runtime.store
        record = store.get(run_id) if store is not None else None
        try:
            if record is None:
                result = await self.runtime.run(plan, dict(inputs), tenant=tenant,
                                                run_id=run_id)
            elif record.status != "running":
                return record.status
            else:
                result = await self.runtime.resume(run_id, plan=plan)
        except RunFailure as error:
            raise TriggerRunError(f"{error.code}: {error.message}",
                                  busy=error.code == "F410") from None
        return result.status
