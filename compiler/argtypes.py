"""The types of ``args`` (spec/fdl.md §2): ``defs`` (mutually recursive), inputs and ``out``.

Type texts are parsed with GML's type grammar; names resolve to ``defs`` lazily, so a def
may refer to a later one or to itself. Unknown names and malformed types are E107 at the
exact range of the type text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from compiler.diagnostics import Reporter
from compiler.flow import ArgDecl, TypeText
from compiler.reader import suggest
from gml import Span
from gml.types import (
    ANY,
    BOOL,
    DOUBLE,
    INT,
    LONG,
    NULL,
    PRIMITIVES,
    STRING,
    Nullable,
    ObjectType,
    RefType,
    Type,
    TypeSyntaxError,
    deref,
    nullable,
    parse_type,
)

__all__ = ["BUILTIN_INPUTS", "TypeResolver", "is_required", "literal_type"]

BUILTIN_INPUTS: Mapping[str, Type] = MappingProxyType(
    {"tenantId": nullable(STRING), "buCode": nullable(STRING)})
"""The inputs every flow has besides its declared ones (spec/fdl.md §3), with their types;
the compiler, the runtime, the registry and the editor all read this one table."""

INT32 = range(-(2**31), 2**31)


def is_required(declared: Type | None, has_default: bool) -> bool:
    """Whether an input must be given: it has a type that is neither nullable nor ``any``,
    and no default (fdl.md §2, tools.md §4)."""
    if declared is None or has_default:
        return False
    target = deref(declared)
    return not isinstance(target, Nullable) and target != ANY


def literal_type(value: object) -> Type:
    """The type of a YAML literal (``50`` is int, ``3e9`` a double, ``true`` a bool)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT if value in INT32 else LONG
    if isinstance(value, float):
        return DOUBLE
    if isinstance(value, str):
        return STRING
    return ANY


class TypeResolver:
    """Resolves type texts against the flow's ``defs``, reporting problems."""

    def __init__(self, defs: Mapping[str, Mapping[str, ArgDecl] | TypeText],
                 reporter: Reporter) -> None:
        self.reporter = reporter
        self.sources = defs
        self.types: dict[str, Type] = {}
        for name in defs:
            self.types[name] = RefType(name, self.types.get)
        for name in self._alias_cycles(defs):
            shape = defs[name]
            assert isinstance(shape, TypeText)
            self.reporter.report("E107", f"type '{name}' is defined through itself; a recursive"
                                 " type must go through an object type of defs (Tree: "
                                 "{children: Tree[]})", shape.span)
            self.types[name] = ANY
        for name, shape in defs.items():
            if isinstance(shape, TypeText):
                if self.types[name] != ANY:
                    self.types[name] = self.parse(shape)
            else:
                self.types[name] = self.shape(shape, name)

    @staticmethod
    def _alias_cycles(defs: Mapping[str, Mapping[str, ArgDecl] | TypeText]) -> list[str]:
        """Aliases (``A: B[]``) that lead back to themselves through aliases only."""
        words = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
        refs = {name: [w for w in words.findall(shape.text) if isinstance(defs.get(w), TypeText)]
                for name, shape in defs.items() if isinstance(shape, TypeText)}
        cyclic: list[str] = []
        for start in refs:
            seen: set[str] = set()
            stack = list(refs[start])
            while stack:
                current = stack.pop()
                if current == start:
                    cyclic.append(start)
                    break
                if current not in seen:
                    seen.add(current)
                    stack.extend(refs.get(current, ()))
        return cyclic

    def shape(self, shape: Mapping[str, ArgDecl] | TypeText, name: str | None = None) -> Type:
        """The type of an ``out`` or ``defs`` entry: a type text, or fields with their types
        (a closed object; fields without a type are ``any``)."""
        if isinstance(shape, TypeText):
            return self.parse(shape)
        return ObjectType({f: self.parse(d.type) if d.type else ANY for f, d in shape.items()},
                          closed=True, name=name)

    def parse(self, text: TypeText) -> Type:
        """The type a text denotes; ``any`` after reporting E107 when it is not a type."""

        def named(name: str) -> Type:
            if name in self.types:
                return RefType(name, self.types.get)
            hint = suggest(name, [*self.types, *PRIMITIVES])
            start = text.span.start + max(0, text.text.find(name))
            self.reporter.report(
                "E107", f"unknown type '{name}'" + (f"; did you mean '{hint}'?" if hint else
                                                    "; declare it in args.defs"),
                Span(start, start + len(name)), suggestion=hint)
            return ANY

        try:
            return parse_type(text.text, named=named)
        except RecursionError:
            self.reporter.report("E107", "the type is nested too deeply", text.span)
            return ANY
        except TypeSyntaxError as error:
            start = text.span.start + max(0, error.column - 1)
            self.reporter.report("E107", f"'{text.text}' is not a type: write a name such as "
                                 "string, int?, Order[] or map<int>", Span(start, text.span.end))
            return ANY
