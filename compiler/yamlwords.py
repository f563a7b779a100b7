"""YAML syntax errors in plain words (E101).

The YAML parser says where it gave up in its own terms (``expected <block end>, but found
'<block mapping start>'``). Most such errors in hand-written files are one of a few mistakes,
and the text around the error tells which: a line indented to a level no key above it has, a
line indented deeper under a key whose value is already on its line, a tab used to indent,
text after a quoted value. `describe` recognises these from the error and the text and says
what is wrong with the line, naming the keys it is compared with and their indentation; any
other error keeps the parser's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError

__all__ = ["describe"]

_KEY = re.compile(r"(?P<dash>-[ ]+)?(?P<key>[^\s#:'\"\[\]{},][^:#]*?|'[^']*'|\"[^\"]*\")[ ]*:"
                  r"(?:[ ]|$)")


@dataclass(frozen=True, slots=True)
class _Line:
    """One content line: its number (1-based), indentation and what it starts with."""

    number: int
    indent: int
    text: str

    @property
    def content(self) -> int:
        """Where the line's content starts: after a list item's dash, else its indent."""
        match = re.match(r"-[ ]+", self.text)
        return self.indent + (match.end() if match else 0)

    @property
    def label(self) -> str:
        """``'name'`` for a key (``'name' (in a list item)`` after a dash), ``the list item
        '- 2'`` for another item, else the text."""
        match = _KEY.match(self.text)
        if match is not None:
            key = match["key"].strip().strip("'\"")
            return f"'{key}' (in a list item)" if match["dash"] else f"'{key}'"
        short = self.text if len(self.text) <= 30 else self.text[:29] + "…"
        return f"the list item '{short}'" if self.text.startswith("-") else f"'{short}'"


def _content_lines(text: str) -> dict[int, _Line]:
    lines: dict[int, _Line] = {}
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            lines[number] = _Line(number, len(raw) - len(stripped), stripped.rstrip())
    return lines


def _raw_line(text: str, index: int) -> str:
    """Line ``index`` (0-based) of ``text``, or "" past its end (the parser also breaks lines
    at characters other than a newline, so its line numbers may run past ours)."""
    lines = text.split("\n")
    return lines[index] if 0 <= index < len(lines) else ""


def _spaces(n: int) -> str:
    return "1 space" if n == 1 else f"{n} spaces"


def _enclosing(lines: dict[int, _Line], before: int) -> list[_Line]:
    """The lines that open the levels a line after ``before`` could continue: the previous
    content line, then each earlier line indented less than the last one taken."""
    levels: list[_Line] = []
    for number in range(before, 0, -1):
        line = lines.get(number)
        if line is None or line.text.startswith(("|", ">")):
            continue
        if not levels or line.indent < levels[-1].indent:
            levels.append(line)
            if line.indent == 0:
                break
    return levels


def _tab(error: MarkedYAMLError, text: str) -> str | None:
    mark = error.problem_mark
    if mark is None or "'\\t'" not in (error.problem or ""):
        return None
    line = _raw_line(text, mark.line)
    if line[:mark.column].strip(" \t") == "":
        return (f"line {mark.line + 1} is indented with a tab; YAML indents with spaces only: "
                "replace the tab by spaces (flows use 4 per level)")
    return (f"a tab at column {mark.column + 1} of line {mark.line + 1} cannot start a value; "
            "use spaces, or quote the value")


def _dedent(error: MarkedYAMLError, text: str) -> str | None:
    """A line indented less than the line before it, to a level no key above it has."""
    mark = error.problem_mark
    found = error.problem or ""
    if mark is None or not found.startswith("expected <block end>, but found"):
        return None
    lines = _content_lines(text)
    line = lines.get(mark.line + 1)
    if line is None or line.indent != mark.column:
        return _after_value(error, text) if line is not None else None
    levels = _enclosing(lines, line.number - 1)
    if not levels or line.indent in {n for level in levels for n in (level.indent,
                                                                       level.content)}:
        return None
    others = " or ".join(
        f"{_spaces(level.indent)} ("
        f"{'a list item' if level.text.startswith('-') else level.label}, line {level.number})"
        for level in levels)
    return (f"{line.label} on line {line.number} is indented {_spaces(line.indent)}, which "
            f"matches none of the lines above it: they are indented {others}; indent it like "
            "the one it belongs beside")


def _after_value(error: MarkedYAMLError, text: str) -> str | None:
    """Text that goes on after a complete (quoted) value on the same line."""
    mark = error.problem_mark
    if mark is None or "'<scalar>'" not in (error.problem or ""):
        return None
    line = _raw_line(text, mark.line)
    rest = line[mark.column:].strip()
    before = line[:mark.column].rstrip()
    if not before.endswith(("'", '"')):
        return None
    return (f"the value ends with its closing quote at column {len(before)} of line "
            f"{mark.line + 1}, but the line goes on ({rest!r}); to write an expression that "
            "starts with a quoted text, quote the whole value for YAML with the other quote "
            "(\"'Hello, ' + name\") or use a block scalar (|)")


def _deeper(error: MarkedYAMLError, text: str) -> str | None:
    """A line indented deeper under a key that already has its value on its own line (the
    parser reads it as more of that value, then trips over its colon)."""
    mark = error.problem_mark
    if mark is None or not (error.problem or "").startswith("mapping values are not allowed"):
        return None
    lines = _content_lines(text)
    line = lines.get(mark.line + 1)
    previous = next((lines[n] for n in range(mark.line, 0, -1) if n in lines), None)
    if line is None:
        return None
    key = _KEY.match(line.text)
    on_its_colon = key is not None and line.indent + key.end() - mark.column in (1, 2)
    if previous is None or previous.content >= line.indent or not on_its_colon:
        return (f"a ': ' inside a plain value on line {line.number}; quote the value "
                "('only: \"a: b\"') or start a nested mapping on the next line")
    return (f"{line.label} on line {line.number} is indented {_spaces(line.indent)}, deeper "
            f"than {previous.label} on line {previous.number} ({_spaces(previous.content)}), "
            f"whose value is already given on its line; indent it {_spaces(previous.content)} to "
            f"be a sibling of {previous.label}, or move that value onto the nested lines")


def describe(error: MarkedYAMLError, text: str) -> str | None:
    """The error in plain words, or None when it is not one of the mistakes recognised."""
    for explain in (_tab, _dedent, _deeper):
        words = explain(error, text)
        if words is not None:
            return words
    return None
