"""Source positions: spans as character offsets, converted to lines and columns at the edges.

A `Span` is a pair of 0-based character offsets into the GML text. Lines and columns are
computed only when something is shown to a person (1-based, in Unicode code points) or
handed to an editor.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

__all__ = ["Source", "Span"]


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of character offsets into a source text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Source:
    """A text with a line index, for turning offsets into (line, column) pairs."""

    text: str
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        object.__setattr__(self, "_starts", tuple(starts))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if not 1 <= line <= len(self._starts):
            return ""
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        return self.text[start:end].rstrip("\r")
