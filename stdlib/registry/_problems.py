"""The problems of a ToolSpec (`SpecProblem`) and the error that carries them
(`ToolSpecError`).

A module of their own, below every other module of the registry: `_check` finds problems,
`_spec` raises them for a spec, and `_flows` raises them for a flow that cannot be read,
while `_spec` builds a flow's spec through `_flows`. With the error here, `_flows` does not
import `_spec`, and the two do not form a cycle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gml import Span

__all__ = ["SpecProblem", "ToolSpecError"]


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """One problem of a ToolSpec.

    Attributes:
        field: the path of the offending field (``args.in.id``, ``config.method``,
            ``tags[1]``); ``""`` for the document as a whole.
        message: what is wrong and what to do.
        code: the diagnostic code (E101 YAML, E103 unknown key, E105 structure, E107 types,
            E304 a default of the wrong type, G1xx/G2xx a default's GML).
        path: the file, when the spec was read from one.
        line, column: 1-based position in that file, when known.
        span: the range in that file's text, when known: what `fdl check` underlines
            (`load_tool_dir` turns problems into compiler diagnostics). Not compared, not
            in `to_dict`: ``line`` and ``column`` are the position.
    """

    field: str
    message: str
    code: str = "E105"
    severity: Literal["error", "warning"] = "error"
    path: str | None = None
    line: int | None = None
    column: int | None = None
    # dataclasses.field, not field: the first attribute is named so.
    span: Span | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path + (f":{self.line}:{self.column}" if self.line else "") + ": "
        subject = f"{self.field}: " if self.field else ""
        return f"{where}{self.severity}[{self.code}]: {subject}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (``--json`` output)."""
        return {"field": self.field, "message": self.message, "code": self.code,
                "severity": self.severity, "path": self.path, "line": self.line,
                "column": self.column}


class ToolSpecError(ValueError):
    """A ToolSpec is not valid; ``problems`` lists every problem, each naming its field."""

    def __init__(self, problems: Sequence[SpecProblem]) -> None:
        self.problems: tuple[SpecProblem, ...] = tuple(problems)
        errors = [p for p in self.problems if p.is_error] or list(self.problems)
        summary = str(errors[0]) if errors else "the ToolSpec is not valid"
        if len(errors) > 1:
            summary += f" (and {len(errors) - 1} more)"
        super().__init__(summary)
