"""``proj`` and ``sort`` (spec/tools.md §6): field lists read and checked against a table's
fields (Q204), and the did-you-mean hint of unknown fields. No SQLAlchemy here."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from gml.text import suggest
from gml.types import Type

from ._dialect import IDENTIFIER
from ._errors import fail

__all__ = ["did_you_mean", "parse_proj", "parse_sort"]


def _segments(text: str) -> Iterator[tuple[list[re.Match[str]], int, int]]:
    """The comma-separated items of ``text``: their words, and where each item is."""
    start = 0
    for end in [m.start() for m in re.finditer(",", text)] + [len(text)]:
        yield list(re.finditer(r"\S+", text[start:end])), start, end
        start = end + 1


def _field_name(word: str, fields: Mapping[str, Type] | None, what: str, start: int) -> str:
    end = start + len(word)
    if not IDENTIFIER.fullmatch(word):
        fail("Q204", f"{word!r} in {what} is not a field name: use letters A-Z, digits and _",
             start, end, argument=what)
    if fields is not None and word not in fields:
        fail("Q204", f"unknown field {word!r} in {what}{did_you_mean(word, fields)}",
             start, end, argument=what)
    return word


def did_you_mean(name: str, fields: Mapping[str, Type]) -> str:
    """``; did you mean 'x'?`` or the list of fields, to end a message about ``name``."""
    guess = suggest(name, fields)
    if guess is not None:
        return f"; did you mean {guess!r}?"
    names = list(fields)
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return f"; the fields are {shown}" if names else "; the table declares no fields"


def parse_proj(text: str, fields: Mapping[str, Type] | None) -> list[str]:
    """The field names of a projection: ``"id, amount"`` (commas and/or spaces between).

    Raises:
        CqlError: Q204, with offsets into ``text``, for an empty projection or item, a name
            that is not an identifier, an unknown field (when ``fields`` is given) or a field
            listed twice.
    """
    names: list[str] = []
    if not text.strip():
        fail("Q204", "the projection is empty; list fields such as 'id, amount', or leave "
             "proj out for all fields", 0, len(text), argument="proj")
    for words, start, end in _segments(text):
        if not words:
            fail("Q204", "empty item in proj: remove the extra comma", start, end,
                 argument="proj")
        for word in words:
            offset = start + word.start()
            name = _field_name(word.group(), fields, "proj", offset)
            if name in names:
                fail("Q204", f"the field {name!r} is listed twice in proj", offset,
                     offset + len(name), argument="proj")
            names.append(name)
    return names


def parse_sort(text: str, fields: Mapping[str, Type] | None) -> list[tuple[str, bool]]:
    """``"time DESC, id"`` → ``[("time", True), ("id", False)]``; ASC/DESC in any case.

    A blank text is no ordering (``[]``).

    Raises:
        CqlError: Q204, with offsets into ``text``, for an empty item, a name that is not an
            identifier, an unknown field (when ``fields`` is given), a direction that is not
            ASC or DESC, or a field sorted on twice.
    """
    order: list[tuple[str, bool]] = []
    if not text.strip():
        return order
    for words, start, end in _segments(text):
        if not words:
            fail("Q204", "empty item in sort: remove the extra comma", start, end,
                 argument="sort")
        first = words[0]
        name = _field_name(first.group(), fields, "sort", start + first.start())
        descending = False
        if len(words) >= 2:
            direction = words[1].group()
            if direction.upper() not in ("ASC", "DESC"):
                fail("Q204", f"expected ASC or DESC after {name!r} in sort, not {direction!r}",
                     start + words[1].start(), start + words[1].end(), argument="sort")
            descending = direction.upper() == "DESC"
        if len(words) > 2:
            fail("Q204", f"unexpected {words[2].group()!r} in sort: separate items with commas,"
                 " as in 'time DESC, id'", start + words[2].start(), start + words[-1].end(),
                 argument="sort")
        if any(name == seen for seen, _ in order):
            fail("Q204", f"the field {name!r} is sorted on twice", start + first.start(),
                 start + first.end(), argument="sort")
        order.append((name, descending))
    return order
