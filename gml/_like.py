"""SQL ``LIKE`` matching without backtracking (spec/gml.md §5.4).

A pattern is split at its unescaped ``%`` into segments of fixed length (literal characters
and ``_``). The first segment is matched at the start of the text, the last at its end, and
every segment in between at its leftmost occurrence after the previous one. Taking the
leftmost occurrence is always right for ``%`` (any later match leaves less text for the
segments after it), so no choice is ever revisited: the work is at most proportional to the
text's length times the pattern's, whatever the pattern. (A regular expression with ``.*``
for ``%`` backtracks: ``'a'*45 LIKE '%a'*15 + '%b'`` ran for minutes.)

A segment without ``_`` is found with ``str.find``; one with ``_`` with a regular expression
of fixed length (characters and ``.``, no repetition), which cannot backtrack either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LikePattern"]


@dataclass(frozen=True, slots=True)
class _Segment:
    """A run of pattern characters between two ``%``: its length and how to find it."""

    length: int
    literal: str | None
    """The segment's text when it has no ``_``."""
    regex: re.Pattern[str] | None
    """A fixed-length regular expression when it has ``_``."""

    def at(self, text: str, pos: int) -> bool:
        """True when the segment matches ``text`` starting exactly at ``pos``."""
        if self.literal is not None:
            return text.startswith(self.literal, pos)
        assert self.regex is not None
        return self.regex.match(text, pos) is not None

    def find(self, text: str, pos: int, end: int) -> int:
        """The leftmost start ``>= pos`` of a match ending at or before ``end``, or -1."""
        if self.literal is not None:
            return text.find(self.literal, pos, end)
        assert self.regex is not None
        found = self.regex.search(text, pos, end)
        return -1 if found is None else found.start()


def _segment(parts: list[str | None]) -> _Segment:
    if None not in parts:
        return _Segment(len(parts), "".join(p for p in parts if p is not None), None)
    source = "".join("." if p is None else re.escape(p) for p in parts)
    return _Segment(len(parts), None, re.compile(source, re.DOTALL))


class LikePattern:
    """A compiled SQL LIKE pattern: ``%`` any run, ``_`` one character, ``\\`` escapes the
    next character (a trailing ``\\`` is itself). Anchored and case-sensitive."""

    __slots__ = ("_first", "_last", "_middle", "_minimum", "_wild", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        segments: list[list[str | None]] = [[]]
        i = 0
        while i < len(pattern):
            ch = pattern[i]
            if ch == "\\" and i + 1 < len(pattern):
                segments[-1].append(pattern[i + 1])
                i += 2
                continue
            if ch == "%":
                segments.append([])
            else:
                segments[-1].append(None if ch == "_" else ch)
            i += 1
        self._wild = len(segments) > 1
        """False when the pattern has no ``%``: the one segment is the whole text."""
        self._first = _segment(segments[0])
        self._last = _segment(segments[-1])
        self._middle = tuple(_segment(s) for s in segments[1:-1] if s)
        self._minimum = sum(len(s) for s in segments)

    def __repr__(self) -> str:
        return f"LikePattern({self.pattern!r})"

    def matches(self, text: str) -> bool:
        """True when the whole of ``text`` matches the pattern."""
        size = len(text)
        if not self._wild:
            return size == self._first.length and self._first.at(text, 0)
        if size < self._minimum:
            return False
        first, last = self._first, self._last
        if not first.at(text, 0):
            return False
        end = size - last.length  # where the last segment must start
        pos = first.length
        for segment in self._middle:
            found = segment.find(text, pos, end)
            if found < 0:
                return False
            pos = found + segment.length
        return pos <= end and last.at(text, end)
