"""The GML error hierarchy and diagnostics.

Every problem has a code from spec/gml.md §10, a message that says what to do, and a
position. Checkers collect `Diagnostic` values; only the façade raises, with all of them.

    GmlError
    ├── GmlSyntaxError     G101
    ├── GmlCompileError    G2xx (holds every diagnostic of the program)
    └── GmlRuntimeError    G3xx
        ├── GmlLimitError  G306
        └── ConversionError G303 (`gml.convert`: a value that is not of its declared type)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ._source import Source, Span

__all__ = [
    "Diagnostic",
    "GmlCompileError",
    "GmlError",
    "GmlLimitError",
    "GmlRuntimeError",
    "GmlSyntaxError",
    "Severity",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found at compile time, with an exact range in the GML text.

    Lines and columns are 1-based; ``end_column`` is exclusive.
    """

    code: str
    severity: Severity
    message: str
    span: Span
    line: int
    column: int
    end_line: int
    end_column: int
    suggestion: str | None = None

    @classmethod
    def at(
        cls,
        source: Source,
        code: str,
        severity: Severity,
        message: str,
        span: Span,
        suggestion: str | None = None,
    ) -> Diagnostic:
        """Build a diagnostic, computing lines and columns of ``span`` in ``source``."""
        line, column = source.position(span.start)
        end_line, end_column = source.position(span.end)
        return cls(code, severity, message, span, line, column, end_line, end_column, suggestion)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the shape of `fdl check --format json` entries)."""
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class GmlError(Exception):
    """Root of every GML error: a code, a message and (when known) a position.

    ``line`` and ``column`` are 1-based and relative to the GML text; they are ``None`` until
    the error is attached to its source (the façade does that before the error leaves GML).
    """

    code: str
    message: str
    span: Span | None
    source: Source | None

    def __init__(self, code: str, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span
        self.source = None

    def with_source(self, source: Source) -> GmlError:
        """Attach the program text so that lines, columns and the caret can be rendered."""
        if self.source is None:
            self.source = source
        return self

    @property
    def line(self) -> int | None:
        if self.span is None or self.source is None:
            return None
        return self.source.position(self.span.start)[0]

    @property
    def column(self) -> int | None:
        if self.span is None or self.source is None:
            return None
        return self.source.position(self.span.start)[1]

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "message", "line", "column"}``, the `fdl eval --json-errors` shape."""
        return {"code": self.code, "message": self.message, "line": self.line,
                "column": self.column}

    def render(self) -> str:
        """The message with its position, the source line and a caret under the problem."""
        head = f"{self.code}: {self.message}"
        if self.span is None or self.source is None:
            return head
        line, column = self.source.position(self.span.start)
        end_line, end_column = self.source.position(self.span.end)
        text = self.source.line_text(line)
        width = max(1, (end_column - column) if end_line == line else len(text) - column + 1)
        pad = "".join("\t" if ch == "\t" else " " for ch in text[: column - 1])
        return f"{line}:{column}: {head}\n  {text}\n  {pad}{'^' * width}"

    def __str__(self) -> str:
        return self.render()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.code, self.message, self.span, self.source))


def _rebuild(
    cls: type[GmlError], code: str, message: str, span: Span | None, source: Source | None
) -> GmlError:
    error = cls.__new__(cls)
    GmlError.__init__(error, code, message, span)
    error.source = source
    if isinstance(error, GmlCompileError):
        error.diagnostics = ()
    return error


class GmlSyntaxError(GmlError):
    """The text is not GML (G101). The message names what was expected."""

    def __init__(self, message: str, span: Span | None = None, code: str = "G101") -> None:
        super().__init__(code, message, span)


class GmlCompileError(GmlError):
    """The program parses but cannot be compiled. ``diagnostics`` holds every problem found;
    the error's own code, message and position are those of the first."""

    diagnostics: tuple[Diagnostic, ...]

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        errors = [d for d in diagnostics if d.severity == "error"]
        first = errors[0] if errors else diagnostics[0]
        super().__init__(first.code, first.message, first.span)
        self.diagnostics = tuple(diagnostics)


class GmlRuntimeError(GmlError):
    """Evaluation failed (G3xx). The message names the operation and the value's type."""


class GmlLimitError(GmlRuntimeError):
    """A resource limit was exceeded (G306): hostile input becomes an error, not a hang."""

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__("G306", message, span)
