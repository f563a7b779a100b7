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
    """

    max_string: int = 10_000_000
    max_array: int = 1_000_000
    max_depth: int = 256


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
