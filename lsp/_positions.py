"""Character offsets ↔ LSP positions.

The front end speaks 0-based character offsets (Unicode code points) into the file; the
protocol speaks 0-based lines and columns counted in the client's units (UTF-16 by default,
UTF-8 or UTF-32 when negotiated). A `LineIndex` is built once per analysed text, so every
conversion is a bisection plus a scan of one line, never of the whole document (pygls'
`TextDocument` helpers split the whole text on each call).
"""

from __future__ import annotations

import bisect

from lsprotocol import types

from gml import Span

__all__ = ["LineIndex", "position_in"]


def _units(text: str, encoding: str) -> int:
    """How many code units of ``encoding`` the text takes."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class LineIndex:
    """Line starts of a text, for converting offsets and positions.

    Args:
        text: the document text.
        encoding: the negotiated position encoding (``utf-16``, ``utf-8`` or ``utf-32``).
    """

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self.ascii = text.isascii()
        starts = [0]
        pos = text.find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        self.starts = starts

    def line_of(self, offset: int) -> int:
        """The 0-based line holding ``offset``."""
        return bisect.bisect_right(self.starts, max(0, offset)) - 1

    def line_text(self, line: int) -> str:
        """The text of a 0-based line, without its line break."""
        if not 0 <= line < len(self.starts):
            return ""
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[line]:end].rstrip("\r")

    def position(self, offset: int) -> types.Position:
        """The client position of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self.starts[line]
        if self.ascii or self.encoding == "utf-32":
            return types.Position(line=line, character=offset - start)
        return types.Position(line=line,
                              character=_units(self.text[start:offset], self.encoding))

    def range(self, span: Span) -> types.Range:
        """The client range of a span."""
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    def offset(self, position: types.Position) -> int:
        """The character offset of a client position (clamped to the line and the text)."""
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        line = self.line_text(position.line)
        if self.ascii or self.encoding == "utf-32":
            return start + min(position.character, len(line))
        units = 0
        for i, ch in enumerate(line):
            if units >= position.character:
                return start + i
            units += _units(ch, self.encoding)
        return start + len(line)


def position_in(text: str, offset: int, encoding: str = "utf-16") -> types.Position:
    """The client position of an offset of a text that has no `LineIndex` (one lookup)."""
    line_start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=text.count("\n", 0, offset),
                          character=_units(text[line_start:offset], encoding))
