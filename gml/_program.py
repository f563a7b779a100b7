"""A compiled GML program (`Program`), and the settings it evaluates with.

A program reads its default timezone, clock and limits from the environment that compiled
it. It sees that environment only through `EvalSettings`, a protocol of those three
attributes, so that this module does not import `gml._environment`: the environment
builds programs, and `gml._checkcache` stores them, without either depending on the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import pendulum

from . import nodes as n
from ._checker import CheckResult
from ._context import Clock, EvalContext, resolve_timezone
from ._errors import GmlError, GmlLimitError
from ._frame import Frame
from ._limits import Limits
from ._source import Source

__all__ = ["EvalSettings", "Program", "TimezoneLike", "not_compiled"]

TimezoneLike = str | pendulum.Timezone | pendulum.FixedTimezone | None


class EvalSettings(Protocol):
    """The defaults of an evaluation: what a `Program` reads from its environment."""

    @property
    def timezone(self) -> pendulum.Timezone | pendulum.FixedTimezone: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def limits(self) -> Limits: ...


class Program:
    """A compiled GML program. Call it with the input context to evaluate it.

    Attributes:
        source: the program text.
        ast: the parsed `nodes.Program`.
        single_value: True when the program returns one value (§3.4), False in object mode.
        diagnostics: warnings found at compile time (errors prevent compilation).
        result_type: the static type of the result, as inferred without a typed context.
    """

    __slots__ = ("_env", "_run", "_slots", "ast", "diagnostics", "result_type",
                 "single_value", "source")

    @property
    def executable(self) -> bool:
        """False for a program only checked (``compile_checked(codegen=False)``): it has
        no closures, and evaluating it raises `RuntimeError`."""
        return self._run is not not_compiled

    def __init__(self, env: EvalSettings, source: str, ast: n.Program,
                 run: Callable[[Frame], Any], slots: int, checked: CheckResult,
                 object_mode: bool = False) -> None:
        self._env = env
        self.source = source  # its line index (`Source`) is built on an error only
        self.ast = ast
        self._run = run
        self._slots = slots
        self.single_value = ast.single_value and not object_mode
        self.diagnostics = tuple(checked.diagnostics) if checked.diagnostics else ()
        self.result_type = checked.result

    def __repr__(self) -> str:
        return f"<gml.Program {self.source!r}>"

    def __call__(self, data: Mapping[str, Any] | None = None, *, tz: TimezoneLike = None,
                 clock: Clock | None = None, limits: Limits | None = None) -> Any:
        """Evaluate against ``data`` (the visible variables).

        Args:
            data: the input context; values are read, never copied or modified.
            tz: the timezone of dates (default: the environment's).
            clock: returns the current instant (default: the environment's).
            limits: resource limits (default: the environment's).

        Raises:
            GmlRuntimeError: G3xx, positioned in the program text.
        """
        env = self._env
        ctx = EvalContext(env.timezone if tz is None else resolve_timezone(tz),
                          clock or env.clock, limits or env.limits)
        # The body of `evaluate`, inlined: this is the per-call cost of every evaluation.
        try:
            return self._run(Frame(ctx, {} if data is None else data, self._slots))
        except GmlError as error:
            raise error.with_source(Source(self.source)) from None
        except RecursionError:
            raise GmlLimitError("the evaluation nested too deeply").with_source(
                Source(self.source)) from None

    def evaluate(self, data: Mapping[str, Any], ctx: EvalContext) -> Any:
        """Evaluate with a prepared context (what the runtime does for every node)."""
        try:
            return self._run(Frame(ctx, data, self._slots))
        except GmlError as error:
            raise error.with_source(Source(self.source)) from None
        except RecursionError:
            raise GmlLimitError("the evaluation nested too deeply").with_source(
                Source(self.source)) from None


def not_compiled(frame: Frame) -> Any:
    """The body of a program that was only checked (``codegen=False``)."""
    raise RuntimeError("this GML program was only checked, not compiled "
                       "(compile_checked(codegen=False)); it cannot be evaluated")
