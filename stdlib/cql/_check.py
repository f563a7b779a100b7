"""The static check of literal CQL texts: what ``fdl check`` reports for an ``exps``, ``proj``
or ``sort`` argument written as a literal string (spec/tools.md §6, "CQL is checked at
compile time").

Pure, no I/O, no parameter values: a condition is parsed (Q101), its fields are checked
against the table's (Q201, with did-you-mean; all of them, not only the first), its bare words
are reported (W215) and, when it has no ``:name`` parameters, it is translated once so that
values that cannot compare with a field's declared type are found too (Q203), by the pass
the SQL builder runs first (`stdlib.cql._values`), without building SQL or loading
SQLAlchemy. ``proj`` and
``sort`` are checked as the adapter reads them (Q204).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from gml.types import Type

from . import _ast as a
from ._bare import bare_word_nodes
from ._dialect import quote_ident
from ._errors import CqlError
from ._fields import did_you_mean, parse_proj, parse_sort
from ._parser import parse
from ._values import resolve

__all__ = ["CqlProblem", "check_condition", "check_proj", "check_sort"]


class CqlProblem(NamedTuple):
    """A problem of a literal CQL text: code, severity, message, character range."""

    code: str
    severity: str
    message: str
    start: int
    end: int


def _error(error: CqlError) -> CqlProblem:
    return CqlProblem(error.code, "error", error.message, error.start, error.end)


def check_condition(text: str, fields: Mapping[str, Type] | None) -> list[CqlProblem]:
    """The problems of a literal condition (``exps``), in text order; none for a blank text.

    ``fields`` are the table's declared fields and their types (None: not declared, then
    only the syntax is checked)."""
    if not text.strip():
        return []
    try:
        expr = parse(text)
    except CqlError as error:
        return [_error(error)]
    found: list[CqlProblem] = []
    bare = {id(node) for node in bare_word_nodes(expr, fields)}
    for node in a.walk(expr):
        if not isinstance(node, a.Field) or id(node) in bare:
            continue
        if fields is not None and node.name not in fields:
            found.append(CqlProblem("Q201", "error", f"unknown field {node.name!r}"
                                    f"{did_you_mean(node.name, fields)}",
                                    node.span.start, node.span.end))
            continue
        try:
            quote_ident(node.name, "sqlite")
        except CqlError as error:
            found.append(CqlProblem("Q201", "error", error.message, node.span.start,
                                    node.span.end))
    for node in bare_word_nodes(expr, fields):
        found.append(CqlProblem(
            "W215", "warning", f"the bare word {node.name} is not a field of the table, so it "
            f"is read as the string '{node.name}'; quote it ('{node.name}') or, better, bind "
            f"it as a :parameter", node.span.start, node.span.end))
    if not found and not a.params_of(expr):
        try:
            resolve(expr, dialect="sqlite", fields=fields, params={})
        except CqlError as error:
            found.append(_error(error))
    return sorted(found, key=lambda p: (p.start, p.end))


def check_proj(text: str, fields: Mapping[str, Type] | None) -> list[CqlProblem]:
    """The problem of a literal ``proj`` (Q204), if any."""
    try:
        parse_proj(text, fields)
    except CqlError as error:
        return [_error(error)]
    return []


def check_sort(text: str, fields: Mapping[str, Type] | None) -> list[CqlProblem]:
    """The problem of a literal ``sort`` (Q204), if any."""
    try:
        parse_sort(text, fields)
    except CqlError as error:
        return [_error(error)]
    return []
