"""Run-time errors (spec/fdl.md §7): values with a code, a message and, where it applies,
the node and the path inside a value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["INTERNAL_ERROR", "InputError", "OutputError", "Problem", "RunFailure",
           "internal_error"]

INTERNAL_ERROR = "F499"
"""The code of a run that failed because of a bug in fdl itself (not in the flow)."""


def internal_error(error: BaseException) -> dict[str, Any]:
    """The error object of a run stopped by an unexpected Python exception: code F499 and
    the exception's type, never its text (it may hold a secret or an input's value)."""
    kind = type(error).__name__
    if isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        kind = type(error.exceptions[0]).__name__
    return {"code": INTERNAL_ERROR, "message": f"the run stopped on an internal error "
            f"({kind}); this is a bug in fdl, not in the flow: report it with the flow and "
            "the run id", "node": "", "type": "runtime"}


class RunFailure(Exception):
    """Base of the runtime's own errors.

    Attributes:
        code: ``F401`` ... ``F409``, or a G3xx code.
        message: what went wrong and what to do about it.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with one input or output value.

    Attributes:
        code: F401 (missing), F402 (cannot convert), F403 (undeclared), F404 (output).
        path: where: the input name or a path inside a value (``orders[3].amount``).
        message: what is wrong.
    """

    code: str
    path: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "path": self.path, "message": self.message}


class InputError(RunFailure):
    """The run's inputs are invalid; every problem is reported at once (fdl.md §2)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        if len(self.problems) == 1:
            message = first.message
        else:
            message = f"{len(self.problems)} input problems: " + "; ".join(
                p.message for p in self.problems)
        super().__init__(first.code, message)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["details"] = [p.to_dict() for p in self.problems]
        return out


class OutputError(RunFailure):
    """The flow result cannot be shaped to ``args.out`` (F404, naming the path)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__("F404", message)
        self.path = path
