"""Static types of the gradual checker (spec/gml.md §9).

Types are small frozen values. ``ANY`` switches checks off; ``Nullable(T)`` is ``T?``;
``ObjectType`` is a named ``defs`` type or an inferred object shape (closed: unknown fields
are errors); ``RefType`` names a ``defs`` type resolved lazily, so ``defs`` may refer to each
other recursively.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError

from grammar import load_parser

__all__ = [
    "ANY",
    "BOOL",
    "DATE",
    "DECIMAL",
    "DOUBLE",
    "INT",
    "LONG",
    "NULL",
    "NUMERIC",
    "PRIMITIVES",
    "STRING",
    "ArrayType",
    "MapType",
    "Nullable",
    "ObjectType",
    "Prim",
    "RefType",
    "Type",
    "TypeSyntaxError",
    "accepts_null",
    "assignable",
    "element_type",
    "is_any",
    "join",
    "parse_type",
    "strip_null",
    "type_kind",
]


class Type:
    """Base of all static types."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Prim(Type):
    """A primitive type, ``any`` or ``null``."""

    name: str

    def __str__(self) -> str:
        return self.name


ANY = Prim("any")
NULL = Prim("null")
BOOL = Prim("bool")
INT = Prim("int")
LONG = Prim("long")
DOUBLE = Prim("double")
DECIMAL = Prim("decimal")
STRING = Prim("string")
DATE = Prim("date")
PRIMITIVES = {p.name: p for p in (ANY, NULL, BOOL, INT, LONG, DOUBLE, DECIMAL, STRING, DATE)}
NUMERIC = frozenset({INT, LONG, DOUBLE, DECIMAL})


@dataclass(frozen=True, slots=True)
class ArrayType(Type):
    """``T[]``."""

    element: Type

    def __str__(self) -> str:
        inner = str(self.element)
        return f"({inner})[]" if isinstance(self.element, Nullable) else f"{inner}[]"


@dataclass(frozen=True, slots=True)
class MapType(Type):
    """``map<T>``: an object with string keys and values of one type."""

    value: Type

    def __str__(self) -> str:
        return f"map<{self.value}>"


@dataclass(frozen=True, slots=True)
class Nullable(Type):
    """``T?``."""

    inner: Type

    def __str__(self) -> str:
        return f"{self.inner}?"


@dataclass(frozen=True, slots=True, eq=False)
class ObjectType(Type):
    """An object with known fields. ``closed`` objects reject unknown fields (G205).

    ``name`` is the ``defs`` name, or None for a shape inferred from a literal or a program.
    """

    fields: Mapping[str, Type]
    closed: bool = True
    name: str | None = None

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ObjectType) and self.name == other.name
                and self.closed == other.closed and dict(self.fields) == dict(other.fields))

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.fields)))

    def __str__(self) -> str:
        if self.name:
            return self.name
        inner = ", ".join(f"{k}: {v}" for k, v in self.fields.items())
        return "{" + inner + ("" if self.closed else ", …") + "}"


@dataclass(frozen=True, slots=True, eq=False)
class RefType(Type):
    """A ``defs`` name resolved on use (``resolve`` returns the ObjectType or None)."""

    name: str
    resolve: Callable[[str], Type | None] = field(repr=False, compare=False)

    def target(self) -> Type:
        return self.resolve(self.name) or ANY

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RefType) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __str__(self) -> str:
        return self.name


def deref(t: Type) -> Type:
    """Follow `RefType` links."""
    seen = 0
    while isinstance(t, RefType) and seen < 64:
        t = t.target()
        seen += 1
    return t


def strip_null(t: Type) -> Type:
    """``T?`` → ``T`` (after following references)."""
    t = deref(t)
    while isinstance(t, Nullable):
        t = deref(t.inner)
    return t


def is_any(t: Type) -> bool:
    return strip_null(t) == ANY


def nullable(t: Type) -> Type:
    """``T?`` (``any``, ``null`` and ``T?`` stay as they are)."""
    if t in (ANY, NULL) or isinstance(t, Nullable):
        return t
    return Nullable(t)


def accepts_null(t: Type) -> bool:
    """Whether ``null`` is a value of ``t``: ``T?``, ``any``, ``null`` (after references).

    A missing object field of such a type reads as null; of any other type it is missing.
    """
    t = deref(t)
    return isinstance(t, Nullable) or t in (ANY, NULL)


def element_type(t: Type) -> Type:
    """The element type of an array type, ``any`` for anything else."""
    t = strip_null(t)
    return t.element if isinstance(t, ArrayType) else ANY


def join(a: Type, b: Type) -> Type:
    """The least type holding both (``int`` ⊔ ``null`` = ``int?``; unrelated → ``any``)."""
    if a == b:
        return a
    if a == NULL:
        return nullable(b)
    if b == NULL:
        return nullable(a)
    sa, sb = strip_null(a), strip_null(b)
    wrap = nullable if (sa != a or sb != b) else (lambda t: t)
    if sa == sb:
        return wrap(sa)
    if sa in NUMERIC and sb in NUMERIC:
        order = [INT, LONG, DOUBLE, DECIMAL]
        return wrap(order[max(order.index(sa), order.index(sb))])
    if isinstance(sa, ArrayType) and isinstance(sb, ArrayType):
        return wrap(ArrayType(join(sa.element, sb.element)))
    return ANY


_WIDER = {INT: {LONG, DOUBLE, DECIMAL}, LONG: {INT, DOUBLE, DECIMAL}, DOUBLE: {DECIMAL},
          DECIMAL: set()}
"""Numeric types a number type is assignable to, besides itself (int ↔ long: range checked)."""


def assignable(source: Type, target: Type) -> bool:
    """Whether a value of static type ``source`` may be given where ``target`` is declared.

    The static twin of `gml.convert.convert`; the compiler reports E304 where it says no.
    Nulls, absent map keys, numbers out of range and text that does not read as the type are
    left to run time; everything else is decided here:

    * ``any`` on either side, ``null`` as the source and equal types are assignable; ``T?``
      is ``T`` on both sides (nulls are checked at run time).
    * Numbers: ``int`` and ``long`` to each other (the converter checks the range) and to
      ``double`` and ``decimal``; ``double`` to ``decimal``. Never ``double`` or ``decimal``
      to ``int``/``long`` (a fraction is what these types hold, not an accident of one
      value), nor ``decimal`` to ``double`` (decimals are exact on purpose: ``DOUBLE(x)``).
    * Text: ``string`` to ``date`` and ``decimal`` (spec/fdl.md §2: ISO strings become
      dates, strings become decimals). Numbers, dates and booleans never become text
      implicitly, and text becomes no other type: write ``STRING(x)``, ``INT(x)``.
    * ``S[]`` to ``T[]`` when ``S`` to ``T``.
    * Objects and maps, field by field: ``map<S>`` to ``map<T>`` when ``S`` to ``T``; an
      object to ``map<T>`` when each of its fields is; ``map<S>`` to an object when ``S`` is
      to each field (a key may be absent at run time, like a null); an object to an object
      when each target field is assignable from the source field of that name, or is
      nullable, or the source is an open shape (which may have more fields).
    * Nothing else: a boolean is only a ``bool``, arrays are only arrays, and so on.

    Every pair it accepts converts at run time, failing only for the reasons above that a type
    cannot see; for every pair it refuses, no value without nulls or empty containers passes
    through the converter unchanged: it fails, or it is rewritten (``42`` as ``"42"``).
    `tests/gml/test_convert.py` checks both with random types and values.
    """
    return _assignable(source, target, set())


def _assignable(source: Type, target: Type, assumed: set[tuple[Type, Type]]) -> bool:
    s, t = strip_null(source), strip_null(target)
    if s in (ANY, NULL) or t == ANY or s == t:
        return True
    if isinstance(s, Prim) and isinstance(t, Prim):
        return t in _WIDER.get(s, ()) or (s == STRING and t in (DATE, DECIMAL))
    if isinstance(s, ArrayType):
        return isinstance(t, ArrayType) and _assignable(s.element, t.element, assumed)
    if not (isinstance(s, ObjectType | MapType) and isinstance(t, ObjectType | MapType)):
        return False
    if (s, t) in assumed:  # recursive defs: assume what is being checked
        return True
    assumed.add((s, t))
    if isinstance(t, MapType):
        values = s.fields.values() if isinstance(s, ObjectType) else (s.value,)
        return all(_assignable(v, t.value, assumed) for v in values)
    for name, field_type in t.fields.items():
        if isinstance(s, MapType):
            given: Type | None = s.value
        else:
            given = s.fields.get(name)
        if given is not None:
            if not _assignable(given, field_type, assumed):
                return False
        elif not (accepts_null(field_type) or (isinstance(s, ObjectType) and not s.closed)):
            return False
    return True


class TypeSyntaxError(ValueError):
    """A type expression that does not parse; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@cache
def _type_parser() -> Lark:
    return load_parser("types.lark", parser="lalr")


class _ToType(Transformer[Token, Type]):
    def __init__(self, named: Callable[[str], Type]) -> None:
        super().__init__()
        self._named = named

    def start(self, children: list[Type]) -> Type:
        return children[0]

    def nullable(self, children: list[Type]) -> Type:
        return nullable(children[0])

    def array(self, children: list[Type]) -> Type:
        return ArrayType(children[0])

    def map(self, children: list[Type]) -> Type:
        return MapType(children[0])

    def named(self, children: list[Token]) -> Type:
        name = str(children[0])
        return PRIMITIVES.get(name) or self._named(name)


def parse_type(text: str, named: Callable[[str], Type] | None = None) -> Type:
    """Parse a type expression such as ``Order[]?`` or ``map<int>``.

    Args:
        text: the type expression.
        named: resolves a name that is not a primitive (a ``defs`` type). Without it,
            unknown names raise `TypeSyntaxError`.

    Raises:
        TypeSyntaxError: the text is not a type expression, or names an unknown type.
    """

    def unknown(name: str) -> Type:
        known = ", ".join(sorted(PRIMITIVES))
        raise TypeSyntaxError(f"unknown type '{name}' (known: {known})", text.find(name) + 1)

    try:
        tree = _type_parser().parse(text.strip())
    except LarkError as error:
        column = getattr(error, "column", 1)
        raise TypeSyntaxError(f"'{text}' is not a type expression", int(column)) from None
    try:
        return _ToType(named or unknown).transform(tree)
    except Exception as error:  # VisitError wrapping TypeSyntaxError
        cause = getattr(error, "orig_exc", error)
        if isinstance(cause, TypeSyntaxError):
            raise cause from None
        raise


def type_kind(t: Type) -> str | None:
    """The method-table kind of a known type (``array``, ``string``, ...), or None."""
    t = strip_null(t)
    if isinstance(t, ArrayType):
        return "array"
    if t == STRING:
        return "string"
    if isinstance(t, ObjectType | MapType):
        return "object"
    if t == DATE:
        return "date"
    if t in NUMERIC or t == BOOL:
        return str(t)
    return None
