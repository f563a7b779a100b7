"""The one CQL error: a code, a message that says what to do, and a range in the CQL text.

Codes:

    Q101  syntax: the text is not CQL (also: too long, nested too deeply)
    Q201  a field that is not declared, or whose name cannot be a SQL identifier
    Q202  a parameter that has no value
    Q203  a value that cannot be used where it stands (a list for ``=``, a non-list after
          ``IN``, a string that is not a date for a date field, ...)
    Q204  a bad ``proj`` or ``sort`` text

``start`` and ``end`` are 0-based character offsets into the text the error is about, and
``argument`` names that text: ``exps`` (the condition), ``proj`` or ``sort``, so an adapter
says which of its arguments is wrong without reading the message; lines and columns are
computed at the edges, as GML does.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["CqlError", "fail"]


class CqlError(Exception):
    """A CQL problem: ``code`` (Q1xx syntax, Q2xx meaning), ``message``, ``start``, ``end``,
    and the ``argument`` whose text ``start``/``end`` point into (``exps``, ``proj``,
    ``sort``)."""

    code: str
    message: str
    start: int
    end: int
    argument: str

    def __init__(self, code: str, message: str, start: int = 0, end: int | None = None, *,
                 argument: str = "exps") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.start = start
        self.end = start if end is None else max(end, start)
        self.argument = argument

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "message", "start", "end"}``: a JSON-ready form."""
        return {"code": self.code, "message": self.message, "start": self.start,
                "end": self.end}

    def __str__(self) -> str:
        return f"{self.code}: {self.message} (characters {self.start}-{self.end})"

    def __repr__(self) -> str:
        return (f"CqlError({self.code!r}, {self.message!r}, start={self.start}, "
                f"end={self.end}, argument={self.argument!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.code, self.message, self.start, self.end, self.argument))


def _rebuild(code: str, message: str, start: int, end: int, argument: str) -> CqlError:
    """Unpickling: the keyword-only ``argument`` cannot travel in ``__reduce__``'s tuple."""
    return CqlError(code, message, start, end, argument=argument)


def fail(code: str, message: str, start: int = 0, end: int | None = None, *,
         argument: str = "exps") -> NoReturn:
    """Raise the `CqlError` every check of this package goes through."""
    raise CqlError(code, message, start, end, argument=argument)
