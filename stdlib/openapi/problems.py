"""What the importer could not translate exactly: `OpenApiProblem` values and their list.

Problems are warnings, never errors: each names the place in the document (a JSON pointer)
and says what was done instead. The same problem found twice (a component used by several
operations) is reported once, in the order it was first found.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OpenApiProblem", "Problems"]


@dataclass(frozen=True, slots=True)
class OpenApiProblem:
    """A part of the document that was not translated exactly.

    Attributes:
        pointer: where, as a JSON pointer fragment (``#/paths/~1orders/post/requestBody``).
        message: what was not translated and what was done instead.
    """

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        """``{"pointer": ..., "message": ...}`` (``--json`` output)."""
        return {"pointer": self.pointer, "message": self.message}


class Problems:
    """The problems of one import, in the order they were found, each once."""

    __slots__ = ("_found", "_seen")

    def __init__(self) -> None:
        self._found: list[OpenApiProblem] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, pointer: str, message: str) -> None:
        """Report ``message`` at ``pointer`` (unless it was reported there already)."""
        key = (pointer, message)
        if key not in self._seen:
            self._seen.add(key)
            self._found.append(OpenApiProblem(pointer, message))

    def all(self) -> tuple[OpenApiProblem, ...]:
        """Every problem so far."""
        return tuple(self._found)
