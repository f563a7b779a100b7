"""The work budget a top-level run shares with every ``flow://`` run it starts.

`Runtime.run` opens a budget when it is not itself nested in a run (no budget in its
context yet); trio copies the context into every task the run starts, so the tool calls of
the run and the nested runs they start, at any depth, all see and count on the same object.
Nothing is global: the budget lives in the top-level run's context and ends with it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["SubRuns", "current", "opened"]


@dataclass(slots=True)
class SubRuns:
    """How many ``flow://`` runs the top-level run has started so far, over all depths."""

    started: int = 0


_BUDGET: contextvars.ContextVar[SubRuns | None] = contextvars.ContextVar(
    "fdl_sub_runs", default=None)


def current() -> SubRuns:
    """The budget of the run this code is part of (a fresh one outside any run)."""
    return _BUDGET.get() or SubRuns()


@contextmanager
def opened() -> Iterator[None]:
    """Open a budget for a top-level run; inside a run, keep the run's budget."""
    if _BUDGET.get() is not None:
        yield
        return
    token = _BUDGET.set(SubRuns())
    try:
        yield
    finally:
        _BUDGET.reset(token)
