"""Resource limits of one evaluation (spec §10): hostile input becomes G306, never a hang."""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import GmlLimitError

__all__ = ["Limits", "check_array_size", "check_string_size"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what one evaluation may create or traverse.

    Attributes:
        max_string: longest string an operation may create (characters).
        max_array: longest array an operation may create (elements).
        max_depth: deepest nesting of input values that recursive operations (equality,
            conversion to text or JSON) will walk.
        max_total: largest *expanded* size of an array or object an evaluation builds: its
            elements and fields counted through every level, a part shared by reference
            counted every time it is reachable (``b = [a, a]`` counts ``a`` twice).
        max_steps: the evaluation's work budget. Every function and method call costs one
            step plus the length of the arrays and objects it is given; an evaluation that
            spends more fails with G306 instead of running unbounded.
    """

    max_string: int = 10_000_000
    max_array: int = 1_000_000
    max_depth: int = 256
    max_total: int = 10_000_000
    max_steps: int = 10_000_000


def check_string_size(length: int, limits: Limits) -> None:
    """G306 when a string of ``length`` characters would exceed ``limits``."""
    if length > limits.max_string:
        raise GmlLimitError(
            f"a string of {length} characters exceeds the limit of {limits.max_string}")


def check_array_size(length: int, limits: Limits) -> None:
    """G306 when an array of ``length`` elements would exceed ``limits``."""
    if length > limits.max_array:
        raise GmlLimitError(
            f"an array of {length} elements exceeds the limit of {limits.max_array}")
