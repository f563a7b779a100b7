"""YAML loading with positions: ruamel.yaml's composer, read into a small positioned tree.

ruamel.yaml parses (with the C parser of ruamel.yaml.clib when it is installed) and tracks
marks; this module turns its node graph into `YMap`/`YSeq`/`YScalar` values that keep their
character range in the file, resolves plain scalars with the YAML 1.2 *core* schema
(``yes``/``on`` stay strings, dates stay text), reports duplicate keys (E201) instead of
keeping one of them, and turns every YAML error into E101 with its position. Anchors and
aliases share the aliased subtree; recursive aliases are reported (E105) rather than followed.

Resource limits, for every YAML file the toolchain reads (flows, ToolSpecs, mock files, test
files, ``fdl.yaml``, input files): at most `MAX_FILE_SIZE` characters and `MAX_NESTING` levels
of nesting, each reported as E101 at its position, never a crash. An anchor defined twice
(legal YAML, which ruamel.yaml reports with a Python warning) is warning W101 instead.

For the editor, `load_entry` loads one entry of a block mapping alone, with the positions
it has in the whole text, and `shifted` moves a tree's positions (`compiler.reuse`).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from gml import Span

from ._textmap import scalar_offsets
from .diagnostics import Reporter
from .yamlwords import describe

__all__ = ["MAX_FILE_SIZE", "MAX_NESTING", "YMap", "YNode", "YScalar", "YSeq", "YamlText",
           "bracket_depth", "load_entry", "load_yaml", "shifted", "to_plain"]

try:  # the C scanner/parser of ruamel.yaml.clib: ten times faster than the pure one
    import _ruamel_yaml  # type: ignore[import-not-found] # noqa: F401

    _HAS_CLIB = True
except ImportError:  # pragma: no cover - the dependency is declared; pure Python still works
    _HAS_CLIB = False

MAX_FILE_SIZE = 8_000_000
"""Largest flow file accepted, in characters (a resource limit, reported as E101)."""

MAX_NESTING = 200
"""Deepest nesting of mappings and sequences accepted (a resource limit, reported as E101)."""

_TOO_DEEP = (f"the YAML nests deeper than {MAX_NESTING} levels here; flatten the structure "
             "(a resource limit)")

_TAG = "tag:yaml.org,2002:"
_STR_TAG = _TAG + "str"
_MERGE_TAG = _TAG + "merge"
_STR = VersionedResolver.DEFAULT_SCALAR_TAG
"""The tag object ruamel's resolvers give every string scalar (checked by identity: most
scalars are strings, and reading a node's tag as text costs more than the rest)."""
_NULL = re.compile(r"(?:null|Null|NULL|~)?")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
         "FALSE": False}
_INT10 = re.compile(r"[-+]?[0-9]+")
_INT8 = re.compile(r"0o[0-7]+")
_INT16 = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = re.compile(r"([-+]?)\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")


def resolve_plain(text: str) -> tuple[str, Any]:
    """The YAML 1.2 core-schema type and value of a plain scalar's text.

    A number too long to convert (thousands of digits) stays text.
    """
    try:
        return _resolve_plain(text)
    except ValueError:
        return "str", text


def _resolve_plain(text: str) -> tuple[str, Any]:
    if _NULL.fullmatch(text):
        return "null", None
    if text in _BOOL:
        return "bool", _BOOL[text]
    if _INT10.fullmatch(text):
        return "int", int(text)
    if _INT8.fullmatch(text):
        return "int", int(text[2:], 8)
    if _INT16.fullmatch(text):
        return "int", int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return "float", float(text)
    inf = _INF.fullmatch(text)
    if inf:
        return "float", -math.inf if inf.group(1) == "-" else math.inf
    if _NAN.fullmatch(text):
        return "float", math.nan
    return "str", text


@dataclass(frozen=True, slots=True, eq=False)
class YScalar:
    """A scalar: its value (str, int, float, bool or None), its style and its range.

    ``style`` is None for plain scalars, ``'`` or ``"`` for quoted ones and ``|`` or ``>``
    for block scalars; ``kind`` is the resolved core-schema type name.
    """

    value: Any
    kind: str
    style: str | None
    span: Span

    @property
    def is_string(self) -> bool:
        return self.kind == "str"

    def describe(self) -> str:
        return {"str": "a string", "int": "an integer", "float": "a number",
                "bool": "a boolean", "null": "null"}.get(self.kind, "a scalar")


@dataclass(frozen=True, slots=True, eq=False)
class YMap:
    """A mapping with scalar keys, in file order (duplicates already reported and dropped)."""

    entries: tuple[tuple[YScalar, YNode], ...]
    span: Span
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for i, (key, _) in enumerate(self.entries):
            self._index.setdefault(str(key.value), i)

    def get(self, key: str) -> YNode | None:
        i = self._index.get(key)
        return None if i is None else self.entries[i][1]

    def key(self, key: str) -> YScalar | None:
        i = self._index.get(key)
        return None if i is None else self.entries[i][0]

    def keys(self) -> list[str]:
        return [str(k.value) for k, _ in self.entries]

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[tuple[YScalar, YNode]]:
        return iter(self.entries)

    def describe(self) -> str:
        return "a mapping"


@dataclass(frozen=True, slots=True, eq=False)
class YSeq:
    """A sequence."""

    items: tuple[YNode, ...]
    span: Span

    def describe(self) -> str:
        return "a list"


YNode = YScalar | YMap | YSeq


class YamlText:
    """A loaded file: its text and the helpers that need it (comments, GML offsets)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def comment_after(self, node: YNode) -> str | None:
        """The end-of-line comment on the line where ``node`` ends, if any."""
        end = node.span.end
        eol = self.text.find("\n", end)
        rest = self.text[end: len(self.text) if eol == -1 else eol].strip()
        if rest.startswith("#"):
            return rest[1:].strip() or None
        return None

    def offsets(self, scalar: YScalar) -> list[int]:
        """File offsets of every position of a string scalar's value (see `_textmap`)."""
        value = str(scalar.value)
        start = scalar.span.start + (1 if scalar.style in ("'", '"') else 0)
        if (scalar.style in (None, "'", '"') and "\n" not in value
                and self.text.startswith(value, start)):
            # The common case, a one-line scalar written as it reads: no mapping needed.
            return list(range(start, start + len(value) + 1))
        return scalar_offsets(self.text, scalar.span.start, scalar.span.end, scalar.style,
                              str(scalar.value))


def _error_span(error: MarkedYAMLError, text: str) -> Span:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return Span(0, 0)
    index = min(mark.index, len(text))
    end = index + 1 if index < len(text) and text[index] != "\n" else index
    return Span(index, end)


def _error_message(error: MarkedYAMLError, text: str) -> str:
    words = describe(error, text)
    if words is not None:
        return f"YAML syntax: {words}"
    problem = (error.problem or "invalid YAML").rstrip(".")
    context = error.context
    if context and error.context_mark is not None and error.problem_mark is not None:
        line = error.context_mark.line + 1
        return f"YAML syntax: {problem} ({context} at line {line}); fix the YAML structure"
    if context:
        return f"YAML syntax: {problem} ({context}); fix the YAML structure"
    return f"YAML syntax: {problem}; fix the YAML structure"


class _Reader:
    def __init__(self, text: str, reporter: Reporter, *, shift: int = 0, depth: int = 0
                 ) -> None:
        self.text = text
        self.reporter = reporter
        self.done: dict[int, YNode] = {}
        self.active: set[int] = set()
        self.depth = depth
        self.too_deep = False
        self.shift = shift
        """Added to ruamel's offsets (a part of the file loaded alone: `load_entry`)."""

    def span(self, node: Node) -> Span:
        return Span(node.start_mark.index + self.shift, node.end_mark.index + self.shift)

    def read(self, node: Node) -> YNode:
        key = id(node)
        found = self.done.get(key)
        if found is not None:
            return found
        if key in self.active:
            self.reporter.report("E105", "a recursive YAML alias cannot be used in a flow; "
                                 "write the value out", self.span(node))
            return YScalar(None, "null", None, self.span(node))
        if isinstance(node, ScalarNode):  # a scalar cannot hold itself: no need to track it
            result: YNode = self.scalar(node)
        elif self.depth >= MAX_NESTING:
            if not self.too_deep:  # once: the rest of the subtree is not read
                self.too_deep = True
                self.reporter.report("E101", _TOO_DEEP, self.span(node))
            return YScalar(None, "null", None, self.span(node))
        else:
            self.active.add(key)
            self.depth += 1
            try:
                result = self._read(node)
            finally:
                self.active.discard(key)
                self.depth -= 1
        self.done[key] = result
        return result

    def _read(self, node: Node) -> YNode:
        if isinstance(node, ScalarNode):
            return self.scalar(node)  # pragma: no cover - `read` takes scalars itself
        if isinstance(node, SequenceNode):
            return YSeq(tuple(self.read(item) for item in node.value), self.span(node))
        if isinstance(node, MappingNode):
            return self.mapping(node)
        return YScalar(None, "null", None, self.span(node))  # pragma: no cover - no such node

    def scalar(self, node: ScalarNode) -> YScalar:
        span = Span(node.start_mark.index + self.shift, node.end_mark.index + self.shift)
        text = node.value
        style = node.style or None  # the C parser says '' for plain scalars
        if style is None:  # only a plain scalar's tag matters
            tag = None if node.ctag is _STR else node.tag
            if tag is not None and tag.startswith(_TAG) and tag != _STR_TAG:
                kind, value = resolve_plain(text)
                return YScalar(value, kind, None, span)
        elif style == ">":
            text = text.replace("\x07", "")  # ruamel's pure parser marks fold points
        return YScalar(text, "str", style, span)

    def mapping(self, node: MappingNode) -> YMap:
        entries: list[tuple[YScalar, YNode]] = []
        seen: dict[Any, YScalar] = {}
        for key_node, value_node in self._pairs(node):
            key = self.read(key_node)
            value = self.read(value_node)
            if (isinstance(value, YScalar) and value.kind == "null" and isinstance(
                    value_node, ScalarNode) and value_node.value == ""):
                # An empty value: ruamel places it at the next token, often the next line.
                value = YScalar(None, "null", None, Span(key.span.end + 1, key.span.end + 1))
            if not isinstance(key, YScalar):
                self.reporter.report("E105", "a mapping key must be a plain name, not "
                                     f"{key.describe()}", key.span)
                continue
            if key.kind != "str":
                key = YScalar(_key_text(key), "str", key.style, key.span)
            first = seen.get(key.value)
            if first is not None:
                line, column = self.reporter.source.position(first.span.start)
                self.reporter.report(
                    "E201", f"duplicate key '{key.value}' (first defined at line {line}, "
                    f"column {column}); rename or remove one of them", key.span)
                continue
            seen[key.value] = key
            entries.append((key, value))
        return YMap(tuple(entries), self.span(node))

    def _pairs(self, node: MappingNode) -> list[tuple[Node, Node]]:
        """The node's key/value pairs with YAML merge keys (``<<: *base``) applied."""
        own: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if (isinstance(key_node, ScalarNode) and key_node.ctag is not _STR
                    and key_node.tag == _MERGE_TAG):
                sources = value_node.value if isinstance(value_node, SequenceNode) else [
                    value_node]
                for source in sources:
                    if isinstance(source, MappingNode) and id(source) not in self.active:
                        merged.extend(self._pairs(source))
                    else:
                        self.reporter.report("E105", "a merge key (<<) takes a mapping or a "
                                             "list of mappings", self.span(source))
                continue
            own.append((key_node, value_node))
        if not merged:
            return own
        names = {k.value for k, _ in own if isinstance(k, ScalarNode)}
        inherited: dict[str, tuple[Node, Node]] = {}
        for k, v in merged:
            if isinstance(k, ScalarNode) and k.value not in names:
                inherited.setdefault(k.value, (k, v))
        return own + list(inherited.values())


def _key_text(key: YScalar) -> str:
    if key.kind == "null":
        return "null"
    if key.kind == "bool":
        return "true" if key.value else "false"
    return str(key.value)


class _CResolver(VersionedResolver):
    """ruamel.yaml's resolver for the C parser's loader: the same tags, found faster.

    The C parser never tells the resolver about a ``%YAML`` directive: ruamel's
    `processing_version` looks for a Python scanner, fails (two exceptions caught) and falls
    back to the loader's version, for every scalar. So the table of implicit resolvers is
    the same for the whole load; it is looked up once per first character instead of twice
    per scalar (which was two thirds of composing a flow). The pure parser, which does read
    the directive, keeps ruamel's resolver.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fdl_by_first: dict[str, list[tuple[str, Any]]] = {}
        """The resolvers to try for a plain scalar, by its first character."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            first = value[0] if value else ""
            candidates = self._fdl_by_first.get(first)
            if candidates is None:
                table = self.versioned_resolver
                candidates = table.get(first, []) + table.get(None, [])
                self._fdl_by_first[first] = candidates
            for tag, regexp in candidates:
                if regexp.match(value):
                    return Tag(suffix=tag)
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


def load_yaml(text: str, reporter: Reporter) -> YNode | None:
    """Parse ``text`` into a positioned tree; problems go to ``reporter``.

    Returns None when the text is not YAML (E101 reported) or holds no document.
    """
    if len(text) > MAX_FILE_SIZE:
        reporter.report("E101", f"the file is larger than {MAX_FILE_SIZE:,} characters; "
                        "split the flow into sub-flows", Span(0, 0))
        return None
    deep = _bracket_beyond(text, MAX_NESTING)
    if deep is not None:
        reporter.report("E101", _TOO_DEEP, Span(deep, deep + 1))
        return None
    yaml = _yaml(pure=not _HAS_CLIB or _may_nest_deeply(text))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReusedAnchorWarning)
        try:
            node = yaml.compose(text)
        except (YAMLError, ValueError, OverflowError):
            # Errors are rare: ask the pure parser, whose messages are the same on every
            # machine. It also reads YAML 1.2 the C parser (libyaml, YAML 1.1) refuses, such
            # as a flow mapping key with a colon inside (`{api://crm/customer: 1}`) or an
            # anchor defined twice: then its tree is used.
            node = _compose_pure(text, reporter)
        except RecursionError:
            reporter.report("E101", "the YAML structure is nested too deeply", Span(0, 0))
            return None
    _anchor_warnings(caught, text, reporter)
    if node is None:
        return None
    try:
        return _Reader(text, reporter).read(node)
    except RecursionError:
        reporter.report("E101", "the YAML structure is nested too deeply", Span(0, 0))
        return None


def _yaml(*, pure: bool) -> YAML:
    yaml = YAML(typ="safe", pure=pure)
    if not pure:
        yaml.Resolver = _CResolver
    return yaml


_NEXT_KEY = "__fdl_next_entry__"
"""A key placed after a part loaded alone, where the next entry's key is (`load_entry`)."""


def load_entry(text: str, start: int, end: int, indent: int, depth: int, reporter: Reporter,
               ) -> tuple[YScalar, YNode] | None:
    """Load one entry of a block mapping alone, as `load_yaml` would read it in the whole
    text: the entry's key is at ``start + indent``, the next entry's key (at the same
    indentation) at ``end + indent`` (or ``end`` is the end of the text), and the mapping
    is ``depth`` levels deep. Positions are file offsets.

    Returns None when the part is not one plain entry that loads without any problem (the
    caller then loads the whole text): problems are reported only by `load_yaml`.
    """
    part = text[start:end]
    if _may_nest_deeply(part) or _bracket_beyond(part, MAX_NESTING) is not None:
        return None
    last = end == len(text)
    lines_before = text.count("\n", 0, start)
    padded = "\n" * lines_before + part + ("" if last else " " * indent + _NEXT_KEY + ": 0\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReusedAnchorWarning)
        try:
            node = _yaml(pure=not _HAS_CLIB).compose(padded)
        except (YAMLError, ValueError, OverflowError, RecursionError):
            return None
    if caught or not isinstance(node, MappingNode):
        return None
    probe = Reporter(reporter.path, reporter.source)
    try:
        tree = _Reader(text, probe, shift=start - lines_before, depth=depth).read(node)
    except RecursionError:  # pragma: no cover - the depth is checked above
        return None
    if probe.diagnostics or not isinstance(tree, YMap) or len(tree.entries) != 2 - last:
        return None
    key, value = tree.entries[0]
    if key.span.start != start + indent or key.style is not None:
        return None
    if not last:
        following = tree.entries[1][0]
        if following.value != _NEXT_KEY or following.span.start != end + indent:
            return None
    return key, value


def shifted(node: YNode, delta: int) -> YNode:
    """A copy of a tree (without shared parts) whose positions are ``delta`` further on."""
    span = Span(node.span.start + delta, node.span.end + delta)
    if isinstance(node, YScalar):
        return YScalar(node.value, node.kind, node.style, span)
    if isinstance(node, YSeq):
        return YSeq(tuple(shifted(item, delta) for item in node.items), span)
    return YMap(tuple((cast(YScalar, shifted(k, delta)), shifted(v, delta))
                      for k, v in node.entries), span)


_BRACKETS = re.compile(r"[^\[\]{}]+")
_LINE_PREFIX = re.compile(r"^[ \t?:-]*", re.MULTILINE)
_SAFE_DEPTH = 400


def _bracket_beyond(text: str, limit: int) -> int | None:
    """The offset of the first ``[`` or ``{`` nesting deeper than ``limit`` (counting
    brackets only: an over-estimate when quoted text holds brackets), or None. Only texts
    that nest that deep at all pay for finding the offset."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        else:
            depth = max(0, depth - 1)
    return None


def _anchor_warnings(caught: list[warnings.WarningMessage], text: str,
                     reporter: Reporter) -> None:
    """ruamel.yaml's warnings about an anchor defined twice, as W101 diagnostics."""
    for item in caught:
        if not issubclass(item.category, ReusedAnchorWarning):
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
            continue
        found = re.findall(r"line: (\d+)", str(item.message))  # the second occurrence's
        offset = 0
        if found:
            line = int(found[-1])
            offset = sum(len(row) + 1 for row in text.split("\n")[:line - 1])
        reporter.report("W101", "a YAML anchor is defined twice; later aliases use the "
                        "second definition: rename one of the anchors",
                        Span(offset, offset), severity="warning")


def _may_nest_deeply(text: str) -> bool:
    """Whether the text might nest deeper than the C parser can take without overflowing the
    C stack (it does not check). An over-estimate: such text goes to the pure parser, which
    turns too much nesting into a RecursionError (reported as E101)."""
    if max(map(len, _LINE_PREFIX.findall(text)), default=0) > _SAFE_DEPTH:
        return True
    return bracket_depth(text) > _SAFE_DEPTH


def bracket_depth(text: str) -> int:
    """How deep the brackets of ``text`` nest, counting brackets only (quoted ones too) and
    never below zero: what `load_yaml` compares with `MAX_NESTING` and the C parser's
    limit. Changing a part of the text changes it by at most the brackets in the old and
    the new part."""
    depth = deepest = 0
    for ch in _BRACKETS.sub("", text):
        depth = depth + 1 if ch in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


def _compose_pure(text: str, reporter: Reporter) -> Any:
    """The pure parser's tree of ``text``, or None with the error reported (E101)."""
    try:
        return YAML(typ="safe", pure=True).compose(text)
    except MarkedYAMLError as error:
        reporter.report("E101", _error_message(error, text), _error_span(error, text))
        return None
    except RecursionError:
        reporter.report("E101", "the YAML structure is nested too deeply", Span(0, 0))
        return None
    except (YAMLError, ValueError, OverflowError) as error:
        reporter.report("E101", f"YAML syntax: {error}; fix the YAML structure", Span(0, 0))
        return None


def to_plain(node: YNode) -> Any:
    """A positioned YAML node as plain Python values (mappings keep their order)."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [to_plain(item) for item in node.items]
    return {str(key.value): to_plain(value) for key, value in node.entries}
