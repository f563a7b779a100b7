"""The run-time frame a compiled program's closures read and write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._context import EvalContext
from ._size import SizeMemo

__all__ = ["Frame"]


class Frame:
    """State of one evaluation.

    Attributes:
        ctx: clock, timezone and limits.
        data: the input context (FDL variables); read-only.
        this: the result object built so far (object mode).
        slots: temporaries and lambda parameters, at indexes fixed at compile time. Lambdas
            cannot recurse, so one flat list per evaluation is enough.
        steps: what is left of the evaluation's work budget (`Limits.max_steps`).
        sizes: the expanded sizes of the containers measured so far (`gml._size`), made
            on first use.
    """

    __slots__ = ("ctx", "data", "sizes", "slots", "steps", "this")

    def __init__(self, ctx: EvalContext, data: Mapping[str, Any], slots: int) -> None:
        self.ctx = ctx
        self.data = data
        self.this: dict[str, Any] = {}
        self.slots: list[Any] = [None] * slots if slots else _NO_SLOTS
        self.steps = ctx.limits.max_steps
        self.sizes: SizeMemo | None = None


_NO_SLOTS: list[Any] = []
"""Shared by programs without temporaries or lambdas: nothing ever writes to it."""
