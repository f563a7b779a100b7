"""What a GML program reads and writes, seen from the flow: free names, assigned fields,
and string texts built by interpolation (for W212).

These walk the AST generically (every node is a frozen dataclass), so they stay correct
when the language grows a node type.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from gml import nodes as n

__all__ = ["assigned_fields", "built_sql", "free_names"]

_SQL = re.compile(
    r"\b(select\b.+\bfrom|insert\s+into|update\b.+\bset|delete\s+from|where)\b",
    re.IGNORECASE | re.DOTALL)
_CQL_ARGUMENTS = frozenset({"exps", "query", "sql", "where"})


_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that may hold nodes (not its span), computed once."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls)
                                     if f.name != "span")
    return found


def _children(node: object) -> Iterator[object]:
    if not isinstance(node, n.Node):
        return
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, n.Node))
        elif isinstance(value, n.Node):
            yield value


def _names_in(node: object, bound: frozenset[str], out: list[n.Name]) -> None:
    if isinstance(node, n.Name):
        if node.name not in bound:
            out.append(node)
        return
    if isinstance(node, n.Lambda):
        _names_in(node.body, bound | set(node.params), out)
        return
    for child in _children(node):
        _names_in(child, bound, out)


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
