"""GML inside a flow: from file offsets to AST nodes, names and inferred types.

A GML field (`compiler.FieldSource`) knows where each character of its text is in the file;
`text_offset` inverts that map. The AST comes from the same parser the compiler used (the
parse is cached by text), and the types of its expressions from the same checker, run again
on one field in the scope the compiler checked it in.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterator

import gml
from compiler import FieldSource
from gml import CheckResult, Span
from gml import nodes as n

from ._recovery import recover

__all__ = [
    "NameUse",
    "chain_at",
    "check_field",
    "children",
    "file_span",
    "member_name_span",
    "name_uses",
    "parse_field",
    "text_offset",
    "walk",
]


_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    found = _FIELDS.get(cls)
    if found is None:  # computed once per node class (a cache of constants)
        found = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls)
                                     if f.name != "span")
    return found


def children(node: n.Node) -> Iterator[n.Node]:
    """The direct children of an AST node, in source order."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, n.Node))
        elif isinstance(value, n.Node):
            yield value


def walk(node: n.Node) -> Iterator[n.Node]:
    """Every node of a tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def chain_at(program: n.Program, offset: int) -> list[n.Node]:
    """The nodes holding ``offset`` (a text offset, end included), outermost first."""
    found: list[n.Node] = [program]
    node: n.Node = program
    while True:
        inner = [c for c in children(node) if c.span.start <= offset <= c.span.end]
        if not inner:
            return found
        node = inner[-1]
        found.append(node)


def parse_field(source: FieldSource) -> n.Program | None:
    """The field's AST; for a text that does not parse (being typed), the AST of what
    parses with the broken parts left out (`recover`, same offsets); None when nothing
    does."""
    text = source.gml.text or ""
    try:
        return gml.parse(text)
    except gml.GmlError:
        recovered = recover(text)
        return recovered[0] if recovered is not None else None


def check_field(source: FieldSource, program: n.Program) -> CheckResult:
    """The checker's result for one field in its scope (types of every expression by id)."""
    env = gml.default_environment()
    return env.check_ast(program, source.gml.text or "", source.scope,
                         object_mode=source.object_mode)


def text_offset(source: FieldSource, offset: int) -> int:
    """The offset in the field's text of a file offset inside the field."""
    table = source.gml.offsets() if source.gml.offsets is not None else []
    if not table:
        return 0
    return max(0, bisect.bisect_right(table, offset) - 1)


def file_span(source: FieldSource, span: Span) -> Span:
    """The file range of a range of the field's text."""
    return source.gml.file_span(span.start, span.end)


def leading_name_span(node: n.Assign | n.Call) -> Span:
    """The range of the name a node starts with: an assignment's field (``x = ...``), a
    function call's name (``LEN(...)``); text offsets."""
    return Span(node.span.start, node.span.start + len(node.name))


def member_name_span(text: str, node: n.Member | n.MethodCall) -> Span:
    """The range of the name in ``obj.name`` / ``obj.name(...)`` (text offsets)."""
    start = text.find(node.name, node.obj.span.end, node.span.end)
    if start < 0:
        return node.span
    return Span(start, start + len(node.name))


@dataclasses.dataclass(frozen=True, slots=True)
class NameUse:
    """A name read or written by a program, with its text range.

    ``kind`` is ``read`` (a free name), ``write`` (a field a ``sets``/``vars``/``args``
    program assigns), ``field`` (a read of a field an earlier statement of the same
    program assigned) or ``param`` (a lambda parameter's use or declaration).
    """

    name: str
    span: Span
    kind: str


def name_uses(program: n.Program) -> list[NameUse]:
    """Every name a program reads or assigns, in source order: free names, the program's
    own earlier fields read again, lambda parameters and assigned field names."""
    found: list[NameUse] = []
    for stmt in program.statements:
        value = getattr(stmt, "value", None)
        if isinstance(stmt, n.Assign):
            found.append(NameUse(stmt.name, leading_name_span(stmt), "write"))
        if value is not None:
            _visit_names(value, frozenset(), found)
    # A name read after the program defined a field of that name reads the field.
    return [NameUse(u.name, u.span, "field") if u.kind == "read" and _shadowed(u, program)
            else u for u in found]


def _visit_names(node: n.Node, bound: frozenset[str], found: list[NameUse]) -> None:
    # A module-level function: a nested recursive one would be a reference cycle per call.
    if isinstance(node, n.Name):
        found.append(NameUse(node.name, node.span, "param" if node.name in bound else "read"))
        return
    if isinstance(node, n.Lambda):
        _visit_names(node.body, bound | set(node.params), found)
        return
    for child in children(node):
        _visit_names(child, bound, found)


def _shadowed(use: NameUse, program: n.Program) -> bool:
    """Whether a read name refers to a field assigned by an earlier statement."""
    for stmt in program.statements:
        if stmt.span.end > use.span.start and stmt.span.start <= use.span.start:
            return False
        if isinstance(stmt, n.Assign) and stmt.name == use.name:
            return True
        if isinstance(stmt, n.ExprStmt) and n.path_field_name(stmt.value) == use.name:
            return True
    return False
