"""What the cursor is in, for completion: the YAML mapping a key is typed into, the key whose
value is typed, or the GML statement being typed; and, for hover and go to definition, the
tool call whose ``exec`` or the tool argument whose name is under the cursor.

Completion runs on every keystroke, so it answers from the last analysis even when the
text has changed since (a check of a big flow takes longer than a keystroke): `map_offset`
carries the cursor back into the analysed text, which differs from the current one only
around the edit. Incomplete GML is never parsed by anything but the GML parser: the
statement before the cursor is *completed* (a placeholder name, the missing closing
brackets) and handed to it, so the checker can say what the receiver of ``a.b.`` is, even
inside a lambda.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compiler import ToolSignature
from compiler.catalog import resolve_tool
from compiler.flow import ToolCall
from gml import Span
from gml import nodes as n

from ._gmlindex import file_span, leading_name_span, text_offset
from ._yamlindex import Path, YamlIndex
from .analysis import Analysis

__all__ = ["PLACEHOLDER", "LineContext", "ToolArgument", "close_statement", "exec_at",
           "line_context", "map_offset", "statement_prefix", "tool_argument_at",
           "tool_signature", "yaml_context"]

PLACEHOLDER = "__fdl_cursor__"
"""The name put where the cursor is, so that an incomplete statement parses."""

_KEY_LINE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w\-]*)?$")
_VALUE_LINE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w\-]*):(\s*)(.*)$")
_CLOSERS = {"(": ")", "[": "]", "{": "}", "${": "}"}


def map_offset(old: str, new: str, offset: int) -> int:
    """Where ``offset`` of ``new`` was in ``old`` (the texts share a prefix and a suffix;
    an offset inside the changed part goes to its start)."""
    if old == new:
        return offset
    low, high = 0, min(len(old), len(new))
    while low < high:  # the longest common prefix, by halving (slices compare in C)
        mid = (low + high + 1) // 2
        if old[:mid] == new[:mid]:
            low = mid
        else:
            high = mid - 1
    prefix = low
    if offset <= prefix:
        return offset
    low, high = 0, min(len(old), len(new)) - prefix
    while low < high:
        mid = (low + high + 1) // 2
        if old[len(old) - mid:] == new[len(new) - mid:]:
            low = mid
        else:
            high = mid - 1
    suffix_start = len(new) - low
    if offset >= suffix_start:
        return offset - (len(new) - len(old))
    return prefix


@dataclass(frozen=True, slots=True)
class LineContext:
    """The cursor's line, read from the current text.

    ``kind`` is ``key`` (a key is being typed: ``indent`` is its column, ``word`` what is
    typed of it), ``value`` (the value of ``key`` on this line: ``value`` is what precedes
    the cursor, starting at ``value_start``) or ``text`` (a continuation line).
    """

    kind: str
    indent: int
    word: str = ""
    key: str = ""
    value: str = ""
    value_start: int = 0


def line_context(text: str, offset: int) -> LineContext:
    """Classify the cursor's line (see `LineContext`)."""
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    match = _KEY_LINE.match(before)
    if match:
        return LineContext("key", len(match.group(1)), match.group(2) or "")
    match = _VALUE_LINE.match(before)
    if match:
        start = line_start + match.end(3)
        return LineContext("value", len(match.group(1)), key=match.group(2),
                           value=match.group(4), value_start=start)
    return LineContext("text", len(before) - len(before.lstrip()))


def _key_column(line: str) -> int:
    stripped = line.lstrip(" ")
    if stripped.startswith("-"):
        rest = stripped[1:]
        return len(line) - len(rest.lstrip(" "))
    return len(line) - len(stripped)


def yaml_context(index: YamlIndex, text: str, offset: int, indent: int) -> Path | None:
    """The path of the mapping a key typed at column ``indent`` of the line of ``offset``
    belongs to (``offset`` and ``text`` of the analysed text). None when the tree does not
    say (no tree, or the line is inside a block scalar)."""
    if index.root is None:
        return None
    line_start = text.rfind("\n", 0, offset) + 1
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        end = start - 1
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        column = _key_column(line)
        if column > indent:
            continue
        entry = index.by_key_start.get(start + column)
        if entry is None:
            if column < indent:
                return None  # a line of text (a block scalar) that is not a key
            continue
        return entry.path if column < indent else entry.path[:-1]
    return ()


def _outside_strings(text: str) -> tuple[list[tuple[int, str]], bool]:
    """The characters of ``text`` that are not inside a string literal, with their
    offsets, and whether ``text`` ends inside a string."""
    found: list[tuple[int, str]] = []
    quote = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        else:
            found.append((i, ch))
        i += 1
    return found, quote is not None


def statement_prefix(text: str) -> str | None:
    """The statement being typed at the end of ``text`` (a GML text up to the cursor): from
    the last separator outside brackets. None when the cursor is inside a string."""
    chars, open_string = _outside_strings(text)
    if open_string:
        return None
    depth = 0
    start = 0
    for i, ch in chars:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch in ",\n" and depth == 0:
            start = i + 1
    return text[start:]


_ASSIGNED = re.compile(r"\s*([A-Za-z_][\w]*)\s*=(?!=)")


def assigned_names(text: str, *, skip_first: bool = False) -> list[str]:
    """The names the top-level statements of a GML text assign (``id = x, size = 20`` →
    ``id``, ``size``): the arguments an ``args`` text already gives. Text inside strings
    and brackets is skipped; an unfinished text is read as far as it goes. ``skip_first``
    leaves out the first statement (the text after the cursor starts with the rest of the
    statement being typed)."""
    chars, _open_string = _outside_strings(text)
    depth = 0
    starts = [0]
    for i, ch in chars:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch in ",\n" and depth == 0:
            starts.append(i + 1)
    names = []
    for start in starts[1:] if skip_first else starts:
        match = _ASSIGNED.match(text, start)
        if match is not None:
            names.append(match.group(1))
    return names


def close_statement(statement: str) -> str:
    """The statement with the brackets it leaves open closed (strings are complete)."""
    stack: list[str] = []
    for _, ch in _outside_strings(statement)[0]:
        if ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in ")]}" and stack:
            stack.pop()
    return statement + "".join(reversed(stack))


# ---------------------------------------------------------------------- tool calls


@dataclass(frozen=True, slots=True)
class ToolArgument:
    """A tool argument named in a node's ``args``: the call, the name and its file range."""

    node: ToolCall
    name: str
    span: Span


def tool_signature(analysis: Analysis, node: ToolCall) -> ToolSignature | None:
    """The signature of the tool a node calls (None when the catalog does not know it); a
    ``tool://<code>`` call's is that of the typed URI it resolves to, as for the checker."""
    catalog = analysis.catalog
    return (resolve_tool(catalog, node.exec.type, node.exec.code) if catalog is not None
            else None)


def exec_at(analysis: Analysis, offset: int) -> tuple[ToolCall, Span] | None:
    """The tool call whose ``exec`` value holds ``offset``, with that value's range."""
    entry = analysis.yaml.value_at(offset)
    if entry is None or entry.path[-1] != "exec" or len(entry.path) < 2:
        return None
    node = analysis.nodes.get(str(entry.path[-2]))
    return (node, entry.value.span) if isinstance(node, ToolCall) else None


def tool_argument_at(analysis: Analysis, offset: int) -> ToolArgument | None:
    """The tool argument whose name holds ``offset``: the field an ``args`` program assigns
    (``args: userId = x``), or a key of a YAML mapping under ``args`` (an E105 error, but
    the name still says which argument is meant)."""
    source = analysis.field_at(offset)
    if source is not None:
        if not source.key.endswith(".args") or source.reader is None:
            return None
        node = analysis.nodes.get(source.reader)
        program = analysis.ast(source)
        if not isinstance(node, ToolCall) or program is None:
            return None
        at = text_offset(source, offset)
        for stmt in program.statements:
            if not isinstance(stmt, n.Assign):
                continue
            name_span = leading_name_span(stmt)
            if name_span.start <= at <= name_span.end:
                return ToolArgument(node, stmt.name, file_span(source, name_span))
        return None
    entry = analysis.yaml.key_at(offset)
    if entry is None or len(entry.path) < 4 or entry.path[-2] != "args" or (
            entry.path[-4] != "node"):
        return None
    node = analysis.nodes.get(str(entry.path[-3]))
    return ToolArgument(node, str(entry.key.value), entry.key.span) if isinstance(
        node, ToolCall) else None
