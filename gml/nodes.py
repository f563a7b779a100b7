"""The GML abstract syntax tree: small immutable node classes with positions.

Every node is a frozen, slotted dataclass. Its ``span`` is keyword-only and excluded from
equality, so two trees compare equal when they mean the same program wherever they were
written (what the round-trip tests rely on). The tree is data; behaviour lives in visitors
(the checker, the compiler, the printer).

Operators are normalised: ``AND`` is ``&&``, ``OR`` is ``||``, ``===`` is ``==``, ``!==`` is
``!=``, ``NOT`` is ``!``; ``NOT IN`` and ``NOT LIKE`` are the operators ``not in`` and
``not like``. ``?.`` means exactly ``.`` (§5.3), so it is not kept either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

from ._source import Span

__all__ = [
    "Array",
    "Assign",
    "Binary",
    "Call",
    "Case",
    "ComputedField",
    "Conditional",
    "Expr",
    "ExprStmt",
    "Field",
    "Index",
    "Lambda",
    "Literal",
    "Member",
    "MethodCall",
    "Name",
    "Node",
    "Object",
    "Program",
    "Spread",
    "SpreadStmt",
    "Stmt",
    "Temp",
    "TempAssign",
    "Template",
    "This",
    "ThisTemp",
    "Unary",
    "When",
    "WholeInput",
]

_NOWHERE = Span(0, 0)

BinaryOp = TypingLiteral[
    "||", "??", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "like", "not like",
    "+", "-", "*", "/", "%",
]
UnaryOp = TypingLiteral["!", "-", "+"]


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all nodes. Not instantiated directly."""

    span: Span = field(default=_NOWHERE, kw_only=True, compare=False, repr=False)

    def __post_init__(self) -> None:
        if type(self) in _ABSTRACT:
            raise TypeError(f"{type(self).__name__} is abstract")


@dataclass(frozen=True, slots=True)
class Expr(Node):
    """Base of expressions."""


@dataclass(frozen=True, slots=True)
class Stmt(Node):
    """Base of statements."""


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    """A constant: ``null``, ``true``/``false``, an integer, a float or a string."""

    value: bool | int | float | str | None


@dataclass(frozen=True, slots=True)
class Template(Expr):
    """A template string; ``parts`` alternates text (``str``) and inserted expressions."""

    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class Name(Expr):
    """An identifier: a lambda parameter, an earlier field, a context variable or ``now``."""

    name: str


@dataclass(frozen=True, slots=True)
class Temp(Expr):
    """A temporary ``$name`` (``name`` excludes the ``$``)."""

    name: str


@dataclass(frozen=True, slots=True)
class WholeInput(Expr):
    """``$`` alone: an object holding every visible variable."""


@dataclass(frozen=True, slots=True)
class This(Expr):
    """``this``: the object the program has built so far."""


@dataclass(frozen=True, slots=True)
class ThisTemp(Expr):
    """``this.$name``: an earlier temporary named explicitly."""

    name: str


@dataclass(frozen=True, slots=True)
class Member(Expr):
    """``obj.name`` (or ``obj?.name``), null-safe, projecting over arrays."""

    obj: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Index(Expr):
    """``obj[index]``."""

    obj: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Lambda(Expr):
    """``x => body``, ``(a, b) => body`` or ``() => body``; only as a call argument."""

    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A built-in or host function call ``NAME(args)``; ``name`` as written."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class MethodCall(Expr):
    """``obj.name(args)``: a method of the receiver's type; ``null`` receivers give ``null``."""

    obj: Expr
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    """``!e`` / ``NOT e``, ``-e``, ``+e``."""

    op: UnaryOp
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """A binary operator (normalised spelling, see the module docstring)."""

    op: BinaryOp
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    """``test ? then : otherwise``."""

    test: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class When(Node):
    """One ``WHEN cond THEN value`` clause of a CASE."""

    cond: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class Case(Expr):
    """``CASE [subject] WHEN … THEN … [ELSE …] END``; ``subject`` is None for searched CASE."""

    subject: Expr | None
    whens: tuple[When, ...]
    otherwise: Expr | None


@dataclass(frozen=True, slots=True)
class Spread(Node):
    """``...expr`` inside an array or object literal."""

    value: Expr


@dataclass(frozen=True, slots=True)
class Array(Expr):
    """``[a, b, ...xs]``."""

    items: tuple[Expr | Spread, ...]


@dataclass(frozen=True, slots=True)
class Field(Node):
    """``key = value`` / ``key: value`` / a shorthand, inside an object literal."""

    key: str
    value: Expr


@dataclass(frozen=True, slots=True)
class ComputedField(Node):
    """``[keyExpr]: value`` inside an object literal."""

    key: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class Object(Expr):
    """An object literal; later keys override earlier ones."""

    entries: tuple[Field | ComputedField | Spread, ...]


# ---------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Assign(Stmt):
    """``name = value``: defines a field of the result."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class TempAssign(Stmt):
    """``$name = value``: a local value, never part of the result."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class SpreadStmt(Stmt):
    """``...value``: copies the fields of an object into the result."""

    value: Expr


@dataclass(frozen=True, slots=True)
class ExprStmt(Stmt):
    """A bare expression: the value in single-value mode, a shorthand field in object mode."""

    value: Expr


@dataclass(frozen=True, slots=True)
class Program(Node):
    """A whole GML program (one FDL field)."""

    statements: tuple[Stmt, ...]

    @property
    def single_value(self) -> bool:
        """True when the program is exactly one bare expression (§3.4)."""
        return len(self.statements) == 1 and isinstance(self.statements[0], ExprStmt)


_ABSTRACT = frozenset({Node, Expr, Stmt})


def path_field_name(expr: Expr) -> str | None:
    """The field a bare path names in object mode (``customer.name`` → ``name``), or None
    when ``expr`` is not a path (§3.4)."""
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Member):
        node: Expr = expr.obj
        while isinstance(node, Member):
            node = node.obj
        if isinstance(node, Name | Temp | This | WholeInput):
            return expr.name
    return None
