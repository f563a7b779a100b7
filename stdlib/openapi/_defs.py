"""The ``defs`` table shared by every tool of one document.

A component (``components/schemas/<name>``) becomes a def the first time an operation uses
it, under its own name when that is an FDL type name (else a cleaned one, chosen up front
so that names do not depend on the order of use); an inline object becomes a def named
after where it is (``CreateOrderAddress``). Each tool then carries exactly the defs it
uses, transitively (`Defs.closure`), in the order they were first used.

A def is a mapping of fields (an object) or a type text (an alias such as ``Order[]``).
Aliases that lead back to themselves only through aliases are no FDL type (E107): they
become ``any`` (`Defs.resolve_alias_cycles`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gml.types import PRIMITIVES

from ._names import TYPE_NAME, unique
from ._primitives import Report
from ._shapes import ANY

__all__ = ["RESERVED_TYPES", "Defs"]

RESERVED_TYPES = frozenset({*PRIMITIVES, "map"})
"""Names a def cannot have."""


class Defs:
    """The defs of one document, filled as operations use components.

    Attributes:
        types: def name → its fields (an object) or its type text (an alias).
        descriptions: def name → field name → description.
        notes: def name → notes of an alias (enum values, formats).
        nullable: the defs whose schema allows null.
        objects: the defs that are objects (fields).
        pointers: def name → the pointer of its schema.
        used: component name → def name, for the components translated so far.
        reserved: component name → the def name it gets when used.
    """

    __slots__ = ("descriptions", "notes", "nullable", "objects", "pointers", "reserved",
                 "types", "used")

    def __init__(self, components: Iterable[object]) -> None:
        self.types: dict[str, dict[str, str] | str] = {}
        self.descriptions: dict[str, dict[str, str]] = {}
        self.notes: dict[str, tuple[str, ...]] = {}
        self.nullable: set[str] = set()
        self.objects: set[str] = set()
        self.pointers: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.reserved: dict[str, str] = {}
        taken: set[str] = set()
        for name in components:
            text = str(name)
            clean = re.sub(r"[^A-Za-z0-9_\-]", "_", text)
            if not clean or not (clean[0].isalpha() or clean[0] == "_"):
                clean = "T" + clean
            if clean in RESERVED_TYPES:
                clean = clean[:1].upper() + clean[1:]
                if clean in RESERVED_TYPES:  # pragma: no cover - primitives are lower case
                    clean += "Type"
            clean = unique(clean, taken)
            taken.add(clean)
            self.reserved[text] = clean

    def fresh(self, hint: str) -> str:
        """A name for an inline object's def, made from ``hint`` and not taken."""
        base = hint if TYPE_NAME.fullmatch(hint) and hint not in RESERVED_TYPES else "T" + hint
        return unique(base, {*self.types, *self.reserved.values()})

    def resolve_alias_cycles(self, report: Report) -> None:
        """Aliases (``A: B[]``) that lead back to themselves only through aliases are not
        FDL types (E107): they become ``any``."""
        aliases = {name: [w for w in TYPE_NAME.findall(shape) if isinstance(
            self.types.get(w), str)] for name, shape in self.types.items()
            if isinstance(shape, str)}
        for start in list(aliases):
            if self.types[start] == ANY:
                continue
            stack, seen = list(aliases[start]), set()
            while stack:
                current = stack.pop()
                if current == start:
                    report(self.pointers.get(start, "#"), f"the schema '{start}' is defined "
                           "only through itself (no object in between): typed any")
                    self.types[start] = ANY
                    break
                if current not in seen:
                    seen.add(current)
                    stack.extend(aliases.get(current, ()))

    def closure(self, texts: Iterable[str]) -> list[str]:
        """The defs the type texts use, transitively, in the order of ``types``."""
        used: set[str] = set()
        stack = [w for text in texts for w in TYPE_NAME.findall(text) if w in self.types]
        while stack:
            name = stack.pop()
            if name in used:
                continue
            used.add(name)
            shape = self.types[name]
            for text in (shape.values() if isinstance(shape, dict) else (shape,)):
                stack.extend(w for w in TYPE_NAME.findall(text) if w in self.types)
        return [name for name in self.types if name in used]
