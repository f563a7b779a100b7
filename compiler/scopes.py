"""Scopes of spec/fdl.md §3: which variables a GML field can see, and their types.

A `Scope` is a read-only mapping from names to types, chained to its parent, so the GML
checker can use it directly as its typed context. Node output types are computed on first
use (a node's type may depend on other nodes' programs); a cycle yields ``any``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from gml.types import ANY, Type

__all__ = ["Scope", "Var", "VarKind"]

VarKind = Literal["builtin", "input", "vars", "node", "alias", "index"]


@dataclass(slots=True, eq=False)
class Var:
    """A variable: what declares it (``owner`` is the each/loop node for sub-flow variables,
    None at flow level) and its type, possibly computed lazily."""

    name: str
    kind: VarKind
    owner: str | None = None
    _type: Type | None = None
    compute: Callable[[], Type] | None = field(default=None, repr=False)
    _busy: bool = field(default=False, repr=False)

    @property
    def type(self) -> Type:
        if self._type is None:
            if self.compute is None or self._busy:
                return ANY
            self._busy = True
            try:
                self._type = self.compute()
            finally:
                self._busy = False
        return self._type

    def settle(self) -> Type:
        """Compute the type now and forget how (`FlowCompiler.settle`)."""
        t = self.type
        self.compute = None
        return t

    @property
    def writable(self) -> bool:
        """`sets` may write `vars` variables and node outputs (§3)."""
        return self.kind in ("vars", "node")


class Scope(Mapping[str, Type]):
    """The variables visible at one place, innermost first."""

    def __init__(self, parent: Scope | None = None, owner: str | None = None) -> None:
        self.parent = parent
        self.owner = owner
        self.vars: dict[str, Var] = {}

    def add(self, var: Var) -> Var:
        self.vars.setdefault(var.name, var)
        return var

    def resolve(self, name: str) -> Var | None:
        scope: Scope | None = self
        while scope is not None:
            var = scope.vars.get(name)
            if var is not None:
                return var
            scope = scope.parent
        return None

    def __getitem__(self, name: str) -> Type:
        var = self.resolve(name)
        if var is None:
            raise KeyError(name)
        return var.type

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve(name) is not None

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        scope: Scope | None = self
        while scope is not None:
            for name in scope.vars:
                if name not in seen:
                    seen.add(name)
                    yield name
            scope = scope.parent

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def declared(self) -> Mapping[str, Var]:
        """Every visible variable by name (innermost wins)."""
        return {name: v for name in self if (v := self.resolve(name)) is not None}
