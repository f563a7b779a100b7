"""What one check of a document lends the next: the unchanged nodes' YAML and models.

An edit in an editor usually changes one node of a flow. `ReuseCache` (one per document:
the language server keeps them) remembers the last text, its YAML tree and the node models
read from it. On the next text, when the change lies inside one entry of the flow's
top-level node block (``flow: node: <id>: ...``), only that entry is loaded again
(`yamltree.load_entry`): the entries before it are the same objects, those after it are
moved by the length of the change (`yamltree.shifted`), and the reader takes over the models
of the subtrees it has seen (`reader.NodeMemo`). Everything else (scopes, GML checks with
their own `gml.CheckCache`, flow-wide rules) runs as in a check from scratch, so the
diagnostics are the same as ever; whenever an edit is not that simple (a new node, a
change of the block's structure, YAML anchors, tabs, a YAML problem) the whole text is
loaded as usual.
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass

from gml import Span

from .diagnostics import Reporter
from .reader import NodeMemo
from .yamltree import (
    MAX_FILE_SIZE,
    MAX_NESTING,
    YMap,
    YNode,
    YScalar,
    bracket_depth,
    load_entry,
    load_yaml,
    shifted,
)

__all__ = ["ReuseCache"]

_UNSAFE = re.compile(r"\t|(?:^[ ]*(?:[-?:][ ]+)*|[:,\[{][ ]*)[&*][^\s,\[\]{}&*]|<<|^%|^---|^\.\.\.",
                     re.MULTILINE)
"""Text whose parts cannot be loaded alone: tabs, anchors and aliases, merge keys,
directives and documents."""


class ReuseCache:
    """The last check of one document, for the next (see the module). Thread-safe: a
    check that finds it in use by another thread checks from scratch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._layout: _Layout | None = None
        self.memo = NodeMemo()
        self.loaded_alone = 0
        """How many loads re-read one entry only (for tests and measurements)."""

    def acquire(self) -> bool:
        """Take the cache for one check (False when another check holds it)."""
        return self._lock.acquire(blocking=False)

    def release(self) -> None:
        self._lock.release()

    def load(self, text: str, reporter: Reporter) -> YNode | None:
        """`yamltree.load_yaml`, re-reading only the changed node entry when it can."""
        layout = self._layout
        self.memo.moved.clear()
        found = layout.reload(text, reporter, self.memo) if layout is not None else None
        if found is None:
            reported = len(reporter.diagnostics)
            root = load_yaml(text, reporter)
            clean = len(reporter.diagnostics) == reported
            self._layout = _Layout.of(text, root) if clean else None
            return root
        root, depth = found
        self.loaded_alone += 1
        # The old text and the new part are free of `_UNSAFE` text, so is the new text.
        self._layout = _Layout.of(text, root, depth=depth)
        return root


@dataclass(frozen=True, slots=True)
class _Layout:
    """A text whose flow has a block of node entries at one indentation, each starting a
    line: where each entry's lines start (and the end of the last one's, when the block
    ends the file)."""

    text: str
    root: YMap
    flow: YMap
    block: YMap
    indent: int
    starts: tuple[int, ...]
    end: int | None
    """Where the last entry's lines end: the end of the text, or None when something
    follows the block (then the last entry is never loaded alone)."""
    depth: int
    """At least `yamltree.bracket_depth` of the text (`load_yaml` reports E101 beyond
    `MAX_NESTING`, and beyond 400 reads with the pure parser)."""

    @classmethod
    def of(cls, text: str, root: YNode | None, *, depth: int | None = None
           ) -> _Layout | None:
        """The layout of a text loaded without problems (``depth``: a bound of its
        brackets' depth, for a text the layout of another one re-read, which also tells
        that it holds no `_UNSAFE` text)."""
        if not isinstance(root, YMap) or len(text) > MAX_FILE_SIZE:
            return None
        if depth is None:
            if _UNSAFE.search(text):
                return None
            depth = bracket_depth(text)
        flow = root.get("flow")
        block = flow.get("node") if isinstance(flow, YMap) else None
        if not isinstance(flow, YMap) or not isinstance(block, YMap) or not block.entries:
            return None
        if text[block.span.start] in "{[":
            return None
        starts: list[int] = []
        indent = -1
        for key, _ in block.entries:
            if key.style is not None:
                return None
            line = text.rfind("\n", 0, key.span.start) + 1
            column = key.span.start - line
            if (indent not in (-1, column) or text[line: key.span.start].strip(" ")
                    or (starts and line <= starts[-1])):
                return None
            indent = column
            starts.append(line)
        last = root.entries[-1][1] is flow and flow.entries[-1][1] is block
        return cls(text, root, flow, block, indent, tuple(starts), len(text) if last else None,
                   depth)

    def reload(self, text: str, reporter: Reporter, memo: NodeMemo
               ) -> tuple[YNode, int] | None:
        """The tree of ``text`` from this one and its changed entry loaded alone, with a
        bound of its brackets' depth; None when the change is not inside one entry or the
        entry does not load alone. The entries that moved are told to ``memo``
        (`NodeMemo.moved`)."""
        old = self.text
        if len(text) > MAX_FILE_SIZE:
            return None
        same = _common_prefix(old, text)
        if same == len(old) == len(text):
            return self.root, self.depth
        tail = _common_suffix(old, text, min(len(old), len(text)) - same)
        k = bisect.bisect_right(self.starts, same) - 1
        if k < 0:
            return None
        start = self.starts[k]
        end = self.starts[k + 1] if k + 1 < len(self.starts) else self.end
        if end is None or len(old) - tail > end:
            return None
        delta = len(text) - len(old)
        part = text[start: end + delta]
        if (not self._one_entry(part) or _UNSAFE.search(part)
                or not (part.endswith("\n") or end + delta == len(text))):
            return None
        depth = self.depth + _brackets(old[start:end]) + _brackets(part)
        if depth > MAX_NESTING:  # the bound is not enough: measure
            depth = bracket_depth(text)
            if depth > MAX_NESTING:
                return None
        entry = load_entry(text, start, end + delta, self.indent, 2, reporter)
        if entry is None:
            return None
        key, value = entry
        if key.value != self.block.entries[k][0].value and str(key.value) in self.block:
            return None  # a duplicate id: `load_yaml` reports it
        if delta == 0 and old.count("\n", start, end) != part.count("\n"):
            delta_lines = True  # same length, other lines: the later entries' lines moved
        else:
            delta_lines = delta != 0
        entries = list(self.block.entries)
        entries[k] = (key, value)
        if delta_lines:
            for i in range(k + 1, len(entries)):
                old_key, old_value = entries[i]
                entries[i] = (_shift_key(old_key, delta), shifted(old_value, delta))
                if isinstance(old_value, YMap):
                    memo.moved[id(entries[i][1])] = (old_value, old_key, delta)
        block = YMap(tuple(entries), _moved_end(self.block.span, delta))
        flow = _replaced(self.flow, self.block, block, delta, delta_lines)
        return _replaced(self.root, self.flow, flow, delta, delta_lines), depth

    def _one_entry(self, part: str) -> bool:
        """Whether every line of ``part`` after its first is blank, a comment or indented
        deeper than the entries (so that it is one entry, as in the whole text)."""
        lines = part.split("\n")
        if not lines[0].startswith(" " * self.indent) or lines[0][self.indent:][:1] in (
                " ", "#", "-", ""):
            return False
        for line in lines[1:]:
            body = line.lstrip(" ")
            if body and not body.startswith("#") and len(line) - len(body) <= self.indent:
                return False
        return True


def _brackets(text: str) -> int:
    return text.count("[") + text.count("]") + text.count("{") + text.count("}")


def _shift_key(key: YScalar, delta: int) -> YScalar:
    return YScalar(key.value, key.kind, key.style,
                   Span(key.span.start + delta, key.span.end + delta))


def _moved_end(span: Span, delta: int) -> Span:
    return Span(span.start, span.end + delta)


def _replaced(mapping: YMap, old: YNode, new: YNode, delta: int, moved: bool) -> YMap:
    """``mapping`` with the value ``old`` replaced by ``new`` and the entries after it
    moved by ``delta``."""
    entries: list[tuple[YScalar, YNode]] = []
    after = False
    for key, value in mapping.entries:
        if value is old:
            entries.append((key, new))
            after = True
        elif after and moved:
            entries.append((_shift_key(key, delta), shifted(value, delta)))
        else:
            entries.append((key, value))
    return YMap(tuple(entries), _moved_end(mapping.span, delta))


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix (comparisons of slices, in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix, at most ``limit``."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle: len(a) - low] == b[len(b) - middle: len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low
