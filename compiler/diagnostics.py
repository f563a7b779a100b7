"""Diagnostics of flow files: a code, a severity, a message and an exact range in the file.

The compiler collects them instead of raising (all problems in one pass); `fdl.load` raises
`CompileError` holding them all. Lines and columns are 1-based, ``end_column`` exclusive,
columns counted in Unicode code points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gml import Source, Span

__all__ = ["CompileError", "Diagnostic", "Reporter", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a flow file.

    Attributes:
        path: the file as the user named it.
        span: character offsets ``[start, end)`` into the file text.
        suggestion: the replacement a "did you mean" hint proposes (editors offer it as a fix).
    """

    path: str
    code: str
    severity: Severity
    message: str
    span: Span
    line: int
    column: int
    end_line: int
    end_column: int
    suggestion: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, Any]:
        """The entry of `fdl check --format json` (interfaces.md §1)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }

    def headline(self) -> str:
        """``path:line:col: severity[CODE]: message``."""
        return (f"{self.path}:{self.line}:{self.column}: "
                f"{self.severity}[{self.code}]: {self.message}")

    def render(self, source: Source | None) -> str:
        """The headline, then the source line and a caret under the range (when known)."""
        head = self.headline()
        if source is None:
            return head
        text = source.line_text(self.line)
        if not text.strip():
            return head
        if self.end_line == self.line:
            width = max(1, self.end_column - self.column)
        else:
            width = max(1, len(text) - self.column + 1)
        pad = "".join("\t" if ch == "\t" else " " for ch in text[: self.column - 1])
        return f"{head}\n    {text}\n    {pad}{'^' * width}"


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.path, d.span.start, d.span.end, d.code)


class Reporter:
    """Collects the diagnostics of one file, turning offsets into lines and columns."""

    def __init__(self, path: str, source: Source) -> None:
        self.path = path
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def report(self, code: str, message: str, span: Span, severity: Severity = "error",
               suggestion: str | None = None) -> Diagnostic:
        """Record one problem at ``span`` (file offsets)."""
        line, column = self.source.position(span.start)
        end_line, end_column = self.source.position(span.end)
        diagnostic = Diagnostic(self.path, code, severity, message, span, line, column,
                                end_line, end_column, suggestion)
        self.diagnostics.append(diagnostic)
        return diagnostic

    def sorted(self) -> list[Diagnostic]:
        """The diagnostics in file order, without exact repeats."""
        unique = {(d.code, d.span, d.message): d for d in self.diagnostics}
        return sorted(unique.values(), key=sort_key)


class CompileError(Exception):
    """A flow could not be compiled; ``diagnostics`` holds every problem found (errors and
    warnings), in file order."""

    def __init__(self, diagnostics: Iterable[Diagnostic], source: Source | None = None) -> None:
        self.diagnostics: Sequence[Diagnostic] = tuple(diagnostics)
        self.source = source
        errors = [d for d in self.diagnostics if d.is_error]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        summary = first.headline() if first else "the flow could not be compiled"
        more = len(errors) - 1
        if more > 0:
            summary += f" (and {more} more error{'s' if more > 1 else ''})"
        super().__init__(summary)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def render(self) -> str:
        """Every diagnostic with its source line and caret."""
        return "\n".join(d.render(self.source) for d in self.diagnostics)
