"""Checking a CQL text that a template builds: the literal parts are checked, what an
insertion could change is not (spec/tools.md §6: "or a template whose literal parts parse").

Each insertion is filled with a stand-in, first a ``:parameter`` (a value: most insertions
stand for one, as in ``customerId = ${customerId}``), then, when a problem touches a stand-in
that way, a bare name (a field: ``${field} = 1``). A problem that touches a stand-in is left to
the run; the others are reported with offsets counted over the literal parts only, as
`compiler.ArgProblem` counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gml.types import Type

from ._check import CqlProblem

__all__ = ["check_parts"]

Check = Callable[[str, Mapping[str, Type] | None], list[CqlProblem]]
_STAND_INS: tuple[Callable[[int], str], ...] = (lambda i: f":fdlHole{i}",
                                                lambda i: f"fdlHole{i}")


def check_parts(parts: Sequence[str | None], fields: Mapping[str, Type] | None,
                check: Check) -> list[CqlProblem]:
    """The problems of the literal parts of ``parts`` (None: an insertion), by ``check``."""
    if None not in parts:
        return check("".join(p for p in parts if p is not None), fields)
    kept: list[CqlProblem] = []
    for stand_in in _STAND_INS:
        text, holes, segments = _fill(parts, stand_in)
        problems = check(text, fields)
        kept = [_back(p, segments) for p in problems if not _touches(p, holes)]
        if len(kept) == len(problems):
            break
    return kept


def _fill(parts: Sequence[str | None], stand_in: Callable[[int], str]
          ) -> tuple[str, list[tuple[int, int]], list[tuple[int, int, int]]]:
    """The text with stand-ins, the stand-ins' ranges, and each literal part's range in the
    text with its offset over the literal parts only."""
    pieces: list[str] = []
    holes: list[tuple[int, int]] = []
    segments: list[tuple[int, int, int]] = []
    at = literal = 0
    for i, part in enumerate(parts):
        piece = stand_in(i) if part is None else part
        if part is None:  # with the blanks around it: the token next to it is its own
            before = len(pieces[-1]) - len(pieces[-1].rstrip()) if pieces else 0
            after = len(parts[i + 1] or "") - len((parts[i + 1] or "").lstrip()) \
                if i + 1 < len(parts) else 0
            holes.append((at - before, at + len(piece) + after))
        else:
            segments.append((at, at + len(piece), literal))
            literal += len(piece)
        pieces.append(piece)
        at += len(piece)
    return "".join(pieces), holes, segments


def _touches(problem: CqlProblem, holes: Sequence[tuple[int, int]]) -> bool:
    """Whether a problem overlaps or borders a stand-in (with the blanks around it)."""
    return any(problem.start <= end and start <= problem.end for start, end in holes)


def _back(problem: CqlProblem, segments: Sequence[tuple[int, int, int]]) -> CqlProblem:
    """The problem with offsets over the literal parts only."""
    for start, end, literal in segments:
        if start <= problem.start and problem.end <= end:
            shift = start - literal
            return problem._replace(start=problem.start - shift, end=problem.end - shift)
    first = next((literal for start, _, literal in segments if start <= problem.start), 0)
    return problem._replace(start=first, end=first)
