"""Error recovery for GML being typed: the program an incomplete text would be without
its broken part, so that hover, definition and completion keep working on the rest.

`recover` blanks characters out (spaces keep every offset, so the AST's spans are those of
the text in the editor) until the text parses: a dangling operator at the end of the line
the error is on (``customer.`` becomes ``customer``), else that whole line. Each round
blanks at least one character, and the rounds are bounded, so it always ends.
"""

from __future__ import annotations

import gml
from gml import nodes as n

__all__ = ["recover"]

MAX_ROUNDS = 16
"""Parses tried before giving up on a text."""

_DANGLING = frozenset(".?,([{+-*/%=!<>&|:")
"""Characters that leave a line incomplete when they end it."""


def recover(text: str) -> tuple[n.Program, str] | None:
    """The program of ``text`` with its broken parts blanked out, and that text; None when
    nothing parses within `MAX_ROUNDS` rounds."""
    for _ in range(MAX_ROUNDS):
        try:
            return gml.parse(text), text
        except gml.GmlError as error:
            if error.span is None or not text.strip():
                return None
            text = _blank(text, min(error.span.start, len(text)))
    return None


def _blank(text: str, offset: int) -> str:
    """``text`` with the dangling character before ``offset`` blanked, when the error is at
    the end of its line after one; else the line holding ``offset``."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    before = text[line_start:offset].rstrip()
    if before and before[-1] in _DANGLING and not text[offset:line_end].strip():
        at = line_start + len(before) - 1
        return text[:at] + " " + text[at + 1:]
    if not text[line_start:line_end].strip():  # a blank line: blank the one before it
        line_start = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
        line_end = max(line_start, text.find("\n", line_start))
    return text[:line_start] + " " * (line_end - line_start) + text[line_end:]
