"""Run-time errors (spec/fdl.md §7): values with a code, a message and, where it applies,
the node and the path inside a value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["InputError", "OutputError", "Problem", "RunFailure"]


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
