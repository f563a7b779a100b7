"""Bare words: names on the right of a comparison that are string values (spec/tools.md §6).

The language's own examples write ``level = error`` for ``level = 'error'``. The parser cannot
tell a bare word from a field (both are a ``NAME``, and the grammar does not know the table),
so it always builds a `Field`; the table's fields decide. A `Field` is a **bare word**, a
string value spelled by its name, when:

* it is the right operand of a comparison (``= != > >= < <=``) or one of the values of an
  ``IN (...)``/``NOT IN (...)`` list, and
* the table's fields are known and it is not one of them.

A name that is a field stays a field (``amount > minAmount``); the left operand, ``LIKE``'s
pattern and ``IS NULL``'s operand are always fields. **Decision**: when the fields are not
known (None: a table without declared or discovered columns) every name is a field, as
before bare words existed, so an undeclared table never turns a column into a string.

`bare_word_nodes` serves the SQL builder (`stdlib.cql._sql`), `bare_words` the static
checker's W215 (spec/fdl.md §5) where an ``exps`` text is literal: it is pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from . import _ast as a
from ._parser import parse

__all__ = ["BareWord", "bare_word_nodes", "bare_words", "is_bare_word"]


class BareWord(NamedTuple):
    """A bare word read as a string: its text and its character range in the condition."""

    word: str
    start: int
    end: int


def is_bare_word(node: a.Operand, fields: Collection[str] | None) -> bool:
    """True when ``node``, standing where a value may be a bare word, is one: a `Field`
    whose name is not among the known ``fields``."""
    return isinstance(node, a.Field) and fields is not None and node.name not in fields


def bare_word_nodes(expr: a.Node, fields: Collection[str] | None) -> list[a.Field]:
    """The `Field` nodes of ``expr`` that are bare words, in text order."""
    found: list[a.Field] = []
    if fields is None:
        return found
    for node in a.walk(expr):
        if isinstance(node, a.Compare):
            candidates: tuple[a.Operand, ...] = (node.right,)
        elif isinstance(node, a.In) and not isinstance(node.values, a.Param):
            candidates = node.values
        else:
            continue
        found += [c for c in candidates if isinstance(c, a.Field) and is_bare_word(c, fields)]
    return found


def bare_words(text: str, fields: Collection[str] | None) -> list[BareWord]:
    """The bare words of a CQL condition that are read as strings, with their character
    ranges (0-based, end exclusive), in text order: what W215 reports for a literal ``exps``.

        >>> bare_words("level = error && time >= TIME(-5m)", {"level", "time"})
        [BareWord(word='error', start=8, end=13)]

    ``fields`` are the table's field names (a mapping of fields to types will do); with None
    (fields unknown) every name is a field and the list is empty. A blank text has none.

    Raises:
        CqlError: Q101 when ``text`` is not CQL.
    """
    if not text.strip():
        return []
    return [BareWord(node.name, node.span.start, node.span.end)
            for node in bare_word_nodes(parse(text), fields)]
