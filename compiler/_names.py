"""What a GML program reads and writes, seen from the flow: free names, assigned fields,
and string texts built by interpolation (for W212).

These walk the AST generically (every node is a frozen dataclass), so they stay correct
when the language grows a node type.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import NamedTuple

from gml import Span
from gml import nodes as n

__all__ = ["ArgText", "argument_texts", "assigned_fields", "built_sql", "free_names",
           "may_build_sql"]

_SQL = re.compile(
    r"\b(select\b.+\bfrom|insert\s+into|update\b.+\bset|delete\s+from|where)\b",
    re.IGNORECASE | re.DOTALL)
_CQL_ARGUMENTS = frozenset({"exps", "query", "sql", "where"})


_FIELDS: dict[type, tuple[str, ...]] = {}
_LEAF_ANNOTATIONS = frozenset({"Span", "str", "tuple[str, ...]", "BinaryOp", "UnaryOp",
                               "bool | int | float | str | None"})
"""Field annotations (`gml.nodes`) that cannot hold a node: such fields are not visited."""


def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that may hold nodes, computed once per class."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls)
                                     if str(f.type) not in _LEAF_ANNOTATIONS)
    return found


def _children(node: object) -> Iterator[n.Node]:
    if not isinstance(node, n.Node):
        return
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, n.Node))
        elif isinstance(value, n.Node):
            yield value


def _names_in(node: n.Node, bound: frozenset[str], out: list[n.Name]) -> None:
    # Hot (every field of every flow): direct recursion, no generators.
    if isinstance(node, n.Name):
        if node.name not in bound:
            out.append(node)
        return
    if isinstance(node, n.Lambda):
        _names_in(node.body, bound | set(node.params), out)
        return
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            for item in value:
                if isinstance(item, n.Node):
                    _names_in(item, bound, out)
        elif isinstance(value, n.Node):
            _names_in(value, bound, out)


def free_names(program: n.Program) -> list[n.Name]:
    """The names a program reads from its context (not lambda parameters, not its own
    earlier fields), with their spans, in source order."""
    out: list[n.Name] = []
    defined: set[str] = set()
    for stmt in program.statements:
        value = getattr(stmt, "value", None)
        if value is not None:
            _names_in(value, frozenset(defined), out)
        if isinstance(stmt, n.Assign):
            defined.add(stmt.name)
        elif isinstance(stmt, n.ExprStmt):
            name = n.path_field_name(stmt.value)
            if name is not None:
                defined.add(name)
    return out


def assigned_fields(program: n.Program) -> list[tuple[str, n.Stmt]]:
    """The fields an object-mode program assigns (``x = ...`` and bare paths), in order."""
    found: list[tuple[str, n.Stmt]] = []
    for stmt in program.statements:
        if isinstance(stmt, n.Assign):
            found.append((stmt.name, stmt))
        elif isinstance(stmt, n.ExprStmt):
            name = n.path_field_name(stmt.value)
            if name is not None:
                found.append((name, stmt))
    return found


class ArgText(NamedTuple):
    """An argument written as a string literal or a template: its parts (`ArgParts`: None
    where a template inserts a value), the source offset of each literal part's first
    character (None for an insertion, or for a part whose source is not its text because
    of escapes), and the whole literal's span."""

    parts: tuple[str | None, ...]
    offsets: tuple[int | None, ...]
    span: Span

    def source_range(self, start: int, end: int) -> tuple[int, int]:
        """The source range of ``[start, end)`` counted over the literal parts only (as an
        `ArgProblem` counts): exact when it lies in one part written without escapes,
        else the whole literal."""
        base = 0
        for part, offset in zip(self.parts, self.offsets, strict=True):
            if part is None:
                continue
            if base <= start and end <= base + len(part):
                if offset is None:
                    break
                return offset + start - base, offset + end - base
            base += len(part)
        return self.span.start, self.span.end


def argument_texts(program: n.Program, source: str) -> dict[str, ArgText]:
    """The fields of an object-mode program whose value is a string literal or a template:
    name → `ArgText`. Other expressions are not texts (known at run time only)."""
    found: dict[str, ArgText] = {}
    for name, stmt in assigned_fields(program):
        value = getattr(stmt, "value", None)
        if not isinstance(stmt, n.Assign):
            continue
        if isinstance(value, n.Literal) and isinstance(value.value, str):
            span = value.span
            raw = source[span.start:span.end]
            exact = len(raw) >= 2 and raw[0] == raw[-1] and raw[1:-1] == value.value
            found[name] = ArgText((value.value,), (span.start + 1 if exact else None,), span)
        elif isinstance(value, n.Template):
            found[name] = _template_text(value, source)
    return found


def _template_text(template: n.Template, source: str) -> ArgText:
    """A template's parts and where each literal part is written: from the opening
    backtick, each text part runs up to the ``${`` of the insertion after it (or the
    closing backtick); an insertion ends at the ``}`` after its expression."""
    span = template.span
    pos = span.start + 1
    parts: list[str | None] = []
    offsets: list[int | None] = []
    items = template.parts
    for i, part in enumerate(items):
        if isinstance(part, str):
            following = items[i + 1] if i + 1 < len(items) else None
            stop = (source.rfind("${", pos, following.span.start)
                    if isinstance(following, n.Expr) else span.end - 1)
            exact = stop >= pos and source[pos:stop] == part
            parts.append(part)
            offsets.append(pos if exact else None)
            pos = max(pos, stop)
        else:
            close = source.find("}", part.span.end, span.end)
            parts.append(None)
            offsets.append(None)
            pos = close + 1 if close >= 0 else part.span.end
    return ArgText(tuple(parts), tuple(offsets), span)


def _interpolates(expr: n.Expr) -> bool:
    """A string built from text and values: a template with insertions, or ``+`` mixing a
    string literal with a non-literal."""
    if isinstance(expr, n.Template):
        return any(isinstance(p, n.Expr) for p in expr.parts)
    if isinstance(expr, n.Binary) and expr.op == "+":
        leaves = list(_concat_leaves(expr))
        has_text = any(isinstance(x, n.Literal | n.Template) and isinstance(
            getattr(x, "value", ""), str) for x in leaves)
        has_value = any(not isinstance(x, n.Literal) for x in leaves)
        return has_text and has_value
    return False


def _concat_leaves(expr: n.Expr) -> Iterator[n.Expr]:
    if isinstance(expr, n.Binary) and expr.op == "+":
        yield from _concat_leaves(expr.left)
        yield from _concat_leaves(expr.right)
    else:
        yield expr


def _literal_text(expr: n.Expr) -> str:
    if isinstance(expr, n.Template):
        return "".join(p for p in expr.parts if isinstance(p, str))
    if isinstance(expr, n.Literal) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, n.Binary):
        return " ".join(_literal_text(x) for x in _concat_leaves(expr))
    return ""


def _all_exprs(node: object) -> Iterator[n.Expr]:
    if isinstance(node, n.Expr):
        yield node
        if isinstance(node, n.Binary) and node.op == "+":
            return  # a concatenation is judged as a whole
    for child in _children(node):
        yield from _all_exprs(child)


_QUOTES = re.compile(r"['\"`]")
"""Text without quotes has no string literal and no template: nothing is interpolated."""
_SQL_WORD = re.compile(r"select|insert|update|delete|where", re.IGNORECASE)
"""A word every `_SQL` match starts with (the same flags, so the same case folding)."""
_PLAIN_INSERTION = re.compile(r"\$\{[^{}'\"`\\]*\}")
"""A template insertion without brackets, quotes or escapes: its end is the first ``}``."""


def may_build_sql(source: str, database_tool: bool) -> bool:
    """False when `built_sql` cannot find anything in a program of this text.

    Interpolation needs a string literal or a template (a quote or backquote in the text);
    outside a ``db://`` call, a match also needs an SQL word in the text of a literal. A
    string literal's text is a piece of the source unless it has escapes (a backslash); a
    template's text is its pieces joined around its insertions (``${…}``), so it is a
    piece of the source once the insertions are taken out — when they can be found
    without parsing (no brackets or quotes inside).
    """
    if _QUOTES.search(source) is None:
        return False
    if database_tool or "\\" in source or _SQL_WORD.search(source) is not None:
        return True
    if "${" not in source:
        return False
    joined = _PLAIN_INSERTION.sub("", source)
    return "${" in joined or _SQL_WORD.search(joined) is not None


def built_sql(program: n.Program, database_tool: bool) -> list[n.Expr]:
    """Expressions that build CQL or SQL text by interpolation (W212).

    In a ``db://`` call, any interpolated string given to ``exps``/``query``/``sql``/``where``
    counts; anywhere else, an interpolated string whose text reads like SQL
    (``select … from``, ``where``, ``insert into``, ...).
    """
    found: list[n.Expr] = []
    for stmt in program.statements:
        value = getattr(stmt, "value", None)
        if value is None:
            continue
        if (database_tool and isinstance(stmt, n.Assign) and stmt.name in _CQL_ARGUMENTS
                and _interpolates(value)):
            found.append(value)
            continue
        for expr in _all_exprs(value):
            if _interpolates(expr) and _SQL.search(_literal_text(expr)):
                found.append(expr)
    return found
