"""Resource limits of one evaluation (spec §10): hostile input becomes G306, never a hang."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what one evaluation may create or traverse.

    Attributes:
        max_string: longest string an operation may create (characters).
        max_array: longest array an operation may create (elements).
        max_depth: deepest nesting of input values that recursive operations (equality,
            conversion to text or JSON) will walk.
    """

    max_string: int = 10_000_000
    max_array: int = 1_000_000
    max_depth: int = 256
