"""AST → GML text. Re-parsing the text gives an equal AST (the round-trip property tests rely
on it). Compound operands are parenthesised, so the output is unambiguous, not minimal."""

from __future__ import annotations

import math
import re

from . import nodes as n
from ._parser import KEYWORDS

__all__ = ["to_source"]

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_COMPOUND = (n.Binary, n.Unary, n.Conditional, n.Lambda)
_OPS = {"not in": "NOT IN", "not like": "NOT LIKE", "in": "IN", "like": "LIKE"}


def _string(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f"'{escaped}'"


def _template_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$")


def _key(key: str) -> str:
    if _IDENTIFIER.fullmatch(key) and key not in KEYWORDS:
        return key
    return _string(key)


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "1e999"
        text = repr(value)
        return text if ("e" in text or "." in text) else text + ".0"
    if isinstance(value, int):
        return str(value)
    assert isinstance(value, str)
    return _string(value)


def _operand(node: n.Expr) -> str:
    text = _expr(node)
    return f"({text})" if isinstance(node, _COMPOUND) else text


def _receiver(node: n.Expr) -> str:
    text = _expr(node)
    if isinstance(node, _COMPOUND) or (isinstance(node, n.Literal)
                                       and not isinstance(node.value, str)):
        return f"({text})"
    return text


def _args(args: tuple[n.Expr, ...]) -> str:
    return ", ".join(_expr(a) for a in args)


def _expr(node: n.Expr) -> str:
    if isinstance(node, n.Literal):
        return _literal(node.value)
    if isinstance(node, n.Name):
        return node.name
    if isinstance(node, n.Temp):
        return f"${node.name}"
    if isinstance(node, n.WholeInput):
        return "$"
    if isinstance(node, n.This):
        return "this"
    if isinstance(node, n.ThisTemp):
        return f"this.${node.name}"
    if isinstance(node, n.Member):
        return f"{_receiver(node.obj)}.{node.name}"
    if isinstance(node, n.Index):
        return f"{_receiver(node.obj)}[{_expr(node.index)}]"
    if isinstance(node, n.MethodCall):
        return f"{_receiver(node.obj)}.{node.name}({_args(node.args)})"
    if isinstance(node, n.Call):
        return f"{node.name}({_args(node.args)})"
    if isinstance(node, n.Lambda):
        params = node.params[0] if len(node.params) == 1 else f"({', '.join(node.params)})"
        return f"{params} => {_operand(node.body)}"
    if isinstance(node, n.Unary):
        return f"{node.op}{_operand(node.operand)}"
    if isinstance(node, n.Binary):
        op = _OPS.get(node.op, node.op)
        return f"{_operand(node.left)} {op} {_operand(node.right)}"
    if isinstance(node, n.Conditional):
        return f"{_operand(node.test)} ? {_operand(node.then)} : {_operand(node.otherwise)}"
    if isinstance(node, n.Case):
        parts = ["CASE"]
        if node.subject is not None:
            parts.append(_operand(node.subject))
        for when in node.whens:
            parts.append(f"WHEN {_operand(when.cond)} THEN {_operand(when.value)}")
        if node.otherwise is not None:
            parts.append(f"ELSE {_operand(node.otherwise)}")
        parts.append("END")
        return " ".join(parts)
    if isinstance(node, n.Template):
        body = "".join(_template_text(p) if isinstance(p, str) else "${" + _expr(p) + "}"
                       for p in node.parts)
        return f"`{body}`"
    if isinstance(node, n.Array):
        return "[" + ", ".join(
            f"...{_operand(i.value)}" if isinstance(i, n.Spread) else _expr(i)
            for i in node.items) + "]"
    if isinstance(node, n.Object):
        entries = []
        for entry in node.entries:
            if isinstance(entry, n.Spread):
                entries.append(f"...{_operand(entry.value)}")
            elif isinstance(entry, n.ComputedField):
                entries.append(f"[{_expr(entry.key)}]: {_expr(entry.value)}")
            else:
                entries.append(f"{_key(entry.key)}: {_expr(entry.value)}")
        return "{" + ", ".join(entries) + "}"
    raise TypeError(f"not an expression: {node!r}")  # pragma: no cover


def _statement(stmt: n.Stmt) -> str:
    if isinstance(stmt, n.Assign):
        return f"{stmt.name} = {_expr(stmt.value)}"
    if isinstance(stmt, n.TempAssign):
        return f"${stmt.name} = {_expr(stmt.value)}"
    if isinstance(stmt, n.SpreadStmt):
        return f"...{_operand(stmt.value)}"
    assert isinstance(stmt, n.ExprStmt)
    text = _expr(stmt.value)
    # A line starting with `-` or `+` continues the previous statement (spec §3.1).
    return f"({text})" if text[:1] in "-+" else text


def to_source(node: n.Program | n.Expr) -> str:
    """GML text for a program (statements on separate lines) or an expression."""
    if isinstance(node, n.Program):
        return "\n".join(_statement(s) for s in node.statements)
    return _expr(node)
