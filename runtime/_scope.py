"""Variable scopes at run time (spec/fdl.md §3) as read-only mappings for GML.

A `Scope` is one level: its own variables in a dict, then its parent's. GML reads names
with ``data.get(name)``, which is the hot path of every evaluation, so `get` is written
out by hand rather than inherited from `collections.abc.Mapping`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Overlay", "Scope"]

_MISSING: Any = object()


class Scope(Mapping[str, Any]):
    """One level of variables over an optional parent.

    Attributes:
        local: this level's variables (mutated by the core only).
        parent: the enclosing scope, or None at the top.
    """

    __slots__ = ("local", "parent")

    def __init__(self, local: dict[str, Any], parent: Scope | None = None) -> None:
        self.local = local
        self.parent = parent

    def get(self, key: str, default: Any = None) -> Any:
        scope: Scope | None = self
        while scope is not None:
            value = scope.local.get(key, _MISSING)
            if value is not _MISSING:
                return value
            scope = scope.parent
        return default

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        scope: Scope | None = self
        while scope is not None:
            if key in scope.local:
                return True
            scope = scope.parent
        return False

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        scope: Scope | None = self
        while scope is not None:
            for key in scope.local:
                if key not in seen:
                    seen.add(key)
                    yield key
            scope = scope.parent

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def owner_of(self, key: str) -> Scope | None:
        """The nearest level that holds ``key`` (where ``sets`` writes it, §3)."""
        scope: Scope | None = self
        while scope is not None:
            if key in scope.local:
                return scope
            scope = scope.parent
        return None

    def write(self, key: str, value: Any) -> None:
        """Update the nearest visible ``key``; a name nobody holds lands on this level
        (the compiler rejects such writes, E305, so this only happens for plans built by
        hand)."""
        target = self.owner_of(key) or self
        target.local[key] = value


class Overlay(Mapping[str, Any]):
    """A few values (a tool's raw result under its node id, pending ``sets`` writes) seen
    in front of a scope while ``sets`` and ``with`` are evaluated."""

    __slots__ = ("base", "front")

    def __init__(self, front: dict[str, Any], base: Mapping[str, Any]) -> None:
        self.front = front
        self.base = base

    def get(self, key: str, default: Any = None) -> Any:
        value = self.front.get(key, _MISSING)
        if value is _MISSING:
            return self.base.get(key, default)
        return value

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self.front or key in self.base

    def __iter__(self) -> Iterator[str]:
        yield from self.front
        for key in self.base:
            if key not in self.front:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)
