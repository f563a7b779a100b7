"""The ``flow-runs:`` limit on Temporal: one count of ``flow://`` runs per top-level run.

Locally the count is one object the top-level run shares with every nested run in the same
process (`runtime._budget`). On Temporal the runs are separate workflows, possibly on other
workers, so the top-level workflow keeps the count and a called flow asks it, by signals,
before each ``flow://`` run it starts:

1. the called flow signals ``flow-run-wanted`` (its workflow id, a token naming the call) to
   the top-level workflow, and waits;
2. the top-level workflow counts the run if the limit allows it and signals
   ``flow-run-answer`` (the token, granted or not) back;
3. the called flow starts its child workflow, or fails the node with the F412 of a local run.

Signals are history events on both sides, so the count and every answer replay exactly; the
top-level run counts its own calls directly. The cost is one signal each way (and a
workflow task on each side) per ``flow://`` run below the first level.
"""

from __future__ import annotations

from temporalio import workflow

__all__ = ["ANSWER_SIGNAL", "WANTED_SIGNAL", "FlowRuns"]

WANTED_SIGNAL = "flow-run-wanted"
"""Signal to the top-level run: a called flow wants to start a ``flow://`` run."""

ANSWER_SIGNAL = "flow-run-answer"
"""Signal back to the called flow: whether it may."""


class FlowRuns:
    """The count of one workflow: the top-level run's budget, or a called flow's answers."""

    def __init__(self) -> None:
        self.limit = 0
        self.started = 0
        self.answers: dict[str, bool] = {}

    def take(self) -> bool:
        """Count one more run if the limit allows it (the top-level run's side)."""
        if self.started >= self.limit:
            return False
        self.started += 1
        return True

    async def answer(self, asker: str, token: str) -> None:
        """Answer a called flow's request (the top-level run's side)."""
        granted = self.take()
        await workflow.get_external_workflow_handle(asker).signal(
            ANSWER_SIGNAL, args=[token, granted])

    def answered(self, token: str, granted: bool) -> None:
        """Record the top-level run's answer (the called flow's side)."""
        self.answers[token] = granted

    async def ask(self, root: str, asker: str, token: str) -> bool:
        """Ask the top-level run ``root`` for one run and wait for its answer."""
        await workflow.get_external_workflow_handle(root).signal(
            WANTED_SIGNAL, args=[asker, token])
        await workflow.wait_condition(lambda: token in self.answers)
        return self.answers.pop(token)
