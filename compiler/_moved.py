"""Flow models moved through the file: lazily mapped GML offsets, and models whose
positions are all shifted by the length of an edit before them.

The reader (`compiler.reader`) maps each GML field's characters to file offsets on demand
(`Offsets`, `OffsetsPart`). When an edit moves a node without changing its text, its model
is the old one with every position moved (`moved`): `NodeMemo` takes it over that way
instead of reading the node again.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from pydantic import BaseModel

from gml import Span

from .flow import Gml
from .yamltree import YamlText, YScalar

__all__ = ["CannotMove", "Offsets", "OffsetsPart", "moved"]


class CannotMove(Exception):
    """A model holds a value `moved` does not know how to move."""


class Offsets:
    """Lazily computed file offsets of a scalar, cached (most are never needed)."""

    __slots__ = ("_scalar", "_table", "_yaml")

    def __init__(self, yaml: YamlText, scalar: YScalar) -> None:
        self._yaml = yaml
        self._scalar = scalar
        self._table: list[int] | None = None

    def __call__(self) -> list[int]:
        if self._table is None:
            self._table = self._yaml.offsets(self._scalar)
        return self._table

    def part(self, start: int, end: int) -> OffsetsPart:
        """Offsets of ``value[start:end]``."""
        return OffsetsPart(self, start, end)

    def moved(self, yaml: YamlText, delta: int) -> Offsets:
        """The same scalar ``delta`` further on in ``yaml`` (with the same text there)."""
        scalar = self._scalar
        offsets = Offsets(yaml, YScalar(scalar.value, scalar.kind, scalar.style,
                                        Span(scalar.span.start + delta,
                                             scalar.span.end + delta)))
        if self._table is not None:
            offsets._table = [offset + delta for offset in self._table]
        return offsets


class OffsetsPart:
    """Offsets of a part of a scalar's value (`Offsets.part`)."""

    __slots__ = ("_end", "_offsets", "_start")

    def __init__(self, offsets: Offsets, start: int, end: int) -> None:
        self._offsets = offsets
        self._start = start
        self._end = end

    def __call__(self) -> list[int]:
        return self._offsets()[self._start: self._end + 1]

    def moved(self, yaml: YamlText, delta: int) -> OffsetsPart:
        return OffsetsPart(self._offsets.moved(yaml, delta), self._start, self._end)


def moved(value: Any, delta: int, yaml: YamlText) -> Any:
    """``value`` (a flow model or a part of one) with every position ``delta`` further on,
    its GML offsets read from ``yaml``.

    Raises:
        CannotMove: for a value of a kind it does not know.
    """
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is Span:
        return Span(value.start + delta, value.end + delta)
    if kind is tuple:
        return tuple([moved(item, delta, yaml) for item in value])
    if kind is Gml:
        offsets = value.offsets
        if offsets is not None:
            if not isinstance(offsets, Offsets | OffsetsPart):
                raise CannotMove(type(offsets).__name__)
            offsets = offsets.moved(yaml, delta)
        span = value.span
        return Gml(value.text, value.literal, Span(span.start + delta, span.end + delta),
                   offsets, value.plain)
    if isinstance(value, BaseModel):
        return value.model_copy(update={name: moved(getattr(value, name), delta, yaml)
                                        for name in value.model_fields_set})
    if kind is list:
        return [moved(item, delta, yaml) for item in value]
    if kind is dict:
        return {key: moved(item, delta, yaml) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return kind(**{f.name: moved(getattr(value, f.name), delta, yaml)
                       for f in fields(value)})
    raise CannotMove(kind.__name__)


_ATOMS = frozenset({type(None), str, int, float, bool})
