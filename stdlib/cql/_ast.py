"""The CQL abstract syntax tree, its canonical text, and the names it uses.

Every node is a frozen, slotted dataclass. Its ``span`` (0-based character offsets into the
CQL text) is keyword-only and excluded from equality, so two trees compare equal when they
mean the same condition wherever it was written: what the round-trip tests rely on.

Two families: conditions (`Expr`: `Or`, `And`, `Not` and the predicates `Compare`, `In`,
`Like`, `IsNull`) and the operands of predicates (`Operand`: `Field`, `Param`, `Literal`,
`Call`). ``&&``/``||`` chains are n-ary (``a && b && c`` is one `And` of three items), which
keeps trees shallow however long a condition is; a parenthesised chain inside a chain of the
same operator stays a nested node, so grouping written by the user survives.

Operators are normalised: ``AND`` is ``&&``, ``OR`` is ``||``, ``NOT`` is ``!``, ``==`` is
``=``, ``<>`` is ``!=``; function names are upper case. `to_text` prints the canonical form,
with parentheses only where the tree needs them; ``parse(to_text(e)) == e``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal as TypingLiteral

from gml import Span

from ._errors import CqlError

__all__ = [
    "And",
    "Call",
    "Compare",
    "CompareOp",
    "Expr",
    "Field",
    "In",
    "IsNull",
    "Like",
    "Literal",
    "Node",
    "Not",
    "Operand",
    "Or",
    "Param",
    "Span",
    "Value",
    "fields_of",
    "operand_text",
    "params_of",
    "to_text",
    "walk",
]

_NOWHERE = Span(0, 0)

CompareOp = TypingLiteral["=", "!=", ">", ">=", "<", "<="]
Value = str | int | Decimal | bool | None
"""What a literal holds: strings, integers, decimals (never floats), booleans and null."""


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all nodes. Not instantiated directly."""

    span: Span = field(default=_NOWHERE, kw_only=True, compare=False, repr=False)

    def __post_init__(self) -> None:
        if type(self) in _ABSTRACT:
            raise TypeError(f"{type(self).__name__} is abstract")


@dataclass(frozen=True, slots=True)
class Expr(Node):
    """Base of conditions (what `parse` returns)."""


@dataclass(frozen=True, slots=True)
class Operand(Node):
    """Base of the operands of predicates: fields and values."""


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class Or(Expr):
    """``a || b || ...``: true when any of ``items`` (two or more) is."""

    items: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if len(self.items) < 2:
            raise ValueError("Or needs at least two items")


@dataclass(frozen=True, slots=True)
class And(Expr):
    """``a && b && ...``: true when all of ``items`` (two or more) are."""

    items: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if len(self.items) < 2:
            raise ValueError("And needs at least two items")


@dataclass(frozen=True, slots=True)
class Not(Expr):
    """``!operand``."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    """``left op right`` with ``op`` one of ``= != > >= < <=``."""

    op: CompareOp
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class In(Expr):
    """``left [NOT] IN (v, ...)`` (``values`` a tuple) or ``left [NOT] IN :list`` (a `Param`)."""

    left: Operand
    values: tuple[Operand, ...] | Param
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Like(Expr):
    """``left [NOT] LIKE pattern``; the pattern's ``%`` and ``_`` are SQL's wildcards."""

    left: Operand
    pattern: Operand
    negated: bool = False


@dataclass(frozen=True, slots=True)
class IsNull(Expr):
    """``operand IS [NOT] NULL``."""

    operand: Operand
    negated: bool = False


# ---------------------------------------------------------------- operands


@dataclass(frozen=True, slots=True)
class Field(Operand):
    """A column, by ``name`` (checked against the declared fields when the SQL is built)."""

    name: str


@dataclass(frozen=True, slots=True)
class Param(Operand):
    """``:name``: a named parameter, bound when the SQL is built."""

    name: str


@dataclass(frozen=True, slots=True)
class Literal(Operand):
    """A string, integer, decimal, boolean or null ``value``."""

    value: Value


@dataclass(frozen=True, slots=True)
class Call(Operand):
    """``NAME(args)``: GML's ``DATE``/``TIME``, evaluated when the SQL is built."""

    name: str
    args: tuple[Operand, ...] = ()


_ABSTRACT = frozenset({Node, Expr, Operand})


# ---------------------------------------------------------------- walking


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right (text order)."""
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(_children(current)))


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Or | And):
        return node.items
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Compare):
        return (node.left, node.right)
    if isinstance(node, In):
        values = node.values
        return (node.left, values) if isinstance(values, Param) else (node.left, *values)
    if isinstance(node, Like):
        return (node.left, node.pattern)
    if isinstance(node, IsNull):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()


def params_of(expr: Node) -> list[str]:
    """The names of the named parameters (without ``:``), in order of first appearance."""
    return list(dict.fromkeys(n.name for n in walk(expr) if isinstance(n, Param)))


def fields_of(expr: Node) -> list[str]:
    """The names a condition uses as fields, in order of first appearance.

    As parsed: where the table's fields are known, some of these may be bare words, read as
    strings when the SQL is built (`stdlib.cql.bare_words`).
    """
    return list(dict.fromkeys(n.name for n in walk(expr) if isinstance(n, Field)))


# ---------------------------------------------------------------- canonical text

_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r"[\\'\x00-\x1f\x7f]")


def _quote(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return _ESCAPES.get(char) or f"\\u{ord(char):04x}"

    return "'" + _NEEDS_ESCAPE.sub(escape, text) + "'"


def _number(value: int | Decimal | float) -> str:
    if isinstance(value, int):
        return str(value)
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite():
        raise CqlError("Q203", f"{value} cannot be written in CQL: numbers must be finite")
    text = format(number, "f")
    return text if "." in text else text + ".0"


def operand_text(node: Operand) -> str:
    """The canonical CQL text of an operand (`to_text` of conditions uses it)."""
    if isinstance(node, Field):
        return node.name
    if isinstance(node, Param):
        return ":" + node.name
    if isinstance(node, Literal):
        value = node.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return _quote(value)
        return _number(value)
    if isinstance(node, Call):
        return f"{node.name}({', '.join(operand_text(arg) for arg in node.args)})"
    raise TypeError(f"not a CQL operand: {node!r}")


def to_text(expr: Expr) -> str:
    """The canonical CQL text of a condition: ``&&``, ``||``, ``!``, upper-case keywords,
    single-quoted strings, and parentheses only where the tree needs them.

    Raises:
        CqlError: Q203 for a literal that CQL cannot spell (a non-finite number).
    """
    if isinstance(expr, Or):
        return " || ".join(_group(item, isinstance(item, Or)) for item in expr.items)
    if isinstance(expr, And):
        return " && ".join(_group(item, isinstance(item, Or | And)) for item in expr.items)
    if isinstance(expr, Not):
        return f"!({to_text(expr.operand)})"
    if isinstance(expr, Compare):
        return f"{operand_text(expr.left)} {expr.op} {operand_text(expr.right)}"
    if isinstance(expr, In):
        values = expr.values
        target = (operand_text(values) if isinstance(values, Param)
                  else "(" + ", ".join(operand_text(v) for v in values) + ")")
        return f"{operand_text(expr.left)} {'NOT IN' if expr.negated else 'IN'} {target}"
    if isinstance(expr, Like):
        keyword = "NOT LIKE" if expr.negated else "LIKE"
        return f"{operand_text(expr.left)} {keyword} {operand_text(expr.pattern)}"
    if isinstance(expr, IsNull):
        return f"{operand_text(expr.operand)} IS {'NOT NULL' if expr.negated else 'NULL'}"
    raise TypeError(f"not a CQL condition: {expr!r}")


def _group(item: Expr, parenthesise: bool) -> str:
    text = to_text(item)
    return f"({text})" if parenthesise else text
